"""Referral letters: made when a matter is referred (services/departments), listed and
downloaded here; every download is in the access log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from api.deps import SessionDep
from api.policy import CaseInReach, SignedIn
from api.problems import PROBLEMS
from services.departments.referrals import LetterInfo, letter_pdf, letters_of
from services.legal_aid.track import TRACK
from services.users.access_log import record_file_read

router = APIRouter(
    prefix=f"/cases/{{case_id}}/{TRACK.routes.segment}/{{matter_id}}/letters",
    tags=[TRACK.routes.tag],
    responses=PROBLEMS,
)
MatterId = Annotated[str, Path(pattern=TRACK.routes.item_pattern)]
Seq = Annotated[int, Path(ge=1, le=2**31 - 1, description="The referral's event number")]
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The letter (PDF)"}
}


@router.get("")
def list_letters(case: CaseInReach, matter_id: MatterId, session: SessionDep) -> list[LetterInfo]:
    """The matter's referral letters, one per referral: reference, department, SHA-256."""
    return letters_of(session=session, case_id=case.id, matter_id=matter_id)


@router.get("/{seq}", response_class=Response, responses=PDF)
def download_letter(
    case: CaseInReach, matter_id: MatterId, seq: Seq, user: SignedIn, session: SessionDep
) -> Response:
    """The letter as PDF (the download is access-logged)."""
    info, pdf = letter_pdf(session=session, case_id=case.id, matter_id=matter_id, seq=seq)
    record_file_read(
        session=session,
        user=user,
        case_id=case.id,
        centre=case.centre,
        action="download_letter",
        what=f"referral_letter.{seq}",
    )
    session.commit()
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{info.reference}.pdf"',
            "X-Content-SHA256": info.sha256,
        },
    )
