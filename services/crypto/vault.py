"""The master key ring of a process, installed once at start-up from the settings.

Every process (API, worker, CLI) installs it before touching personal data; nothing
falls back to a built-in key, so a process without one fails instead of writing
plaintext.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from services.crypto.cipher import KeyRing

CASE_KEY_PURPOSE = "casework/case-key-wrapping"
PAYLOAD_PURPOSE = "casework/temporal-payloads"
CHECKPOINT_PURPOSE = "casework/audit-checkpoints"


class VaultNotConfigured(RuntimeError):
    """Personal data was touched before a master key ring was installed."""


@dataclass(frozen=True)
class Vault:
    """Subkeys of the master ring, one per purpose, so that no key serves two."""

    master: KeyRing

    @cached_property
    def case_keys(self) -> KeyRing:
        return self.master.derive(CASE_KEY_PURPOSE)

    @cached_property
    def payloads(self) -> KeyRing:
        return self.master.derive(PAYLOAD_PURPOSE)

    @cached_property
    def checkpoints(self) -> KeyRing:
        """Signs the timeline's checkpoints: a key the database never holds."""
        return self.master.derive(CHECKPOINT_PURPOSE)


_installed: list[Vault] = []


def install_vault(vault: Vault) -> None:
    _installed[:] = [vault]


def current_vault() -> Vault:
    if not _installed:
        raise VaultNotConfigured("no master key ring installed (settings MASTER_KEYS)")
    return _installed[0]
