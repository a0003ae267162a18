"""What each role reads of a case: staff and supervisors the whole file; a lawyer what a
lawyer needs (the claimant's name and contact, the legal matters, notes on them and
general notes), not the ID number, household, situation or the other kinds of help.

Every read that hands a case or its timeline to a person goes through here; the access
log then records the fields this view holds, not those of the whole file.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from services.cases.audit import HistoryPage, TimelinePage
from services.cases.corrections import CLAIMANT_CORRECTED
from services.cases.model import CaseFile
from services.cases.notes import NOTE_ADDED, lawyer_may_read, lawyer_prefixes
from services.cases.registry import TRACKS
from services.cases.steps import Step
from services.kernel.actors import Role

# What a lawyer reads of the claimant: who they are and how to reach them.
LAWYER_CLAIMANT = ("name", "category", "phone", "address", "erased")
_CASE_WIDE = frozenset(
    {
        "case_opened",
        "assessment_started",
        "eligibility_decided",
        "need_added",
        "lawyer_assigned",
        "case_closed",
        "case_withdrawn",
        "case_reopened",
        CLAIMANT_CORRECTED,
        NOTE_ADDED,
    }
)
_LAWYER_STEPS = frozenset(rule.kind for track in TRACKS if track.lawyer for rule in track.steps)
_STEP: TypeAdapter[Step] = TypeAdapter(Step)


def case_for(role: Role, case: CaseFile) -> CaseFile:
    """``case`` as ``role`` reads it."""
    if role is not Role.LAWYER:
        return case
    claimant = case.claimant.model_copy(
        update={"national_id": None, "birth_date": None, "household": [], "situation": None}
    )
    others: dict[str, list[Any]] = {track.items.field: [] for track in TRACKS if not track.lawyer}
    prefixes = lawyer_prefixes()
    return case.model_copy(
        update={
            "claimant": claimant,
            "summary": None,
            "close_reason": None,
            "eligibility": (
                case.eligibility.model_copy(update={"reason": None}) if case.eligibility else None
            ),
            "notes": [note for note in case.notes if lawyer_may_read(note)],
            "clocks": [
                clock
                for clock in case.clocks
                if clock.target is None or clock.target.startswith(prefixes)
            ],
            **others,
        }
    )


def payload_for(role: Role, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """A step's payload (as JSON) as ``role`` reads it; None if ``role`` reads nothing of it."""
    if role is not Role.LAWYER:
        return payload
    if kind in _LAWYER_STEPS:
        return payload
    if kind not in _CASE_WIDE:
        return None
    if kind == NOTE_ADDED:
        item = payload.get("item")
        readable = item is None or str(item).startswith(lawyer_prefixes())
        return payload if readable else None
    shown = {name: value for name, value in payload.items() if name != "summary"}
    for part in ("claimant", "previous"):
        if isinstance(payload.get(part), dict):
            shown[part] = {
                name: value for name, value in payload[part].items() if name in LAWYER_CLAIMANT
            }
    if kind == CLAIMANT_CORRECTED:
        shown["cleared"] = [name for name in payload.get("cleared", []) if name in LAWYER_CLAIMANT]
        corrected = [name for name, value in shown["claimant"].items() if value not in (None, [])]
        if not corrected and not shown["cleared"]:
            return None  # it corrected nothing a lawyer reads
    return shown


def timeline_for(role: Role, page: TimelinePage) -> TimelinePage:
    """A page of the timeline as ``role`` reads it: payloads narrowed, entries it reads
    nothing of left out (the page's cursor unchanged)."""
    if role is not Role.LAWYER:
        return page
    items = []
    for entry in page.items:
        payload = payload_for(role, entry.type, entry.payload)
        if payload is not None:
            items.append(entry.model_copy(update={"payload": payload}))
    return page.model_copy(update={"items": items})


def history_for(role: Role, page: HistoryPage) -> HistoryPage:
    """A page of the history as ``role`` reads it (as :func:`timeline_for`)."""
    if role is not Role.LAWYER:
        return page
    items = []
    for event in page.items:
        payload = payload_for(role, event.type, event.step.model_dump(mode="json"))
        if payload is not None:
            items.append(event.model_copy(update={"step": _STEP.validate_python(payload)}))
    return page.model_copy(update={"items": items})
