"""Erasure leaves nobody to find: after `casework keys destroy`, nothing the case kept of
its claimant, nor anything derived from it, is left to read, on SQLite and PostgreSQL.

A case is taken through the API (a real worker and Temporal server, the in-process app):
an intake with every personal field, a legal matter, a note, a close with a reason,
idempotency keys on the way. Then the real command erases it, and three places are
searched for every personal value and every value derived from one (the keyed hashes of
the ID number and phone, the birth date in its forms, the pinyin key and initials of the
name, the case's search terms):

- the database: every row of every table as text (a logical dump; on PostgreSQL also
  ``pg_dump``), and on SQLite the bytes of the database file and its logs. Sealed values
  (``enc1:…``) are opaque once the case's key is gone; values of a few letters (the
  name's initials, a short pinyin key) are looked for in the text dumps only, as values of
  their own, with sealed values and other long opaque strings (keys, hashes, tokens) cut
  out, where they could only turn up by chance;
- Temporal: the histories of the case's workflows as the server keeps them. Their
  payloads are sealed by our codec under the case's key, so the stored history shows
  only metadata (ids, types, update ids, search attributes) and ciphertext. Checked: no
  value in the stored history; update ids are the caller and its idempotency key, with
  no digest of the request's body; and with the key destroyed the codec opens none of
  the payloads, so an operator holding the master keys reads nothing of the case;
- the logs of the API, the worker and the command.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import logging
import os
import random
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHistory

from casework.codec import ENCODING, CaseKeyDestroyed, DatabaseCaseKeys, EncryptionCodec
from casework.logging import configure_logging
from services.cases import audit, queries, rules
from services.cases.names import identifier_hash, name_initials, name_key
from services.cases.queries import CaseFilter
from services.cases.search import CaseSearchTermRecord, case_terms, search_key
from services.cases.steps import CaseEvent
from services.db import make_engine, make_session_factory
from services.kernel.actors import Role
from services.migrate import upgrade_database
from tests.api import signed_in, worked_api
from tests.conftest import (
    PG_URL,
    TEST_IDENTITY_KEY,
    TEST_MASTER_KEY_RING,
    TEST_VAULT,
    Databases,
    _fresh_postgres_database,
)
from tests.support import STAFF, intake
from tests.test_pii_at_rest import KEY, T0, _claimant, _write_plain, canary_id, canary_phone
from workflows.ids import case_workflow_id, legal_matter_workflow_id

CASEWORK = str(Path(sys.executable).parent / "casework")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Opaque runs (sealed values, keys, digests, tokens, ids): cut out before looking for a
# short value, which could otherwise turn up in them by chance.
_SEALED = re.compile(r"enc1:[A-Za-z0-9_=-]+")
_OPAQUE = re.compile(r"[A-Za-z0-9+/=_-]{20,}")
SHORT = 8  # values shorter than this (in bytes) are looked for in the text dumps alone


@dataclass(frozen=True)
class Person:
    name: str
    national_id: str
    birth: date
    phone: str
    address: str
    situation: str
    relative: str

    @staticmethod
    def new() -> Person:
        chance = random.Random(uuid.uuid4().int)
        # Four characters of the common range, each with a reading (a few have none).
        readable = (chr(c) for c in iter(lambda: chance.randrange(0x4E00, 0x8000), None))
        name = "".join(itertools.islice((c for c in readable if name_initials(c)), 4))
        birth = date(chance.randrange(1930, 1940), chance.randrange(1, 13), chance.randrange(2, 29))
        body = f"110105{birth:%Y%m%d}{chance.randrange(1000):03d}"
        total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
        marker = uuid.uuid4().hex[:10]
        return Person(
            name=name,
            national_id=body + "10X98765432"[total % 11],
            birth=birth,
            phone=f"139{chance.randrange(10**8):08d}",
            address=f"Erasure Lane {marker}, Room 9",
            situation=f"Hip fracture {marker}, lives alone",
            relative=f"Spouse {marker}",
        )


@dataclass
class World:
    api: httpx.AsyncClient
    temporal: Client
    database_url: str
    owner_url: str
    session_factory: sessionmaker[Session]
    logs: io.StringIO


@pytest.fixture
def log_buffer() -> Iterator[io.StringIO]:
    """The processes' own logging pipeline (JSON lines), written into a buffer."""
    configure_logging(log_format="json", level="INFO")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    # The test's own HTTP client logs the URLs it asks for (with their search texts).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    yield buffer
    logging.getLogger("httpx").setLevel(logging.NOTSET)
    logging.getLogger().handlers.clear()
    structlog.reset_defaults()


