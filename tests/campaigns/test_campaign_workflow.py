"""The campaign workflow on the time-skipping server with its real activities (SQLite):
it selects households page by page and gives them to their townships' staff, reminds
and escalates visits not done as the holiday nears, takes households added during the
window, and closes with figures that match a count by hand."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.campaigns.work import AddHouseholds
from tests.campaigns.support import SUPERVISOR, Register, local_today
from tests.workflows.support import eventually
from workflows.campaign import CampaignWorkflow
from workflows.campaign_contract import CampaignStart
from workflows.ids import campaign_workflow_id


async def test_a_campaign_assigns_reminds_escalates_and_closes_with_its_figures(
    workflow_env: WorkflowEnvironment,
    case_worker: Worker,
    sqlite_session_factory: sessionmaker[Session],
) -> None:
    register = Register.new(sqlite_session_factory)
    li = register.staff("li", "城关镇")
    wang = register.staff("wang", "龙泉镇")
    martyr = register.person("李桂兰", "martyr_family", "城关镇")
    disabled = register.person("张伟", "disabled_veteran", "城关镇", "disabled")
    poor = register.person("赵强", "veteran", "龙泉镇", "in_difficulty")
    alone = register.person("王芳", "active_duty_family", "白河乡", "elderly_alone")  # no staff
    register.person("刘军", "veteran", "龙泉镇")  # no rule selects him
    holiday = local_today() + timedelta(days=10)
    plan = register.plan(holiday)
    campaign_id = str(uuid.uuid4())
    handle = await workflow_env.client.start_workflow(
        CampaignWorkflow.run,
        CampaignStart(campaign_id=campaign_id, plan=plan, page_size=2),
        id=campaign_workflow_id(campaign_id),
        task_queue=case_worker.task_queue,
    )
    assert await handle.execute_update(CampaignWorkflow.opened) == campaign_id
    await eventually(
        lambda: handle.query(CampaignWorkflow.progress),
        lambda progress: progress.selection_done,
        what="selection",
    )

    assert register.tasks(campaign_id) == {
        martyr: (li.id, 0), disabled: (li.id, 0), poor: (wang.id, 0), alone: (None, 0),
    }  # fmt: skip

    register.visit(campaign_id, martyr, li, cash="500", goods=[{"name": "大米", "value": "120"}],
                   leaders=[{"name": "陈明", "title": "副县长"}], findings="屋顶漏雨")  # fmt: skip
    register.visit(campaign_id, poor, wang, reached=False)
    # 09:00 on the centre's day, a week before the holiday: the first rung.
    await _sleep_past(workflow_env, plan.rung_times()[0][1])
    await eventually(
        lambda: _async(register.notices(campaign_id)),
        lambda notices: len(notices) == 3,
        what="reminders",
    )

    # Each assignee hears of their own; a household nobody visits goes to the supervisor.
    assert sorted(register.notices(campaign_id)) == sorted([
        (0, li.id, 1), (0, wang.id, 1), (0, "supervisor", 1),
    ])  # fmt: skip
    assert register.tasks(campaign_id)[disabled] == (li.id, 1)
    assert register.tasks(campaign_id)[martyr] == (li.id, 0)

    register.visit(campaign_id, disabled, li, cash="500")
    latecomer = register.person("孙秀英", "martyr_family", "龙泉镇")
    added = await handle.execute_update(
        CampaignWorkflow.add_households,
        AddHouseholds(person_ids=[latecomer, martyr, str(uuid.uuid4())], actor=SUPERVISOR),
    )
    assert (added.added, added.already, len(added.not_selected)) == ([latecomer], [martyr], 1)
    await _sleep_past(workflow_env, plan.rung_times()[1][1])
    await eventually(
        lambda: _async(register.notices(campaign_id)),
        lambda notices: len(notices) == 4,
        what="escalation to the supervisor",
    )

    assert register.notices(campaign_id)[-1] == (1, "supervisor", 3)  # 赵强, 王芳, 孙秀英
    assert {person: level for person, (_, level) in register.tasks(campaign_id).items()} == {
        martyr: 0, disabled: 1, poor: 2, alone: 2, latecomer: 2,
    }  # fmt: skip

    result = await handle.result()

    figures = result.figures
    assert figures is not None and figures.closed
    totals = figures.totals
    assert (totals.selected, totals.visited, totals.not_reached, totals.not_visited) == (5, 2, 1, 2)
    assert (totals.cash, totals.goods_value) == (Decimal(1000), Decimal(120))
    assert figures.by_category["martyr_family"].model_dump() == {
        "selected": 2, "visited": 1, "not_reached": 0, "not_visited": 1,
        "cash": Decimal(500), "goods_value": Decimal(120), "cases_opened": 0,
    }  # fmt: skip
    assert figures.by_township["白河乡"].not_visited == 1
    assert figures.raised == {"centre_head": 3}
    assert register.notices(campaign_id)[-1] == (2, "centre_head", 3)


async def _sleep_past(env: WorkflowEnvironment, moment: datetime) -> None:
    now = await env.get_current_time()
    await env.sleep(moment - now.astimezone(UTC) + timedelta(hours=1))


async def _async(value: object) -> object:
    return value
