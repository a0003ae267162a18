"""The register through the API on each database: staff add, change, import and read
people of their own centre; bad input is a 4xx naming the field (or the row and column)
and changes nothing; supervisors see the journal."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.orm import Session, sessionmaker

from bench.register_data import people_rows, spreadsheet
from services.kernel.actors import Role
from tests.api import signed_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERSON = {
    "name": "李桂兰",
    "category": "martyr_family",
    "township": "城关镇",
    "national_id": "11010519491231002X",
    "phone": "13907770001",
    "flags": ["elderly_alone"],
}


def _centre() -> str:
    return f"api-{uuid.uuid4().hex[:10]}"


async def test_staff_add_read_and_change_a_person_and_the_journal_shows_who(
    api_client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    centre = _centre()
    staff, headers = signed_in(session_factory, Role.STAFF, centre)
    reader, supervisor = signed_in(session_factory, Role.SUPERVISOR, centre)

    added = await api_client.post("/register/people", json=PERSON, headers=headers)
    location = added.headers["location"]
    again = await api_client.post("/register/people", json=PERSON, headers=headers)
    changed = await api_client.patch(location, json={"flags": []}, headers=headers)
    read = await api_client.get(location, headers=supervisor)
    journal = await api_client.get("/register/journal", headers=supervisor)

    assert added.status_code == 201, added.text
    assert again.status_code == 409
    assert again.json()["existing_person_ids"] == [added.json()["id"]]
    assert changed.json()["flags"] == []
    assert read.json()["national_id"] == "11010519491231002X"
    assert [(e["action"], e["username"]) for e in journal.json()] == [
        ("person_read", reader),
        ("person_changed", staff),
        ("person_added", staff),
    ]


async def test_a_person_of_another_centre_answers_404(
    api_client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    _, ours = signed_in(session_factory, Role.STAFF, _centre())
    _, theirs = signed_in(session_factory, Role.STAFF, _centre())
    added = await api_client.post("/register/people", json=PERSON, headers=ours)

    elsewhere = await api_client.get(added.headers["location"], headers=theirs)
    listed = await api_client.get("/register/people", headers=theirs)

    assert elsewhere.status_code == 404
    assert elsewhere.json()["code"] == "person_not_found"
    assert listed.json()["items"] == []


async def test_bad_people_are_refused_naming_the_field(
    api_client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    _, headers = signed_in(session_factory, Role.STAFF, _centre())

    answers = {
        field: await api_client.post("/register/people", json={**PERSON, field: value},
                                     headers=headers)
        for field, value in (("category", "pirate"), ("national_id", "123"),
                             ("flags", ["rich"]), ("name", ""))
    }  # fmt: skip

    for field, answer in answers.items():
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"].startswith(field), answer.text
    listed = await api_client.get("/register/people", headers=headers)
    assert listed.json()["items"] == []


async def test_an_import_with_one_bad_row_is_refused_whole_and_a_good_one_is_taken(
    api_client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    _, headers = signed_in(session_factory, Role.STAFF, _centre())
    rows = people_rows(400, seed=21)
    bad = [*rows[:3], {**rows[3], "类别": "志愿者"}, *rows[4:]]

    refused = await api_client.post(
        "/register/imports", files={"file": ("台账.xlsx", spreadsheet(bad), XLSX)}, headers=headers
    )
    empty = await api_client.get("/register/people", headers=headers)
    taken = await api_client.post(
        "/register/imports", files={"file": ("台账.xlsx", spreadsheet(rows), XLSX)}, headers=headers
    )
    townships = await api_client.get("/register/townships", headers=headers)

    assert refused.status_code == 422
    problem = refused.json()
    assert (problem["code"], problem["bad_rows"]) == ("bad_rows", [6])
    assert problem["errors"] == [
        {"field": "row 6 类别", "message": problem["errors"][0]["message"]}
    ]
    assert problem["bad_cells"][0]["cell"] == "C6"
    assert empty.json()["items"] == []
    assert (taken.status_code, taken.json()["imported"]) == (201, 400), taken.text
    assert sum(t["households"] for t in townships.json()) == 400


async def test_a_supervisor_assigns_a_township_only_to_active_staff_of_the_centre(
    api_client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    centre = _centre()
    staff, _ = signed_in(session_factory, Role.STAFF, centre)
    outsider, _ = signed_in(session_factory, Role.STAFF, _centre())
    _, supervisor = signed_in(session_factory, Role.SUPERVISOR, centre)

    assigned = await api_client.put(
        "/register/townships/龙泉镇", json={"staff": staff}, headers=supervisor
    )
    refused = await api_client.put(
        "/register/townships/龙泉镇", json={"staff": outsider}, headers=supervisor
    )

    assert assigned.json() == {"township": "龙泉镇", "staff": staff, "households": 0}
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "staff")
