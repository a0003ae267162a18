"""One workflow per holiday visit campaign: it selects the households a page at a time,
gives each to the staff of its township, raises visits not done up the ladder as the
holiday nears, and closes with the campaign's figures.

Households live in the database, not in the workflow: a page of selection is one
activity, so a prefecture's 50,000 households cost about fifty activities of history
(measured in bench/campaigns.py), and a run carries only a cursor and a few counters
across continue-as-new.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.campaigns import CampaignActivities
    from services.campaigns.figures import CampaignFigures
    from services.campaigns.holidays import next_holiday
    from services.campaigns.model import CampaignPlan
    from services.campaigns.work import (
        AddHouseholds,
        AddToCampaign,
        CloseCampaign,
        HouseholdsAdded,
        OpenCampaign,
        SelectPage,
        SoundRung,
    )
    from workflows import search_attributes
    from workflows.campaign_contract import (
        CAMPAIGN_WORKFLOW,
        CampaignProgress,
        CampaignResult,
        CampaignStart,
        CarriedCampaign,
    )

ACTIVITY_TIMEOUT = timedelta(minutes=5)
HISTORY_BOUND = 4_000  # well under the server's 10k-event warning
LONGEST_NAP = timedelta(days=1)  # a long wait wakes daily to see if it should continue-as-new


@workflow.defn(name=CAMPAIGN_WORKFLOW)
class CampaignWorkflow:
    @workflow.init
    def __init__(self, start: CampaignStart) -> None:
        carried = start.carried
        self._start = start
        self._campaign_id = carried.campaign_id if carried else start.campaign_id
        self._plan: CampaignPlan | None = carried.plan if carried else start.plan
        self._opened_at = carried.opened_at if carried else None
        self._cursor = carried.cursor if carried else None
        self._selection_done = carried.selection_done if carried else False
        self._selected = carried.selected if carried else 0
        self._rungs_done = carried.rungs_done if carried else 0
        self._closing = False

    @workflow.run
    async def run(self, start: CampaignStart) -> CampaignResult:
        if self._opened_at is None:
            duplicate = await self._open()
            if duplicate is not None:
                return duplicate
        plan = self._plan
        assert plan is not None and self._campaign_id is not None
        while not self._selection_done:
            await self._select_page()
            await self._continue_if_long()
        for rung, at in plan.rung_times()[self._rungs_done :]:
            await self._sleep_until(at)
            assert self._opened_at is not None
            if at >= self._opened_at:  # a rung already past when the campaign opened is skipped
                await workflow.execute_activity_method(
                    CampaignActivities.sound_rung,
                    SoundRung(campaign_id=self._campaign_id, rung=rung, at=workflow.now()),
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                )
            self._rungs_done += 1
        await self._sleep_until(plan.closes_at())
        self._closing = True  # no household is added from now on
        await workflow.wait_condition(workflow.all_handlers_finished)
        figures: CampaignFigures = await workflow.execute_activity_method(
            CampaignActivities.close_campaign,
            CloseCampaign(campaign_id=self._campaign_id, at=workflow.now()),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
        )
        return CampaignResult(campaign_id=self._campaign_id, figures=figures)

    @workflow.update
    async def opened(self) -> str:
        """The campaign's id, once it is recorded (the API waits for it)."""
        await workflow.wait_condition(lambda: self._opened_at is not None)
        assert self._campaign_id is not None
        return self._campaign_id

    @workflow.update
    async def add_households(self, request: AddHouseholds) -> HouseholdsAdded:
        """Households added to the register during the window, added to the campaign."""
        await workflow.wait_condition(lambda: self._opened_at is not None)
        assert self._campaign_id is not None
        added: HouseholdsAdded = await workflow.execute_activity_method(
            CampaignActivities.add_households,
            AddToCampaign(campaign_id=self._campaign_id, request=request, at=workflow.now()),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
        )
        self._selected += len(added.added)
        return added

    @add_households.validator
    def _campaign_open(self, request: AddHouseholds) -> None:
        if self._closing:
            raise ApplicationError(
                "the campaign is closed",
                {"code": "campaign_closed", "field": "person_ids", "status": 409},
                type="CampaignClosed",
                non_retryable=True,
            )

    @workflow.query
    def progress(self) -> CampaignProgress:
        return CampaignProgress(
            campaign_id=self._campaign_id,
            selected=self._selected,
            selection_done=self._selection_done,
            rungs_done=self._rungs_done,
            closing=self._closing,
        )

    async def _open(self) -> CampaignResult | None:
        """Record the campaign; a result if this holiday's campaign exists already."""
        start = self._start
        if start.series is not None:
            due = workflow.info().typed_search_attributes.get(search_attributes.SCHEDULED_START)
            started_on = start.series.local_day(due or workflow.now())
            holiday = next_holiday(start.series.series, started_on)
            self._plan = start.series.plan_for(holiday, started_on)
        self._campaign_id = self._campaign_id or str(workflow.uuid4())
        assert self._plan is not None
        opened = await workflow.execute_activity_method(
            CampaignActivities.open_campaign,
            OpenCampaign(
                campaign_id=self._campaign_id,
                plan=self._plan,
                workflow_id=workflow.info().workflow_id,
                at=workflow.now(),
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
        )
        if start.schedule_id is not None:
            await workflow.execute_activity_method(
                CampaignActivities.keep_schedule_ahead,
                start.schedule_id,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
            )
        if opened.campaign_id != self._campaign_id:
            workflow.logger.info("campaign opened already", extra={"by": opened.workflow_id})
            return CampaignResult(campaign_id=opened.campaign_id, duplicate_of=opened.workflow_id)
        self._opened_at = workflow.now()
        return None

    async def _select_page(self) -> None:
        assert self._campaign_id is not None
        page = await workflow.execute_activity_method(
            CampaignActivities.select_households,
            SelectPage(
                campaign_id=self._campaign_id,
                after_person_id=self._cursor,
                limit=self._start.page_size,
                at=workflow.now(),
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
        )
        self._cursor = page.last_person_id
        self._selected += page.assigned
        self._selection_done = page.done

    async def _sleep_until(self, moment: datetime) -> None:
        # Plain timers, never cancelled (see CaseWorkflow._set_alarm), a day at most.
        while (left := moment - workflow.now()) > timedelta(0):
            await workflow.sleep(min(left, LONGEST_NAP), summary="next rung or closing")
            await self._continue_if_long()

    async def _continue_if_long(self) -> None:
        info = workflow.info()
        if not (
            info.is_continue_as_new_suggested() or info.get_current_history_length() > HISTORY_BOUND
        ):
            return
        await workflow.wait_condition(workflow.all_handlers_finished)
        assert self._campaign_id and self._plan and self._opened_at
        workflow.continue_as_new(
            CampaignStart(
                carried=CarriedCampaign(
                    campaign_id=self._campaign_id,
                    plan=self._plan,
                    opened_at=self._opened_at,
                    cursor=self._cursor,
                    selection_done=self._selection_done,
                    selected=self._selected,
                    rungs_done=self._rungs_done,
                ),
                page_size=self._start.page_size,
            )
        )
