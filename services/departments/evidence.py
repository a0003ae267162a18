"""Evidence files attached to a case or one of its legal matters.

The type is read from the content, never from the name: PDF, JPEG, PNG and the office
formats staff use (Word and Excel, old and new). Name and content are sealed with the
case's key, so destroying the key erases them; the SHA-256 of the content stays. The
content goes to a :class:`Store` (the database by default) that an object store can
replace.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.crypto.case_keys import case_ring
from services.crypto.cipher import KeyRing
from services.departments.records import EvidenceBlobRecord, EvidenceFileRecord
from services.kernel.errors import InvalidInput, NotFound
from services.kernel.values import Frozen

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls (Compound File Binary)
_OFFICE_XML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


class EvidenceNotFound(NotFound):
    code = "evidence_not_found"


class Store(Protocol):
    def put(self, session: Session, file_id: str, sealed: bytes) -> None: ...
    def get(self, session: Session, file_id: str) -> bytes | None: ...
    def delete(self, session: Session, file_id: str) -> None: ...


class DatabaseStore:
    def put(self, session: Session, file_id: str, sealed: bytes) -> None:
        session.add(EvidenceBlobRecord(file_id=file_id, data=sealed))

    def get(self, session: Session, file_id: str) -> bytes | None:
        row = session.get(EvidenceBlobRecord, file_id)
        return None if row is None else row.data

    def delete(self, session: Session, file_id: str) -> None:
        row = session.get(EvidenceBlobRecord, file_id)
        if row is not None:
            session.delete(row)


class EvidenceFile(Frozen):
    id: str
    case_id: str
    matter_id: str | None
    name: str | None  # None once the case's key is destroyed
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


def content_type_of(data: bytes) -> str | None:
    """The file's type by its content, or None if it is not one we take."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(OLE):
        return "application/x-ole-storage"  # Word 97-2003 or Excel 97-2003
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            for prefix, kind in _OFFICE_XML.items():
                if any(name.startswith(prefix) for name in names):
                    return kind
    return None


def attach(
    *,
    session: Session,
    store: Store,
    case_id: str,
    matter_id: str | None,
    name: str,
    data: bytes,
    max_bytes: int,
    by: str,
    now: datetime,
    file_id: str | None = None,
) -> EvidenceFile:
    """Store the file (sealed) as ``file_id`` (a new id if None): the caller records the
    ``evidence_attached`` step that puts it on the case's timeline."""
    if not data:
        raise InvalidInput("the file is empty", field="file")
    if len(data) > max_bytes:
        raise InvalidInput(f"the file is over {max_bytes} bytes", field="file")
    kind = content_type_of(data)
    if kind is None:
        raise InvalidInput("a file must be PDF, JPEG, PNG, Word or Excel", field="file")
    ring = case_ring(session=session, case_id=case_id)
    if ring is None:
        raise InvalidInput("the case's data is erased", field="case_id")
    file_id = file_id or str(uuid.uuid4())
    row = EvidenceFileRecord(
        id=file_id,
        case_id=case_id,
        matter_id=matter_id,
        name=ring.seal_text(name, f"evidence_file.name/{case_id}/{file_id}"),
        content_type=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=by,
        uploaded_at=now,
    )
    session.add(row)
    session.flush()
    store.put(session, file_id, ring.seal(data, _content_ad(case_id, file_id)))
    session.flush()
    return _file(row, name)


def stored_file(*, session: Session, case_id: str, file_id: str) -> EvidenceFile | None:
    """The file stored as ``file_id`` on the case, if any (a repeated upload finds it)."""
    row = session.get(EvidenceFileRecord, file_id)
    if row is None or row.case_id != case_id:
        return None
    return _file(row, _name(case_ring(session=session, case_id=case_id), row))


def discard(*, session: Session, store: Store, file_id: str) -> None:
    """Remove a file whose step the case refused (it never reached the timeline)."""
    store.delete(session, file_id)
    session.flush()  # the content before its row (the row is what it refers to)
    row = session.get(EvidenceFileRecord, file_id)
    if row is not None:
        session.delete(row)
    session.flush()


def files_of(*, session: Session, case_id: str) -> list[EvidenceFile]:
    ring = case_ring(session=session, case_id=case_id)
    rows = session.scalars(
        select(EvidenceFileRecord)
        .where(EvidenceFileRecord.case_id == case_id)
        .order_by(EvidenceFileRecord.uploaded_at, EvidenceFileRecord.id)
    )
    return [_file(row, _name(ring, row)) for row in rows]


def content_of(
    *, session: Session, store: Store, case_id: str, file_id: str
) -> tuple[EvidenceFile, bytes]:
    row = session.get(EvidenceFileRecord, file_id)
    ring = case_ring(session=session, case_id=case_id)
    sealed = store.get(session, file_id) if row is not None else None
    if row is None or row.case_id != case_id or ring is None or sealed is None:
        raise EvidenceNotFound(f"no evidence file {file_id}", field="file_id")
    return _file(row, _name(ring, row)), ring.open(sealed, _content_ad(case_id, file_id))


def _name(ring: KeyRing | None, row: EvidenceFileRecord) -> str | None:
    if ring is None:
        return None
    return ring.open_text(row.name, f"evidence_file.name/{row.case_id}/{row.id}")


def _file(row: EvidenceFileRecord, name: str | None) -> EvidenceFile:
    return EvidenceFile(
        id=row.id,
        case_id=row.case_id,
        matter_id=row.matter_id,
        name=name,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
    )


def _content_ad(case_id: str, file_id: str) -> bytes:
    return f"evidence_blob.data/{case_id}/{file_id}".encode()
