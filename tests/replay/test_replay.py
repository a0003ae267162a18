"""Every recorded history must replay on the current workflow code.

A history is what the server holds for a running case. When a worker picks a case up
again (after a deploy, a restart, or just eviction from its cache) it replays the history
through the workflow code and expects exactly the commands the history records. If the
code now decides differently, the case is stuck with a non-determinism error. These tests
catch that before a deploy. How to change the workflow safely: docs/workflow-versioning.md.
Re-record: ``.venv/bin/python -m tests.replay.record``.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.worker import Replayer, Worker
from temporalio.workflow import NondeterminismError

from activities.projection import PROJECT_CASE_EVENTS
from tests.replay.recorded import CURRENT, HISTORIES, INDEX, Recorded, recorded, sets
from tests.replay.variants import CHANGED, CHANGED_FOR, PatchedPause
from tests.support import STAFF, intake
from workflows.case import CaseWorkflow
from workflows.case_contract import CASE_WORKFLOW, LEGAL_MATTER_WORKFLOW, CaseStart, StepRequest
from workflows.ids import case_workflow_id
from workflows.legal_matter import LegalMatterWorkflow
from workflows.reassignment import ReassignmentWorkflow
from workflows.reassignment_contract import REASSIGNMENT_WORKFLOW

RECORDED = recorded()


def _param(entry: Recorded) -> Any:
    return pytest.param(entry, id=entry.name)


ALL = [_param(entry) for entry in RECORDED]
CASES = [_param(entry) for entry in RECORDED if entry.workflow_type == CASE_WORKFLOW]
SCENARIOS = {
    "training",
    "placement",
    "startup",
    "relief",
    "reopen_withdraw",
    "legal",
    "continue_as_new",
    "hardship",
    "reassignment",
    "upkeep",
}
SIZE_BUDGET = 200_000  # bytes per set


def _replayer(*workflows: type, converter: DataConverter = pydantic_data_converter) -> Replayer:
    return Replayer(workflows=list(workflows), data_converter=converter)


async def _replay(workflow: type, entry: Recorded) -> None:
    """Replay ``entry`` on ``workflow``; raises NondeterminismError if it does not fit."""
    replayer = _replayer(workflow, LegalMatterWorkflow, ReassignmentWorkflow)
    result = await replayer.replay_workflow(entry.history())
    assert result.replay_failure is None


def test_the_current_set_covers_every_scenario() -> None:
    current = recorded(CURRENT)
    assert current, f"no {HISTORIES / CURRENT / INDEX}: run .venv/bin/python -m tests.replay.record"
    assert {entry.scenario for entry in current} == SCENARIOS
    assert {entry.workflow_type for entry in current} == {
        CASE_WORKFLOW,
        LEGAL_MATTER_WORKFLOW,
        REASSIGNMENT_WORKFLOW,
    }


@pytest.mark.parametrize("set_name", sets())
def test_each_set_is_indexed_and_small(set_name: str) -> None:
    entries = recorded(set_name)
    files = {path.name for path in (HISTORIES / set_name).iterdir()} - {INDEX}
    assert files == {entry.file for entry in entries}, f"{set_name}: index and files disagree"
    assert sum(entry.path.stat().st_size for entry in entries) < SIZE_BUDGET


@pytest.mark.parametrize("entry", ALL)
async def test_recorded_history_replays_on_the_current_code(entry: Recorded) -> None:
    assert len(entry.history().events) == entry.events

    await _replay(CaseWorkflow, entry)


@pytest.mark.parametrize("changed", CHANGED, ids=lambda changed: changed.__name__)
@pytest.mark.parametrize("entry", CASES)
async def test_a_nondeterministic_change_fails_replay(changed: type, entry: Recorded) -> None:
    await _replay(CaseWorkflow, entry)  # the history fits the code as it is...
    with pytest.raises(NondeterminismError):  # ...and not the changed code
        await _replay(changed, entry)


@pytest.mark.parametrize(
    ("changed", "entry"),
    [
        pytest.param(changed, *param.values, id=f"{changed.__name__}-{param.id}", marks=param.marks)
        for changed, history in CHANGED_FOR.items()
        for param in CASES
        if param.values[0].file.split(".json")[0] == history
    ],
)
async def test_a_change_fails_replay_where_the_history_reaches_it(
    changed: type, entry: Recorded
) -> None:
    await _replay(CaseWorkflow, entry)
    with pytest.raises(NondeterminismError):
        await _replay(changed, entry)


@pytest.mark.parametrize("entry", CASES)
async def test_the_same_change_behind_a_patch_replays(entry: Recorded) -> None:
    await _replay(PatchedPause, entry)


async def test_a_patched_change_applies_to_new_runs(case_worker: Worker) -> None:
    """The other half of the patch: a new run takes the new branch and records the marker,
    so from then on its history replays only on code that still has the patch."""
    config = case_worker.config()  # the production wiring, with the changed workflow
    config["task_queue"] = f"patched-{uuid.uuid4()}"
    config["workflows"] = [PatchedPause, LegalMatterWorkflow]
    client = case_worker.client
    async with Worker(**config):
        case_id = str(uuid.uuid4())
        handle = await client.start_workflow(
            PatchedPause.run,
            CaseStart(case_id=case_id),
            id=case_workflow_id(case_id),
            task_queue=config["task_queue"],
        )
        await handle.execute_update(
            PatchedPause.apply_step, StepRequest(step=intake(), actor=STAFF)
        )
        history = await handle.fetch_history()
    markers = [
        event.marker_recorded_event_attributes.marker_name
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
    ]
    assert "core_patch" in markers
    events = list(enumerate(history.events))
    timer = next(i for i, e in events if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED)
    projection = next(
        i
        for i, e in events
        if e.activity_task_scheduled_event_attributes.activity_type.name == PROJECT_CASE_EVENTS
    )
    assert timer < projection  # the new branch: it paused before projecting

    # A fresh history is sealed by the codec: replay it with the client's own converter.
    sealed = client.data_converter
    patched = await _replayer(PatchedPause, LegalMatterWorkflow, converter=sealed).replay_workflow(
        history
    )
    assert patched.replay_failure is None
    with pytest.raises(NondeterminismError):
        await _replayer(CaseWorkflow, LegalMatterWorkflow, converter=sealed).replay_workflow(
            history
        )
