"""The yearly campaigns on a real dev server (the time-skipping server has no schedules),
made and driven with `casework campaigns` as an operator would: Spring Festival starts
the chosen number of days before each lunar new year, Army Day before each 1 August,
and a trigger opens the coming holiday's campaign once."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime, time, timedelta

import httpx
import pytest
from temporalio.client import Client, ScheduleOverlapPolicy

from tests.e2e.stack import BIN, CENTRE, Stack
from tests.workflows.support import eventually
from workflows.ids import campaign_schedule_id
from workflows.search_attributes import SCHEDULED_START

pytestmark = pytest.mark.e2e
LEAD_DAYS = 30
# Published dates of the lunar new year, written out here rather than computed with the
# library the product uses, so that the test checks it.
SPRING_FESTIVALS = [date(2027, 2, 6), date(2028, 1, 26), date(2029, 2, 13), date(2030, 2, 3),
                    date(2031, 1, 23), date(2032, 2, 11)]  # fmt: skip


def _casework(stack: Stack, *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "casework"), "campaigns", *args],
        env=stack.env, cwd=stack.workdir, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _starts(holidays: list[date]) -> list[datetime]:
    """09:00 at the centre (UTC+8), LEAD_DAYS before each holiday still to come."""
    starts = [
        datetime.combine(day - timedelta(days=LEAD_DAYS), time(1), tzinfo=UTC) for day in holidays
    ]
    return [start for start in starts if start > datetime.now(UTC)]


async def test_yearly_schedules_start_the_chosen_days_before_each_holiday(
    stack: Stack, temporal: Client
) -> None:
    for series in ("spring_festival", "army_day"):
        _casework(stack, "create", series, "--lead-days", str(LEAD_DAYS), "--cash", "500",
                  "--goods", "大米=120")  # fmt: skip
    spring = await temporal.get_schedule_handle(
        campaign_schedule_id(CENTRE, "spring_festival")
    ).describe()
    army = await temporal.get_schedule_handle(campaign_schedule_id(CENTRE, "army_day")).describe()
    this_year = datetime.now(UTC).year
    army_days = [date(year, 8, 1) for year in range(this_year, this_year + 3)]
    listed = _casework(stack, "list")

    # Today (December 2026): 7 January 2027 for 6 February, then 27 December 2027.
    assert list(spring.info.next_action_times[:2]) == _starts(SPRING_FESTIVALS)[:2]
    assert list(army.info.next_action_times[:2]) == _starts(army_days)[:2]
    assert len(spring.schedule.spec.calendars) == 10  # the next ten years, written out
    for schedule in (spring, army):
        assert schedule.schedule.policy.catchup_window == timedelta(days=LEAD_DAYS)
        assert schedule.schedule.policy.overlap is ScheduleOverlapPolicy.ALLOW_ALL
    assert "spring_festival  active  30 days ahead" in listed


async def test_a_trigger_opens_the_coming_holidays_campaign_once_and_pause_holds_it(
    stack: Stack, temporal: Client
) -> None:
    _casework(stack, "create", "army_day", "--lead-days", str(LEAD_DAYS))
    today = (datetime.now(UTC) + timedelta(hours=8)).date()
    holiday = (
        date(today.year, 8, 1) if today <= date(today.year, 8, 1) else date(today.year + 1, 8, 1)
    )

    _casework(stack, "trigger", "army_day")
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=30, headers=stack.headers("supervisor")
    ) as api:
        campaigns = await eventually(
            lambda: api.get("/campaigns"),
            lambda answer: any(c["series"] == "army_day" for c in answer.json()),
            what="the triggered campaign",
            within=60,
        )
        _casework(stack, "trigger", "army_day")
        handle = temporal.get_schedule_handle(campaign_schedule_id(CENTRE, "army_day"))
        second = await eventually(
            handle.describe,
            lambda description: (
                len(description.info.recent_actions) >= 2 and not description.info.running_actions
            ),
            what="the second run to end",
            within=60,
        )
        after = await api.get("/campaigns")
    first_run = await temporal.get_workflow_handle(
        second.info.recent_actions[0].action.workflow_id  # type: ignore[attr-defined]
    ).describe()
    _casework(stack, "pause", "army_day", "--note", "县里另行安排")
    paused = await handle.describe()

    opened = [c for c in campaigns.json() if c["series"] == "army_day"]
    assert [(c["name"], c["holiday"]) for c in opened] == [
        (f"{holiday.year}年八一走访慰问", str(holiday))
    ]
    assert opened[0]["window_start"] == str(max(today, holiday - timedelta(days=LEAD_DAYS)))
    assert len(second.info.recent_actions) == 2
    # What a run that starts late (catching up) takes its holiday from: when it was due.
    assert first_run.typed_search_attributes.get(SCHEDULED_START) is not None
    assert [c["id"] for c in after.json() if c["series"] == "army_day"] == [opened[0]["id"]]
    assert (paused.schedule.state.paused, paused.schedule.state.note) == (True, "县里另行安排")
