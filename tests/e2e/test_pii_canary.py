"""No plaintext personal data outside the sealed columns, on the real stack.

The source document's year runs through the API with canary ID numbers and phones;
then every byte the dev server's database, the application database and the
processes' logs hold is searched for them. Controls show the search can find
things: a payload sent without the codec, what is meant to stay plaintext (case ids in
Temporal and in the read model), and the canaries themselves when an operator with
the master key decodes a history.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from tests.e2e.stack import BIN, Stack
from tests.e2e.test_source_year import (
    Journey,
    funded_founder,
    placed_family_member_whose_rights_were_restored,
    placed_veteran,
)
from workflows.ids import case_workflow_id

pytestmark = pytest.mark.e2e


def _bytes_of(workdir: Path, name: str) -> bytes:
    """The database file with its write-ahead log and journal, as a thief would copy it."""
    files = sorted(workdir.glob(f"{name}*"))
    assert any(path.name == name for path in files), f"no {name} in {workdir}"
    return b"".join(_read_if_still_there(path) for path in files)


def _read_if_still_there(path: Path) -> bytes:
    # A running server deletes its rollback journal at the end of each transaction.
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


async def test_canaries_appear_in_no_database_file_and_no_log(
    stack: Stack, api: httpx.AsyncClient
) -> None:
    marker, today = uuid.uuid4().hex, datetime.now(UTC).date()
    journeys: list[Journey] = [
        await placed_veteran(api, marker, today),
        await placed_family_member_whose_rights_were_restored(
            api, marker, today, stack.lawyer(f"lawyer-{marker}"), stack.headers("supervisor")
        ),
        await funded_founder(api, marker, today),
    ]
    canaries = {
        str(journey.claimant[key])
        for journey in journeys
        for key in ("national_id", "phone")
        if journey.claimant.get(key)
    }
    assert len(canaries) >= 5
    for journey in journeys:  # an authorised reader gets them back whole
        case = (await api.get(f"/cases/{journey.case_id}")).json()
        assert case["claimant"]["national_id"] == journey.claimant["national_id"]

    # Control: a payload sent without the codec is stored readable, so a search finds it.
    plain = await Client.connect(stack.temporal_address)
    control = f"plain-control-{marker}"
    unsealed = await plain.start_workflow(
        "NoSuchWorkflow", control, id=f"control-{marker}", task_queue=f"nobody-{marker}"
    )
    await unsealed.terminate()

    temporal_db = _bytes_of(stack.workdir, "temporal.db")
    assert control.encode() in temporal_db
    app_db = _bytes_of(stack.workdir, "casework.db")
    logs = "\n".join(stack.log_of(name) for name in ("temporal", "worker", "api"))
    found = {
        canary: [
            where
            for where, text in (
                ("temporal.db", temporal_db),
                ("casework.db", app_db),
                ("logs", logs.encode()),
            )
            if canary.encode() in text
        ]
        for canary in canaries
    }
    assert {canary: where for canary, where in found.items() if where} == {}

    assert journeys[0].case_id.encode() in temporal_db
    assert journeys[0].case_id.encode() in app_db
    decoded = await _casework(
        stack, "temporal", "decode", "--workflow-id", case_workflow_id(journeys[0].case_id)
    )
    assert journeys[0].claimant["national_id"] in decoded
    assert json.loads(decoded)["events"]


async def test_destroying_a_closed_case_s_key_erases_it_everywhere_but_not_others(
    stack: Stack, api: httpx.AsyncClient
) -> None:
    marker, today = uuid.uuid4().hex, datetime.now(UTC).date()
    erased = await placed_veteran(api, marker, today)
    kept = await funded_founder(api, marker, today)

    await _casework(stack, "keys", "destroy", "--yes", erased.case_id)

    gone = (await api.get(f"/cases/{erased.case_id}")).json()["claimant"]
    assert gone["national_id"] is None and gone["phone"] is None and gone["address"] is None
    assert set(gone["erased"]) >= {"national_id", "phone", "address"}
    history = (await api.get(f"/cases/{erased.case_id}/timeline")).json()
    assert erased.claimant["national_id"] not in json.dumps(history)
    audit = await _casework(stack, "audit", "verify", erased.case_id)
    assert audit.startswith("ok")
    decoded = await _casework(
        stack, "temporal", "decode", "--workflow-id", case_workflow_id(erased.case_id)
    )
    assert erased.claimant["national_id"] not in decoded and '"erased": true' in decoded

    still = (await api.get(f"/cases/{kept.case_id}")).json()["claimant"]
    assert still["national_id"] == kept.claimant["national_id"]
    assert kept.claimant["national_id"] in await _casework(
        stack, "temporal", "decode", "--workflow-id", case_workflow_id(kept.case_id)
    )


async def _casework(stack: Stack, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        str(BIN / "casework"),
        *args,
        env=stack.env,
        cwd=stack.workdir,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    output, errors = await process.communicate()
    assert process.returncode == 0, errors.decode()
    return output.decode()
