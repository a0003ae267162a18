"""Changed case workflows, registered under the real name "Case", that must not replay.

Each makes a change that looks harmless in a code review but alters the commands the
workflow issues for the same history: exactly the change that breaks every case already
running. They live in a module of their own because workflow classes must be importable
(the sandbox re-imports them), not defined inside a test function. They override private
methods of CaseWorkflow: if one is renamed, its variant stops changing anything and the
test expecting a non-determinism error fails; then follow the rename here.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from services.training.model import DropTraining
    from workflows.case import CaseWorkflow
    from workflows.case_contract import CASE_WORKFLOW, CaseStart, StepRequest


@workflow.defn(name=CASE_WORKFLOW)
class ProjectsTwice(CaseWorkflow):
    """Projects every batch twice ("to be safe"): one more activity per batch."""

    @workflow.run
    async def run(self, start: CaseStart) -> None:
        await super().run(start)

    async def _project(self) -> None:
        projected = self._projected_seq
        await super()._project()
        self._projected_seq = projected
        await super()._project()


@workflow.defn(name=CASE_WORKFLOW)
class PausesBeforeProjecting(CaseWorkflow):
    """Waits a second before projecting ("let steps batch up"): a timer the history lacks."""

    @workflow.run
    async def run(self, start: CaseStart) -> None:
        await super().run(start)

    async def _project(self) -> None:
        await workflow.sleep(timedelta(seconds=1))
        await super()._project()


@workflow.defn(name=CASE_WORKFLOW)
class PatchedPause(CaseWorkflow):
    """The same pause behind ``workflow.patched``, decided once per run as
    docs/workflow-versioning.md says: old histories replay, new runs pause."""

    @workflow.run
    async def run(self, start: CaseStart) -> None:
        self._pause_before_projecting = workflow.patched("pause-before-projecting")
        await super().run(start)

    async def _project(self) -> None:
        if self._pause_before_projecting:
            await workflow.sleep(timedelta(seconds=1))
        await super()._project()


@workflow.defn(name=CASE_WORKFLOW)
class RefusesDroppingTraining(CaseWorkflow):
    """A rule tightened in services/ (the workflow runs the rules): a step the history holds
    as accepted is now refused when the workflow re-checks it while replaying."""

    @workflow.run
    async def run(self, start: CaseStart) -> None:
        await super().run(start)

    def _validate_step(self, request: StepRequest) -> None:
        if isinstance(request.step, DropTraining):
            raise ApplicationError("training may no longer be dropped", non_retryable=True)
        super()._validate_step(request)


@workflow.defn(name=CASE_WORKFLOW)
class LowersHistoryBound(CaseWorkflow):
    """HISTORY_BOUND lowered from 4,000 to 3,000 events: a run already past 3,000 would now
    continue-as-new where its history shows it went on taking steps."""

    @workflow.run
    async def run(self, start: CaseStart) -> None:
        await super().run(start)

    @property
    def _history_is_long(self) -> bool:
        return workflow.info().get_current_history_length() > 3_000


# Changes that break the replay of every recorded case history...
CHANGED = [ProjectsTwice, PausesBeforeProjecting]
# ...and changes that break the replay of the histories that reach them (file names).
CHANGED_FOR = {
    RefusesDroppingTraining: "training.case",
    LowersHistoryBound: "continue_as_new.case.run1",
}
