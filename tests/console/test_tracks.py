"""Every kind of help in the registry shows in the console with no console code of its
own: its section on the case page, and a form for each step its spec routes, which the
roles of that route (and only they) are offered."""

from __future__ import annotations

import httpx
from sqlalchemy.orm import Session, sessionmaker

from api.console import i18n
from api.console.catalog import form_named, step_forms
from api.console.labels import message_of
from api.console.pages import may_take
from api.policy import POLICY
from services.cases.model import Need
from services.cases.registry import TRACKS
from services.db import transaction
from services.kernel.actors import Role
from services.read_model import record_case_events
from services.users.model import PEOPLE, User
from tests.console.conftest import add_user, sign_in
from tests.unit.story import Story


def test_every_routed_step_of_every_kind_of_help_has_a_form_under_its_routes_roles() -> None:
    for track in TRACKS:
        for rule, route, path in track.routed_steps():
            form = form_named(route.name.replace("_", "-"))
            assert form is not None, route.name
            assert (form.model, form.track, form.on_item) == (rule.step, track, bool(route.action))
            assert form.api_path == f"/cases/{{case_id}}/{path}"
            assert POLICY["POST", form.api_path].roles == route.roles
            for role in PEOPLE:
                user = User(username="someone", role=role, centre="north")
                assert may_take(user, form) is (role in route.roles), (route.name, role)


def test_every_form_names_an_api_route_with_a_policy_row() -> None:
    assert all(("POST", form.api_path) in POLICY for form in step_forms())


async def test_a_case_with_every_need_shows_each_kind_of_help_and_its_first_step(
    browser: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    story = Story.active(*(Need(track.need) for track in TRACKS), centre="north")
    with transaction(session_factory) as session:
        record_case_events(
            session=session, case=story.current, events=story.events, identity_key=b"k"
        )
    await sign_in(browser, add_user(session_factory, Role.STAFF))

    page = await browser.get(f"/console/cases/{story.case_id}")

    assert page.status_code == 200
    for track in TRACKS:
        heading = i18n.gettext("zh_CN", message_of(Need(track.need)))
        assert f'<h2 id="track-{track.need}">{heading}</h2>' in page.text
        making = [route for _, route, _ in track.routed_steps() if not route.action]
        for route in making:  # the step that makes an item, offered on an active case
            if Role.STAFF in route.roles:
                name = route.name.replace("_", "-")
                form = await browser.get(f"/console/cases/{story.case_id}/steps/{name}")
                assert f"/steps/{name}" in page.text, name
                assert form.status_code == 200 and 'name="idempotency_key"' in form.text, name
