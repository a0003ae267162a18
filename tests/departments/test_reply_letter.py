"""The department uploads its reply letter through its link: evidence on the matter,
sealed, by the department, its SHA-256 on the timeline; refused once the link is
revoked; through the API with a worker, on both databases."""

from __future__ import annotations

import hashlib
import re
import uuid

import httpx
from sqlalchemy.orm import Session, sessionmaker

from tests.departments.test_department_link import _referred_matter

REPLY = b"%PDF-1.4\n" + "劳动保障监察大队回函".encode() + b"\n%%EOF"


def _key(page: httpx.Response) -> str:
    found = re.search(r'name="key" value="([0-9a-f]+)"', page.text)
    assert found, page.text
    return found.group(1)


async def test_the_department_uploads_its_reply_letter_as_evidence_on_the_matter(
    api_with_worker: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    api = api_with_worker
    case_id, matter_id, staff, token = await _referred_matter(api, session_factory)
    page = await api.get(f"/department/{token}")
    assert "上传回函" in page.text
    key = _key(page)

    for _ in range(2):  # a double click: one file, one step
        sent = await api.post(
            f"/department/{token}/reply", data={"key": key}, files={"file": ("回函.pdf", REPLY)}
        )
        assert sent.status_code == 303, sent.text
    shown = await api.get(sent.headers["location"])
    assert "回函已上传，谢谢。" in shown.text
    wrong = await api.post(
        f"/department/{token}/reply",
        data={"key": uuid.uuid4().hex},
        files={"file": ("回函.exe", b"MZ\x90\x00 an executable")},
    )
    assert wrong.status_code == 422 and "未能提交" in wrong.text

    [reply] = (await api.get(f"/cases/{case_id}/evidence", headers=staff)).json()
    assert (reply["matter_id"], reply["uploaded_by"], reply["name"]) == (
        matter_id,
        "department:labour",
        "回函.pdf",
    )
    assert reply["sha256"] == hashlib.sha256(REPLY).hexdigest()
    download = await api.get(f"/cases/{case_id}/evidence/{reply['id']}", headers=staff)
    assert download.content == REPLY

    items = (await api.get(f"/cases/{case_id}/timeline", headers=staff)).json()["items"]
    [attached] = [e for e in items if e["type"] == "evidence_attached"]
    assert (attached["actor"], attached["role"], attached["target"]) == (
        "department:labour",
        "department",
        matter_id,
    )
    assert attached["payload"]["sha256"] == reply["sha256"]
    verified = await api.get(f"/cases/{case_id}/timeline/verify", headers=staff)
    assert verified.json()["ok"] is True, verified.text

    revocation = {"department": "labour", "reason": "链接外泄"}
    revoked = await api.post(
        f"/cases/{case_id}/legal-matters/{matter_id}/link-revocations", json=revocation,
        headers=staff,
    )  # fmt: skip
    assert revoked.status_code == 200, revoked.text
    refused = await api.post(
        f"/department/{token}/reply",
        data={"key": uuid.uuid4().hex},
        files={"file": ("回函2.pdf", REPLY)},
    )
    assert refused.status_code == 404 and refused.json()["code"] == "link_not_valid"
    assert len((await api.get(f"/cases/{case_id}/evidence", headers=staff)).json()) == 1
