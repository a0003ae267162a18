"""``casework keys`` and ``casework temporal``: the keys that seal personal data, and
reading sealed Temporal payloads as an operator who holds the master key."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from casework.settings import Settings

keys_app = typer.Typer(help="Keys that seal personal data.", no_args_is_help=True)
temporal_app = typer.Typer(help="Temporal, as the operator sees it.", no_args_is_help=True)


@keys_app.command("destroy")
def destroy(
    case_id: Annotated[str, typer.Argument(help="The case whose personal data is erased")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
    force: Annotated[bool, typer.Option(help="Also when the case is not closed")] = False,
) -> None:
    """Destroy a case's data key: its personal data becomes unreadable everywhere, for
    good, and what would find the person without it (keyed hashes, birth date, search
    terms, links) is deleted. Its workflows are terminated first, as they could no
    longer read their own histories."""
    from casework.cli import _start
    from services.cases.lifecycle import Stage
    from services.cases.queries import get_case
    from services.db import make_engine, make_session_factory, transaction
    from services.erasure import erase_case, settle_sqlite_file
    from services.legal_aid.model import MATTERS

    try:  # the id as cases are stored: lower case, hyphens, no braces
        case_id = str(uuid.UUID(case_id))
    except ValueError:
        raise SystemExit(f"{case_id!r} is not a case id") from None
    settings = _start()
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    with session_factory() as session:
        case = get_case(session=session, case_id=case_id)
    if case is None:
        raise SystemExit(f"no case {case_id}")
    if case.stage is not Stage.CLOSED and not force:
        raise SystemExit(f"case {case_id} is {case.stage.value}; close it first (or --force)")
    if not yes:
        typer.confirm(f"Erase the personal data of case {case_id} for good?", abort=True)
    matters = [matter.id for matter in MATTERS.of(case)] if case else []
    ended = asyncio.run(_terminate_workflows(settings, case_id, matters))
    with transaction(session_factory) as session:
        erased = erase_case(session=session, case_id=case_id)
    settled = settle_sqlite_file(engine)
    engine.dispose()
    typer.echo(f"terminated {ended} running workflow(s)")
    typer.echo(
        f"destroyed the key of {case_id}" if erased.key_destroyed else f"{case_id}: no key left"
    )
    typer.echo(
        f"deleted its keyed hashes, birth date and {erased.search_terms} search term(s); "
        f"unlinked {erased.visits_unlinked} visit(s)"
    )
    if erased.person_erased:
        typer.echo("erased the claimant's person of the register")
    if not settled:
        typer.echo("the SQLite write-ahead log is in use: run `casework keys settle` when idle")


async def _terminate_workflows(settings: Settings, case_id: str, matters: list[str]) -> int:
    from temporalio.service import RPCError, RPCStatusCode

    from casework.temporal import connect
    from workflows.ids import case_workflow_id, legal_matter_workflow_id

    client = await connect(settings)
    ids = [case_workflow_id(case_id), *(legal_matter_workflow_id(case_id, m) for m in matters)]
    ended = 0
    for workflow_id in ids:
        try:
            await client.get_workflow_handle(workflow_id).terminate(
                reason="personal data erased: case key destroyed"
            )
            ended += 1
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:  # not found: already ended
                raise
    return ended


@keys_app.command("settle")
def settle() -> None:
    """On SQLite, empty the write-ahead log into the database file, where erasures have
    overwritten the old values (a log in use when they ran still holds them)."""
    from casework.cli import _start
    from services.db import make_engine
    from services.erasure import settle_sqlite_file

    engine = make_engine(_start().database_url)
    settled = settle_sqlite_file(engine)
    engine.dispose()
    if not settled:
        raise SystemExit("the write-ahead log is still in use; try again when idle")
    typer.echo("settled")


@keys_app.command("rewrap")
def rewrap() -> None:
    """Wrap every case key, and every key of a person of the register, with the current
    master key (first in MASTER_KEYS)."""
    from casework.cli import _start
    from services.crypto.case_keys import rewrap_case_keys
    from services.db import make_engine, make_session_factory, transaction
    from services.register.sealing import rewrap_person_keys

    settings = _start()
    engine = make_engine(settings.database_url)
    with transaction(make_session_factory(engine)) as session:
        count = rewrap_case_keys(session=session)
        people = rewrap_person_keys(session=session)
    engine.dispose()
    typer.echo(f"rewrapped {count} case key(s) and {people} person key(s)")


@keys_app.command("new")
def new(key_id: Annotated[str, typer.Argument(help="Id of the new master key")]) -> None:
    """Print a new master key as id:base64, to put first in MASTER_KEYS."""
    from services.crypto.cipher import KeyRing, format_key_ring, new_key

    typer.echo(format_key_ring(KeyRing(keys={key_id: new_key()}, current=key_id)))


@temporal_app.command("decode")
def decode(
    source: Annotated[
        Path | None, typer.Argument(help="History JSON (temporal workflow show -o json); - stdin")
    ] = None,
    workflow_id: Annotated[
        str | None, typer.Option(help="Fetch this workflow's history from Temporal instead")
    ] = None,
) -> None:
    """Print a workflow history (or any payload JSON) with its sealed payloads opened."""
    from casework.cli import _start
    from casework.codec import EncryptionCodec
    from casework.crypto import database_case_keys, decode_json, ensure_vault

    settings = _start()
    codec = EncryptionCodec(ensure_vault(settings).payloads, database_case_keys(settings))
    if workflow_id:
        document = asyncio.run(_history(settings, workflow_id))
    elif source is None or str(source) == "-":
        document = json.load(sys.stdin)
    else:
        document = json.loads(source.read_text())
    decoded = asyncio.run(decode_json(document, codec))
    typer.echo(json.dumps(decoded, ensure_ascii=False, indent=2))


async def _history(settings: Settings, workflow_id: str) -> Any:
    from casework.temporal import connect

    client = await connect(settings)
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return json.loads(history.to_json())
