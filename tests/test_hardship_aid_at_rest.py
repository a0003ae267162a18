"""The situation of a family asking for hardship aid is personal data: sealed in the
timeline and the case document (on SQLite and PostgreSQL), read back whole, and gone
with the case's key."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from services.cases import audit, queries
from services.cases.model import Need
from services.crypto.case_keys import destroy_case_key
from services.db import transaction
from services.hardship_aid.model import Difficulty, GrantHardshipAid, RequestHardshipAid
from services.read_model import record_case_events
from tests.test_pii_at_rest import KEY, _dump
from tests.unit.story import Story

SITUATION = "Canary family: the mother's dialysis costs 2,400 yuan a month"


def _recorded(session_factory: sessionmaker[Session]) -> Story:
    story = Story.active(Need.HARDSHIP_AID)
    request = RequestHardshipAid(
        difficulty=Difficulty.MEDICAL, situation=SITUATION, amount_requested=Decimal("2400")
    )
    story.take(request)
    story.take(GrantHardshipAid(amount_granted=Decimal("2000")), "H4")
    with transaction(session_factory) as session:
        record_case_events(
            session=session, case=story.current, events=story.events, identity_key=KEY
        )
    return story


def test_the_situation_is_sealed_on_disk_and_read_back_whole(
    session_factory: sessionmaker[Session],
) -> None:
    story = _recorded(session_factory)

    with session_factory() as session:
        assert "dialysis" not in _dump(session)
        case = queries.get_case(session=session, case_id=story.current.id)
        assert case == story.current
        assert case is not None and case.hardship_aid[0].situation == SITUATION
        assert audit.case_history(session=session, case_id=case.id) == story.events
        page = audit.timeline_page(session=session, case_id=case.id, after_seq=0, limit=10)
        assert page.items[3].payload["situation"] == SITUATION


def test_once_the_case_key_is_destroyed_the_situation_reads_as_erased(
    session_factory: sessionmaker[Session],
) -> None:
    story = _recorded(session_factory)
    with transaction(session_factory) as session:
        destroy_case_key(session=session, case_id=story.current.id)

    with session_factory() as session:
        case = queries.get_case(session=session, case_id=story.current.id)
        assert case is not None
        assert case.hardship_aid[0].situation is None
        assert case.hardship_aid[0].amount_granted == Decimal("2000")
        request = audit.case_history(session=session, case_id=case.id)[3].step
        assert isinstance(request, RequestHardshipAid) and request.situation is None
        assert audit.verify_case(session=session, case_id=case.id).ok
