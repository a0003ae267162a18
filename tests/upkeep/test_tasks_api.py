"""GET /tasks on each database: a person's open work, soonest due first, each with its
due time in UTC and in the centre's local time; ``due_before`` and ``overdue`` narrow it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.kernel.actors import Role
from tests.upkeep.conftest import Desk


async def test_a_persons_tasks_come_soonest_due_first_with_their_local_due_time(
    desk: Desk,
) -> None:
    me, staff = desk.person(Role.STAFF)
    _, colleague = desk.person(Role.STAFF)
    at_intake = await desk.open_case(staff, "At intake")
    in_training = await desk.open_case(staff, "In training")
    others = await desk.open_case(colleague, "Someone else's")
    accepted = await desk.api.post(
        f"/cases/{in_training}/assessment", json={"accepted": True}, headers=staff
    )
    assert accepted.status_code == 200, accepted.text
    await desk.api.post(f"/cases/{in_training}/needs", json={"need": "training"}, headers=staff)
    ended = date.today() - timedelta(days=10)
    course = {"course": "Welding", "provider": "School", "starts_on": str(ended - timedelta(30)),
              "ends_on": str(ended)}  # fmt: skip
    enrolled = await desk.api.post(f"/cases/{in_training}/training", json=course, headers=staff)
    assert enrolled.status_code == 201, enrolled.text

    mine = (await desk.api.get("/tasks", params={"assignee": me}, headers=staff)).json()
    overdue = await desk.api.get("/tasks", params={"assignee": me, "overdue": "true"},
                                 headers=staff)  # fmt: skip
    not_overdue = await desk.api.get("/tasks", params={"assignee": me, "overdue": "false"},
                                     headers=staff)  # fmt: skip
    soon = datetime.now(UTC) + timedelta(hours=1)
    before = await desk.api.get(
        "/tasks", params={"assignee": me, "due_before": soon.isoformat()}, headers=staff
    )
    bad = await desk.api.get("/tasks", params={"due_before": "next week"}, headers=staff)

    assert [(t["case_id"], t["kind"]) for t in mine] == [
        (in_training, "record_training_result"),
        (at_intake, "decide_eligibility"),
    ]
    assert others not in {t["case_id"] for t in mine}
    course_due = datetime.fromisoformat(mine[0]["due_at"])
    assert course_due == datetime.combine(ended + timedelta(days=1), datetime.min.time(), UTC)
    local = datetime.fromisoformat(mine[0]["due_local"])
    assert local.utcoffset() == timedelta(hours=8) and local == course_due
    assert datetime.fromisoformat(mine[1]["due_at"]) > datetime.now(UTC)
    assert [t["case_id"] for t in overdue.json()] == [in_training]
    assert [t["case_id"] for t in not_overdue.json()] == [at_intake]
    assert [t["case_id"] for t in before.json()] == [in_training]
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "due_before"
