"""Lookups by ID number and phone, the priority filter, what a lawyer reads of a case, and
the access log: every response with personal data logged once, listed by user, case and
period. On each database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.upkeep.conftest import Desk

ID_NUMBER = "11010519491231002X"


async def _log(desk: Desk, **params: str) -> list[dict[str, Any]]:
    answer = await desk.api.get("/access-log", params=params, headers=desk.supervisor)
    assert answer.status_code == 200, answer.text
    return list(answer.json())


async def test_a_lookup_by_id_number_or_phone_matches_exactly_and_is_logged(desk: Desk) -> None:
    case = await desk.open(national_id=ID_NUMBER, phone="13800138000")
    other = await desk.open(phone="13800138001")
    since = datetime.now(UTC).isoformat()

    by_id = await desk.api.get(
        "/cases", params={"national_id": ID_NUMBER.lower()}, headers=desk.staff
    )
    by_phone = await desk.api.get("/cases", params={"phone": "138 0013 8000"}, headers=desk.staff)
    near = await desk.api.get("/cases", params={"phone": "1380013800"}, headers=desk.staff)
    bad = await desk.api.get("/cases", params={"national_id": "123"}, headers=desk.staff)
    priority = await desk.api.get("/cases", params={"priority": "true"}, headers=desk.staff)
    not_priority = await desk.api.get("/cases", params={"priority": "false"}, headers=desk.staff)
    log = await _log(desk, since=since, case_id=case["id"])

    assert [c["id"] for c in by_id.json()["items"]] == [case["id"]]
    assert [c["id"] for c in by_phone.json()["items"]] == [case["id"]]
    assert near.status_code in (200, 422) and case["id"] not in near.text
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("national_id")
    assert {case["id"], other["id"]} <= {c["id"] for c in priority.json()["items"]}
    assert not_priority.json()["items"] == []
    assert [(e["action"], e["fields"]) for e in log] == [
        ("list", ["claimant.name"]),  # the priority list showed its name
        ("lookup", ["claimant.name", "claimant.phone"]),
        ("lookup", ["claimant.name", "claimant.national_id"]),
    ]


async def test_every_response_with_personal_data_is_logged_once(desk: Desk) -> None:
    case = await desk.open(phone="13800138000")
    case_id = case["id"]
    since = datetime.now(UTC).isoformat()
    note = {"contact": "home_visit", "happened_at": since, "note": "上门走访"}
    keyed = {**desk.staff, "Idempotency-Key": f"note-{case_id}"}

    await desk.api.post(f"/cases/{case_id}/notes", json=note, headers=keyed)
    await desk.api.post(f"/cases/{case_id}/notes", json=note, headers=keyed)  # a replay
    matter = await desk.api.post(
        f"/cases/{case_id}/legal-matters",
        json={"infringement": "拖欠工资", "infringer": "县纺织厂"},
        headers=desk.lawyer,
    )
    matter_id = matter.json()["legal_matters"][-1]["id"]
    read_matter = await desk.api.get(
        f"/cases/{case_id}/legal-matters/{matter_id}", headers=desk.lawyer
    )
    await desk.api.get("/cases", params={"limit": 5}, headers=desk.staff)
    await desk.api.get(f"/cases/by-number/{case['number']}", headers=desk.staff)
    log = await _log(desk, since=since, case_id=case_id)
    lawyers = await _log(desk, username=desk.lawyer_name, case_id=case_id)
    later = await _log(desk, since=(datetime.now(UTC) + timedelta(hours=1)).isoformat())

    assert read_matter.status_code == 200, read_matter.text
    staff = [e["action"] for e in log if e["role"] == "staff"]
    assert staff == ["case", "list", "step", "step"]
    assert [e["action"] for e in lawyers][:2] == ["legal_matter", "step"]
    assert lawyers[0]["fields"] == [f"legal_matters.{matter_id}"]
    assert {e["username"] for e in lawyers} == {desk.lawyer_name}
    assert later == []


async def test_a_lawyer_reads_the_claimants_name_and_contact_legal_matters_and_their_notes(
    desk: Desk,
) -> None:
    case = await desk.open(
        national_id=ID_NUMBER,
        phone="13800138000",
        address="城关镇幸福路1号",
        situation="腿伤未愈",
        household=[{"name": "李芳", "relation": "spouse"}],
    )
    case_id = case["id"]
    added = await desk.api.post(
        f"/cases/{case_id}/needs", json={"need": "job_referral"}, headers=desk.staff
    )
    assert added.status_code == 200, added.text
    at = datetime.now(UTC).isoformat()
    for body in (
        {"contact": "phone_call", "happened_at": at, "note": "一般情况"},
        {"contact": "letter", "happened_at": at, "note": "工作推荐的事", "item": "R9"},
    ):
        await desk.api.post(f"/cases/{case_id}/notes", json=body, headers=desk.staff)

    as_lawyer = await desk.api.get(f"/cases/{case_id}", headers=desk.lawyer)
    as_staff = await desk.api.get(f"/cases/{case_id}", headers=desk.staff)
    timeline = await desk.api.get(f"/cases/{case_id}/timeline", headers=desk.lawyer)
    history = await desk.api.get(f"/cases/{case_id}/history", headers=desk.lawyer)
    log = await _log(desk, username=desk.lawyer_name, case_id=case_id)

    claimant = as_lawyer.json()["claimant"]
    assert (claimant["name"], claimant["phone"], claimant["address"]) == (
        "李伟",
        "13800138000",
        "城关镇幸福路1号",
    )
    assert (claimant["national_id"], claimant["situation"], claimant["household"]) == (
        None,
        None,
        [],
    )
    assert as_staff.json()["claimant"]["national_id"] == ID_NUMBER
    assert [n["note"] for n in as_lawyer.json()["notes"]] == ["一般情况"]
    assert len(as_staff.json()["notes"]) == 1  # the note on R9 was refused: no such item
    for text in (timeline.text, history.text):
        assert ID_NUMBER not in text and "腿伤未愈" not in text and "李芳" not in text
        assert "job_referral" not in text.replace('"need":"job_referral"', "")
    assert log[0]["fields"] == ["claimant.name", "claimant.phone", "claimant.address", "notes"]
