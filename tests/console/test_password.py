"""An account whose password someone else chose (an admin's reset, a new account) sees the
console's change-password page and nothing else until its owner has chosen their own,
through the same service as ``POST /auth/password``."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.db import transaction
from services.users import accounts
from services.users.model import User
from services.users.passwords import hash_password
from services.users.records import SignInFailureRecord
from tests.console.conftest import PASSWORD, add_user, csrf_of, sign_in

NEW = "my own password 2026"


def _chosen_by_someone_else(session_factory: sessionmaker[Session]) -> User:
    user = add_user(session_factory)
    with transaction(session_factory) as session:
        accounts.set_password_hash(
            session=session,
            username=user.username,
            password_hash=hash_password(PASSWORD),
            must_change_password=True,
        )
    return user


def _failures(session_factory: sessionmaker[Session], username: str) -> int:
    with session_factory() as session:
        query = select(func.count()).where(SignInFailureRecord.username == username)
        return session.scalar(query) or 0


async def _change(browser: httpx.AsyncClient, **fields: str) -> httpx.Response:
    page = await browser.get("/console/password?next=/console/cases")
    return await browser.post(
        "/console/password", data={"csrf_token": csrf_of(page), "next": "/console/cases", **fields}
    )


async def test_signing_in_with_a_password_chosen_by_someone_else_leads_to_changing_it_only(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user = _chosen_by_someone_else(session_factory)

    signed_in = await sign_in(browser, user)
    tasks = await browser.get("/console/")
    cases = await browser.get("/console/cases", headers={"HX-Request": "true"})
    page = await browser.get(signed_in.headers["location"])

    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/console/password?next=%2Fconsole%2F"
    assert (tasks.status_code, tasks.headers["location"]) == (303, "/console/password")
    assert cases.headers["hx-redirect"] == "/console/password"
    assert page.status_code == 200 and "设置密码" in page.text
    assert 'href="/console/cases"' not in page.text  # no menu: nothing else to open
    assert "退出登录" in page.text  # but signing out is


async def test_a_wrong_current_password_or_two_new_ones_that_differ_change_nothing(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user = _chosen_by_someone_else(session_factory)
    await sign_in(browser, user)

    wrong = await _change(browser, current="not it", new=NEW, repeat=NEW)
    differ = await _change(browser, current=PASSWORD, new=NEW, repeat=NEW + "!")
    short = await _change(browser, current=PASSWORD, new="short", repeat="short")
    same = await _change(browser, current=PASSWORD, new=PASSWORD, repeat=PASSWORD)

    assert wrong.status_code == 401 and "当前密码不正确" in wrong.text
    assert _failures(session_factory, user.username) == 1  # counted, as a failed sign-in
    assert differ.status_code == 422 and "两次输入的新密码不一致" in differ.text
    assert short.status_code == 422 and 'id="p-new-error"' in short.text
    assert same.status_code == 422 and "新密码不能与当前密码相同" in same.text
    assert (await browser.get("/console/")).headers["location"] == "/console/password"


async def test_a_new_password_of_ones_own_opens_the_console_in_a_new_session(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user = _chosen_by_someone_else(session_factory)
    await sign_in(browser, user)
    old_cookie = browser.cookies["casework_session"]

    changed = await _change(browser, current=PASSWORD, new=NEW, repeat=NEW)
    cases = await browser.get("/console/cases")
    browser.cookies.set("casework_session", old_cookie)
    with_the_old_cookie = await browser.get("/console/cases")

    assert (changed.status_code, changed.headers["location"]) == (303, "/console/cases")
    assert cases.status_code == 200
    assert with_the_old_cookie.headers["location"].startswith("/console/sign-in")
    with session_factory() as session:
        assert accounts.authenticate(session=session, username=user.username, password=NEW)
        assert not accounts.get_user(session=session, username=user.username).must_change_password  # type: ignore[union-attr]