@pytest.fixture
async def world(
    databases: Databases,
    database_url: str,
    session_factory: sessionmaker[Session],
    log_buffer: io.StringIO,
) -> AsyncIterator[World]:
    """API, worker and a Temporal server on the test's database (each backend)."""
    async with worked_api(database_url, session_factory, queue_prefix="erasure") as running:
        yield World(
            running.api,
            running.env.client,
            database_url,
            databases.owner,
            session_factory,
            log_buffer,
        )


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


async def test_an_erased_case_leaves_no_personal_or_derived_value_in_the_database_temporal_or_logs(
    world: World,
) -> None:
    person, marker = Person.new(), uuid.uuid4().hex[:10]
    centre = f"centre-{marker}"
    staff, as_staff = signed_in(world.session_factory, Role.STAFF, centre)
    _, as_supervisor = signed_in(world.session_factory, Role.SUPERVISOR, centre)
    lawyer, _ = signed_in(world.session_factory, Role.LAWYER, centre)
    summary = f"Unpaid wages at the quarry {marker}"
    texts = {
        "infringement": f"Dismissed during reserve duty {marker}",
        "infringer": f"Quarry Works {marker}",
        "evidence": f"Payslips of March {marker}",
        "note": f"Met at the township office {marker}",
        "close": f"Moved to another county {marker}",
    }
    intake = {
        "claimant": {
            "name": person.name,
            "category": "veteran",
            "national_id": person.national_id,
            "birth_date": person.birth.isoformat(),
            "phone": person.phone,
            "address": person.address,
            "situation": person.situation,
            "household": [{"name": person.relative, "relation": "spouse"}],
        },
        "needs": ["legal_aid"],
        "summary": summary,
    }
    intake_key = f"intake-{marker}"
    headers = {**as_staff, "Idempotency-Key": intake_key}
    opened = await world.api.post("/cases", json=intake, headers=headers)
    again = await world.api.post("/cases", json=intake, headers=headers)
    assert opened.status_code == again.status_code == 201, opened.text + again.text
    case_id = _ok(opened)["id"]
    assert _ok(again)["id"] == case_id
    pinyin, initials = name_key(person.name), name_initials(person.name)
    assert len(initials) == 4 and len(pinyin) >= 4, (initials, pinyin)
    for wanted in (person.name, pinyin, initials, summary):  # found while it lasts
        listed = _ok(await world.api.get("/cases", params={"text": wanted}, headers=as_staff))
        assert [item["id"] for item in listed["items"]] == [case_id], wanted

    _ok(
        await world.api.post(
            f"/cases/{case_id}/lawyer", json={"lawyer": lawyer}, headers=as_supervisor
        )
    )
    matter_key = f"matter-{marker}"
    recorded = await world.api.post(
        f"/cases/{case_id}/legal-matters",
        json={
            "infringement": texts["infringement"],
            "infringer": texts["infringer"],
            "evidence": [texts["evidence"]],
            "note": texts["note"],
        },
        headers={**as_staff, "Idempotency-Key": matter_key},
    )
    _ok(recorded)
    matter_id = recorded.headers["location"].rsplit("/", 1)[1]
    reused = await world.api.post(
        f"/cases/{case_id}/close",
        json={"reason": "another request"},
        headers={**as_staff, "Idempotency-Key": matter_key},
    )
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    _ok(
        await world.api.post(
            f"/cases/{case_id}/close", json={"reason": texts["close"]}, headers=as_staff
        )
    )
    histories = [case_workflow_id(case_id), legal_matter_workflow_id(case_id, matter_id)]

    command = await _erase(world, case_id)
    assert command.returncode == 0, command.stdout + command.stderr
    assert f"destroyed the key of {case_id}" in command.stdout

    read = _ok(await world.api.get(f"/cases/{case_id}", headers=as_supervisor))
    assert read["claimant"]["name"] == "—" and read["summary"] is None
    assert read["claimant"]["national_id"] is None and read["claimant"]["birth_date"] is None
    for wanted in (person.name, pinyin, initials, summary):  # and not found any more
        listed = _ok(await world.api.get("/cases", params={"text": wanted}, headers=as_staff))
        assert listed["items"] == [], wanted

    terms = case_terms(search_key(TEST_IDENTITY_KEY), person.name, summary)
    values = {
        "name": person.name,
        "national_id": person.national_id,
        "phone": person.phone,
        "address": person.address,
        "situation": person.situation,
        "household": person.relative,
        "summary": summary,
        **texts,
        "birth date": person.birth.isoformat(),
        "birth date, digits": f"{person.birth:%Y%m%d}",
        "birth date, as a date": f"date({person.birth.year}, {person.birth.month}, "
        f"{person.birth.day})",
        "ID hash": identifier_hash(TEST_IDENTITY_KEY, person.national_id),
        "phone hash": identifier_hash(TEST_IDENTITY_KEY, person.phone),
        "pinyin key": pinyin,
        "initials": initials,
        **{
            f"search term {n}": term
            for n, term in enumerate(sorted(terms - _held_by_other_cases(world, terms, case_id)))
        },
    }

    places: dict[str, str | bytes] = {"database": _database_dump(world.owner_url)}
    if world.database_url.startswith("postgresql"):
        places["pg_dump"] = _pg_dump(world.owner_url)
    else:
        places["database files"] = _sqlite_bytes(world.database_url)
    stored = [await world.temporal.get_workflow_handle(w).fetch_history() for w in histories]
    places["Temporal histories"] = "\n".join(history.to_json() for history in stored)
    places["logs"] = world.logs.getvalue() + command.stderr + command.stdout

    found = {
        (what, where)
        for what, value in values.items()
        for where, content in places.items()
        if _holds(content, value)
    }
    assert found == set()

    # Controls: each place holds what is meant to stay, so the search can find things.
    assert all(_holds(content, case_id) for content in places.values()), "a place was empty"
    assert "legal_aid" in places["database"] and "CaseStage" in places["Temporal histories"]
    update_ids = [update_id for history in stored for update_id in _update_ids(history)]
    assert f"{staff}:{intake_key}" in update_ids and f"{staff}:{matter_key}" in update_ids
    assert all(not re.search(r"[0-9a-f]{32}", update_id) for update_id in update_ids)
    codec = EncryptionCodec(TEST_VAULT.payloads, DatabaseCaseKeys(world.session_factory))
    sealed = [
        payload
        for history in stored
        for payload in _payloads(history)
        if payload.metadata.get("encoding") == ENCODING
    ]
    assert len(sealed) > 10
    for payload in sealed:
        with pytest.raises(CaseKeyDestroyed):
            await codec.decode([payload])


