"""Staff revoke a department's answer link: from then on it is refused exactly as an
altered one (page and posts), the other department's link still answers, the revocation
is a step on the matter's timeline (who, when) and the chain still verifies; through the
API in process with a real worker, on both databases."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.db import transaction
from services.departments.links import LinkGrant, issue_link
from services.departments.referrals import answer_link
from services.kernel.actors import Role
from tests.api import signed_in
from tests.departments.test_department_link import CENTRE, _referred_matter

REASON = {"department": "labour", "reason": "函件误寄至他人"}


@pytest.fixture
def api(api_with_worker: httpx.AsyncClient) -> httpx.AsyncClient:
    return api_with_worker


def _key(page: httpx.Response) -> str:
    found = re.search(r'name="key" value="([0-9a-f]+)"', page.text)
    assert found, page.text
    return found.group(1)


async def _also_referred_to_justice(
    api: httpx.AsyncClient, case_id: str, matter_id: str, staff: dict[str, str]
) -> str:
    """The matter referred to the justice bureau too (by staff): its link's token."""
    matter = f"/cases/{case_id}/legal-matters/{matter_id}"
    body = {"department": "justice", "channel": "letter"}
    referred = await api.post(f"{matter}/referrals", json=body, headers=staff)
    assert referred.status_code == 200, referred.text
    letters = (await api.get(f"{matter}/letters", headers=staff)).json()
    [seq] = [letter["seq"] for letter in letters if letter["department"] == "justice"]
    return issue_link(
        LinkGrant(case_id=case_id, matter_id=matter_id, department="justice", seq=seq)
    )


async def _refusals(api: httpx.AsyncClient, token: str) -> list[tuple[int, Any]]:
    """What the page and both posts answer to ``token``."""
    page = await api.get(f"/department/{token}")
    acknowledged = await api.post(
        f"/department/{token}/acknowledge", data={"key": uuid.uuid4().hex, "reference": "X-1"}
    )
    result = await api.post(
        f"/department/{token}/result", data={"key": uuid.uuid4().hex, "outcome": "已补发"}
    )
    return [(answer.status_code, answer.json()) for answer in (page, acknowledged, result)]


async def test_a_revoked_link_is_refused_like_an_altered_one_and_the_revocation_is_recorded(
    api: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    case_id, matter_id, staff, labour = await _referred_matter(api, session_factory)
    justice = await _also_referred_to_justice(api, case_id, matter_id, staff)
    assert (await api.get(f"/department/{labour}")).status_code == 200
    revocations = f"/cases/{case_id}/legal-matters/{matter_id}/link-revocations"

    # Only staff and the case's lawyer revoke (the policy table's row for the route).
    for role in (Role.SUPERVISOR, Role.HEAD):
        _, headers = signed_in(session_factory, role, CENTRE)
        refused = await api.post(revocations, json=REASON, headers=headers)
        assert refused.status_code == 403, (role, refused.text)
    assert (await api.get(f"/department/{labour}")).status_code == 200

    keyed = staff | {"Idempotency-Key": f"revoke-{uuid.uuid4()}"}
    revoked = await api.post(revocations, json=REASON, headers=keyed)
    assert revoked.status_code == 200, revoked.text
    again = await api.post(revocations, json=REASON, headers=keyed)  # a repeat: the same
    assert again.status_code == 200 and again.json()["version"] == revoked.json()["version"]
    referrals = {r["department"]: r for r in revoked.json()["legal_matters"][0]["referrals"]}
    assert referrals["labour"]["link_revoked_at"] is not None
    assert referrals["justice"]["link_revoked_at"] is None
    twice = await api.post(revocations, json=REASON, headers=staff)
    assert twice.status_code == 409 and twice.json()["code"] == "link_revoked", twice.text

    # Refused exactly as an altered token is: page and both posts, the same answers.
    altered = labour[:-3] + ("aaa" if not labour.endswith("aaa") else "bbb")
    refusals = await _refusals(api, labour)
    assert [status for status, _ in refusals] == [404, 404, 404]
    assert refusals == await _refusals(api, altered)

    # The justice bureau's link still answers.
    page = await api.get(f"/department/{justice}")
    assert page.status_code == 200
    form = {"key": _key(page), "reference": "SJ-2026-3"}
    assert (await api.post(f"/department/{justice}/acknowledge", data=form)).status_code == 303
    # A second acknowledgement (another form): the case refuses it, the page says why.
    form = {"key": uuid.uuid4().hex, "reference": "SJ-2026-4"}
    twice = await api.post(f"/department/{justice}/acknowledge", data=form)
    assert twice.status_code == 409 and "贵单位已确认受理" in twice.text

    # The revocation is a step on the matter, by whom and when; the chain holds.
    events = (await api.get(f"/cases/{case_id}/timeline", headers=staff)).json()["items"]
    [revocation] = [e for e in events if e["type"] == "department_link_revoked"]
    assert revocation["target"] == matter_id and revocation["role"] == "staff"
    assert revocation["actor"].startswith("staff-") and revocation["at"]
    assert revocation["payload"]["department"] == "labour"
    answered = [e for e in events if e["role"] == "department"]
    assert [(e["type"], e["actor"]) for e in answered] == [
        ("matter_acknowledged", "department:justice")
    ]
    verified = await api.get(f"/cases/{case_id}/timeline/verify", headers=staff)
    assert verified.status_code == 200 and verified.json()["ok"] is True, verified.text

    # The chase carries no revoked link; the justice bureau's is still its own.
    with transaction(session_factory) as session:
        links = {
            department: answer_link(
                session=session,
                case_id=case_id,
                target=f"{matter_id}/{department}",
                console_url="http://casework",
            )
            for department in ("labour", "justice")
        }
    assert links["labour"] is None and links["justice"]

    # The centre still records the labour bureau's acknowledgement itself.
    body = {"department": "labour", "reference": "LB-by-phone"}
    acknowledged = await api.post(
        f"/cases/{case_id}/legal-matters/{matter_id}/acknowledgements", json=body, headers=staff
    )
    assert acknowledged.status_code == 200, acknowledged.text


async def test_an_answer_in_flight_when_the_link_is_revoked_is_refused_by_the_case(
    api: httpx.AsyncClient,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The route checks the link before the step; the case's rules check it again when
    the step arrives, so an answer racing the revocation is refused the same way."""
    case_id, matter_id, staff, labour = await _referred_matter(api, session_factory)
    revocations = f"/cases/{case_id}/legal-matters/{matter_id}/link-revocations"
    assert (await api.post(revocations, json=REASON, headers=staff)).status_code == 200

    from api.department import routes

    monkeypatch.setattr(routes, "granted", lambda session, grant: None)  # checked earlier
    refused = await api.post(
        f"/department/{labour}/acknowledge", data={"key": uuid.uuid4().hex, "reference": "X"}
    )
    assert refused.status_code == 404 and refused.json()["code"] == "link_not_valid"
    monkeypatch.undo()
    case = (await api.get(f"/cases/{case_id}", headers=staff)).json()
    assert case["legal_matters"][0]["referrals"][0]["acknowledged_at"] is None
