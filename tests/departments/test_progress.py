"""The department reports its progress through its link (accepted, investigating,
mediation): a step on the matter by the department, shown to the lawyer and staff in the
case's JSON, its timeline and the console's matter page; refused after the matter is
over, backwards, and through a revoked, altered or other matter's link (the same 404 as
any wrong link). Through the API in process with a real worker, on both databases; one
worker for the module."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from api.department.routes import AddressLimiter
from services.departments.links import LinkGrant, issue_link
from services.kernel.actors import Role
from tests.api import signed_in, worked_api
from tests.departments.test_department_link import CENTRE, _referred_matter


@pytest.fixture(scope="module")
async def api(
    database_url: str, session_factory: sessionmaker[Session]
) -> AsyncIterator[httpx.AsyncClient]:
    async with worked_api(database_url, session_factory, queue_prefix="dept-progress") as running:
        yield running.api


@pytest.fixture(autouse=True)
def fresh_limit(api: httpx.AsyncClient) -> None:
    """Each test starts with the page's per-address budget whole (one app serves them all)."""
    transport = api._transport
    assert isinstance(transport, httpx.ASGITransport)
    transport.app.state.department_limiter = AddressLimiter()  # type: ignore[attr-defined]


def _key(page: httpx.Response) -> str:
    found = re.search(r'name="key" value="([0-9a-f]+)"', page.text)
    assert found, page.text
    return found.group(1)


async def _acknowledged(
    api: httpx.AsyncClient, factory: sessionmaker[Session]
) -> tuple[str, str, dict[str, str], str]:
    case_id, matter_id, staff, token = await _referred_matter(api, factory)
    page = await api.get(f"/department/{token}")
    assert "反馈办理进展" not in page.text  # progress comes after the acknowledgement
    form = {"key": _key(page), "reference": "LB-2026-9"}
    assert (await api.post(f"/department/{token}/acknowledge", data=form)).status_code == 303
    return case_id, matter_id, staff, token


async def test_the_department_reports_progress_and_the_centre_sees_it(
    api: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    case_id, matter_id, staff, token = await _acknowledged(api, session_factory)
    page = await api.get(f"/department/{token}")
    assert "反馈办理进展" in page.text
    form = {"key": _key(page), "stage": "investigating", "note": "已调取考勤记录"}

    for _ in range(2):  # a double click: one step
        sent = await api.post(f"/department/{token}/progress", data=form)
        assert sent.status_code == 303, sent.text
    shown = await api.get(sent.headers["location"])
    assert "办理进展已提交，谢谢。" in shown.text and "调查中" in shown.text
    # The stages it may report next: this one again, or a later one; not back.
    assert re.findall(r'<option value="(\w+)"', shown.text) == ["investigating", "mediation"]

    # Backwards (a stale page), or a note the text boundary refuses: the page says why.
    back = {"key": uuid.uuid4().hex, "stage": "accepted"}
    refused = await api.post(f"/department/{token}/progress", data=back)
    assert refused.status_code == 409 and "进展不能倒退" in refused.text, refused.text
    control = {"key": uuid.uuid4().hex, "stage": "mediation", "note": "bell\x07"}
    unfit = await api.post(f"/department/{token}/progress", data=control)
    assert unfit.status_code == 422 and "未能提交" in unfit.text
    no_stage = await api.post(f"/department/{token}/progress", data={"key": uuid.uuid4().hex})
    assert no_stage.status_code == 422
    assert no_stage.json()["errors"][0]["field"].endswith("stage"), no_stage.text

    # The case's JSON, its timeline (stage and note, by the department), the chain.
    case = (await api.get(f"/cases/{case_id}", headers=staff)).json()
    [referral] = case["legal_matters"][0]["referrals"]
    assert referral["progress"] == "investigating" and referral["progress_at"]
    events = (await api.get(f"/cases/{case_id}/timeline", headers=staff)).json()["items"]
    reported = [e for e in events if e["type"] == "matter_progress_reported"]
    assert [(e["actor"], e["role"], e["target"]) for e in reported] == [
        ("department:labour", "department", matter_id)
    ]
    assert reported[0]["payload"]["stage"] == "investigating"
    assert reported[0]["payload"]["note"] == "已调取考勤记录"
    verified = await api.get(f"/cases/{case_id}/timeline/verify", headers=staff)
    assert verified.json()["ok"] is True, verified.text

    # The console's matter page (Chinese): the referral's progress, the timeline's entry.
    name, _ = signed_in(session_factory, Role.STAFF, CENTRE)
    try:
        sign_in = await api.get("/console/sign-in")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', sign_in.text)
        assert csrf
        signed = await api.post(
            "/console/sign-in",
            data={"username": name, "password": "a password", "csrf_token": csrf.group(1)},
        )
        assert signed.status_code in (302, 303), signed.text
        matter_page = await api.get(f"/console/cases/{case_id}/matters/{matter_id}")
    finally:
        api.cookies.clear()
    assert matter_page.status_code == 200, matter_page.text
    shown_texts = ("办理进展", "调查中", "部门反馈办理进展", "办理阶段：调查中", "已调取考勤记录")
    for shown_text in shown_texts:
        assert shown_text in matter_page.text, shown_text

    # Once the department reports its decision, the matter takes no more progress.
    result = {"key": uuid.uuid4().hex, "outcome": "调解成功，已补发工资"}
    assert (await api.post(f"/department/{token}/result", data=result)).status_code == 303
    late = {"key": uuid.uuid4().hex, "stage": "mediation"}
    after = await api.post(f"/department/{token}/progress", data=late)
    assert after.status_code == 409 and "不再接受反馈" in after.text
    assert "反馈办理进展" not in after.text
    by_staff = await api.post(
        f"/cases/{case_id}/legal-matters/{matter_id}/progress",
        json={"department": "labour", "stage": "mediation"},
        headers=staff,
    )
    assert by_staff.status_code == 409 and by_staff.json()["code"] == "wrong_status"


async def test_progress_through_a_revoked_altered_or_other_matters_link_is_the_same_404(
    api: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    case_id, matter_id, staff, token = await _acknowledged(api, session_factory)
    infringement = {"infringement": "克扣加班费", "infringer": "某物流公司"}
    other = await api.post(f"/cases/{case_id}/legal-matters", json=infringement, headers=staff)
    assert other.status_code == 201, other.text
    other_matter = other.json()["legal_matters"][-1]["id"]
    grant = LinkGrant(case_id=case_id, matter_id=other_matter, department="labour", seq=1)
    altered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    revocations = f"/cases/{case_id}/legal-matters/{matter_id}/link-revocations"
    reason = {"department": "labour", "reason": "链接被转发给无关人员"}
    assert (await api.post(revocations, json=reason, headers=staff)).status_code == 200

    answers = []
    for wrong in (token, altered, issue_link(grant)):
        form = {"key": uuid.uuid4().hex, "stage": "investigating", "note": "x"}
        answer = await api.post(f"/department/{wrong}/progress", data=form)
        answers.append((answer.status_code, answer.json()))
    assert answers[0][0] == 404 and answers[0][1]["code"] == "link_not_valid"
    assert answers == [answers[0]] * 3

    case = (await api.get(f"/cases/{case_id}", headers=staff)).json()
    assert [r["progress"] for m in case["legal_matters"] for r in m["referrals"]] == [None]
