"""Evidence files through the API in process with a worker, on both databases: attached,
typed by content, size-limited, sealed with the case's key, recorded on the timeline with
their SHA-256, listed, downloaded (access-logged), and erased with the key."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile

import httpx
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from services.cases.records import CaseEventRecord
from services.crypto.case_keys import destroy_case_key
from services.db import transaction
from services.kernel.actors import Role
from services.users.access_log import reads_of
from tests.api import signed_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + "工资条 王建国".encode() + b"\n%%EOF"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


async def _case_with_matter(
    api: httpx.AsyncClient, session_factory: sessionmaker[Session], centre: str
) -> tuple[str, str, str, dict[str, str]]:
    """A legal-aid case opened by staff, with one legal matter: (case id, matter id, the
    staff member and their headers)."""
    staff, headers = signed_in(session_factory, Role.STAFF, centre)
    body = {"claimant": {"name": "王建国", "category": "veteran"}, "needs": ["legal_aid"]}
    opened = await api.post("/cases", json=body, params={"confirm_new": "true"}, headers=headers)
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    infringement = {"infringement": "拖欠工资三个月", "infringer": "某建筑公司"}
    recorded = await api.post(f"/cases/{case_id}/legal-matters", json=infringement, headers=headers)
    assert recorded.status_code == 201, recorded.text
    return case_id, recorded.json()["legal_matters"][0]["id"], staff, headers


async def test_staff_attach_list_and_download_evidence_sealed_and_access_logged(
    session_factory: sessionmaker[Session], api_with_worker: httpx.AsyncClient
) -> None:
    api_client = api_with_worker
    centre = "evidence-centre"
    case_id, matter, staff, headers = await _case_with_matter(api_client, session_factory, centre)
    _, elsewhere = signed_in(session_factory, Role.STAFF, "another-centre")
    url = f"/cases/{case_id}/evidence"

    payslip = await api_client.post(
        url, headers=headers, files={"file": ("王建国工资条.pdf", PDF)}, data={"matter_id": matter}
    )
    assert payslip.status_code == 201, payslip.text
    photo = await api_client.post(url, headers=headers, files={"file": ("photo.txt", PNG)})
    contract = await api_client.post(url, headers=headers, files={"file": ("合同.docx", docx())})
    assert photo.json()["content_type"] == "image/png"  # by content, not by name
    assert contract.json()["content_type"].endswith("wordprocessingml.document")
    for bad in (b"MZ\x90\x00 an executable", b"", b"PK\x03\x04 not a zip"):
        refused = await api_client.post(url, headers=headers, files={"file": ("x.pdf", bad)})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "file"
    big = PDF + b"0" * (21 * 1024 * 1024)
    assert (
        await api_client.post(url, headers=headers, files={"file": ("big.pdf", big)})
    ).status_code == 413
    assert (
        await api_client.post(url, headers=elsewhere, files={"file": ("a.pdf", PDF)})
    ).status_code == 404

    listed = (await api_client.get(url, headers=headers)).json()
    assert [(f["name"], f["matter_id"], f["uploaded_by"]) for f in listed] == [
        ("王建国工资条.pdf", matter, staff), ("photo.txt", None, staff), ("合同.docx", None, staff),
    ]  # fmt: skip
    first = payslip.json()["id"]
    download = await api_client.get(f"{url}/{first}", headers=headers)
    assert download.content == PDF and download.headers["content-type"] == "application/pdf"
    assert listed[0]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (await api_client.get(f"{url}/{first}", headers=elsewhere)).status_code == 404

    with session_factory() as session:
        stored = session.execute(text("SELECT name FROM evidence_file WHERE id = :i"), {"i": first})
        assert "王建国" not in stored.scalar_one()
        blob = session.execute(
            text("SELECT data FROM evidence_blob WHERE file_id = :i"), {"i": first}
        )
        assert "王建国".encode() not in bytes(blob.scalar_one())
        reads = reads_of(session=session, centre=centre, case_id=case_id)
    assert [(r.username, r.action, r.fields) for r in reads if r.action != "step"] == [
        (staff, "download_evidence", [f"evidence_file.{first}"])
    ]

    with transaction(session_factory) as session:
        destroy_case_key(session=session, case_id=case_id)
    erased = (await api_client.get(url, headers=headers)).json()
    assert [f["name"] for f in erased] == [None, None, None]
    assert (await api_client.get(f"{url}/{first}", headers=headers)).status_code == 404


async def test_each_file_is_a_step_on_the_timeline_with_its_sha256_which_outlives_the_key(
    session_factory: sessionmaker[Session], api_with_worker: httpx.AsyncClient
) -> None:
    api = api_with_worker
    case_id, matter, _, headers = await _case_with_matter(api, session_factory, "evidence-tl")
    url = f"/cases/{case_id}/evidence"
    keyed = headers | {"Idempotency-Key": f"payslip-{uuid.uuid4()}"}

    first = await api.post(
        url, headers=keyed, files={"file": ("a.pdf", PDF)}, data={"matter_id": matter}
    )
    again = await api.post(
        url, headers=keyed, files={"file": ("a.pdf", PDF)}, data={"matter_id": matter}
    )
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json()["id"] == first.json()["id"]  # a repeat stores nothing again
    misused = await api.post(url, headers=keyed, files={"file": ("b.png", PNG)})
    assert misused.status_code == 422 and misused.json()["code"] == "idempotency_key_reused"
    photo = await api.post(url, headers=headers, files={"file": ("photo.png", PNG)})
    assert photo.status_code == 201, photo.text
    nowhere = await api.post(
        url, headers=headers, files={"file": ("c.png", PNG)}, data={"matter_id": "M99"}
    )
    assert nowhere.status_code == 409 and nowhere.json()["code"] == "unknown_item", nowhere.text
    listed = (await api.get(url, headers=headers)).json()
    assert [f["id"] for f in listed] == [first.json()["id"], photo.json()["id"]]  # not M99's

    def attached() -> list[tuple[str | None, dict[str, object]]]:
        with session_factory() as session:
            rows = session.execute(
                select(CaseEventRecord.target, CaseEventRecord.payload)
                .where(
                    CaseEventRecord.case_id == case_id, CaseEventRecord.type == "evidence_attached"
                )
                .order_by(CaseEventRecord.seq)
            ).all()
        return [(target, payload) for target, payload in rows]

    recorded = attached()
    assert [
        (target, payload["file_id"], payload["sha256"], payload["size"])
        for target, payload in recorded
    ] == [
        (matter, first.json()["id"], hashlib.sha256(PDF).hexdigest(), len(PDF)),
        (None, photo.json()["id"], hashlib.sha256(PNG).hexdigest(), len(PNG)),
    ]
    assert all("a.pdf" not in str(payload) for _, payload in recorded)  # never the name
    timeline = (await api.get(f"/cases/{case_id}/timeline", headers=headers)).json()["items"]
    assert [e["payload"]["sha256"] for e in timeline if e["type"] == "evidence_attached"] == [
        hashlib.sha256(PDF).hexdigest(), hashlib.sha256(PNG).hexdigest(),
    ]  # fmt: skip
    verified = await api.get(f"/cases/{case_id}/timeline/verify", headers=headers)
    assert verified.json()["ok"] is True, verified.text

    with transaction(session_factory) as session:
        destroy_case_key(session=session, case_id=case_id)
    assert attached() == recorded  # the hashes stay: what was given, and when
