"""``casework campaigns``: the yearly holiday visit campaigns of this deployment's centre,
kept as Temporal Schedules (workflows/campaign_schedules.py)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from services.campaigns.holidays import Series

if TYPE_CHECKING:
    from temporalio.client import ScheduleHandle

    from casework.settings import Settings
    from workflows.campaign_schedules import CampaignSchedules

app = typer.Typer(help="Yearly holiday visit campaigns (Temporal Schedules).", no_args_is_help=True)
SeriesArgument = Annotated[Series, typer.Argument(help="spring_festival or army_day")]


def _run(work: Callable[[Settings, CampaignSchedules], Awaitable[object]]) -> NoReturn:
    """Run ``work`` with the deployment's schedules, then end the process at once: the
    Temporal client's native threads can crash an interpreter that shuts down around
    them (temporalio/sdk-python#300), after the work is done but with a failing status."""
    from casework.cli import _start
    from casework.temporal import connect
    from workflows.campaign_schedules import CampaignSchedules

    settings = _start()

    async def main() -> None:
        client = await connect(settings)
        await work(settings, CampaignSchedules(client, settings.temporal_task_queue))

    asyncio.run(main())
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@app.command("list")
def list_schedules() -> None:
    """The centre's yearly campaigns: lead time, state, next starts, recent runs."""

    async def work(settings: Settings, schedules: CampaignSchedules) -> None:
        found = await schedules.describe(settings.centre_id)
        offset = timedelta(minutes=settings.utc_offset_minutes())
        for schedule in found:
            plan = schedule.plan
            state = "paused" if schedule.paused else "active"
            typer.echo(
                f"{plan.series.value}  {state}  {plan.lead_days} days ahead  ({schedule.id})"
            )
            if schedule.note:
                typer.echo(f"  note: {schedule.note}")
            for moment in schedule.next_starts[:3]:
                typer.echo(f"  next start {(moment + offset):%Y-%m-%d %H:%M} (centre time)")
            for run in schedule.recent_runs[-3:]:
                typer.echo(f"  ran {run}")
        if not found:
            typer.echo("no yearly campaigns; `casework campaigns create SERIES` makes one")

    _run(work)


@app.command("create")
def create(
    series: SeriesArgument,
    lead_days: Annotated[int, typer.Option(min=1, max=90, help="Start this long before")] = 30,
    cash: Annotated[
        Decimal | None, typer.Option(help="Condolence money per household, yuan")
    ] = None,
    goods: Annotated[
        list[str] | None, typer.Option(help="Goods per household as NAME=YUAN; repeatable")
    ] = None,
    rule: Annotated[
        str | None,
        typer.Option(
            help='Selection rule as JSON, {"any_of": [...]}; default: the '
            "bereaved, disabled veterans, families in difficulty, "
            "elderly living alone"
        ),
    ] = None,
    remind: Annotated[str, typer.Option(help="Days before the holiday of each rung")] = "7,3,1",
) -> None:
    """Create (or replace) the yearly schedule of a campaign series."""
    from pydantic import ValidationError

    from services.campaigns.model import SeriesPlan

    async def work(settings: Settings, schedules: CampaignSchedules) -> None:
        fields: dict[str, object] = {
            "series": series, "lead_days": lead_days, "centre": settings.centre_id,
            "created_by": "operator", "utc_offset_minutes": settings.utc_offset_minutes(),
            "gift": {"cash": cash, "goods": [_goods(item) for item in goods or []]},
            "ladder": {"days_before": [int(day) for day in remind.split(",") if day.strip()]},
        }  # fmt: skip
        if rule is not None:
            fields["rule"] = json.loads(rule)
        try:
            plan = SeriesPlan.model_validate(fields)
        except (ValidationError, ValueError) as invalid:
            raise SystemExit(f"invalid campaign: {invalid}") from None
        today = plan.local_day(datetime.now(UTC))
        handle = await schedules.create(plan, today)
        description = await handle.describe()
        typer.echo(f"schedule {handle.id}: next starts (UTC)")
        for moment in description.info.next_action_times[:3]:
            typer.echo(f"  {moment:%Y-%m-%d %H:%M}")

    _run(work)


@app.command("pause")
def pause(
    series: SeriesArgument,
    note: Annotated[str, typer.Option(help="Why, for whoever looks next")] = "paused",
) -> None:
    """Pause a yearly campaign: no run starts until it is unpaused."""

    async def work(settings: Settings, schedules: CampaignSchedules) -> None:
        await _handle(settings, schedules, series).pause(note=note)
        typer.echo(f"paused {series.value}")

    _run(work)


@app.command("unpause")
def unpause(
    series: SeriesArgument, note: Annotated[str, typer.Option(help="Why")] = "unpaused"
) -> None:
    """Let a paused yearly campaign start its runs again."""
    _run(
        lambda settings, schedules: schedules.handle(settings.centre_id, series).unpause(note=note)
    )
    typer.echo(f"unpaused {series.value}")


@app.command("trigger")
def trigger(series: SeriesArgument) -> None:
    """Start the coming holiday's campaign now (a later run for the same holiday finds
    it opened and ends)."""

    async def work(settings: Settings, schedules: CampaignSchedules) -> None:
        await _handle(settings, schedules, series).trigger()
        typer.echo(f"triggered {series.value}")

    _run(work)


def _handle(settings: Settings, schedules: CampaignSchedules, series: Series) -> ScheduleHandle:
    return schedules.handle(settings.centre_id, series)


def _goods(item: str) -> dict[str, str]:
    name, sep, value = item.rpartition("=")
    if not sep or not name.strip():
        raise SystemExit(f"invalid --goods {item!r}: write NAME=YUAN, e.g. 大米=120")
    return {"name": name.strip(), "value": value.strip()}
