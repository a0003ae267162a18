"""Who may call which route: the one place authorisation is decided, deny by default.

Every route of the app passes through :func:`authorise` (an app-wide dependency). A route
missing from :data:`POLICY` is refused to everyone, and the test suite fails on it. A
rule names the roles that may call the route; with ``case=True`` the case in the path
must also be one the caller may see (``services.users.policy``), else it answers 404 as
if the case did not exist; the case's row read for that check is the one the route reads
(:data:`CaseInReach`), so a request reads it once.

The caller is loaded from the database at most once per ``recent.TTL_SECONDS`` per token
version (``services.users.recent``): an account disabled or given a new password on
another process is refused here within that time, on this process at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from starlette.routing import BaseRoute

from api.console.session import SESSION_COOKIE, console_user, ui_user
from api.deps import SessionDep, SettingsDep
from services.cases.queries import StoredCase, stored_case
from services.cases.registry import TRACKS
from services.kernel.actors import Actor, Role
from services.kernel.errors import CaseNotFound
from services.users import accounts, tokens
from services.users.errors import NotAllowed, NotSignedIn, PasswordChangeRequired
from services.users.model import User
from services.users.policy import may_see_case
from services.users.recent import RecentUsers

STAFF, LAWYER, SUPERVISOR, ADMIN = Role.STAFF, Role.LAWYER, Role.SUPERVISOR, Role.ADMIN
HEAD = Role.HEAD  # the centre head, top of the escalation ladder: reads, takes no step
READERS = frozenset({STAFF, LAWYER, SUPERVISOR, HEAD})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role] = frozenset()
    case: bool = False
    public: bool = False
    session: bool = False  # the caller signs in with the console's cookie, not a token
    # A token, or the console's cookie sent by the Temporal UI (api/console/session.py:
    # ui_user says when that is safe).
    session_from_ui: bool = False
    # Reachable with a password someone else chose (which must be changed first).
    before_password_change: bool = False


def _roles(*roles: Role, case: bool = False) -> Rule:
    return Rule(roles=frozenset(roles), case=case)


PUBLIC = Rule(public=True)
SIGNED_IN = _roles(STAFF, LAWYER, SUPERVISOR, HEAD, ADMIN)
READ_CASE = Rule(roles=READERS, case=True)
STAFF_STEP = _roles(STAFF, case=True)
_C = "/cases/{case_id}"

POLICY: dict[tuple[str, str], Rule] = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/ready"): PUBLIC,
    ("POST", "/auth/token"): PUBLIC,
    ("GET", "/auth/me"): SIGNED_IN,
    ("POST", "/auth/password"): Rule(roles=SIGNED_IN.roles, before_password_change=True),
    # Accounts: admin, within their own centre (checked by the routes); a supervisor or
    # admin account needs a second admin's approval (services.users.changes).
    ("GET", "/users"): _roles(ADMIN),
    ("POST", "/users"): _roles(ADMIN),
    ("POST", "/users/{username}/disable"): _roles(ADMIN),
    ("POST", "/users/{username}/password"): _roles(ADMIN),
    ("POST", "/users/{username}/role"): _roles(ADMIN),
    ("GET", "/account-requests"): _roles(ADMIN),
    ("POST", "/account-requests/{request_id}/approve"): _roles(ADMIN),
    ("POST", "/account-requests/{request_id}/refuse"): _roles(ADMIN),
    ("GET", "/account-log"): _roles(SUPERVISOR, ADMIN),
    # Lists: every reader, narrowed by the routes to what they may see.
    ("GET", "/cases"): Rule(roles=READERS),
    ("GET", "/cases/by-number/{number}"): Rule(roles=READERS),  # the route checks the case
    ("GET", "/tasks"): Rule(roles=READERS),
    ("GET", "/escalations"): _roles(STAFF, SUPERVISOR, HEAD),
    ("GET", "/reports/summary"): _roles(SUPERVISOR, HEAD),
    ("GET", "/reports/summary/cases"): _roles(SUPERVISOR, HEAD),
    ("GET", "/access-log"): _roles(SUPERVISOR),
    # Case owners: supervisors move the cases of one person to another (their centre's).
    ("GET", "/reassignments/disabled-owners"): _roles(SUPERVISOR),
    ("POST", "/reassignments"): _roles(SUPERVISOR),
    ("GET", "/reassignments/{reassignment_id}"): _roles(SUPERVISOR),
    # Notifications of the caller's centre: supervisors see and retry them; admins set
    # how each account's owner is reached.
    # A department's answer page: the signed link in its letter is the credential
    # (api/department), checked by the routes; limited per client address.
    ("GET", "/department/{token}"): PUBLIC,
    ("POST", "/department/{token}/acknowledge"): PUBLIC,
    ("POST", "/department/{token}/progress"): PUBLIC,
    ("POST", "/department/{token}/result"): PUBLIC,
    ("POST", "/department/{token}/reply"): PUBLIC,
    ("GET", "/notifications"): _roles(SUPERVISOR),
    ("POST", "/notifications/{notification_id}/retry"): _roles(SUPERVISOR),
    ("GET", "/users/{username}/contact"): _roles(ADMIN),
    ("PUT", "/users/{username}/contact"): _roles(ADMIN),
    # The Temporal UI's codec server (api/codec.py): payloads of the caller's centre only.
    ("POST", "/codec/decode"): Rule(roles=frozenset({SUPERVISOR}), session_from_ui=True),
    ("POST", "/codec/encode"): _roles(SUPERVISOR),
    # One case: reads.
    ("GET", _C): READ_CASE,
    ("GET", f"{_C}/timeline"): READ_CASE,
    ("GET", f"{_C}/timeline/verify"): READ_CASE,
    ("GET", f"{_C}/history"): READ_CASE,
    ("GET", f"{_C}/tasks"): READ_CASE,
    ("GET", f"{_C}/deadlines"): READ_CASE,
    ("GET", f"{_C}/legal-matters/{{matter_id}}"): READ_CASE,
    ("GET", f"{_C}/legal-matters/{{matter_id}}/letters"): READ_CASE,
    ("GET", f"{_C}/legal-matters/{{matter_id}}/letters/{{seq}}"): READ_CASE,
    ("GET", f"{_C}/access-log"): _roles(SUPERVISOR, case=True),
    ("GET", f"{_C}/evidence"): READ_CASE,
    ("GET", f"{_C}/evidence/{{file_id}}"): READ_CASE,
    ("POST", f"{_C}/evidence"): _roles(STAFF, LAWYER, case=True),
    # One case: steps. Staff work the case; lawyers only its legal matters; supervisors
    # only (re)assign its lawyer and its owner.
    ("POST", "/cases"): _roles(STAFF),
    ("POST", f"{_C}/assessment/start"): STAFF_STEP,
    ("POST", f"{_C}/assessment"): STAFF_STEP,
    ("POST", f"{_C}/needs"): STAFF_STEP,
    ("POST", f"{_C}/lawyer"): _roles(SUPERVISOR, case=True),
    ("POST", f"{_C}/owner"): _roles(SUPERVISOR, case=True),
    ("POST", f"{_C}/close"): STAFF_STEP,
    ("POST", f"{_C}/withdraw"): STAFF_STEP,
    ("POST", f"{_C}/reopen"): STAFF_STEP,
    ("POST", f"{_C}/deadlines/pause"): STAFF_STEP,
    ("POST", f"{_C}/deadlines/resume"): STAFF_STEP,
    # Notes: staff, and a lawyer on the case's legal matters or the case in general (the
    # case's rules check what a note concerns); corrections of the claimant: staff.
    ("POST", f"{_C}/notes"): _roles(STAFF, LAWYER, case=True),
    ("POST", f"{_C}/corrections"): STAFF_STEP,
    # Each track's steps, as its spec says who may take each.
    **{
        ("POST", f"{_C}/{path}"): Rule(roles=route.roles, case=True)
        for track in TRACKS
        for _, route, path in track.routed_steps()
    },
    # The register and holiday visits (not cases): staff of the centre write, staff and
    # supervisors read; supervisors decide who visits which township, and read the
    # register's journal and a year's visit figures. Routes narrow to the caller's centre.
    ("GET", "/register/people"): _roles(STAFF, SUPERVISOR),
    ("POST", "/register/people"): _roles(STAFF),
    ("GET", "/register/people/{person_id}"): _roles(STAFF, SUPERVISOR),
    ("PATCH", "/register/people/{person_id}"): _roles(STAFF),
    ("GET", "/register/people/{person_id}/visits"): _roles(STAFF, SUPERVISOR),
    ("GET", "/register/people/{person_id}/cases"): _roles(STAFF, SUPERVISOR),
    ("POST", "/register/imports"): _roles(STAFF),
    ("GET", "/register/townships"): _roles(STAFF, SUPERVISOR),
    ("PUT", "/register/townships/{township}"): _roles(SUPERVISOR),
    ("GET", "/register/journal"): _roles(SUPERVISOR),
    ("GET", "/campaigns"): _roles(STAFF, SUPERVISOR),
    ("POST", "/campaigns"): _roles(STAFF),
    ("GET", "/campaigns/years/{year}/figures"): _roles(SUPERVISOR),
    ("GET", "/campaigns/{campaign_id}"): _roles(STAFF, SUPERVISOR),
    ("POST", "/campaigns/{campaign_id}/households"): _roles(STAFF),
    ("GET", "/campaigns/{campaign_id}/households"): _roles(STAFF, SUPERVISOR),
    ("POST", "/campaigns/{campaign_id}/visits"): _roles(STAFF),
    ("POST", "/campaigns/{campaign_id}/visits/{visit_id}/case"): _roles(STAFF),
    ("GET", "/campaigns/{campaign_id}/figures"): _roles(STAFF, SUPERVISOR),
}


# ---- The console (api/console): pages signed in with a session cookie -------------------
# Its step forms are checked once more against the row of the API route that takes the
# same step (above), so that a role sees and may post exactly the steps the API lets it.
def _page(*roles: Role, case: bool = False, before_password_change: bool = False) -> Rule:
    return Rule(
        roles=frozenset(roles),
        case=case,
        session=True,
        before_password_change=before_password_change,
    )


ANYONE = (STAFF, LAWYER, SUPERVISOR, HEAD, ADMIN)


_K = "/console/cases/{case_id}"
POLICY |= {
    ("GET", "/console/sign-in"): PUBLIC,
    ("POST", "/console/sign-in"): PUBLIC,
    ("POST", "/console/language"): PUBLIC,  # remembered for the user when signed in
    ("POST", "/console/sign-out"): _page(*ANYONE, before_password_change=True),
    ("GET", "/console/password"): _page(*ANYONE, before_password_change=True),
    ("POST", "/console/password"): _page(*ANYONE, before_password_change=True),
    ("GET", "/console/"): _page(*ANYONE),
    ("GET", "/console/cases"): _page(STAFF, LAWYER, SUPERVISOR, HEAD),
    ("GET", "/console/cases/new"): _page(STAFF),
    ("POST", "/console/cases"): _page(STAFF),
    ("GET", _K): _page(STAFF, LAWYER, SUPERVISOR, HEAD, case=True),
    ("GET", f"{_K}/receipt"): _page(STAFF, SUPERVISOR, case=True),
    ("GET", f"{_K}/steps/{{step}}"): _page(STAFF, LAWYER, SUPERVISOR, case=True),
    ("POST", f"{_K}/steps/{{step}}"): _page(STAFF, LAWYER, SUPERVISOR, case=True),
    ("GET", f"{_K}/matters/{{matter_id}}"): _page(STAFF, LAWYER, SUPERVISOR, HEAD, case=True),
    ("GET", "/console/matters"): _page(LAWYER),
    # The supervisor's console (#17): the centre's figures, overdue work, a case's audit.
    ("GET", "/console/dashboard"): _page(SUPERVISOR, HEAD),
    ("GET", "/console/dashboard/cases"): _page(SUPERVISOR, HEAD),
    ("GET", "/console/escalations"): _page(SUPERVISOR, HEAD),
    ("GET", f"{_K}/audit"): _page(SUPERVISOR, HEAD, case=True),
    ("GET", "/console/exports/summary.xlsx"): _page(SUPERVISOR, HEAD),
    ("GET", "/console/exports/summary.csv"): _page(SUPERVISOR, HEAD),
    ("GET", "/console/exports/cases.xlsx"): _page(SUPERVISOR, HEAD),
    ("GET", "/console/exports/cases.csv"): _page(SUPERVISOR, HEAD),
    # Accounts: the admin's centre, through the JSON API's own handlers (api/routers/users.py).
    ("GET", "/console/accounts"): _page(ADMIN),
    ("POST", "/console/accounts"): _page(ADMIN),
    ("POST", "/console/accounts/{username}/disable"): _page(ADMIN),
    ("POST", "/console/accounts/{username}/password"): _page(ADMIN),
    ("POST", "/console/account-requests/{request_id}/{decision}"): _page(ADMIN),
}
# The register and holiday visits: each page as the API route it reads or writes through.
_API_OF_PAGE = {
    ("GET", "/console/register"): ("GET", "/register/people"),
    ("GET", "/console/register/{person_id}"): ("GET", "/register/people/{person_id}"),
    ("GET", "/console/campaigns"): ("GET", "/campaigns"),
    ("GET", "/console/campaigns/{campaign_id}"): ("GET", "/campaigns/{campaign_id}"),
    ("GET", "/console/campaigns/{campaign_id}/visits/new"): (
        "POST", "/campaigns/{campaign_id}/visits",
    ),
    ("POST", "/console/campaigns/{campaign_id}/visits"): (
        "POST", "/campaigns/{campaign_id}/visits",
    ),
    ("POST", "/console/register/{person_id}/visits/{visit_id}/case"): (
        "POST", "/campaigns/{campaign_id}/visits/{visit_id}/case",
    ),
}  # fmt: skip
POLICY |= {page: _page(*POLICY[api].roles) for page, api in _API_OF_PAGE.items()}

bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def rule_for(method: str, route: BaseRoute | None) -> Rule | None:
    path = getattr(route, "path", None)
    return POLICY.get((method, path)) if isinstance(path, str) else None


@dataclass(frozen=True)
class Access:
    """What the policy let through: the caller (None on a public route) and, on a route
    of one case, that case as stored."""

    user: User | None
    case: StoredCase | None = None


def authorise(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(bearer)],
) -> Access:
    """The signed-in caller if the route's rule lets them through; raises otherwise."""
    try:
        return _authorise(request, session, settings, token)
    finally:
        # End the read now: a request then holds no pooled connection while it waits
        # for a worker thread or for Temporal (a burst would exhaust the pool).
        session.rollback()