def _held_by_other_cases(world: World, terms: set[str], case_id: str) -> set[str]:
    """The terms another case of the database is found by too (a short piece of a name or
    summary, in a database that other test files share): the dump holds them for that
    case. None of them is left for the erased case (asserted here)."""
    with world.session_factory() as session:
        rows = session.execute(
            select(CaseSearchTermRecord.case_id, CaseSearchTermRecord.term).where(
                CaseSearchTermRecord.term.in_(terms)
            )
        ).all()
    assert [row for row in rows if row.case_id == case_id] == []
    return {row.term for row in rows}


async def _erase(world: World, case_id: str) -> Ran:
    """`casework keys destroy`, as an operator runs it (the worker and API run on meanwhile)."""
    address = world.temporal.service_client.config.target_host
    env = {
        **os.environ,
        "DATABASE_URL": world.database_url,
        "MASTER_KEYS": TEST_MASTER_KEY_RING,
        "IDENTITY_HASH_KEY": TEST_IDENTITY_KEY.decode(),
        "TEMPORAL_ADDRESS": address,
        "LOG_FORMAT": "json",
    }
    process = await asyncio.create_subprocess_exec(
        CASEWORK, "keys", "destroy", case_id, "--yes",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    return Ran(process.returncode, stdout.decode(), stderr.decode())


@dataclass(frozen=True)
class Ran:
    returncode: int | None
    stdout: str
    stderr: str


def _holds(content: str | bytes, value: str) -> bool:
    if len(value.encode()) >= SHORT:
        if isinstance(content, bytes):
            return value.encode() in content
        return value.lower() in content.lower()
    if isinstance(content, bytes):
        return False  # a few bytes turn up anywhere in a file; the text dump has them
    # As a value of its own: not inside a longer word, where a few letters turn up by chance.
    alone = re.compile(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])", re.IGNORECASE)
    return alone.search(_OPAQUE.sub(" ", _SEALED.sub(" ", content))) is not None


