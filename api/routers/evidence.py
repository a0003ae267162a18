"""Evidence files of a case (or of one of its legal matters): attached by staff and
lawyers, listed with name, size, who and when, downloaded (access-logged)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from temporalio.client import WorkflowUpdateFailedError

from api.deps import SessionDep, SettingsDep
from api.policy import CaseInReach, SignedIn
from api.problems import PROBLEMS, STEP_PROBLEMS
from api.steps import StepContext, StepDep
from services.cases.evidence import RecordEvidence
from services.departments import evidence
from services.departments.evidence import EvidenceFile
from services.kernel.errors import IdempotencyKeyReused, InvalidInput
from services.legal_aid.track import TRACK
from services.users.access_log import record_file_read

router = APIRouter(prefix="/cases/{case_id}/evidence", tags=["evidence"], responses=PROBLEMS)
FileId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
MatterField = Annotated[str | None, Form(pattern=TRACK.routes.item_pattern)]
STORE = evidence.DatabaseStore()
# A keyed upload's file id derives from its caller and key: a repeat finds its file.
_FILE_IDS = uuid.UUID("2b6c3f0e-8d1a-4e57-9a43-5f0c7e91d2b4")
FILE: dict[int | str, dict[str, Any]] = {200: {"content": {"application/octet-stream": {}}}}


@router.post("", status_code=status.HTTP_201_CREATED, responses=STEP_PROBLEMS)
async def attach_evidence(
    case: CaseInReach,
    user: SignedIn,
    session: SessionDep,
    settings: SettingsDep,
    writer: StepDep,
    file: Annotated[UploadFile, File(description="PDF, JPEG, PNG, Word or Excel")],
    matter_id: MatterField = None,
) -> EvidenceFile:
    """Attach a file (type checked by its content; at most MAX_EVIDENCE_BYTES): stored
    sealed, then recorded on the case's timeline (``evidence_attached``: the file's id,
    type, size and SHA-256). With an ``Idempotency-Key``, a repeat stores nothing again."""
    return await attach_and_record(
        writer, session, file, case_id=case.id, matter_id=matter_id, by=user.username,
        max_bytes=settings.max_evidence_bytes,
    )  # fmt: skip


async def attach_and_record(
    writer: StepContext,
    session: Session,
    file: UploadFile,
    *,
    case_id: str,
    matter_id: str | None,
    by: str,
    max_bytes: int,
) -> EvidenceFile:
    """Store the file sealed, then take the ``evidence_attached`` step through ``writer``
    (a refused step discards the file). A repeat of a keyed upload finds its file."""
    data = await file.read(max_bytes + 1)
    name = (file.filename or "evidence").strip()[:200] or "evidence"
    if len(name.encode()) > 600:
        raise InvalidInput("the file's name is too long", field="file")
    key = writer.idempotency_key
    file_id = str(uuid.uuid5(_FILE_IDS, f"{writer.user.id}\x00{key}") if key else uuid.uuid4())

    def store() -> EvidenceFile:
        try:
            repeat = evidence.stored_file(session=session, case_id=case_id, file_id=file_id)
            if repeat is not None:  # the same key again: the same file, or a misuse
                if repeat.sha256 != hashlib.sha256(data).hexdigest():
                    raise IdempotencyKeyReused(
                        "this Idempotency-Key was used for a different file",
                        field="Idempotency-Key",
                    )
                return repeat
            attached = evidence.attach(
                session=session,
                store=STORE,
                case_id=case_id,
                matter_id=matter_id,
                name=name,
                data=data,
                max_bytes=max_bytes,
                by=by,
                now=datetime.now(UTC),
                file_id=file_id,
            )
            session.commit()
            return attached
        finally:
            session.rollback()

    attached = await run_in_threadpool(store)
    step = RecordEvidence(
        file_id=uuid.UUID(attached.id),
        content_type=attached.content_type,
        size=attached.size,
        sha256=attached.sha256,
    )
    try:
        await writer.apply(uuid.UUID(case_id), step, target=matter_id)
    except WorkflowUpdateFailedError:  # refused by the case: no file without its step
        await run_in_threadpool(_discard, session, file_id)
        raise
    return attached


def _discard(session: Session, file_id: str) -> None:
    try:
        evidence.discard(session=session, store=STORE, file_id=file_id)
        session.commit()
    finally:
        session.rollback()


@router.get("")
def list_evidence(case: CaseInReach, session: SessionDep) -> list[EvidenceFile]:
    """The case's evidence files, oldest first: name, type, size, SHA-256, who and when."""
    return evidence.files_of(session=session, case_id=case.id)


@router.get("/{file_id}", response_class=Response, responses=FILE)
def download_evidence(
    case: CaseInReach, file_id: FileId, user: SignedIn, session: SessionDep
) -> Response:
    """The file itself (the download is access-logged)."""
    info, data = evidence.content_of(session=session, store=STORE, case_id=case.id, file_id=file_id)
    record_file_read(
        session=session,
        user=user,
        case_id=case.id,
        centre=case.centre,
        action="download_evidence",
        what=f"evidence_file.{file_id}",
    )
    session.commit()
    return Response(
        data,
        media_type=info.content_type,
        headers={"Content-Disposition": "attachment", "X-Content-SHA256": info.sha256},
    )
