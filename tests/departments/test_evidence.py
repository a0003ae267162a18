"""Evidence files through the API in process, on both databases: attached, typed by
content, size-limited, sealed with the case's key, listed, downloaded (access-logged),
and erased with the key."""

from __future__ import annotations

import hashlib
import io
import zipfile

import httpx
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from services.crypto.case_keys import destroy_case_key
from services.db import transaction
from services.kernel.actors import Role
from services.users.access_log import reads_of
from tests.api import signed_in
from tests.notifications.support import a_case

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + "工资条 王建国".encode() + b"\n%%EOF"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


async def test_staff_attach_list_and_download_evidence_sealed_and_access_logged(
    session_factory: sessionmaker[Session], api_client: httpx.AsyncClient
) -> None:
    centre = "evidence-centre"
    case_id = a_case(session_factory, centre)
    with transaction(session_factory) as session:  # the case's key, as its projection makes
        from services.crypto.case_keys import case_ring

        case_ring(session=session, case_id=case_id, create=True)
    staff, headers = signed_in(session_factory, Role.STAFF, centre)
    _, elsewhere = signed_in(session_factory, Role.STAFF, "another-centre")
    url = f"/cases/{case_id}/evidence"

    payslip = await api_client.post(
        url, headers=headers, files={"file": ("王建国工资条.pdf", PDF)}, data={"matter_id": "M2"}
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
        ("王建国工资条.pdf", "M2", staff), ("photo.txt", None, staff), ("合同.docx", None, staff),
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
    assert [(r.username, r.action, r.fields) for r in reads] == [
        (staff, "download_evidence", [f"evidence_file.{first}"])
    ]

    with transaction(session_factory) as session:
        destroy_case_key(session=session, case_id=case_id)
    erased = (await api_client.get(url, headers=headers)).json()
    assert [f["name"] for f in erased] == [None, None, None]
    assert (await api_client.get(f"{url}/{first}", headers=headers)).status_code == 404
