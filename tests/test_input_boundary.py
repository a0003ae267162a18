"""Bad text and implausible dates at the API's boundary on each database: a 422 naming
the field, before any workflow or table is touched (a NUL in a name once reached
PostgreSQL, which cannot hold it, and left the case accepted but never projected; a
report period of 0001-01-01 to 9999-12-31 once overflowed the calendar: a 500)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.kernel.actors import Role
from tests.api import signed_in


def _headers(session_factory: sessionmaker[Session], role: Role = Role.STAFF) -> dict[str, str]:
    return signed_in(session_factory, role, f"text-{uuid.uuid4().hex[:8]}")[1]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"claimant": {"name": "张\u0000伟", "category": "veteran"}}, "claimant.name"),
        ({"claimant": {"name": "\u202e伟张", "category": "veteran"}}, "claimant.name"),
        (
            {"claimant": {"name": "张伟", "category": "veteran", "situation": "a\u0000"}},
            "claimant.situation",
        ),
        (
            {
                "claimant": {
                    "name": "张伟",
                    "category": "veteran",
                    "household": [{"name": "a\nb", "relation": "spouse"}],
                }
            },
            "claimant.household.0.name",
        ),
        ({"claimant": {"name": "张伟", "category": "veteran"}, "summary": "\u0007"}, "summary"),
    ],
)
async def test_an_intake_with_text_no_person_types_is_refused_naming_the_field(
    api_client: httpx.AsyncClient,
    session_factory: sessionmaker[Session],
    body: dict[str, object],
    field: str,
) -> None:
    answer = await api_client.post(
        "/cases", json={**body, "needs": ["job_referral"]}, headers=_headers(session_factory)
    )

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in answer.json()["errors"]] == [field]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/cases", {"text": "张\u0000"}, "text"),
        ("/cases", {"lawyer": "a\u0001"}, "lawyer"),
        ("/tasks", {"assignee": "\u0000"}, "assignee"),
        ("/register/people", {"text": "\u0000"}, "text"),
    ],
)
async def test_a_query_parameter_with_a_control_character_is_refused_naming_it(
    api_client: httpx.AsyncClient,
    session_factory: sessionmaker[Session],
    path: str,
    params: dict[str, str],
    field: str,
) -> None:
    answer = await api_client.get(path, params=params, headers=_headers(session_factory))

    assert answer.status_code == 422, answer.text
    assert [error["field"] for error in answer.json()["errors"]] == [field]


async def test_a_register_name_with_a_bidirectional_override_is_refused(
    api_client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    person = {"name": "李\u202e兰", "category": "veteran", "township": "城关镇"}

    answer = await api_client.post(
        "/register/people", json=person, headers=_headers(session_factory)
    )

    assert answer.status_code == 422, answer.text
    assert [error["field"] for error in answer.json()["errors"]] == ["name"]


@pytest.mark.parametrize(
    ("path", "params", "fields"),
    [
        ("/reports/summary", {"from": "0001-01-01", "to": "9999-12-31"}, ["from", "to"]),
        ("/reports/summary", {"from": "2026-01-01", "to": "9999-12-31"}, ["to"]),
        ("/reports/summary", {"from": "2026-01-01", "to": "2026-12-31", "as_of": "1"}, ["as_of"]),
        ("/cases", {"opened_to": "0.5"}, ["opened_to"]),
        ("/cases", {"opened_from": "9999-12-31T23:59:59-14:00"}, ["opened_from"]),
    ],
)
async def test_an_implausible_date_or_a_bare_number_for_one_is_refused_naming_it(
    api_client: httpx.AsyncClient,
    session_factory: sessionmaker[Session],
    path: str,
    params: dict[str, str],
    fields: list[str],
) -> None:
    answer = await api_client.get(
        path, params=params, headers=_headers(session_factory, Role.SUPERVISOR)
    )

    assert answer.status_code == 422, answer.text
    assert [error["field"] for error in answer.json()["errors"]] == fields


async def test_a_report_over_the_widest_plausible_period_answers(
    api_client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    answer = await api_client.get(
        "/reports/summary",
        params={"from": "1900-01-01", "to": "2199-12-31"},
        headers=_headers(session_factory, Role.SUPERVISOR),
    )

    assert answer.status_code == 200, answer.text


async def test_a_method_a_path_does_not_answer_is_405_naming_those_it_does(
    api_client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    answer = await api_client.delete("/cases", headers=_headers(session_factory))

    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
    assert answer.headers["content-type"] == "application/problem+json"
