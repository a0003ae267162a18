"""Account administration in the console for a centre's admins: the same rules as the API
(the admin's centre, a second admin for supervisors and admins) and the same account log;
a new password is shown once, and its owner must change it at first sign-in."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from services.kernel.actors import Role
from services.users import account_log, accounts
from services.users.model import User
from tests.console.conftest import add_user, csrf_of, sign_in

SHOWN_PASSWORD = re.compile(r'<code id="new-password">([^<]+)</code>')


async def _post(client: httpx.AsyncClient, path: str, **data: str) -> httpx.Response:
    token = csrf_of(await client.get("/console/accounts"))
    return await client.post(path, data={**data, "csrf_token": token})


async def test_an_admin_adds_a_lawyer_who_signs_in_with_the_password_shown_once(
    browser: httpx.AsyncClient, app: FastAPI, session_factory: sessionmaker[Session]
) -> None:
    admin = add_user(session_factory, Role.ADMIN)
    await sign_in(browser, admin)

    added = await _post(browser, "/console/accounts", username="lawyer.zhang", role="lawyer")

    assert added.status_code == 200
    shown = SHOWN_PASSWORD.search(added.text)
    assert shown and "已添加账户lawyer.zhang" in added.text
    assert shown.group(1) not in (await browser.get("/console/accounts")).text  # once
    with session_factory() as session:
        log = account_log.entries(session=session, centre="north", limit=5)
    assert (log[0].action, log[0].username, log[0].actor) == (
        "added",
        "lawyer.zhang",
        admin.username,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as lawyer:
        lawyer_user = User(username="lawyer.zhang", role=Role.LAWYER, centre="north")
        signed_in = await sign_in(lawyer, lawyer_user, shown.group(1))
        assert signed_in.status_code == 303
        assert (await lawyer.get("/console/")).headers["location"] == "/console/password"


async def test_a_supervisor_account_waits_for_a_second_admin_who_approves_it(
    browser: httpx.AsyncClient, app: FastAPI, session_factory: sessionmaker[Session]
) -> None:
    first, second = add_user(session_factory, Role.ADMIN), add_user(session_factory, Role.ADMIN)
    await sign_in(browser, first)

    asked = await _post(browser, "/console/accounts", username="sup.li", role="supervisor")

    assert "经本中心另一名管理员批准后生效" in asked.text
    with session_factory() as session:
        assert accounts.get_user(session=session, username="sup.li") is None
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as other:
        await sign_in(other, second)
        page = await other.get("/console/accounts")
        request_id = re.search(r'action="/console/account-requests/(\d+)/approve"', page.text)
        assert request_id
        approved = await other.post(
            f"/console/account-requests/{request_id.group(1)}/approve",
            data={"csrf_token": csrf_of(page)},
        )
        assert approved.status_code == 303
    with session_factory() as session:
        made = accounts.get_user(session=session, username="sup.li")
    assert made is not None and made.role is Role.SUPERVISOR


async def test_an_admin_disables_an_account_and_resets_a_password(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    staff, other = add_user(session_factory, Role.STAFF), add_user(session_factory, Role.STAFF)
    await sign_in(browser, add_user(session_factory, Role.ADMIN))

    disabled = await _post(browser, f"/console/accounts/{staff.username}/disable")
    reset = await _post(browser, f"/console/accounts/{other.username}/password")

    assert disabled.status_code == 303
    assert "账户已停用" in (await browser.get(disabled.headers["location"])).text
    assert SHOWN_PASSWORD.search(reset.text) and f"{other.username}的新密码" in reset.text
    with session_factory() as session:
        assert accounts.get_user(session=session, username=staff.username).disabled  # type: ignore[union-attr]
        assert accounts.get_user(session=session, username=other.username).must_change_password  # type: ignore[union-attr]


async def test_a_bad_user_name_or_an_account_of_another_centre_is_refused(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    await sign_in(browser, add_user(session_factory, Role.ADMIN))

    bad = await _post(browser, "/console/accounts", username="张 三", role="staff")
    unknown = await _post(browser, "/console/accounts/nobody-here/disable")

    assert bad.status_code == 422
    assert unknown.status_code == 404 and "本中心没有此账户" in unknown.text


@pytest.mark.parametrize("role", [Role.STAFF, Role.LAWYER, Role.SUPERVISOR])
async def test_account_pages_are_refused_to_every_other_role(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session], role: Role
) -> None:
    await sign_in(browser, add_user(session_factory, role))
    token = csrf_of(await browser.get("/console/"))

    assert (await browser.get("/console/accounts")).status_code == 403
    posted = await browser.post(
        "/console/accounts", data={"username": "x", "role": "staff", "csrf_token": token}
    )
    assert posted.status_code == 403


async def test_an_admin_sees_no_case(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    await sign_in(browser, add_user(session_factory, Role.ADMIN))

    assert (await browser.get("/console/cases")).status_code == 403
    assert 'href="/console/accounts"' in (await browser.get("/console/")).text