def _authorise(
    request: Request, session: SessionDep, settings: SettingsDep, token: str | None
) -> Access:
    rule = rule_for(request.method, request.scope.get("route"))
    if rule is None:
        raise NotAllowed("no policy allows this route")
    if rule.public:
        return Access(user=None)
    if rule.session:
        user = console_user(request, session, settings)
    elif rule.session_from_ui and token is None and request.cookies.get(SESSION_COOKIE):
        user = ui_user(request, session, settings)
    else:
        user = _user_of(token, session, settings, request.app.state.recent_users)
    if user.role not in rule.roles:
        raise NotAllowed(f"the {user.role} role may not do this")
    if user.must_change_password and not rule.before_password_change:
        raise PasswordChangeRequired(
            "choose your own password first (POST /auth/password): someone else chose this one"
        )
    if not rule.case:
        return Access(user=user)
    raw = request.path_params.get("case_id")
    if raw is None:  # a rule about a case on a route without one: refuse, not skip
        raise NotAllowed("no policy allows this route")
    case_id = _canonical_uuid(str(raw))
    if case_id is None:
        return Access(user=user)  # no case has such an id; the route's validation names it
    case = stored_case(session=session, case_id=case_id)
    if case is None or not may_see_case(user, centre=case.centre, lawyer=case.lawyer):
        raise CaseNotFound(f"no case {case_id}")
    return Access(user=user, case=case)


