"""One child workflow per legal matter: it follows the matter until it is resolved or closed.

The case workflow stays the one writer of the matter's steps (so the case timeline has a
single sequence); it hands each new state of the matter to this workflow, which is where
the matter lives on its own: findable by lawyer, queryable, and (with deadlines) timed.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from services.legal_aid.model import OPEN_MATTER
    from workflows import search_attributes
    from workflows.case_contract import LEGAL_MATTER_WORKFLOW, MatterSnapshot


@workflow.defn(name=LEGAL_MATTER_WORKFLOW)
class LegalMatterWorkflow:
    @workflow.init
    def __init__(self, snapshot: MatterSnapshot) -> None:
        self._snapshot = snapshot

    @workflow.run
    async def run(self, snapshot: MatterSnapshot) -> MatterSnapshot:
        self._index()
        await workflow.wait_condition(lambda: self._snapshot.matter.status not in OPEN_MATTER)
        return self._snapshot

    @workflow.signal(name="sync")
    def sync(self, snapshot: MatterSnapshot) -> None:
        # Signals can arrive twice (a retried parent task) or late: keep the newest.
        if snapshot.seq > self._snapshot.seq:
            lawyer_changed = snapshot.lawyer != self._snapshot.lawyer
            self._snapshot = snapshot
            if lawyer_changed:
                self._index()

    @workflow.query(name="matter")
    def matter(self) -> MatterSnapshot:
        return self._snapshot

    def _index(self) -> None:
        if self._snapshot.lawyer:
            workflow.upsert_search_attributes(
                [search_attributes.CASE_LAWYER.value_set(self._snapshot.lawyer)]
            )