def _database_dump(url: str) -> str:
    """Every row of every table as text, as a dump shows them."""
    engine: Engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            return "\n".join(
                repr(tuple(row))
                for table in tables
                for row in connection.execute(text(f'SELECT * FROM "{table}"'))
            )
    finally:
        engine.dispose()


def _pg_dump(url: str) -> str:
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    dumped = subprocess.run(
        ["pg_dump", "--data-only", plain], capture_output=True, text=True, timeout=120, check=True
    )
    return dumped.stdout


def _sqlite_bytes(url: str) -> bytes:
    """The database file with its write-ahead log, as a thief would copy them."""
    path = Path(make_url(url).database or "")
    return b"".join(
        part.read_bytes() for part in sorted(path.parent.glob(path.name + "*")) if part.is_file()
    )


def _update_ids(history: WorkflowHistory) -> list[str]:
    return [
        event.workflow_execution_update_accepted_event_attributes.accepted_request.meta.update_id
        for event in history.events
        if event.HasField("workflow_execution_update_accepted_event_attributes")
    ]


def _payloads(history: WorkflowHistory) -> Iterator[Payload]:
    """Every payload of the history: what its events carry, found by walking them."""
    for event in history.events:
        yield from _walk(event)


def _walk(message: Any) -> Iterator[Payload]:
    if isinstance(message, Payload):
        if message.metadata:
            yield message
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if hasattr(value, "ListFields"):
            yield from _walk(value)
            continue
        items = value.values() if hasattr(value, "values") else value  # a map, or a list
        for item in items:
            if hasattr(item, "ListFields"):
                yield from _walk(item)


@pytest.mark.parametrize(
    "backend",
    [
        "sqlite",
        pytest.param(
            "postgresql", marks=pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL unset")
        ),
    ],
)
def test_upgrading_seals_the_names_birth_dates_and_free_text_of_recorded_cases(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if backend == "sqlite":
        url, admin, name = f"sqlite:///{tmp_path_factory.mktemp('old') / 'c.db'}", None, ""
    else:
        assert PG_URL
        url, admin, name = _fresh_postgres_database(PG_URL)
    upgrade_database(url, "0005")
    engine = make_engine(url)
    claimant = _claimant(canary_id(), canary_phone())
    summary, note = f"Summary {uuid.uuid4().hex}", f"Note {uuid.uuid4().hex}"
    case_id = str(uuid.uuid4())
    event = CaseEvent(
        case_id=case_id,
        seq=1,
        at=T0,
        actor=STAFF,
        step=intake(claimant=claimant, summary=summary, note=note),
    )
    case = rules.evolve(None, event)
    _write_plain(engine, case, event)  # as revision 0005 stored a case: all readable

    upgrade_database(url, identity_key=KEY)

    factory = make_session_factory(engine)
    with factory() as session:
        dump = _database_dump(url)
        for value in (claimant.name, summary, note, name_key(claimant.name)):
            assert value not in dump
        assert queries.get_case(session=session, case_id=case_id) == case
        assert audit.case_history(session=session, case_id=case_id) == [event]
        assert audit.verify_case(session=session, case_id=case_id).ok
        for wanted in (claimant.name, "canaryzhang", "cz", summary):
            page = queries.list_cases(
                session=session, limit=5, where=CaseFilter(text=wanted), search_key=search_key(KEY)
            )
            assert [item.id for item in page.items] == [case_id], wanted
            assert page.items[0].claimant_name == claimant.name
            assert page.items[0].summary == summary
    engine.dispose()
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
