"""A key that does not open is an error, never an erasure: only a case whose key was
destroyed on purpose (its tombstone) reads as erased. Anything else stops the reader or
the projection, names the key, and changes nothing (on SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.common.v1 import Payload
from temporalio.converter import WorkflowSerializationContext
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.projection import ProjectionActivities
from casework.codec import DatabaseCaseKeys, EncryptionCodec
from services.cases import audit, queries
from services.cases.model import Claimant, ClaimantCategory, Need
from services.cases.records import CaseRecord
from services.cases.steps import AddNeed, CaseEvent, CaseEventBatch, CloseCase
from services.crypto.case_keys import KeyUnavailable, destroy_case_key
from services.crypto.cipher import KeyRing, new_key
from services.crypto.records import CaseKeyRecord
from services.crypto.vault import Vault, current_vault, install_vault
from services.db import transaction
from services.read_model import fold_case_events
from tests.conftest import TEST_MASTER_KEY_RING, TEST_VAULT
from tests.support import STAFF
from tests.test_pii_at_rest import KEY, T0, _claimant, _project, canary_id, canary_phone
from workflows.ids import case_workflow_id

CASEWORK = str(Path(sys.executable).parent / "casework")


@pytest.fixture
def lose_the_old_key() -> Iterator[Callable[[], None]]:
    """Makes this process a worker whose ring lacks the key that wrapped every case key so
    far (a rotation done in the wrong order: the old key removed before `keys rewrap`)."""
    yield lambda: install_vault(Vault(KeyRing(keys={"next": new_key()}, current="next")))
    install_vault(TEST_VAULT)


def _next_event(case_id: str) -> CaseEvent:
    return CaseEvent(
        case_id=case_id, seq=2, at=T0 + timedelta(hours=1), actor=STAFF,
        step=AddNeed(need=Need.TRAINING),
    )  # fmt: skip


def _row(session_factory: sessionmaker[Session], case_id: str) -> CaseRecord:
    with session_factory() as session:
        row = session.get(CaseRecord, case_id)
        assert row is not None
        return row


def test_a_projection_whose_master_key_is_missing_fails_naming_it_and_changes_nothing(
    session_factory: sessionmaker[Session], lose_the_old_key: Callable[[], None]
) -> None:
    national_id = canary_id()
    case, _ = _project(session_factory, _claimant(national_id, canary_phone()))
    before = _row(session_factory, case.id)
    activities = ProjectionActivities(session_factory, KEY)
    batch = CaseEventBatch(case_id=case.id, events=[_next_event(case.id)])
    lose_the_old_key()

    with pytest.raises(KeyUnavailable, match="master key 'test1'") as raised:
        ActivityEnvironment().run(activities.project_case_events, batch)
    # A plain exception: Temporal retries the activity until the ring is put right.
    assert not isinstance(raised.value, ApplicationError)

    after = _row(session_factory, case.id)
    assert (after.version, after.document) == (before.version, before.document)
    assert after.national_id_hash is not None and after.phone_hash is not None
    install_vault(TEST_VAULT)
    ActivityEnvironment().run(activities.project_case_events, batch)
    with session_factory() as session:
        read = queries.get_case(session=session, case_id=case.id)
        assert read is not None and read.version == 2
        assert (read.claimant.national_id, read.claimant.erased) == (national_id, [])


def test_reads_of_a_case_whose_key_does_not_open_fail_instead_of_showing_it_erased(
    session_factory: sessionmaker[Session], lose_the_old_key: Callable[[], None]
) -> None:
    case, _ = _project(session_factory, _claimant(canary_id(), canary_phone()))
    lose_the_old_key()

    with session_factory() as session:
        for read in (
            lambda: queries.get_case(session=session, case_id=case.id),
            lambda: audit.case_history(session=session, case_id=case.id),
            lambda: audit.timeline_page(session=session, case_id=case.id, after_seq=0, limit=9),
            lambda: audit.case_as_of(session=session, case_id=case.id, as_of=T0 + timedelta(1)),
        ):
            with pytest.raises(KeyUnavailable, match=f"case {case.id}.*'test1'"):
                read()


def test_an_altered_wrapped_key_is_an_error_not_an_erasure(
    session_factory: sessionmaker[Session],
) -> None:
    case, _ = _project(session_factory, _claimant(canary_id(), canary_phone()))
    with transaction(session_factory) as session:
        row = session.get(CaseKeyRecord, case.id)
        assert row is not None and row.wrapped_key is not None
        wrapped = row.wrapped_key
        token = bytearray(base64.b64decode(wrapped))
        token[-1] ^= 0x01
        row.wrapped_key = base64.b64encode(bytes(token)).decode()

    try:
        with session_factory() as session, pytest.raises(KeyUnavailable, match="altered"):
            queries.get_case(session=session, case_id=case.id)
        with transaction(session_factory) as session, pytest.raises(KeyUnavailable):
            fold_case_events(
                session=session, case_id=case.id, events=[_next_event(case.id)], identity_key=KEY
            )
    finally:  # `keys rewrap` in other tests of this database would stop at it, rightly
        with transaction(session_factory) as session:
            session.get(CaseKeyRecord, case.id).wrapped_key = wrapped  # type: ignore[union-attr]


def test_a_sealed_field_that_does_not_open_is_an_error_not_an_erasure(
    session_factory: sessionmaker[Session],
) -> None:
    case, _ = _project(session_factory, _claimant(canary_id(), canary_phone()))
    with transaction(session_factory) as session:
        row = session.get(CaseRecord, case.id)
        assert row is not None
        document = row.document
        claimant = document["claimant"]
        # A value sealed for another field of the same case: it does not open here.
        row.document = {**document, "claimant": {**claimant, "phone": claimant["address"]}}

    try:
        with session_factory() as session, pytest.raises(KeyUnavailable, match=r"claimant\.phone"):
            queries.get_case(session=session, case_id=case.id)
    finally:
        with transaction(session_factory) as session:
            session.get(CaseRecord, case.id).document = document  # type: ignore[union-attr]


def test_values_that_merely_begin_with_the_sealed_prefix_round_trip(
    session_factory: sessionmaker[Session],
) -> None:
    claimant = Claimant(
        name="enc1:x",
        category=ClaimantCategory.VETERAN,
        phone=canary_phone(),
        address="enc1:AQV0ZXN0MQ== Lane 5",
        situation="enc1:",
    )
    case, events = _project(session_factory, claimant)

    with session_factory() as session:
        document = session.scalar(select(CaseRecord.document).where(CaseRecord.id == case.id))
        assert document is not None
        assert claimant.address not in str(document)  # sealed like any other address
        assert queries.get_case(session=session, case_id=case.id) == case
        assert audit.case_history(session=session, case_id=case.id) == events


def test_a_destroyed_key_still_reads_as_erased(session_factory: sessionmaker[Session]) -> None:
    case, _ = _project(session_factory, _claimant(canary_id(), canary_phone()))
    with transaction(session_factory) as session:
        assert destroy_case_key(session=session, case_id=case.id)

    with session_factory() as session:
        read = queries.get_case(session=session, case_id=case.id)
        assert read is not None and read.claimant.national_id is None
        assert "national_id" in read.claimant.erased


async def test_the_codec_names_a_missing_master_key_rather_than_calling_the_case_erased(
    session_factory: sessionmaker[Session], lose_the_old_key: Callable[[], None]
) -> None:
    case, _ = _project(session_factory, _claimant(canary_id(), canary_phone()))
    codec = EncryptionCodec(TEST_VAULT.payloads, DatabaseCaseKeys(session_factory))
    context = WorkflowSerializationContext(
        namespace="default", workflow_id=case_workflow_id(case.id)
    )
    [sealed] = await codec.with_context(context).encode([Payload(data=b"{}")])
    lose_the_old_key()

    fresh = EncryptionCodec(current_vault().payloads, DatabaseCaseKeys(session_factory))
    with pytest.raises(KeyUnavailable, match="'test1'"):
        await fresh.decode([sealed])


def _destroy_cli(
    database_url: str, temporal_address: str, case_id: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MASTER_KEYS": TEST_MASTER_KEY_RING,
        "TEMPORAL_ADDRESS": temporal_address,
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [CASEWORK, "keys", "destroy", case_id, "--yes"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


async def test_keys_destroy_refuses_a_case_that_does_not_exist_and_accepts_any_form_of_an_id(
    database_url: str, session_factory: sessionmaker[Session], workflow_env: WorkflowEnvironment
) -> None:
    case, _ = _project(
        session_factory, _claimant(canary_id(), canary_phone()), CloseCase(reason="retention over")
    )
    address = workflow_env.client.service_client.config.target_host

    unknown = str(uuid.uuid4())
    missing = _destroy_cli(database_url, address, unknown)
    not_an_id = _destroy_cli(database_url, address, "not-a-case")
    braced = _destroy_cli(database_url, address, "{" + case.id.upper() + "}")

    assert missing.returncode != 0 and f"no case {unknown}" in missing.stderr
    assert not_an_id.returncode != 0 and "not a case id" in not_an_id.stderr
    assert braced.returncode == 0, braced.stdout + braced.stderr
    assert f"destroyed the key of {case.id}" in braced.stdout
    with session_factory() as session:
        assert session.get(CaseKeyRecord, unknown) is None  # no tombstone for a non-case
        assert session.get(CaseKeyRecord, case.id.upper()) is None
        key = session.get(CaseKeyRecord, case.id)
        assert key is not None and key.destroyed_at is not None
