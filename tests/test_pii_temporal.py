"""Personal data in Temporal: every payload of a case's history is sealed by the codec,
histories still replay (recorded ones, from before the codec, included), and an
operator with the master key can read them back."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.worker import Replayer, Worker

from casework.codec import CaseKeyDestroyed, DatabaseCaseKeys, EncryptionCodec
from casework.crypto import data_converter, decode_json
from casework.temporal import WORKFLOWS
from services.cases.model import Claimant, ClaimantCategory
from services.cases.steps import CloseCase, OpenCase
from services.crypto.case_keys import destroy_case_key
from services.db import transaction
from tests.conftest import TEST_VAULT
from tests.replay.recorded import Recorded, recorded
from tests.support import intake, open_case, take
from tests.test_pii_at_rest import ADDRESS, canary_id, canary_phone
from workflows.case import CaseWorkflow


def _replayer(case_keys: DatabaseCaseKeys | None = None) -> Replayer:
    return Replayer(
        workflows=WORKFLOWS,
        # As TEMPORAL_ACCEPT_UNSEALED=true would: histories from before the codec are plain.
        data_converter=data_converter(TEST_VAULT, case_keys, accept_unsealed=True),
    )


# The cases' histories (a reassignment's carries only ids, and is replayed in tests/replay).
CASE_HISTORIES = [e for e in recorded() if e.workflow_type in ("Case", "LegalMatter")]


@pytest.mark.parametrize("entry", [pytest.param(e, id=e.name) for e in CASE_HISTORIES])
async def test_histories_recorded_before_the_codec_replay_through_it(entry: Recorded) -> None:
    result = await _replayer().replay_workflow(entry.history())

    assert result.replay_failure is None


async def test_a_case_history_holds_no_plaintext_personal_data(
    temporal_client: Client, case_worker: Worker, sqlite_session_factory: sessionmaker[Session]
) -> None:
    session_factory = sqlite_session_factory
    national_id, phone = canary_id(), canary_phone()
    claimant = Claimant(
        name=f"Canary {uuid.uuid4().hex[:6]}",
        category=ClaimantCategory.VETERAN,
        national_id=national_id,
        phone=phone,
        address=ADDRESS,
    )
    handle, _ = await open_case(temporal_client, case_worker.task_queue, intake(claimant=claimant))
    await take(handle, CloseCase(reason="moved away"))
    assert (await handle.query(CaseWorkflow.case)).claimant.national_id == national_id

    history = await handle.fetch_history()
    stored = history.to_json()
    for secret in (national_id, phone, ADDRESS, claimant.name, "moved away"):
        assert secret not in stored
    assert case_worker.task_queue in stored  # no secret, and shows the search works
    assert '"encryption-case"' in stored  # sealed with the case's own key

    replayer = _replayer(DatabaseCaseKeys(session_factory))
    assert (await replayer.replay_workflow(history)).replay_failure is None
    decoded = json.dumps(await decode_json(json.loads(stored), _codec(session_factory)))
    assert national_id in decoded and phone in decoded


async def test_destroying_a_case_key_erases_its_histories_but_not_another_case_s(
    temporal_client: Client, case_worker: Worker, sqlite_session_factory: sessionmaker[Session]
) -> None:
    erased_id, kept_id = canary_id(), canary_id()
    erased, _ = await open_case(temporal_client, case_worker.task_queue, _intake(erased_id))
    kept, _ = await open_case(temporal_client, case_worker.task_queue, _intake(kept_id))
    await take(erased, CloseCase(reason="retention period over"))
    await erased.terminate(reason="personal data erased")  # as `casework keys destroy` does
    case_id = erased.id.removeprefix("case-")
    with transaction(sqlite_session_factory) as session:
        assert destroy_case_key(session=session, case_id=case_id)

    # A process that has not seen the key yet (or whose cache has expired).
    codec = _codec(sqlite_session_factory)
    erased_history = await erased.fetch_history()
    kept_history = await kept.fetch_history()
    gone = json.dumps(await decode_json(json.loads(erased_history.to_json()), codec))
    assert erased_id not in gone
    assert '"erased": true' in gone
    assert kept_id in json.dumps(await decode_json(json.loads(kept_history.to_json()), codec))
    with pytest.raises(CaseKeyDestroyed):
        await codec.decode(
            list(
                erased_history.events[0].workflow_execution_started_event_attributes.input.payloads
            )
        )
    replayer = _replayer(DatabaseCaseKeys(sqlite_session_factory))
    assert (await replayer.replay_workflow(kept_history)).replay_failure is None


def _intake(national_id: str) -> OpenCase:
    return intake(
        claimant=Claimant(
            name="Canary Liu",
            category=ClaimantCategory.VETERAN,
            national_id=national_id,
        )
    )


def _codec(session_factory: sessionmaker[Session]) -> EncryptionCodec:
    return EncryptionCodec(TEST_VAULT.payloads, DatabaseCaseKeys(session_factory))
