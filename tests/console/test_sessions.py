"""Signing in to the console: the cookie, CSRF on every form, sign-out voiding the session
on the server, timeouts, the API's rate limit, and a form kept across an ended session."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from services.db import transaction
from services.kernel.actors import Role
from services.users import accounts, sessions
from services.users.model import User
from tests.console.conftest import PASSWORD, add_user, csrf_of, sign_in


async def test_signing_in_sets_an_httponly_samesite_cookie_and_opens_my_tasks(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user = add_user(session_factory)

    signed_in = await sign_in(browser, user)

    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/console/"
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/;" in cookie
    assert "Secure" not in cookie  # served without TLS here
    home = await browser.get("/console/")
    assert home.status_code == 200
    assert "我的待办" in home.text


async def test_the_cookie_is_secure_when_the_console_is_served_over_tls(
    app: object, session_factory: sessionmaker[Session]
) -> None:
    user = add_user(session_factory)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://casework") as client:
        signed_in = await sign_in(client, user)

    assert "Secure" in signed_in.headers["set-cookie"]


async def test_a_wrong_password_is_refused_and_the_apis_rate_limit_applies(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user = add_user(session_factory)

    tries = [(await sign_in(browser, user, "wrong")).status_code for _ in range(3)]
    after_limit = await sign_in(browser, user, PASSWORD)

    assert tries == [401, 401, 401]
    assert after_limit.status_code == 429
    assert "登录尝试次数过多" in after_limit.text
    assert after_limit.headers["retry-after"].isdigit()


async def test_a_page_without_a_session_sends_to_sign_in_and_back(
    browser: httpx.AsyncClient,
) -> None:
    answer = await browser.get("/console/cases?stage=active")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in?next=/console/cases%3Fstage%3Dactive"


async def test_a_form_post_without_its_csrf_token_or_with_a_forged_one_is_refused(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    await sign_in(browser, add_user(session_factory))
    token = csrf_of(await browser.get("/console/"))

    missing = await browser.post("/console/language", data={"language": "en"})
    forged = await browser.post(
        "/console/language", data={"language": "en", "csrf_token": token[:-3] + "abc"}
    )
    other_site = await browser.post(
        "/console/language",
        data={"language": "en", "csrf_token": csrf_of(await httpx.AsyncClient(
            transport=browser._transport, base_url="http://casework").get("/console/sign-in"))},
    )  # fmt: skip

    assert [r.status_code for r in (missing, forged, other_site)] == [403, 403, 403]
    assert "表单已过期" in forged.text
    assert 'lang="zh-CN"' in (await browser.get("/console/")).text


async def test_a_cookie_kept_after_signing_out_is_refused(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    await sign_in(browser, add_user(session_factory))
    stolen = dict(browser.cookies)
    token = csrf_of(await browser.get("/console/"))

    signed_out = await browser.post("/console/sign-out", data={"csrf_token": token})
    browser.cookies.clear()
    browser.cookies.update(stolen)  # the thief's browser
    replayed = await browser.get("/console/")

    assert signed_out.status_code == 303
    assert replayed.status_code == 303
    assert replayed.headers["location"].startswith("/console/sign-in")


async def test_a_new_password_ends_the_accounts_console_sessions(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user = add_user(session_factory)
    await sign_in(browser, user)
    with transaction(session_factory) as session:
        accounts.reset_password(session=session, username=user.username, password="new " * 3)

    assert (await browser.get("/console/")).status_code == 303


def test_a_session_ends_after_its_idle_time_and_after_its_lifetime(
    session_factory: sessionmaker[Session],
) -> None:
    user = add_user(session_factory, Role.LAWYER)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    idle, lifetime = timedelta(minutes=30), timedelta(hours=12)
    with transaction(session_factory) as session:
        token = sessions.start_session(session=session, user=user, now=start, lifetime=lifetime)

    def live(at: datetime) -> bool:
        with transaction(session_factory) as session:
            found = sessions.live_session(
                session=session, token=token, now=at, idle=idle, lifetime=lifetime
            )
            return found is not None

    steps = [start + timedelta(minutes=25 * n) for n in range(1, 29)]  # active all day
    assert all(live(at) for at in steps if at - start <= lifetime)
    assert not live(start + lifetime + timedelta(minutes=1))
    with transaction(session_factory) as session:
        other = sessions.start_session(session=session, user=user, now=start, lifetime=lifetime)
    with transaction(session_factory) as session:
        assert sessions.live_session(
            session=session, token=other, now=start + idle + timedelta(seconds=1), idle=idle,
            lifetime=lifetime,
        ) is None  # fmt: skip


async def test_a_form_posted_after_the_session_ended_is_kept_through_sign_in(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user = add_user(session_factory)
    await sign_in(browser, user)
    token = csrf_of(await browser.get("/console/cases/new"))
    with transaction(session_factory) as session:  # the session ends (idle, say)
        sessions.end_session(
            session=session,
            id_hash=sessions.hash_of(browser.cookies["casework_session"]),
            now=datetime.now(UTC),
        )
    typed = {"claimant.name": "张三丰", "claimant.phone": "13900001111", "needs": "training"}

    posted = await browser.post("/console/cases", data={**typed, "csrf_token": token})
    again = await browser.post(
        "/console/sign-in",
        data={
            "username": user.username,
            "password": PASSWORD,
            "csrf_token": csrf_of(posted),
            "next": "/console/cases",
            **{f"carry.{key}": value for key, value in typed.items()},
        },
    )

    assert posted.status_code == 401
    assert "登录已过期" in posted.text
    assert 'name="carry.claimant.name" value="张三丰"' in posted.text
    assert again.status_code == 200
    assert 'value="张三丰"' in again.text and 'value="13900001111"' in again.text
    assert 'value="training" checked' in again.text
    assert "casework_session" in again.headers["set-cookie"]


async def test_the_language_chosen_is_remembered_for_the_user(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    user = add_user(session_factory)
    await sign_in(browser, user)
    token = csrf_of(await browser.get("/console/"))

    await browser.post(
        "/console/language", data={"language": "en", "csrf_token": token, "next": "/console/"}
    )
    browser.cookies.delete("casework_language")  # another browser, the same user
    english = await browser.get("/console/")

    assert 'lang="en"' in english.text
    assert "My tasks" in english.text


async def test_a_demo_account_is_marked_as_such_on_every_page(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    demo = User(username=f"demo-{uuid.uuid4().hex[:8]}", role=Role.STAFF, centre="north")
    with transaction(session_factory) as session:
        accounts.ensure_user(session=session, user=demo, password=PASSWORD, demo=True)
    await sign_in(browser, add_user(session_factory))
    ordinary = await browser.get("/console/")
    await sign_in(browser, demo)

    assert "演示账户" not in ordinary.text
    assert "演示账户" in (await browser.get("/console/")).text
