"""Notes and corrections through the API on each database: recorded through the case's
workflow, sealed at rest, on the timeline and the case; a corrected ID number is checked
for duplicates as at intake."""

from __future__ import annotations

from sqlalchemy import select

from services.cases.records import CaseEventRecord, CaseRecord
from tests.upkeep.conftest import Desk

CALL = {
    "contact": "phone_call",
    "happened_at": "2026-03-02T09:30:00+08:00",
    "note": "他说工厂答应周五付清工资，身份证11010519491231002X",
}


async def test_a_note_is_sealed_at_rest_and_a_new_one_supersedes_it(desk: Desk) -> None:
    case = await desk.open(phone="13800138000")
    case_id = case["id"]
    matter = await desk.api.post(
        f"/cases/{case_id}/legal-matters",
        json={"infringement": "拖欠工资", "infringer": "县纺织厂"},
        headers=desk.lawyer,
    )
    matter_id = matter.json()["legal_matters"][-1]["id"]

    added = await desk.api.post(
        f"/cases/{case_id}/notes", json={**CALL, "item": matter_id}, headers=desk.staff
    )
    first = added.json()["notes"][-1]["id"]
    corrected = await desk.api.post(
        f"/cases/{case_id}/notes",
        json={**CALL, "note": "工厂改为下周一付款", "supersedes": first},
        headers=desk.lawyer,
    )
    unknown_item = await desk.api.post(
        f"/cases/{case_id}/notes", json={**CALL, "item": "R9"}, headers=desk.staff
    )
    bad_kind = await desk.api.post(
        f"/cases/{case_id}/notes", json={**CALL, "contact": "telepathy"}, headers=desk.staff
    )
    timeline = await desk.api.get(f"/cases/{case_id}/timeline", headers=desk.staff)

    assert added.status_code == 201, added.text
    assert added.headers["location"] == f"/cases/{case_id}/notes/{first}"
    assert corrected.status_code == 201, corrected.text
    old, new = corrected.json()["notes"]
    assert (old["note"], old["superseded_by"], old["item"]) == (CALL["note"], new["id"], matter_id)
    assert (new["note"], new["supersedes"]) == ("工厂改为下周一付款", first)
    assert (unknown_item.status_code, unknown_item.json()["code"]) == (409, "unknown_item")
    assert bad_kind.status_code == 422
    assert timeline.status_code == 200, timeline.text
    notes = [e["payload"]["note"] for e in timeline.json()["items"] if e["type"] == "note_added"]
    assert notes == [CALL["note"], "工厂改为下周一付款"]
    with desk.session_factory() as session:
        document = session.scalar(select(CaseRecord.document).where(CaseRecord.id == case_id))
        payloads = session.scalars(
            select(CaseEventRecord.payload).where(
                CaseEventRecord.case_id == case_id, CaseEventRecord.type == "note_added"
            )
        ).all()
    stored = str(document) + str(payloads)
    assert "11010519491231002X" not in stored and "周五" not in stored
    assert all(str(payload["note"]).startswith("enc1:") for payload in payloads)


async def test_a_correction_keeps_the_old_values_and_moves_search_and_duplicate_keys(
    desk: Desk,
) -> None:
    other = await desk.open(national_id="11010519491231002X")
    case = await desk.open(national_id="110105194912310038", phone="13800138000")
    case_id = case["id"]
    path = f"/cases/{case_id}/corrections"

    duplicate = await desk.api.post(
        path,
        json={"claimant": {"national_id": "11010519491231002X"}, "reason": "录入错误"},
        headers=desk.staff,
    )
    nothing = await desk.api.post(path, json={"reason": "无"}, headers=desk.staff)
    corrected = await desk.api.post(
        path,
        json={
            "claimant": {"name": "王建国", "phone": "13900139000", "address": "城关镇幸福路1号"},
            "reason": "本人来电更正",
        },
        headers=desk.staff,
    )
    by_phone = await desk.api.get("/cases", params={"phone": "13900139000"}, headers=desk.staff)
    by_old_phone = await desk.api.get("/cases", params={"phone": "13800138000"}, headers=desk.staff)
    by_name = await desk.api.get("/cases", params={"text": "wjg"}, headers=desk.staff)
    history = await desk.api.get(f"/cases/{case_id}/history", headers=desk.staff)

    assert duplicate.status_code == 409, duplicate.text
    assert duplicate.json()["existing_case_ids"] == [other["id"]]
    assert nothing.status_code == 422
    assert corrected.status_code == 200, corrected.text
    claimant = corrected.json()["claimant"]
    assert (claimant["name"], claimant["phone"]) == ("王建国", "13900139000")
    assert claimant["national_id"] == "110105194912310038"
    assert [c["id"] for c in by_phone.json()["items"]] == [case_id]
    assert by_old_phone.json()["items"] == []
    assert case_id in [c["id"] for c in by_name.json()["items"]]
    step = history.json()["items"][-1]["step"]
    assert step["previous"] == {
        **step["previous"],
        "name": "李伟",
        "phone": "13800138000",
        "address": None,
    }
    with desk.session_factory() as session:
        payload = session.scalar(
            select(CaseEventRecord.payload).where(
                CaseEventRecord.case_id == case_id, CaseEventRecord.type == "claimant_corrected"
            )
        )
    assert payload is not None
    assert str(payload["previous"]["phone"]).startswith("enc1:")
    assert str(payload["claimant"]["address"]).startswith("enc1:")
