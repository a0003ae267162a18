"""Who is signed in to the console: the session cookie, and the CSRF token bound to it.

The cookie is HttpOnly, SameSite=Lax, and Secure when the page came over TLS; besides the
console's pages, ``/codec/decode`` accepts it from the Temporal UI's origin (:func:`ui_user`).
Every form carries a CSRF token signed with the sign-in secret and bound to the session (or, before
sign-in, to a random cookie of its own): a form posted from another site, or without
its token, is refused.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from casework.settings import Settings
from services.users import accounts, sessions
from services.users.errors import NotAllowed, NotSignedIn
from services.users.model import User
from services.users.recent import RecentUsers

SESSION_COOKIE = "casework_session"
ANONYMOUS_COOKIE = "casework_form"  # binds the CSRF token of forms shown before sign-in
LANGUAGE_COOKIE = "casework_language"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class SessionEnded(NotSignedIn):
    code = "session_ended"


class CsrfRefused(NotAllowed):
    code = "csrf_failed"


def idle(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.console_idle_minutes)


def lifetime(settings: Settings) -> timedelta:
    return timedelta(hours=settings.console_session_hours)


def console_user(request: Request, session: Session, settings: Settings) -> User:
    """The user of the request's live session; raises SessionEnded otherwise."""
    token = request.cookies.get(SESSION_COOKIE)
    live = (
        sessions.live_session(
            session=session,
            token=token,
            now=datetime.now(UTC),
            idle=idle(settings),
            lifetime=lifetime(settings),
        )
        if token
        else None
    )
    if live is None:
        raise SessionEnded("sign in again: the session has ended")
    if live.touched:
        session.commit()
    recent: RecentUsers = request.app.state.recent_users
    user = recent.user(
        live.username,
        live.token_version,
        lambda: accounts.get_user(session=session, username=live.username),
    )
    if user is None or user.disabled or user.token_version != live.token_version:
        raise SessionEnded("sign in again: the session has ended")
    request.state.console_session = live.id_hash
    request.state.console_user = user  # for the page of an error met later
    return user


def ui_user(request: Request, session: Session, settings: Settings) -> User:
    """The console's user, for a call the Temporal UI's page makes (``/codec/decode``)
    with the session cookie a browser sends along to this site.

    A cookie comes along with any request to this site, whoever's page made it, so it
    counts only where no other site's page can have made the request: from an origin
    that CODEC_CORS_ORIGINS allows (the browser sets ``Origin``; a page cannot), with a
    JSON body (which from another origin needs CORS's preflight, that only those origins
    pass). The answer goes to that origin alone (``api.codec.CodecCors``)."""
    origin = request.headers.get("origin")
    json = request.headers.get("content-type", "").split(";")[0].strip() == "application/json"
    if origin is None or origin not in settings.cors_origins() or not json:
        raise CsrfRefused("the console's cookie counts here only from the Temporal UI's origin")
    return console_user(request, session, settings)


def set_session_cookie(
    request: Request, response: Response, token: str, settings: Settings
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(lifetime(settings).total_seconds()),
        path="/",  # the console's pages, and the codec routes the Temporal UI calls
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def _signer(settings: Settings) -> URLSafeTimedSerializer:
    secret = settings.auth_token_secret
    assert secret is not None, "create_app refuses to start without it"
    return URLSafeTimedSerializer(secret.get_secret_value(), salt="console-csrf")


def _binding(request: Request) -> str | None:
    """What a form's token is bound to: the session (live or not: only its holder knows
    its cookie), else the random cookie of forms shown before sign-in."""
    bound = getattr(request.state, "console_session", None)
    cookie = request.cookies.get(SESSION_COOKIE)
    if bound is None and cookie:
        bound = sessions.hash_of(cookie)
    made = getattr(request.state, "anonymous_binding", None)
    return bound or made or request.cookies.get(ANONYMOUS_COOKIE)


def csrf_token(request: Request, response: Response | None, settings: Settings) -> str:
    """The token for forms of this page; before sign-in, the cookie it is bound to is set
    on ``response`` (when the request had none)."""
    binding = _binding(request)
    if binding is None:
        binding = secrets.token_urlsafe(16)
        request.state.anonymous_binding = binding
        if response is not None:
            set_anonymous_cookie(request, response, binding)
    return str(_signer(settings).dumps(binding))


def set_anonymous_cookie(request: Request, response: Response, binding: str) -> None:
    response.set_cookie(
        ANONYMOUS_COOKIE,
        binding,
        path="/console",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


async def csrf_guard(request: Request) -> None:
    """Every console route's guard: a request that changes anything carries its token
    (the form's field, or the header htmx sends)."""
    if request.method in ("GET", "HEAD"):
        return
    submitted = request.headers.get(CSRF_HEADER)
    if not submitted:
        value = (await request.form()).get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    check_csrf(request, submitted, request.app.state.settings)


def check_csrf(request: Request, submitted: str | None, settings: Settings) -> None:
    binding = _binding(request)
    if not submitted or binding is None:
        raise CsrfRefused("the form has no valid CSRF token")
    try:
        signed = _signer(settings).loads(submitted, max_age=int(lifetime(settings).total_seconds()))
    except BadSignature:
        raise CsrfRefused("the form has no valid CSRF token") from None
    if not isinstance(signed, str) or not hmac.compare_digest(signed, binding):
        raise CsrfRefused("the form has no valid CSRF token")
