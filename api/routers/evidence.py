"""Evidence files of a case (or of one of its legal matters): attached by staff and
lawyers, listed with name, size, who and when, downloaded (access-logged)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool

from api.deps import SessionDep, SettingsDep
from api.policy import CaseInReach, SignedIn
from api.problems import PROBLEMS
from services.departments import evidence
from services.departments.evidence import EvidenceFile
from services.kernel.errors import InvalidInput
from services.legal_aid.track import TRACK
from services.users.access_log import record_file_read

router = APIRouter(prefix="/cases/{case_id}/evidence", tags=["evidence"], responses=PROBLEMS)
FileId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
MatterField = Annotated[str | None, Form(pattern=TRACK.routes.item_pattern)]
STORE = evidence.DatabaseStore()
FILE: dict[int | str, dict[str, Any]] = {200: {"content": {"application/octet-stream": {}}}}


@router.post("", status_code=status.HTTP_201_CREATED)
async def attach_evidence(
    case: CaseInReach,
    user: SignedIn,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    file: Annotated[UploadFile, File(description="PDF, JPEG, PNG, Word or Excel")],
    matter_id: MatterField = None,
) -> EvidenceFile:
    """Attach a file (type checked by its content; at most MAX_EVIDENCE_BYTES)."""
    data = await file.read(settings.max_evidence_bytes + 1)
    name = (file.filename or "evidence").strip()[:200] or "evidence"
    if len(name.encode()) > 600:
        raise InvalidInput("the file's name is too long", field="file")

    def attach() -> EvidenceFile:
        attached = evidence.attach(
            session=session,
            store=STORE,
            case_id=case.id,
            matter_id=matter_id,
            name=name,
            data=data,
            max_bytes=settings.max_evidence_bytes,
            by=user.username,
            now=datetime.now(UTC),
        )
        session.commit()
        return attached

    return await run_in_threadpool(attach)


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
