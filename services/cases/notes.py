"""Contact notes: a phone call, a home visit, a letter, written down on the case.

A note is never changed: a new note that supersedes it corrects it, and both stay (the
old one marked superseded). Its text is personal data (people write ID numbers and
illnesses into notes): sealed at rest like the claimant's fields (``services/cases/sealing.py``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from services.cases.registry import TRACKS
from services.kernel.actors import Actor, Role
from services.kernel.errors import StepRejected
from services.kernel.rulekit import stamp
from services.kernel.values import Frozen, LongText, Moment, StepBase

if TYPE_CHECKING:
    from services.cases.model import CaseFile
    from services.cases.steps import CaseEvent

NOTES_FIELD = "notes"
NOTE_PREFIX = "N"
ITEM_PATTERN = r"^[A-Z][0-9]{1,9}$"
SEALED = ("note",)  # the note's text, in the step's payload and in the case's notes


class ContactKind(StrEnum):
    PHONE_CALL = "phone_call"
    HOME_VISIT = "home_visit"
    OFFICE_VISIT = "office_visit"
    LETTER = "letter"
    MESSAGE = "message"
    OTHER = "other"


class Note(Frozen):
    id: str = Field(examples=["N7"])
    contact: ContactKind
    happened_at: datetime
    note: str | None = Field(description="Personal data: sealed at rest; empty once erased")
    item: str | None = None
    supersedes: str | None = None
    superseded_by: str | None = None
    by: str
    recorded_at: datetime


class AddNote(StepBase):
    """A contact with the claimant (or about them), written down on the case."""

    kind: Literal["note_added"] = "note_added"
    contact: ContactKind = Field(description="How the contact happened")
    happened_at: Moment = Field(description="When it happened")
    # Optional only so that an erased note still reads: the rules require it.
    note: LongText | None = Field(default=None, description="What was said, seen or agreed")
    item: str | None = Field(
        default=None,
        pattern=ITEM_PATTERN,
        description="The item it concerns (a referral, a legal matter), e.g. M1",
    )
    supersedes: str | None = Field(
        default=None, pattern=ITEM_PATTERN, description="The note it corrects, e.g. N7"
    )


NOTE_ADDED = "note_added"


def lawyer_prefixes() -> tuple[str, ...]:
    """Item prefixes of the kinds of help lawyers work (legal matters: M)."""
    return tuple(track.items.prefix for track in TRACKS if track.lawyer)


def lawyer_may_read(note: Note) -> bool:
    """A lawyer reads general notes and notes on legal matters, not those on other help."""
    return note.item is None or note.item.startswith(lawyer_prefixes())


def check_note(case: CaseFile, step: AddNote, actor: Actor) -> None:
    if not step.note:
        raise StepRejected("write down what happened", code="note_required", field="note")
    if step.item is not None:
        items = {item.id for track in TRACKS for item in track.items.of(case)}
        if step.item not in items:
            raise StepRejected(
                f"the case has no item {step.item}", code="unknown_item", field="item"
            )
        if actor.role is Role.LAWYER and not step.item.startswith(lawyer_prefixes()):
            raise StepRejected(
                "a lawyer notes the case's legal matters, or the case in general",
                code="not_a_legal_matter",
                field="item",
            )
    if step.supersedes is not None:
        old = next((note for note in case.notes if note.id == step.supersedes), None)
        if old is None:
            raise StepRejected(
                f"the case has no note {step.supersedes}", code="unknown_note", field="supersedes"
            )
        if old.superseded_by is not None:
            raise StepRejected(
                f"{old.id} was corrected already by {old.superseded_by}: correct that one",
                code="note_superseded",
                field="supersedes",
            )
        if actor.role is Role.LAWYER and not lawyer_may_read(old):
            raise StepRejected(
                f"the case has no note {step.supersedes}", code="unknown_note", field="supersedes"
            )


def add_note(case: CaseFile, event: CaseEvent) -> CaseFile:
    step = event.step
    assert isinstance(step, AddNote)
    note = Note(
        id=f"{NOTE_PREFIX}{event.seq}",
        contact=step.contact,
        happened_at=step.happened_at,
        note=step.note,
        item=step.item,
        supersedes=step.supersedes,
        by=event.actor.id,
        recorded_at=event.at,
    )
    notes = [
        old.model_copy(update={"superseded_by": note.id}) if old.id == step.supersedes else old
        for old in case.notes
    ]
    return stamp(case, event, notes=[*notes, note])
