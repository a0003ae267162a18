"""Staff (or the case's lawyer) issue a department a new link after revoking its old one:
a step on the matter, a new letter (its own reference, naming the one it replaces) sent
the way the first was, a link that answers while the revoked one stays the same 404 as
an altered one; nobody else may issue one. Through the API in process with a real
worker, on both databases; one worker for the module."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.department.routes import AddressLimiter
from services.db import transaction
from services.departments.links import read_link
from services.departments.referrals import LETTER_KIND, answer_link
from services.kernel.actors import Role
from services.notify.outbox import OutboxRecord
from services.users import tokens
from services.users.model import User
from tests.api import TOKEN_SECRET, signed_in, worked_api
from tests.departments.pdf_text import pdf_text
from tests.departments.test_department_link import CENTRE, _referred_matter

REASON = {"department": "labour", "reason": "函件误寄至他人"}
LABOUR = {"department": "labour"}


@pytest.fixture(scope="module")
async def api(
    database_url: str, session_factory: sessionmaker[Session]
) -> AsyncIterator[httpx.AsyncClient]:
    async with worked_api(database_url, session_factory, queue_prefix="dept-reissue") as running:
        yield running.api


@pytest.fixture(autouse=True)
def fresh_limit(api: httpx.AsyncClient) -> None:
    """Each test starts with the page's per-address budget whole (one app serves them all)."""
    transport = api._transport
    assert isinstance(transport, httpx.ASGITransport)
    transport.app.state.department_limiter = AddressLimiter()  # type: ignore[attr-defined]


async def _revoked(
    api: httpx.AsyncClient, factory: sessionmaker[Session]
) -> tuple[str, str, dict[str, str], str]:
    case_id, matter_id, staff, token = await _referred_matter(api, factory)
    revocations = f"/cases/{case_id}/legal-matters/{matter_id}/link-revocations"
    assert (await api.post(revocations, json=REASON, headers=staff)).status_code == 200
    return case_id, matter_id, staff, token


async def test_a_reissued_link_answers_while_the_revoked_one_stays_refused(
    api: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    case_id, matter_id, staff, old = await _revoked(api, session_factory)
    matter = f"/cases/{case_id}/legal-matters/{matter_id}"
    altered = old[:-3] + ("aaa" if not old.endswith("aaa") else "bbb")
    wrong_link = await api.get(f"/department/{altered}")

    keyed = staff | {"Idempotency-Key": f"reissue-{uuid.uuid4()}"}
    reissued = await api.post(f"{matter}/link-reissues", json=LABOUR, headers=keyed)
    assert reissued.status_code == 200, reissued.text
    again = await api.post(f"{matter}/link-reissues", json=LABOUR, headers=keyed)  # a repeat
    assert again.json()["version"] == reissued.json()["version"]
    [referral] = reissued.json()["legal_matters"][0]["referrals"]
    assert referral["link_revoked_at"] is None
    in_force = await api.post(f"{matter}/link-reissues", json=LABOUR, headers=staff)
    assert in_force.status_code == 409 and in_force.json()["code"] == "link_not_revoked"

    # A second letter: its own reference, naming the one it replaces, the new link in it.
    first, second = (await api.get(f"{matter}/letters", headers=staff)).json()
    assert second["seq"] == referral["letter_seq"] > first["seq"]
    pdf = await api.get(f"{matter}/letters/{second['seq']}", headers=staff)
    text = pdf_text(pdf.content)
    assert second["reference"] in text and f"替代编号为 {first['reference']}" in text
    found = re.search(r"/department/([A-Za-z0-9._-]+)", "".join(text.splitlines()[:-1]))
    assert found, "the new letter carries the department's new link"
    new = found.group(1)
    # Sent as the first was (the dispatcher's outbox), and the chase carries the new link.
    with transaction(session_factory) as session:
        sent = session.scalars(
            select(OutboxRecord.seq).where(
                OutboxRecord.case_id == case_id, OutboxRecord.kind == LETTER_KIND
            )
        ).all()
        chase = answer_link(
            session=session,
            case_id=case_id,
            target=f"{matter_id}/labour",
            console_url="http://casework",
        )
    assert sorted(sent) == [first["seq"], second["seq"]]
    # (signed anew when asked for: the same grant, its own time stamp)
    assert chase is not None and chase.startswith("http://casework/department/")
    assert read_link(chase.rsplit("/", 1)[1]) == read_link(new)

    # The revoked link is refused exactly as an altered one; the new one answers.
    refused = await api.get(f"/department/{old}")
    assert (refused.status_code, refused.json()) == (wrong_link.status_code, wrong_link.json())
    assert refused.status_code == 404
    form = {"key": uuid.uuid4().hex, "reference": "LB-old"}
    by_old = await api.post(f"/department/{old}/acknowledge", data=form)
    assert (by_old.status_code, by_old.json()) == (404, wrong_link.json())
    page = await api.get(f"/department/{new}")
    assert page.status_code == 200 and "确认受理" in page.text
    form = {"key": uuid.uuid4().hex, "reference": "LB-2026-12"}
    assert (await api.post(f"/department/{new}/acknowledge", data=form)).status_code == 303

    events = (await api.get(f"/cases/{case_id}/timeline", headers=staff)).json()["items"]
    steps = [(e["type"], e["role"]) for e in events if e["target"] == matter_id]
    assert steps[-3:] == [
        ("department_link_revoked", "staff"),
        ("department_link_reissued", "staff"),
        ("matter_acknowledged", "department"),
    ]
    verified = await api.get(f"/cases/{case_id}/timeline/verify", headers=staff)
    assert verified.json()["ok"] is True, verified.text


async def test_only_staff_and_the_cases_lawyer_issue_a_new_link(
    api: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    case_id, matter_id, staff, _ = await _revoked(api, session_factory)
    reissues = f"/cases/{case_id}/legal-matters/{matter_id}/link-reissues"

    # No one signed in (a claimant, a department), other roles, other centres, other
    # lawyers: refused, and nothing recorded.
    assert (await api.post(reissues, json=LABOUR)).status_code == 401
    for role, centre, status in (
        (Role.SUPERVISOR, CENTRE, 403),
        (Role.HEAD, CENTRE, 403),
        (Role.STAFF, "另一中心", 404),
        (Role.LAWYER, CENTRE, 404),  # not the case's lawyer
    ):
        _, headers = signed_in(session_factory, role, centre)
        refused = await api.post(reissues, json=LABOUR, headers=headers)
        assert refused.status_code == status, (role, centre, refused.text)
    case = (await api.get(f"/cases/{case_id}", headers=staff)).json()
    assert case["legal_matters"][0]["referrals"][0]["link_revoked_at"] is not None

    # The case's lawyer may (the route's policy row: staff and lawyer).
    lawyer = User(username=case["lawyer"], role=Role.LAWYER, centre=CENTRE)
    token = tokens.issue_token(lawyer, secret=TOKEN_SECRET.encode(), minutes=5, audience="casework")
    lawyer_headers = {"Authorization": f"Bearer {token}"}
    done = await api.post(reissues, json=LABOUR, headers=lawyer_headers)
    assert done.status_code == 200, done.text