def _canonical_uuid(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def _user_of(
    token: str | None, session: SessionDep, settings: SettingsDep, recent: RecentUsers
) -> User:
    secret = settings.auth_token_secret
    claims = (
        tokens.read_token(
            token, secret=secret.get_secret_value().encode(), audience=settings.deployment_id
        )
        if (token and secret)
        else None
    )
    if claims is None:
        raise NotSignedIn("sign in: a valid bearer token is required")
    username, version, centre = claims
    user = recent.user(
        username, version, lambda: accounts.get_user(session=session, username=username)
    )
    if user is None or user.disabled or user.token_version != version or user.centre != centre:
        raise NotSignedIn("sign in: a valid bearer token is required")
    return user


AccessDep = Annotated[Access, Depends(authorise)]


async def _signed_in(access: AccessDep) -> User:
    if access.user is None:  # only a public route gets here without a user; it asks for none
        raise NotSignedIn("sign in: a valid bearer token is required")
    return access.user


SignedIn = Annotated[User, Depends(_signed_in)]


async def _case_in_reach(case_id: uuid.UUID, access: AccessDep) -> StoredCase:
    # Declares the path's case_id (validated here, so a route using this does not): a
    # malformed one answers 422 before this runs.
    if access.case is None or access.case.id != str(case_id):
        raise CaseNotFound(f"no case {case_id}")
    return access.case


CaseInReach = Annotated[StoredCase, Depends(_case_in_reach)]
"""The case of the path as the policy read it, within the caller's reach: for the routes
whose rule has ``case=True``, which then need not (and must not) declare ``case_id``."""


async def _actor(user: SignedIn) -> Actor:
    return Actor(id=user.username, role=user.role)


CurrentUser = Annotated[Actor, Depends(_actor)]
"""The actor recorded on a step: always the signed-in caller, never the request body."""
