"""Notes and corrections of the claimant, as rules: given a case, when the step, then the
case (or the refusal)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.cases.corrections import ClaimantDetails, CorrectClaimant
from services.cases.model import Need
from services.cases.notes import AddNote, ContactKind, lawyer_may_read
from services.legal_aid.model import RecordInfringement
from tests.support import LAWYER
from tests.unit.story import Story

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _call(note: str = "Called about the wages", **fields: object) -> AddNote:
    return AddNote(contact=ContactKind.PHONE_CALL, happened_at=AT, note=note, **fields)


def _with_matter() -> Story:
    story = Story.opened(Need.LEGAL_AID, Need.JOB_REFERRAL)
    story.take(RecordInfringement(infringement="Wages withheld", infringer="Mill"), actor=LAWYER)
    return story


def test_a_note_is_added_and_a_new_note_supersedes_it_leaving_the_old_one() -> None:
    story = _with_matter()
    story.take(_call(item="M2"))
    case = story.take(_call("Called: the mill pays on Friday", supersedes="N3"))

    old, new = case.notes
    assert (old.id, old.superseded_by, old.item) == ("N3", "N4", "M2")
    assert (new.id, new.supersedes, new.by) == ("N4", "N3", "staff-1")
    assert new.note == "Called: the mill pays on Friday"
    story.refuses(_call(supersedes="N3"), "note_superseded", field="supersedes")
    story.refuses(_call(supersedes="N9"), "unknown_note", field="supersedes")
    story.refuses(_call(item="R9"), "unknown_item", field="item")
    story.refuses(AddNote(contact=ContactKind.LETTER, happened_at=AT), "note_required")


def test_a_lawyer_notes_legal_matters_and_the_case_in_general_only() -> None:
    story = _with_matter()
    story.take(_call(item="M2"), actor=LAWYER)
    story.take(_call(), actor=LAWYER)

    notes = story.current.notes
    assert [lawyer_may_read(note) for note in notes] == [True, True]
    assert not lawyer_may_read(notes[0].model_copy(update={"item": "R5"}))


def test_a_correction_changes_the_claimant_and_its_event_keeps_what_it_was() -> None:
    story = Story.opened()
    story.take(
        CorrectClaimant(
            claimant=ClaimantDetails(phone="13900000001", birth_date=date(1950, 1, 2)),
            reason="New number",
        )
    )
    case = story.take(
        CorrectClaimant(
            claimant=ClaimantDetails(name="李卫"), cleared=["phone"], reason="Name misspelt"
        )
    )

    first, second = story.events[-2:]
    assert (case.claimant.name, case.claimant.phone) == ("李卫", None)
    assert case.claimant.birth_date == date(1950, 1, 2)
    assert first.step.previous == ClaimantDetails()  # nothing there before
    assert second.step.previous == ClaimantDetails(name="Li Wei", phone="13900000001")
    story.refuses(
        CorrectClaimant(claimant=ClaimantDetails(name="李卫"), reason="again"), "no_change"
    )
