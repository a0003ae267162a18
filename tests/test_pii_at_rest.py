"""Personal data in the read model and timeline: sealed on disk, readable through the
services, and gone for good when its case's key is destroyed (on SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from services.cases import audit, queries, rules
from services.cases.model import (
    CaseFile,
    Claimant,
    ClaimantCategory,
    HouseholdMember,
    Need,
    Relation,
)
from services.cases.projection import case_columns
from services.cases.records import CaseEventRecord, CaseRecord
from services.cases.steps import AddNeed, CaseEvent, Step
from services.cases.timeline import GENESIS_HASH, canonical_event, chain_hash
from services.crypto.case_keys import destroy_case_key, rewrap_case_keys
from services.crypto.cipher import KeyRing, new_key
from services.crypto.records import CaseKeyRecord
from services.crypto.vault import Vault, current_vault, install_vault
from services.db import make_engine, make_session_factory, transaction
from services.migrate import upgrade_database
from services.read_model import record_case_events
from tests.conftest import PG_URL, _fresh_postgres_database
from tests.support import STAFF, intake

KEY = b"test-key"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ADDRESS = "Canary Lane 7, Room 1203"


def canary_id() -> str:
    """A valid, never-before-seen resident ID number."""
    body = f"110105198{uuid.uuid4().int % 10}0101{uuid.uuid4().int % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def canary_phone() -> str:
    return f"139{uuid.uuid4().int % 10**8:08d}"


def _claimant(national_id: str, phone: str) -> Claimant:
    return Claimant(
        name="Canary Zhang",
        category=ClaimantCategory.VETERAN,
        national_id=national_id,
        phone=phone,
        address=ADDRESS,
        household=[HouseholdMember(name="Canary Spouse", relation=Relation.SPOUSE)],
        situation="Lost job after a knee injury",
    )


def _project(
    session_factory: sessionmaker[Session], claimant: Claimant, *more: Step
) -> tuple[CaseFile, list[CaseEvent]]:
    case_id = str(uuid.uuid4())
    case: CaseFile | None = None
    events = []
    for seq, step in enumerate([intake(claimant=claimant), *more], start=1):
        event = CaseEvent(
            case_id=case_id, seq=seq, at=T0 + timedelta(minutes=seq), actor=STAFF, step=step
        )
        case = rules.evolve(case, event)
        events.append(event)
    assert case is not None
    with transaction(session_factory) as session:
        record_case_events(session=session, case=case, events=events, identity_key=KEY)
    return case, events


def _dump(session: Session) -> str:
    """Every row of every table as text, the way a dump of the database shows it."""
    tables = inspect(session.get_bind()).get_table_names()
    assert {"cases", "case_event", "case_key"} <= set(tables)
    return "\n".join(
        repr(tuple(row))
        for table in tables
        for row in session.execute(text(f'SELECT * FROM "{table}"'))
    )


def test_personal_fields_are_sealed_on_disk_and_read_back_whole(
    session_factory: sessionmaker[Session],
) -> None:
    national_id, phone = canary_id(), canary_phone()
    case, events = _project(session_factory, _claimant(national_id, phone))

    with session_factory() as session:
        stored = _dump(session)
        for secret in (national_id, phone, ADDRESS, "Canary Spouse", "knee injury"):
            assert secret not in stored
        assert "Canary Zhang" in stored  # names stay readable: lists search on them

        assert queries.get_case(session=session, case_id=case.id) == case
        assert audit.case_history(session=session, case_id=case.id) == events
        timeline = audit.timeline_page(session=session, case_id=case.id, after_seq=0, limit=10)
        claimant = timeline.items[0].payload["claimant"]
        assert isinstance(claimant, dict)
        assert (claimant["national_id"], claimant["phone"]) == (national_id, phone)


def test_destroying_a_case_key_erases_its_personal_data_but_not_other_cases(
    session_factory: sessionmaker[Session],
) -> None:
    erased_case, _ = _project(session_factory, _claimant(canary_id(), canary_phone()))
    other, other_events = _project(session_factory, _claimant(canary_id(), canary_phone()))

    with transaction(session_factory) as session:
        assert destroy_case_key(session=session, case_id=erased_case.id)
        assert not destroy_case_key(session=session, case_id=erased_case.id)

    with session_factory() as session:
        read = queries.get_case(session=session, case_id=erased_case.id)
        assert read is not None
        assert read.claimant.name == "Canary Zhang"
        assert (read.claimant.national_id, read.claimant.phone, read.claimant.address) == (
            None,
            None,
            None,
        )
        assert read.claimant.household == []
        assert read.claimant.erased == ["address", "household", "national_id", "phone", "situation"]
        [opened] = audit.case_history(session=session, case_id=erased_case.id)
        assert opened.step.kind == "case_opened"
        timeline = audit.timeline_page(
            session=session, case_id=erased_case.id, after_seq=0, limit=10
        )
        assert timeline.items[0].payload["claimant"]["national_id"] is None  # type: ignore[index]
        # The chain covers the sealed form, so the evidence still holds without the key.
        assert audit.verify_case(session=session, case_id=erased_case.id).ok

        assert queries.get_case(session=session, case_id=other.id) == other
        assert audit.case_history(session=session, case_id=other.id) == other_events


def test_a_case_projected_after_its_key_is_destroyed_stays_erased(
    session_factory: sessionmaker[Session],
) -> None:
    national_id, phone = canary_id(), canary_phone()
    case, events = _project(session_factory, _claimant(national_id, phone))
    with transaction(session_factory) as session:
        destroy_case_key(session=session, case_id=case.id)

    # The workflow still holds the claimant and projects its next step as usual.
    next_event = CaseEvent(
        case_id=case.id,
        seq=2,
        at=T0 + timedelta(hours=1),
        actor=STAFF,
        step=AddNeed(need=Need.TRAINING),
    )
    later = rules.evolve(case, next_event)
    with transaction(session_factory) as session:
        record_case_events(
            session=session, case=later, events=[*events, next_event], identity_key=KEY
        )

    with session_factory() as session:
        assert national_id not in _dump(session)
        read = queries.get_case(session=session, case_id=case.id)
        assert read is not None and read.version == 2
        assert read.claimant.national_id is None
        key = session.get(CaseKeyRecord, case.id)
        assert key is not None and key.wrapped_key is None


@pytest.mark.parametrize(
    "backend",
    [
        "sqlite",
        pytest.param(
            "postgresql", marks=pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL unset")
        ),
    ],
)
def test_upgrading_seals_cases_recorded_in_plain_text(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if backend == "sqlite":
        url, admin, name = f"sqlite:///{tmp_path_factory.mktemp('old') / 'c.db'}", None, ""
    else:
        assert PG_URL
        url, admin, name = _fresh_postgres_database(PG_URL)
    upgrade_database(url, "0005")
    engine = make_engine(url)
    national_id, phone = canary_id(), canary_phone()
    case_id = str(uuid.uuid4())
    event = CaseEvent(
        case_id=case_id,
        seq=1,
        at=T0,
        actor=STAFF,
        step=intake(claimant=_claimant(national_id, phone)),
    )
    case = rules.evolve(None, event)
    _write_plain(engine, case, event)

    upgrade_database(url, "0006")

    factory = make_session_factory(engine)
    with factory() as session:
        assert national_id not in _dump(session)
        assert phone not in _dump(session)
        assert queries.get_case(session=session, case_id=case_id) == case
        assert audit.case_history(session=session, case_id=case_id) == [event]
        assert audit.verify_case(session=session, case_id=case_id).ok
    engine.dispose()
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _write_plain(engine: Engine, case: CaseFile, event: CaseEvent) -> None:
    """A case as revision 0005 stored it: personal fields in plain text."""
    payload = event.step.model_dump(mode="json")
    row = {
        "case_id": case.id,
        "seq": 1,
        "type": event.type,
        "actor": STAFF.id,
        "role": STAFF.role.value,
        "target": None,
        "at": event.at,
        "payload": payload,
        "clocks": None,
    }
    digest = chain_hash(GENESIS_HASH, canonical_event(**row))
    columns = case_columns(case, KEY)
    del columns["name_initials"]  # added by a later revision (0015)
    del columns["number"]  # added by a later revision (0017)
    with engine.begin() as connection:
        connection.execute(insert(CaseRecord).values(id=case.id, **columns))
        connection.execute(
            insert(CaseEventRecord).values(**row, prev_hash=GENESIS_HASH, hash=digest)
        )
    with engine.connect() as connection:
        stored = connection.scalar(select(CaseRecord.document).where(CaseRecord.id == case.id))
        assert stored["claimant"]["national_id"] == case.claimant.national_id


def test_after_a_master_key_rotation_case_keys_are_rewrapped_and_the_old_key_can_go(
    session_factory: sessionmaker[Session],
) -> None:
    national_id = canary_id()
    case, _ = _project(session_factory, _claimant(national_id, canary_phone()))
    old = current_vault().master
    rotated = KeyRing(keys={"next": new_key(), **old.keys}, current="next")
    try:
        install_vault(Vault(rotated))
        with session_factory() as session:  # the old master key still opens everything
            read = queries.get_case(session=session, case_id=case.id)
            assert read is not None and read.claimant.national_id == national_id
        with transaction(session_factory) as session:
            assert rewrap_case_keys(session=session) >= 1
            key = session.get(CaseKeyRecord, case.id)
            assert key is not None and key.master_key_id == "next"

        install_vault(Vault(KeyRing(keys={"next": rotated.keys["next"]}, current="next")))
        with session_factory() as session:
            read = queries.get_case(session=session, case_id=case.id)
            assert read is not None and read.claimant.national_id == national_id
    finally:
        # Back under the tests' own key, for the other tests that share this database.
        install_vault(Vault(KeyRing(keys=rotated.keys, current=old.current)))
        with transaction(session_factory) as session:
            rewrap_case_keys(session=session)
        install_vault(Vault(old))
