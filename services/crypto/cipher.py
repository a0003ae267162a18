"""AES-256-GCM under a ring of keys, each ciphertext naming the key that sealed it.

A token is ``version | key id length | key id | nonce | ciphertext+tag``. The key id in
the token is what lets a ring hold old keys for reading while new writes use the
current one (rotation). Associated data binds a ciphertext to where it belongs (a field
of a case): the same bytes moved elsewhere do not open.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT_VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TEXT_PREFIX = "enc1:"
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,40}$")


class DecryptionError(Exception):
    """A ciphertext did not open: altered, sealed for another place, or an unknown key."""


class UnknownKey(DecryptionError):
    """The ciphertext names a key that the ring does not hold."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"no key {key_id!r} in the ring")
        self.key_id = key_id


@dataclass(frozen=True)
class KeyRing:
    """Keys by id; ``current`` seals, every key opens what it sealed."""

    keys: Mapping[str, bytes]
    current: str
    _aead: dict[str, AESGCM] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise ValueError(f"current key {self.current!r} is not in the ring")
        for key_id, key in self.keys.items():
            if not _KEY_ID.match(key_id):
                raise ValueError(f"key id {key_id!r}: 1-40 letters, digits, '.', '_' or '-'")
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id!r} must be {KEY_BYTES} bytes, not {len(key)}")
            self._aead[key_id] = AESGCM(key)

    def seal(self, plaintext: bytes, associated_data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        key_id = self.current.encode()
        sealed = self._aead[self.current].encrypt(nonce, plaintext, associated_data)
        return bytes([FORMAT_VERSION, len(key_id)]) + key_id + nonce + sealed

    def open(self, token: bytes, associated_data: bytes) -> bytes:
        key_id = key_id_of(token)
        aead = self._aead.get(key_id)
        if aead is None:
            raise UnknownKey(key_id)
        start = 2 + len(key_id)
        nonce, sealed = token[start : start + NONCE_BYTES], token[start + NONCE_BYTES :]
        try:
            return aead.decrypt(nonce, sealed, associated_data)
        except InvalidTag:
            raise DecryptionError("ciphertext altered or sealed for another place") from None

    def seal_text(self, plaintext: str, associated_data: str) -> str:
        token = self.seal(plaintext.encode(), associated_data.encode())
        return TEXT_PREFIX + base64.urlsafe_b64encode(token).decode()

    def open_text(self, text: str, associated_data: str) -> str:
        return self.open(token_of_text(text), associated_data.encode()).decode()

    def derive(self, purpose: str) -> KeyRing:
        """A ring of subkeys for one purpose, with the same ids (HKDF-SHA256)."""
        return KeyRing(
            keys={key_id: _hkdf(key, purpose) for key_id, key in self.keys.items()},
            current=self.current,
        )


def key_id_of(token: bytes) -> str:
    if len(token) < 2 or token[0] != FORMAT_VERSION:
        raise DecryptionError("not a ciphertext of a known format")
    length = token[1]
    if len(token) < 2 + length + NONCE_BYTES + 16:
        raise DecryptionError("ciphertext truncated")
    return token[2 : 2 + length].decode("ascii", errors="replace")


def token_of_text(text: str) -> bytes:
    # Only ever asked of a value stored where a sealed one belongs: the prefix checks its
    # format, it never decides whether a value is sealed.
    if not text.startswith(TEXT_PREFIX):
        raise DecryptionError("not a sealed text")
    try:
        return base64.urlsafe_b64decode(text[len(TEXT_PREFIX) :])
    except (binascii.Error, ValueError):
        raise DecryptionError("sealed text is not valid base64") from None


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def parse_key_ring(text: str) -> KeyRing:
    """``id:base64key,id:base64key``; the first is current, the others only open."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key_id, sep, encoded = item.partition(":")
        if not sep:
            raise ValueError("each key is written id:base64")
        try:
            keys[key_id.strip()] = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            raise ValueError(f"key {key_id!r} is not valid base64") from None
    if not keys:
        raise ValueError("no key given")
    return KeyRing(keys=keys, current=next(iter(keys)))


def format_key_ring(ring: KeyRing) -> str:
    ordered = [ring.current, *(key_id for key_id in ring.keys if key_id != ring.current)]
    return ",".join(
        f"{key_id}:{base64.b64encode(ring.keys[key_id]).decode()}" for key_id in ordered
    )


def _hkdf(key: bytes, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode()
    ).derive(key)
