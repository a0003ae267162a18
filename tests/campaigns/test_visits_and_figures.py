"""Visits and figures on each database, through the services the campaign's activities
and the API call: the rule selects households, visits are recorded while the campaign is
open, figures count them by category and township and drill down to the households, a
closed campaign takes no visit, and erasing a person erases what their visits found."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.campaigns import figures, selection
from services.campaigns.records import VisitRecord
from services.campaigns.selection import CampaignClosed
from services.campaigns.visit_cases import link_case
from services.campaigns.visits import visits_of_person
from services.campaigns.work import CloseCampaign, OpenCampaign, SelectPage
from services.db import transaction
from services.register import people
from services.reports.summary import report_rows, summary_report
from tests.campaigns.support import SUPERVISOR, Register, local_today


def _open(register: Register, **plan: object) -> str:
    campaign_id, now = str(uuid.uuid4()), datetime.now(UTC)
    holiday = local_today() + timedelta(days=5)
    with transaction(register.factory) as session:
        selection.open_campaign(session=session, order=OpenCampaign(
            campaign_id=campaign_id, plan=register.plan(holiday, **plan), workflow_id="w", at=now,
        ))  # fmt: skip
        cursor, done = None, False
        while not done:
            page = selection.select_page(session=session, order=SelectPage(
                campaign_id=campaign_id, after_person_id=cursor, limit=2, at=now))  # fmt: skip
            cursor, done = page.last_person_id, page.done
    return campaign_id


def test_figures_count_visits_by_category_and_township_down_to_the_households(
    session_factory: sessionmaker[Session],
) -> None:
    register = Register.new(session_factory)
    li = register.staff("li", "城关镇", "龙泉镇")
    a = register.person("李桂兰", "martyr_family", "城关镇")
    b = register.person("王芳", "martyr_family", "龙泉镇")
    c = register.person("张伟", "disabled_veteran", "龙泉镇")
    d = register.person("赵强", "veteran", "城关镇", "in_difficulty")
    register.person("刘军", "veteran", "城关镇")  # not selected
    campaign_id = _open(register)
    register.visit(campaign_id, a, li, cash="500", goods=[{"name": "大米", "value": "120.5"}])
    register.visit(campaign_id, b, li, reached=False)
    register.visit(campaign_id, b, li, cash="300")  # reached on the second try
    register.visit(campaign_id, c, li, reached=False)

    with session_factory() as session:
        counted = figures.campaign_figures(session=session, campaign_id=campaign_id)
        pages = [figures.households(session=session, campaign_id=campaign_id, limit=2)]
        while cursor := pages[-1].next_cursor:
            pages.append(
                figures.households(session=session, campaign_id=campaign_id, limit=2, after=cursor)
            )
        waiting = figures.households(
            session=session, campaign_id=campaign_id, status=figures.Status.NOT_VISITED
        )
        year = figures.year_figures(
            session=session, centre=register.centre, year=counted.holiday.year
        )

    totals = counted.totals
    assert (totals.selected, totals.visited, totals.not_reached, totals.not_visited) == (4, 2, 1, 1)
    assert (totals.cash, totals.goods_value) == (Decimal("800.00"), Decimal("120.50"))
    assert counted.by_category["martyr_family"].visited == 2
    assert counted.by_category["disabled_veteran"].not_reached == 1
    assert counted.by_township["城关镇"].model_dump() == {
        "selected": 2, "visited": 1, "not_reached": 0, "not_visited": 1,
        "cash": Decimal("500.00"), "goods_value": Decimal("120.50"), "cases_opened": 0,
    }  # fmt: skip
    assert [len(page.items) for page in pages] == [2, 2]
    assert {h.person_id for page in pages for h in page.items} == {a, b, c, d}
    assert [(h.person_id, h.assignee) for h in waiting.items] == [(d, li.id)]
    assert year.totals == totals


def test_a_closed_campaign_keeps_its_figures_and_takes_no_visit(
    session_factory: sessionmaker[Session],
) -> None:
    register = Register.new(session_factory)
    li = register.staff("li", "城关镇")
    a = register.person("李桂兰", "martyr_family", "城关镇")
    campaign_id = _open(register)
    register.visit(campaign_id, a, li, cash="500")

    with transaction(session_factory) as session:
        closed = figures.close_campaign(
            session=session, order=CloseCampaign(campaign_id=campaign_id, at=datetime.now(UTC))
        )
    with transaction(session_factory) as session:
        again = figures.close_campaign(
            session=session, order=CloseCampaign(campaign_id=campaign_id, at=datetime.now(UTC))
        )
    with pytest.raises(CampaignClosed):
        register.visit(campaign_id, a, li)

    assert closed == again
    assert (closed.closed, closed.totals.visited) == (True, 1)


def test_erasing_a_person_erases_what_their_visits_found(
    session_factory: sessionmaker[Session],
) -> None:
    register = Register.new(session_factory)
    li = register.staff("li", "城关镇")
    a = register.person("李桂兰", "martyr_family", "城关镇")
    campaign_id = _open(register)
    visit = register.visit(campaign_id, a, li, findings="孙子上学有困难")

    with session_factory() as session:
        stored = session.scalar(select(VisitRecord.findings).where(VisitRecord.id == visit.id))
    with transaction(session_factory) as session:
        before = visits_of_person(session=session, person_id=a, centre=register.centre,
                                  reader=SUPERVISOR)  # fmt: skip
        people.erase_person(session=session, person_id=a, centre=register.centre, actor=SUPERVISOR)
    with transaction(session_factory) as session:
        after = visits_of_person(session=session, person_id=a, centre=register.centre,
                                 reader=SUPERVISOR)  # fmt: skip
        counted = figures.campaign_figures(session=session, campaign_id=campaign_id)

    assert stored is not None and "孙子" not in stored
    assert before[0].findings == "孙子上学有困难"
    assert (after[0].findings, after[0].cash) == (None, visit.cash)
    assert counted.totals.visited == 1  # the figures keep the visit


def test_the_summary_counts_each_years_visits_and_the_cases_opened_from_them(
    session_factory: sessionmaker[Session],
) -> None:
    register = Register.new(session_factory)
    li = register.staff("li", "城关镇")
    a = register.person("李桂兰", "martyr_family", "城关镇")
    b = register.person("王芳", "martyr_family", "城关镇")
    c = register.person("张伟", "disabled_veteran", "城关镇")
    campaign_id = _open(register)
    first = register.visit(campaign_id, a, li, cash="500", goods=[{"name": "大米", "value": "120"}])
    register.visit(campaign_id, b, li, reached=False)
    register.visit(campaign_id, c, li, cash="300")
    case_id = str(uuid.uuid4())
    with transaction(session_factory) as session:
        link_case(session=session, campaign_id=campaign_id, visit_id=first.id,
                  centre=register.centre, case_id=case_id, actor=SUPERVISOR)  # fmt: skip
    holiday = local_today() + timedelta(days=5)

    with session_factory() as session:
        report = summary_report(
            session=session, period_from=date(holiday.year, 1, 1),
            period_to=date(holiday.year, 12, 31), as_of=datetime.now(UTC),
            tz=ZoneInfo("Asia/Shanghai"), centre=register.centre,
        )  # fmt: skip
        other_year = figures.visit_figures(
            session=session, centre=register.centre, first=date(holiday.year + 1, 1, 1),
            last=date(holiday.year + 1, 12, 31),
        )  # fmt: skip
        behind = figures.households(session=session, campaign_id=campaign_id, case_opened=True)
    rows = {row[0]: row[1:] for row in report_rows(report)}

    visits = report.visits
    totals = visits.totals
    counted = (totals.selected, totals.visited, totals.not_reached, totals.cases_opened)
    assert counted == (3, 2, 1, 1)
    assert (totals.cash, totals.goods_value) == (Decimal("800.00"), Decimal("120.00"))
    assert visits.by_category["martyr_family"].cases_opened == 1
    assert visits.by_category["disabled_veteran"].cash == Decimal("300.00")
    assert [year.year for year in visits.years] == [holiday.year]
    assert [c.campaign_id for c in visits.years[0].campaigns] == [campaign_id]
    assert [h.person_id for h in behind.items] == [a]
    assert other_year.years == [] and other_year.totals.selected == 0
    assert rows["visits.cases_opened"] == ["1", ""]
    assert rows["visits.martyr_family.cash"] == ["", "500.00"]
