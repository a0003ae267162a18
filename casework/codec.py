"""The payload codec: every Temporal payload and failure sealed before it leaves the
process, a case's under (a subkey of) that case's own data key.

Payloads of a case's workflows (and its legal matters', and their activities') are
sealed with the case's key, found from the workflow id of the serialization context, so
destroying the key makes the case's histories unreadable too. Payloads with no case
(the intake lock, clients without context) are sealed with a subkey of the master ring.
Each sealed payload says in its metadata which case (if any) and which key sealed it,
so decoding needs no context.

A payload it did not seal is refused (unless ``accept_unsealed``, for histories recorded
before the codec): it is handed on as one no converter reads, so a step forged by someone
who reached Temporal without our keys fails as a rejected update (a dropped signal), and
the case's workflow task goes on, unjammed, taking real steps.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Protocol, Self

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec, SerializationContext, WithSerializationContext

from casework.metrics import UNSEALED_REFUSED
from services.crypto.case_keys import case_ring
from services.crypto.cipher import DecryptionError, KeyRing
from services.db import transaction
from workflows.ids import case_id_from_workflow_id

ENCODING = b"binary/encrypted"
REFUSED_ENCODING = b"binary/refused-unsealed"  # no payload converter reads it
KEY_ID_METADATA = "encryption-key-id"
CASE_METADATA = "encryption-case"
log = structlog.stdlib.get_logger(__name__)
TEMPORAL_PURPOSE = "casework/temporal-case-payloads"
_AD = "casework/temporal-payload/"


class CaseKeyDestroyed(DecryptionError):
    """A payload of a case whose key is destroyed: erased, for good."""


class CaseKeys(Protocol):
    async def ring(self, case_id: str, *, create: bool) -> KeyRing | None: ...


class DatabaseCaseKeys:
    """Case keys from the ``case_key`` table, kept for ``ttl`` seconds: a destroyed key
    stops working in other processes within that time."""

    def __init__(self, session_factory: sessionmaker[Session], ttl: float = 60.0) -> None:
        self._session_factory = session_factory
        self._ttl = ttl
        self._cache: dict[str, tuple[float, KeyRing]] = {}

    async def ring(self, case_id: str, *, create: bool) -> KeyRing | None:
        cached = self._cache.get(case_id)
        if cached and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        ring = await asyncio.to_thread(self._load, case_id, create)
        if ring is None:
            self._cache.pop(case_id, None)
            return None
        self._cache[case_id] = (time.monotonic(), ring)
        return ring

    def forget(self, case_id: str) -> None:
        self._cache.pop(case_id, None)

    def _load(self, case_id: str, create: bool) -> KeyRing | None:
        try:
            with transaction(self._session_factory) as session:
                ring = case_ring(session=session, case_id=case_id, create=create)
        except IntegrityError:  # another process made it first: use theirs
            with self._session_factory() as session:
                ring = case_ring(session=session, case_id=case_id)
        return ring.derive(TEMPORAL_PURPOSE) if ring else None


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    """AES-GCM over each whole payload (see the module's docstring for which key)."""

    def __init__(
        self,
        ring: KeyRing,
        case_keys: CaseKeys | None = None,
        case_id: str | None = None,
        *,
        seal_with_case_keys: bool = True,
        accept_unsealed: bool = False,
    ) -> None:
        self._ring = ring
        self._case_keys = case_keys
        self._case_id = case_id
        self._seal_with_case_keys = seal_with_case_keys
        self._accept_unsealed = accept_unsealed

    def with_context(self, context: SerializationContext) -> Self:
        workflow_id = getattr(context, "workflow_id", None)
        case_id = case_id_from_workflow_id(workflow_id) if workflow_id else None
        return type(self)(
            self._ring,
            self._case_keys,
            case_id,
            seal_with_case_keys=self._seal_with_case_keys,
            accept_unsealed=self._accept_unsealed,
        )

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        if self._case_keys is None or self._case_id is None or not self._seal_with_case_keys:
            return [self._seal(payload, self._ring, None) for payload in payloads]
        ring = await self._case_keys.ring(self._case_id, create=True)
        if ring is None:
            raise CaseKeyDestroyed(f"case {self._case_id}: key destroyed, nothing may be sealed")
        return [self._seal(payload, ring, self._case_id) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [await self.open(payload) for payload in payloads]

    async def open(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload if self._accept_unsealed else self._refuse(payload)
        case_id = (
            payload.metadata[CASE_METADATA].decode() if CASE_METADATA in payload.metadata else None
        )
        ring = self._ring
        if case_id is not None:
            if self._case_keys is None:
                raise DecryptionError(f"case {case_id}: no access to case keys here")
            found = await self._case_keys.ring(case_id, create=False)
            if found is None:
                raise CaseKeyDestroyed(f"case {case_id}: key destroyed, payload erased")
            ring = found
        opened = Payload()
        opened.ParseFromString(ring.open(payload.data, _ad(case_id)))
        return opened

    def _refuse(self, payload: Payload) -> Payload:
        UNSEALED_REFUSED.inc()
        log.warning(
            "refused a Temporal payload not sealed by our codec",
            case_id=self._case_id,
            encoding=payload.metadata.get("encoding", b"").decode(errors="replace"),
        )
        return Payload(metadata={"encoding": REFUSED_ENCODING})

    def _seal(self, payload: Payload, ring: KeyRing, case_id: str | None) -> Payload:
        metadata = {"encoding": ENCODING, KEY_ID_METADATA: ring.current.encode()}
        if case_id is not None:
            metadata[CASE_METADATA] = case_id.encode()
        return Payload(metadata=metadata, data=ring.seal(payload.SerializeToString(), _ad(case_id)))


def _ad(case_id: str | None) -> bytes:
    return (_AD + (case_id or "")).encode()
