"""A case's timeline audit, for supervisors: every event with who, when and what; the hash
chain checked; the case as it stood at a chosen moment and what changed between two; who
read the case's personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.console import audit as audit_view
from api.console.i18n import Formats
from api.console.pages import language_of, render
from api.console.reads import read_case, timeline
from api.deps import SessionDep
from api.policy import CaseInReach, SignedIn
from services.cases import audit
from services.cases.model import CaseFile
from services.db import lazy_commit
from services.kernel.actors import Role
from services.users.access_log import reads_of, record_read
from services.users.model import User

router = APIRouter(prefix="/console", include_in_schema=False)
Moment = Annotated[str | None, Query(max_length=40)]
READS_SHOWN = 100


def _moment(text: str | None, field: str, fmt: Formats) -> datetime | None:
    """A moment from a ``datetime-local`` field (the centre's wall clock) or in ISO 8601."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        error = {"type": "datetime_parsing", "loc": ("query", field), "msg": "not a moment"}
        raise RequestValidationError([error]) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=fmt.zone)


def _as_of(session: Session, user: User, case_id: str, moment: datetime) -> CaseFile | None:
    """The case at ``moment``: its personal data as it was, so the read is logged."""
    found = audit.case_as_of(session=session, case_id=case_id, as_of=moment)
    if found is not None:
        lazy_commit(session)
        record_read(session=session, user=user, case=found, action="console_case_as_of")
        session.commit()
    return found


@router.get("/cases/{case_id}/audit")
async def audit_page(
    request: Request,
    stored: CaseInReach,
    session: SessionDep,
    user: SignedIn,
    as_of: Moment = None,
    changes_from: Moment = None,
    changes_to: Moment = None,
) -> HTMLResponse:
    """Every event of the case with the chain's verdict; the case as of a moment; what
    changed between two moments; the case's access log."""
    settings = request.app.state.settings
    fmt = Formats(language_of(request, user), settings.centre_timezone)
    moment = _moment(as_of, "as_of", fmt)
    start, end = _moment(changes_from, "changes_from", fmt), _moment(changes_to, "changes_to", fmt)
    case = await run_in_threadpool(read_case, session, user, stored, "console_audit")
    entries = await run_in_threadpool(timeline, session, user, case.id)
    verification = await run_in_threadpool(audit.verify_case, session=session, case_id=case.id)
    context: dict[str, Any] = {"as_of": moment, "changes_from": start, "changes_to": end}
    if moment is not None:
        context["then"] = await run_in_threadpool(_as_of, session, user, case.id, moment)
        context["then_events"] = [e for e in entries if e.at <= moment]
    if start is not None and end is not None:
        before = await run_in_threadpool(_as_of, session, user, case.id, start)
        after = await run_in_threadpool(_as_of, session, user, case.id, end)
        context["changes"] = audit_view.changes(before, after)
        context["changed_by"] = [e for e in entries if start < e.at <= end]
    reads = await run_in_threadpool(
        lambda: reads_of(session=session, centre=user.centre, case_id=case.id, limit=READS_SHOWN)
    )
    broken = next((e for e in entries if e.seq == verification.first_broken_seq), None)
    return render(
        request,
        "audit.html",
        user=user,
        here="/console/cases",
        case=case,
        timeline=entries,
        verification=verification,
        break_message=audit_view.break_message(verification),
        broken=broken,
        reads=[(read, Role(read.role)) for read in reads],
        **context,
    )
