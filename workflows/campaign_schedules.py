"""The yearly campaigns as Temporal Schedules: creating, describing, pausing, triggering
them, and keeping a Spring Festival schedule's dates ahead.

A schedule's calendar cannot say "lunar new year", so the Spring Festival schedule names
its next ``YEARS_AHEAD`` start dates explicitly (year, month, day), computed by
``services.campaigns.holidays``; each run it starts tops the list up again. Army Day is
the same day every year: one recurring calendar entry. Times are written in UTC from the
centre's offset (its zone has no daylight saving), so the server needs no zone database.

Missed runs: with everything down over a start date, the run starts when Temporal is back
if it is at most ``lead_days`` late (the catch-up window); later than that the holiday
has passed and the run is dropped. Overlap: every run starts (ALLOW_ALL): a run whose
holiday already has its campaign (a manual trigger came first) ends at once, so a stuck
run of last year never blocks this year's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleDescription,
    ScheduleHandle,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.client import ScheduleOverlapPolicy as Overlap
from temporalio.service import RPCError, RPCStatusCode

from services.campaigns.holidays import ARMY_DAY, Series, start_dates
from services.campaigns.model import SeriesPlan
from workflows.campaign import CampaignWorkflow
from workflows.campaign_contract import CampaignStart
from workflows.ids import campaign_schedule_id, campaign_series_workflow_id

YEARS_AHEAD = 10
START_HOUR = 9  # local time at the centre


@dataclass(frozen=True)
class SeriesSchedule:
    """A yearly campaign's schedule as the CLI shows it."""

    id: str
    plan: SeriesPlan
    paused: bool
    note: str
    next_starts: list[datetime]
    recent_runs: list[str]


def schedule_spec(plan: SeriesPlan, today: date) -> ScheduleSpec:
    """When ``plan``'s campaigns start, from ``today`` on."""
    if plan.series is Series.ARMY_DAY:
        due = _utc(plan, date(today.year, *ARMY_DAY) - timedelta(days=plan.lead_days))
        calendar = ScheduleCalendarSpec(
            month=[ScheduleRange(due.month)],
            day_of_month=[ScheduleRange(due.day)],
            hour=[ScheduleRange(due.hour)],
            minute=[ScheduleRange(due.minute)],
            comment=f"八一建军节前 {plan.lead_days} 天",
        )
        return ScheduleSpec(calendars=[calendar])
    calendars = []
    for start in start_dates(plan.series, plan.lead_days, today, YEARS_AHEAD):
        due = _utc(plan, start)
        calendars.append(
            ScheduleCalendarSpec(
                year=[ScheduleRange(due.year)],
                month=[ScheduleRange(due.month)],
                day_of_month=[ScheduleRange(due.day)],
                hour=[ScheduleRange(due.hour)],
                minute=[ScheduleRange(due.minute)],
                comment=f"{start + timedelta(days=plan.lead_days)} 春节前 {plan.lead_days} 天",
            )
        )
    return ScheduleSpec(calendars=calendars)


def _utc(plan: SeriesPlan, day: date) -> datetime:
    local = datetime.combine(day, time(START_HOUR), tzinfo=UTC)
    return local - timedelta(minutes=plan.utc_offset_minutes)


@dataclass
class CampaignSchedules:
    """The schedules of one deployment: its Temporal client and its workers' queue."""

    client: Client
    task_queue: str

    async def create(self, plan: SeriesPlan, today: date, note: str = "") -> ScheduleHandle:
        """Create the series' schedule, or replace its plan and dates if it exists."""
        schedule_id = campaign_schedule_id(plan.centre, plan.series.value)
        action = ScheduleActionStartWorkflow(
            CampaignWorkflow.run,
            CampaignStart(series=plan, schedule_id=schedule_id),
            id=campaign_series_workflow_id(plan.centre, plan.series.value),
            task_queue=self.task_queue,
        )
        schedule = Schedule(
            action=action,
            spec=schedule_spec(plan, today),
            policy=SchedulePolicy(
                overlap=Overlap.ALLOW_ALL, catchup_window=timedelta(days=plan.lead_days)
            ),
            state=ScheduleState(note=note or f"{plan.series.value}, {plan.lead_days} days ahead"),
        )
        handle = self.client.get_schedule_handle(schedule_id)
        if await self._exists(handle):
            await handle.update(lambda _: ScheduleUpdate(schedule=schedule))
            return handle
        return await self.client.create_schedule(schedule_id, schedule)

    async def keep_ahead(self, schedule_id: str) -> int:
        """Rewrite the schedule's dates from today on (for Spring Festival: the next
        ``YEARS_AHEAD``); how many calendar entries it then has."""
        handle = self.client.get_schedule_handle(schedule_id)
        entries = 0

        async def renewed(current: ScheduleUpdateInput) -> ScheduleUpdate | None:
            nonlocal entries
            schedule = current.description.schedule
            plan = await self.plan_of(current.description)
            spec = schedule_spec(plan, plan.local_day(datetime.now(UTC)))
            entries = len(spec.calendars)
            if spec.calendars == schedule.spec.calendars:
                return None
            schedule.spec = spec
            return ScheduleUpdate(schedule=schedule)

        await handle.update(renewed)
        return entries

    async def describe(self, centre: str) -> list[SeriesSchedule]:
        """The centre's yearly schedules, those that exist."""
        found = []
        for series in Series:
            handle = self.client.get_schedule_handle(campaign_schedule_id(centre, series.value))
            try:
                description = await handle.describe()
            except RPCError as error:
                if error.status is RPCStatusCode.NOT_FOUND:
                    continue
                raise
            found.append(
                SeriesSchedule(
                    id=handle.id,
                    plan=await self.plan_of(description),
                    paused=description.schedule.state.paused,
                    note=description.schedule.state.note or "",
                    next_starts=list(description.info.next_action_times),
                    recent_runs=[
                        getattr(result.action, "workflow_id", "")
                        for result in description.info.recent_actions
                    ],
                )
            )
        return found

    async def plan_of(self, description: ScheduleDescription) -> SeriesPlan:
        action = description.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        (start,) = await self.client.data_converter.decode(list(action.args), [CampaignStart])
        assert isinstance(start, CampaignStart) and start.series is not None
        return start.series

    def handle(self, centre: str, series: Series) -> ScheduleHandle:
        return self.client.get_schedule_handle(campaign_schedule_id(centre, series.value))

    @staticmethod
    async def _exists(handle: ScheduleHandle) -> bool:
        try:
            await handle.describe()
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                return False
            raise
        return True
