"""The Temporal UI's codec server (``/codec/decode``): a supervisor of the case's centre
reads its payloads, and each case so read is in the access log; nobody else reads them."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.common.v1 import Payload

from api.app import create_app
from casework.codec import DatabaseCaseKeys, EncryptionCodec
from casework.crypto import data_converter
from casework.settings import Settings
from services.kernel.actors import Role
from tests.conftest import TEST_VAULT
from tests.test_case_reads import CENTRE, SECRET, _case, _headers, _log_rows

UI = "http://temporal-ui.example:8080"
STEP = {"step": {"kind": "case_closed", "reason": "moved to the city"}}


@pytest.fixture
async def client(
    database_url: str, session_factory: sessionmaker[Session]
) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(
        Settings(
            database_url=database_url,
            auth_token_secret=SecretStr(SECRET),
            centre_id=CENTRE,
            codec_cors_origins=UI,
        )
    )
    app.state.session_factory = session_factory
    # The API's Temporal client, as far as the codec routes use it: its data converter.
    app.state.temporal = SimpleNamespace(
        data_converter=data_converter(TEST_VAULT, DatabaseCaseKeys(session_factory))
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casework") as client:
        yield client


async def _sealed(session_factory: sessionmaker[Session], case_id: str) -> dict[str, Any]:
    """A payload of the case's workflow as the workers seal it, in the UI's JSON."""
    codec = EncryptionCodec(TEST_VAULT.payloads, DatabaseCaseKeys(session_factory), case_id)
    plain = Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(STEP).encode())
    [sealed] = await codec.encode([plain])
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in sealed.metadata.items()},
        "data": base64.b64encode(sealed.data).decode(),
    }


async def test_a_supervisor_of_the_centre_reads_a_case_s_payloads_and_the_read_is_logged(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    case = _case(session_factory)
    supervisor, headers = _headers(session_factory, Role.SUPERVISOR)
    sealed = await _sealed(session_factory, case.id)
    assert "moved to the city" not in json.dumps(sealed)

    response = await client.post("/codec/decode", json={"payloads": [sealed]}, headers=headers)

    assert response.status_code == 200, response.text
    [opened] = response.json()["payloads"]
    assert json.loads(base64.b64decode(opened["data"])) == STEP
    assert base64.b64decode(opened["metadata"]["encoding"]) == b"json/plain"
    assert _log_rows(session_factory, case.id) == [(supervisor, "temporal_ui")]


async def test_another_centre_s_supervisor_gets_the_payload_back_sealed_and_nothing_is_logged(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    case = _case(session_factory, centre="south")
    _, headers = _headers(session_factory, Role.SUPERVISOR)  # of the north centre
    sealed = await _sealed(session_factory, case.id)

    response = await client.post("/codec/decode", json={"payloads": [sealed]}, headers=headers)

    assert response.status_code == 200
    assert response.json()["payloads"] == [sealed]
    assert _log_rows(session_factory, case.id) == []


@pytest.mark.parametrize(("role", "status"), [(None, 401), (Role.STAFF, 403), (Role.LAWYER, 403)])
async def test_decode_needs_a_signed_in_supervisor(
    client: httpx.AsyncClient,
    session_factory: sessionmaker[Session],
    role: Role | None,
    status: int,
) -> None:
    case = _case(session_factory)
    headers = _headers(session_factory, role)[1] if role else {}
    sealed = await _sealed(session_factory, case.id)

    response = await client.post("/codec/decode", json={"payloads": [sealed]}, headers=headers)

    assert response.status_code == status
    assert "moved to the city" not in response.text
    assert _log_rows(session_factory, case.id) == []


async def test_encode_seals_nothing_for_anyone(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session]
) -> None:
    _, headers = _headers(session_factory, Role.SUPERVISOR)
    plain = {"metadata": {"encoding": base64.b64encode(b"json/plain").decode()}, "data": ""}

    response = await client.post("/codec/encode", json={"payloads": [plain]}, headers=headers)

    assert response.status_code == 403


async def test_the_ui_s_origin_may_call_the_codec_routes_and_no_other_origin_may(
    client: httpx.AsyncClient,
) -> None:
    def preflight(origin: str) -> dict[str, str]:
        return {
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type,x-namespace",
        }

    allowed = await client.options("/codec/decode", headers=preflight(UI))
    refused = await client.options("/codec/decode", headers=preflight("http://elsewhere.example"))
    other_route = await client.options("/cases", headers=preflight(UI))

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == UI
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in refused.headers
    assert "access-control-allow-origin" not in other_route.headers


@pytest.mark.parametrize("case_id", [b"\x00", b"not-a-case", "李伟".encode()])
async def test_a_payload_naming_no_real_case_comes_back_as_sent(
    client: httpx.AsyncClient, session_factory: sessionmaker[Session], case_id: bytes
) -> None:
    _, headers = _headers(session_factory, Role.SUPERVISOR)
    metadata = {"encoding": b"binary/encrypted", "encryption-case": case_id}
    forged = {
        "metadata": {k: base64.b64encode(v).decode() for k, v in metadata.items()},
        "data": base64.b64encode(b"\x01\x05test1" + bytes(40)).decode(),
    }

    response = await client.post("/codec/decode", json={"payloads": [forged]}, headers=headers)

    assert response.status_code == 200
    assert response.json()["payloads"] == [forged]
