"""The department answers through the signed link in its letter: the page, the
acknowledgement and the result as steps by an actor of role department, through the
API in process with a real worker on the time-skipping server (SQLite); and every way a
link can be wrong is the same 404."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.cases.records import CaseEventRecord
from services.departments.links import LinkGrant, LinkRefused, issue_link, read_link
from services.kernel.actors import Role
from tests.api import in_process_api, signed_in
from tests.departments.pdf_text import pdf_text
from tests.workflows.support import eventually

CENTRE = "城关镇中心"


@pytest.fixture
async def api(
    workflow_env: WorkflowEnvironment,
    case_worker: Worker,
    sqlite_session_factory: sessionmaker[Session],
) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_api(
        "sqlite://", sqlite_session_factory, workflow_env.client, case_worker.task_queue
    ) as client:
        yield client


async def _referred_matter(
    api: httpx.AsyncClient, factory: sessionmaker[Session], centre: str = CENTRE
) -> tuple[str, str, dict[str, str], str]:
    """A legal-aid case whose matter the lawyer referred to the labour bureau: (case id,
    matter id, staff headers, the link's token read from the letter)."""
    _, staff = signed_in(factory, Role.STAFF, centre)
    lawyer, lawyer_headers = signed_in(factory, Role.LAWYER, centre)
    _, supervisor = signed_in(factory, Role.SUPERVISOR, centre)
    body = {"claimant": {"name": "王建国", "category": "veteran"}, "needs": ["legal_aid"]}
    opened = await api.post("/cases", json=body, params={"confirm_new": "true"}, headers=staff)
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    infringement = {
        "infringement": "拖欠工资三个月",
        "infringer": "某建筑公司",
        "evidence": ["工资条"],
    }
    recorded = await api.post(f"/cases/{case_id}/legal-matters", json=infringement, headers=staff)
    assert recorded.status_code == 201, recorded.text
    matter_id = recorded.json()["legal_matters"][0]["id"]
    assigned = await api.post(
        f"/cases/{case_id}/lawyer", json={"lawyer": lawyer}, headers=supervisor
    )
    assert assigned.status_code == 200, assigned.text
    referral = {"department": "labour", "channel": "letter"}
    referred = await api.post(
        f"/cases/{case_id}/legal-matters/{matter_id}/referrals",
        json=referral,
        headers=lawyer_headers,
    )
    assert referred.status_code in (200, 201), referred.text
    letters = f"/cases/{case_id}/legal-matters/{matter_id}/letters"
    [letter] = (await api.get(letters, headers=staff)).json()
    pdf = await api.get(f"{letters}/{letter['seq']}", headers=staff)
    # The printed link may wrap: its lines joined (the QR code holds it whole).
    above_seal = "".join(pdf_text(pdf.content).splitlines()[:-1])  # the centre's seal last
    found = re.search(r"/department/([A-Za-z0-9._-]+)", above_seal)
    assert found, "the letter carries the department's link"
    return case_id, matter_id, staff, found.group(1)


async def test_department_acknowledges_and_reports_the_result_through_its_link(
    api: httpx.AsyncClient, sqlite_session_factory: sessionmaker[Session]
) -> None:
    case_id, _, staff, token = await _referred_matter(api, sqlite_session_factory)

    page = await api.get(f"/department/{token}")
    assert page.status_code == 200
    assert "确认受理" in page.text and "拖欠工资三个月" in page.text
    assert "王建国" not in page.text  # nothing of the claimant
    key = re.search(r'name="key" value="([0-9a-f]+)"', page.text)
    assert key
    form = {"key": key.group(1), "reference": "LB-2026-7"}
    answered = await api.post(f"/department/{token}/acknowledge", data=form)
    assert answered.status_code == 303
    again = await api.post(f"/department/{token}/acknowledge", data=form)  # a double click
    assert again.status_code == 303
    shown = await api.get(answered.headers["location"])
    assert "已确认受理，谢谢。" in shown.text and "LB-2026-7" in shown.text

    case = (await api.get(f"/cases/{case_id}", headers=staff)).json()
    [referral] = case["legal_matters"][0]["referrals"]
    assert referral["acknowledgement_reference"] == "LB-2026-7"
    deadlines = (await api.get(f"/cases/{case_id}/deadlines", headers=staff)).json()
    assert not [c for c in deadlines["open"] if c["kind"] == "acknowledgement"]  # met

    key = re.search(r'name="key" value="([0-9a-f]+)"', shown.text)
    assert key
    result = {"key": key.group(1), "outcome": "已责令用人单位补发全部工资"}
    assert (await api.post(f"/department/{token}/result", data=result)).status_code == 303
    await eventually(
        lambda: api.get(f"/cases/{case_id}", headers=staff),
        lambda answer: answer.json()["legal_matters"][0]["status"] == "resolved",
        what="the matter resolved",
    )
    with sqlite_session_factory() as session:
        by_department = session.execute(
            select(CaseEventRecord.type, CaseEventRecord.actor, CaseEventRecord.role)
            .where(CaseEventRecord.case_id == case_id, CaseEventRecord.role == "department")
            .order_by(CaseEventRecord.seq)
        ).all()
    assert [tuple(row) for row in by_department] == [
        ("matter_acknowledged", "department:labour", "department"),
        ("matter_resolved", "department:labour", "department"),
    ]
    verified = await api.get(f"/cases/{case_id}/timeline/verify", headers=staff)
    assert verified.status_code == 200 and verified.json()["ok"] is True, verified.text

    # An altered token, or one for another matter, reaches nothing of this one.
    altered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert (await api.get(f"/department/{altered}")).status_code == 404
    other = issue_link(LinkGrant(case_id=case_id, matter_id="M99", department="labour", seq=1))
    assert (await api.get(f"/department/{other}")).status_code == 404
    refused = await api.post(f"/department/{other}/acknowledge", data={"key": "k" * 16})
    assert refused.status_code in (404, 409)


def test_a_link_expires_names_its_purpose_and_survives_no_alteration() -> None:
    grant = LinkGrant(case_id="c", matter_id="M1", department="justice", seq=4)
    token = issue_link(grant)
    assert read_link(token) == grant
    with pytest.raises(LinkRefused):
        read_link(token, lifetime=timedelta(seconds=-1))  # expired
    payload, stamp, signature = token.split(".")
    other_payload = issue_link(grant.model_copy(update={"matter_id": "M2"})).split(".")[0]
    for wrong in (
        f"{payload}.{stamp}.{signature[::-1]}",
        f"{other_payload}.{stamp}.{signature}",  # another matter under this signature
        "not-a-token-at-all-really",
    ):
        with pytest.raises(LinkRefused):
            read_link(wrong)
