"""The master key ring of this deployment, and the data converter that seals Temporal
payloads with it and with the per-case keys (see ``casework.codec``)."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import secrets
from typing import Any

import structlog
from pydantic import SecretStr
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter, pydantic_data_converter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)

from casework.codec import (
    ENCODING,
    CaseKeyDestroyed,
    CaseKeys,
    DatabaseCaseKeys,
    EncryptionCodec,
)
from casework.settings import Settings
from services.crypto.cipher import KeyRing, format_key_ring, new_key, parse_key_ring
from services.crypto.vault import Vault, VaultNotConfigured, current_vault, install_vault
from services.db import make_engine, make_session_factory
from services.kernel.values import stored_values

log = structlog.stdlib.get_logger(__name__)


def load_vault(settings: Settings) -> Vault:
    """The master ring from MASTER_KEYS, or else the development ring in its file."""
    if settings.master_keys is not None:
        return Vault(parse_key_ring(settings.master_keys.get_secret_value()))
    path = settings.master_key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        ring = KeyRing(keys={"dev1": new_key()}, current="dev1")
        # Created readable by its owner only, and never overwritten: losing it loses data.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(format_key_ring(ring) + "\n")
        log.warning("development master key created; set MASTER_KEYS in production", file=str(path))
    return Vault(parse_key_ring(path.read_text().strip()))


def with_identity_key(settings: Settings) -> Settings:
    """The settings with IDENTITY_HASH_KEY, or else the development key in its file (made
    once, like the development master ring: a key made per start would hide every earlier
    case from the duplicate check)."""
    if settings.identity_hash_key is not None:
        return settings
    path = settings.identity_key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(secrets.token_urlsafe(32) + "\n")
        log.warning(
            "development identity hash key created; set IDENTITY_HASH_KEY in production",
            file=str(path),
        )
    key = SecretStr(path.read_text().strip())
    return settings.model_copy(update={"identity_hash_key": key})


def ensure_vault(settings: Settings) -> Vault:
    """The process's vault: the one installed already (tests install theirs first), or
    the one the settings name, installed now."""
    try:
        return current_vault()
    except VaultNotConfigured:
        vault = load_vault(settings)
        install_vault(vault)
        return vault


class _StoredJSON(PydanticJSONPlainPayloadConverter):
    """Payloads are read back as they were accepted: the API's boundary checked them then,
    and a refusal added since must not make a running case's history unreadable."""

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        with stored_values():
            return super().from_payload(payload, type_hint)


class PayloadConverter(CompositePayloadConverter):
    """Temporal's pydantic converter, reading payloads with :class:`_StoredJSON`."""

    def __init__(self) -> None:
        super().__init__(
            *(
                _StoredJSON() if isinstance(each, JSONPlainPayloadConverter) else each
                for each in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


def data_converter(
    vault: Vault,
    case_keys: CaseKeys | None = None,
    *,
    seal_with_case_keys: bool = True,
    accept_unsealed: bool = False,
) -> DataConverter:
    """Pydantic payloads, sealed by the codec; failures' messages sealed as well.
    Without ``case_keys`` (or with ``seal_with_case_keys`` off) payloads are sealed with
    the master ring's subkey; ``case_keys`` still open those sealed with a case's key.
    Payloads not sealed by the codec are refused unless ``accept_unsealed``."""
    codec = EncryptionCodec(
        vault.payloads,
        case_keys,
        seal_with_case_keys=seal_with_case_keys,
        accept_unsealed=accept_unsealed,
    )
    return dataclasses.replace(
        pydantic_data_converter,
        payload_converter_class=PayloadConverter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def database_case_keys(settings: Settings) -> DatabaseCaseKeys:
    """Case keys read (and made, for a new case) in the application database."""
    return DatabaseCaseKeys(make_session_factory(make_engine(settings.database_url)))


async def decode_json(document: Any, codec: EncryptionCodec) -> Any:
    """A history (or any JSON from the Temporal CLI or API) with every sealed payload
    replaced by what it holds: the JSON value itself when it is JSON."""
    if isinstance(document, list):
        return [await decode_json(item, codec) for item in document]
    if not isinstance(document, dict):
        return document
    if isinstance(document.get("metadata"), dict) and "data" in document:
        return await _decode_payload_json(document, codec)
    return {key: await decode_json(value, codec) for key, value in document.items()}


async def _decode_payload_json(document: dict[str, Any], codec: EncryptionCodec) -> Any:
    payload = Payload(
        metadata={k: base64.b64decode(v) for k, v in document["metadata"].items()},
        data=base64.b64decode(document.get("data") or ""),
    )
    if payload.metadata.get("encoding") != ENCODING:
        return document
    try:
        opened = await codec.open(payload)
    except CaseKeyDestroyed:
        return {"erased": True}
    encoding = opened.metadata.get("encoding", b"").decode()
    if encoding.startswith("json/"):
        return json.loads(opened.data)
    return {
        "metadata": {k: v.decode(errors="replace") for k, v in opened.metadata.items()},
        "data": base64.b64encode(opened.data).decode(),
    }
