"""Temporal's codec-server protocol for its web UI: the sealed payloads of a history opened
for a supervisor of the cases' centre, each case's opening recorded in the access log.

The UI posts ``{"payloads": [{"metadata": {k: base64}, "data": base64}]}`` to
``/codec/decode`` and shows what comes back in the same shape. A payload the caller may
not read (another centre's case, an erased one) comes back as it was, still sealed.
``/codec/encode`` seals nothing: a step sealed here would pass the workers' check on
the API's behalf (issue 13, item 6), so steps go through the API. The UI calls from its
own origin, so these routes answer CORS for the origins in ``CODEC_CORS_ORIGINS``.
"""

from __future__ import annotations

import base64
import binascii
import uuid

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio.api.common.v1 import Payload

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.policy import SignedIn
from api.problems import PROBLEMS
from casework.codec import CASE_METADATA, ENCODING, CaseKeyDestroyed, EncryptionCodec
from services.cases.queries import stored_case
from services.crypto.cipher import DecryptionError
from services.db import lazy_commit
from services.users.access_log import record_payload_read
from services.users.errors import NotAllowed
from services.users.model import User

PREFIX = "/codec"
router = APIRouter(prefix=PREFIX, tags=["temporal ui"], responses=PROBLEMS)


class JsonPayload(BaseModel):
    metadata: dict[str, str] = Field(default_factory=dict, description="base64 values")
    data: str = Field(default="", description="base64")


class JsonPayloads(BaseModel):
    payloads: list[JsonPayload]


@router.post("/decode")
async def decode(
    body: JsonPayloads,
    user: SignedIn,
    session: SessionDep,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> JsonPayloads:
    """Temporal payloads opened for the web UI (supervisors, their centre's cases only)."""
    codec = temporal.data_converter.payload_codec
    assert isinstance(codec, EncryptionCodec)
    opened: list[JsonPayload] = []
    read: dict[str, str] = {}  # case id -> centre, of every case opened here
    centres: dict[str | None, str | None] = {None: settings.centre_id}  # one read per case
    for item in body.payloads:
        payload = _payload(item)
        case_id = _case_of(payload)
        if case_id is not None and case_id not in centres:
            centres[case_id] = _centre_of(session, case_id)
        centre = centres[case_id]
        if payload.metadata.get("encoding") != ENCODING or not _may_read(user, centre):
            opened.append(item)
            continue
        try:
            opened.append(_json(await codec.open(payload)))
        except (CaseKeyDestroyed, DecryptionError):
            opened.append(item)  # erased, or not ours: it stays as it is
            continue
        if case_id is not None and centre is not None:
            read[case_id] = centre
    if read:
        lazy_commit(session)
        for case_id, centre in read.items():
            record_payload_read(
                session=session, user=user, case_id=case_id, centre=centre, action="temporal_ui"
            )
        session.commit()
    return JsonPayloads(payloads=opened)


@router.post("/encode")
async def encode(body: JsonPayloads, user: SignedIn) -> JsonPayloads:
    """Refused: nothing is sealed for the UI; steps are sent through the API."""
    raise NotAllowed("the codec server seals nothing: send steps through the API")


def _payload(item: JsonPayload) -> Payload:
    try:
        return Payload(
            metadata={key: base64.b64decode(value) for key, value in item.metadata.items()},
            data=base64.b64decode(item.data),
        )
    except (binascii.Error, ValueError):
        # Not base64: no payload of ours, so nothing to open; it goes back as sent.
        return Payload()


def _json(payload: Payload) -> JsonPayload:
    return JsonPayload(
        metadata={key: base64.b64encode(value).decode() for key, value in payload.metadata.items()},
        data=base64.b64encode(payload.data).decode(),
    )


def _case_of(payload: Payload) -> str | None:
    raw = payload.metadata.get(CASE_METADATA)
    return raw.decode(errors="replace") if raw else None


def _centre_of(session: SessionDep, case_id: str) -> str | None:
    """The case's centre; None for a case the read model does not hold (or no case id at
    all: the text came from the caller). A payload of no case, such as the intake
    lock's, is this deployment's centre's."""
    try:
        canonical = str(uuid.UUID(case_id))
    except ValueError:
        return None
    case = stored_case(session=session, case_id=canonical)
    return case.centre if case and case.id == case_id else None


def _may_read(user: User, centre: str | None) -> bool:
    return centre is not None and centre == user.centre


class CodecCors:
    """CORS for the codec routes alone, so the UI's origin may call them and nothing else."""

    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["POST"],
            allow_headers=["authorization", "content-type", "x-namespace"],
            allow_credentials=True,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        under = scope["type"] == "http" and str(scope.get("path", "")).startswith(PREFIX + "/")
        await (self.cors if under else self.app)(scope, receive, send)
