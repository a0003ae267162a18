"""Case owners through the API on each database: a supervisor hands one case to another
member of staff, or many at once (a workflow moving each case through its own step, its
progress readable); tasks follow the owner; a disabled account's open cases are listed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from services.cases.records import CaseEventRecord
from services.cases.steps import CASE_REASSIGNED
from services.db import transaction
from services.kernel.actors import Role
from services.users import accounts
from tests.api import signed_in
from tests.support import eventually
from tests.upkeep.conftest import Desk


def reassigned_events(desk: Desk, case_id: str) -> int:
    with transaction(desk.session_factory) as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    CaseEventRecord.case_id == case_id, CaseEventRecord.type == CASE_REASSIGNED
                )
            )
            or 0
        )


async def test_a_supervisor_hands_one_case_to_another_member_of_staff(desk: Desk) -> None:
    first, staff = desk.person(Role.STAFF)
    second, _ = desk.person(Role.STAFF)
    lawyer, _ = desk.person(Role.LAWYER)
    _, supervisor = desk.person(Role.SUPERVISOR)
    case_id = await desk.open_case(staff)

    moved = await desk.api.post(
        f"/cases/{case_id}/owner", json={"owner": second, "reason": "on leave"}, headers=supervisor
    )
    again = await desk.api.post(
        f"/cases/{case_id}/owner", json={"owner": second}, headers=supervisor
    )
    to_lawyer = await desk.api.post(
        f"/cases/{case_id}/owner", json={"owner": lawyer}, headers=supervisor
    )
    by_staff = await desk.api.post(f"/cases/{case_id}/owner", json={"owner": first}, headers=staff)
    listed = await desk.api.get("/cases", params={"owner": second, "open": "true"}, headers=staff)
    tasks = await desk.api.get("/tasks", params={"assignee": second}, headers=staff)

    assert moved.status_code == 200, moved.text
    assert (moved.json()["owner"], moved.json()["intake_by"]) == (second, first)
    assert again.status_code == 409 and again.json()["code"] == "already_owner"
    assert to_lawyer.status_code == 422 and to_lawyer.json()["errors"][0]["field"] == "owner"
    assert by_staff.status_code == 403
    assert [case["id"] for case in listed.json()["items"]] == [case_id]
    assert listed.json()["items"][0]["owner"] == second
    assert [(t["case_id"], t["kind"]) for t in tasks.json()] == [(case_id, "decide_eligibility")]
    assert reassigned_events(desk, case_id) == 1


async def progress_of(desk: Desk, location: str, headers: dict[str, str]) -> dict[str, Any]:
    async def probe() -> dict[str, Any]:
        answer = await desk.api.get(location, headers=headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    return await eventually(probe, lambda p: p["finished"], what="the reassignment", within=60)


async def test_all_open_cases_of_a_disabled_account_move_to_another_and_are_counted(
    desk: Desk,
) -> None:
    leaver, leaver_desk = desk.person(Role.STAFF)
    taker, _ = desk.person(Role.STAFF)
    _, supervisor = desk.person(Role.SUPERVISOR)
    _, elsewhere = signed_in_elsewhere(desk)
    open_ids = [await desk.open_case(leaver_desk, f"Open {n}") for n in range(3)]
    closed_id = await desk.open_case(leaver_desk, "Closed")
    withdrawn = await desk.api.post(
        f"/cases/{closed_id}/withdraw", json={"reason": "moved away"}, headers=leaver_desk
    )
    assert withdrawn.status_code == 200, withdrawn.text
    with transaction(desk.session_factory) as session:
        accounts.disable_user(session=session, username=leaver)

    waiting = await desk.api.get("/reassignments/disabled-owners", headers=supervisor)
    body = {"from_owner": leaver, "to_owner": taker, "reason": "left the centre"}
    keyed = {**supervisor, "Idempotency-Key": "reassign-leaver-0001"}
    started = await desk.api.post("/reassignments", json=body, headers=keyed)
    repeated = await desk.api.post("/reassignments", json=body, headers=keyed)
    location = started.headers["location"]
    progress = await progress_of(desk, location, supervisor)
    other_centre = await desk.api.get(location, headers=elsewhere)
    after = await desk.api.get("/reassignments/disabled-owners", headers=supervisor)

    assert waiting.json() == [{"owner": leaver, "open_cases": 3}]
    assert started.status_code == 202, started.text
    assert repeated.headers["location"] == location
    assert (progress["total"], progress["done"], progress["failed"], progress["left"]) == (
        3, 3, [], 0,
    )  # fmt: skip
    assert (progress["from_owner"], progress["to_owner"]) == (leaver, taker)
    assert other_centre.status_code == 404
    assert after.json() == []
    for case_id in open_ids:
        case = (await desk.api.get(f"/cases/{case_id}", headers=supervisor)).json()
        assert (case["owner"], case["intake_by"]) == (taker, leaver)
        assert reassigned_events(desk, case_id) == 1
    closed = (await desk.api.get(f"/cases/{closed_id}", headers=supervisor)).json()
    assert closed["owner"] == leaver and reassigned_events(desk, closed_id) == 0


async def test_a_list_of_cases_moves_and_a_case_that_cannot_is_reported_failed(
    desk: Desk,
) -> None:
    _, owner_desk = desk.person(Role.STAFF)
    taker, _ = desk.person(Role.STAFF)
    _, supervisor = desk.person(Role.SUPERVISOR)
    open_id = await desk.open_case(owner_desk)
    closed_id = await desk.open_case(owner_desk)
    await desk.api.post(f"/cases/{closed_id}/withdraw", json={"reason": "x"}, headers=owner_desk)

    started = await desk.api.post(
        "/reassignments", json={"case_ids": [open_id, closed_id], "to_owner": taker},
        headers=supervisor,
    )  # fmt: skip
    progress = await progress_of(desk, started.headers["location"], supervisor)

    assert (progress["done"], progress["left"]) == (1, 0)
    assert [(f["case_id"], f["code"]) for f in progress["failed"]] == [(closed_id, "wrong_stage")]


async def test_bad_reassignments_are_refused_naming_the_field(desk: Desk) -> None:
    owner, owner_desk = desk.person(Role.STAFF)
    _, supervisor = desk.person(Role.SUPERVISOR)
    case_id = await desk.open_case(owner_desk)
    unknown = "00000000-0000-4000-8000-00000000abcd"

    def post(body: dict[str, Any]) -> Any:
        return desk.api.post("/reassignments", json=body, headers=supervisor)

    both = await post({"from_owner": owner, "case_ids": [case_id], "to_owner": owner})
    neither = await post({"to_owner": owner})
    nobody = await post({"from_owner": owner, "to_owner": "no-such-person"})
    missing = await post({"case_ids": [unknown], "to_owner": owner})
    stranger = await post({"from_owner": "no-such-person", "to_owner": owner})

    for refused in (both, neither, nobody, missing, stranger):
        assert refused.status_code == 422, refused.text
    assert nobody.json()["errors"][0]["field"] == "to_owner"
    assert stranger.json()["errors"][0]["field"] == "from_owner"
    assert missing.json()["errors"][0]["field"] == "case_ids"


def signed_in_elsewhere(desk: Desk) -> tuple[str, dict[str, str]]:
    return signed_in(desk.session_factory, Role.SUPERVISOR, f"{desk.centre}-other")
