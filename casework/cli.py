"""The ``casework`` command: the embedded default, the production processes, operations."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
import uvloop

from casework.keys_cli import keys_app, temporal_app
from casework.logging import configure_logging
from casework.settings import Settings, get_settings
from casework.users_cli import app as users_app

app = typer.Typer(help=__doc__, no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident case timeline.", no_args_is_help=True)
projection_app = typer.Typer(help="The read model against the workflows.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(projection_app, name="projection")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(temporal_app, name="temporal")


def _start() -> Settings:
    try:
        settings = get_settings()
    except Exception as error:  # pydantic's message names the bad setting
        raise SystemExit(f"invalid settings: {error}") from None
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    from casework.crypto import ensure_vault

    ensure_vault(settings)
    return settings


def _observe(settings: Settings, service: str) -> None:
    """Metrics on METRICS_PORT and traces to OTLP, where configured (docs/deployment.md);
    before any Temporal client connects (the SDK's runtime carries its metrics)."""
    from casework.metrics import start_metrics
    from casework.tracing import configure_tracing

    start_metrics(settings)
    configure_tracing(settings, service)


def _require_master_keys(settings: Settings) -> None:
    # Production processes share one ring: a development ring made per machine would
    # seal what the other processes cannot open.
    if settings.master_keys is None:
        raise SystemExit("invalid settings: MASTER_KEYS must be set (it seals personal data)")


@app.command()
def dev() -> None:
    """Everything on this machine: Temporal dev server, migrations, worker and API."""
    from casework.dev import run_dev

    settings = _start()
    _observe(settings, "casework")
    asyncio.run(run_dev(settings))


@app.command()
def api() -> None:
    """The HTTP API alone (production: point it at Temporal and PostgreSQL)."""
    from casework.processes import serve_api, stop_on_signals

    settings = _start()
    if settings.auth_token_secret is None:
        raise SystemExit(
            "invalid settings: AUTH_TOKEN_SECRET must be set (it signs sign-in tokens)"
        )
    _require_master_keys(settings)
    _observe(settings, "casework-api")

    async def main() -> None:
        await serve_api(settings, stop_on_signals())

    uvloop.run(main())


@app.command()
def worker() -> None:
    """A Temporal worker alone: runs case workflows and their activities."""
    from casework.processes import run_worker, stop_on_signals

    settings = _start()
    _require_master_keys(settings)
    _observe(settings, "casework-worker")

    async def main() -> None:
        await run_worker(settings, stop_on_signals())

    asyncio.run(main())


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply schema migrations up to REVISION (default: the latest)."""
    from services.migrate import upgrade_database

    settings = _start()
    upgrade_database(settings.database_url, revision)


@audit_app.command("verify")
def audit_verify(
    case_id: str | None = typer.Argument(None, help="One case; all if omitted"),
) -> None:
    """Check the hash chain of case timelines; exit 1 naming the first broken event."""
    from services.cases import audit
    from services.db import make_engine, make_session_factory

    settings = _start()
    engine = make_engine(settings.database_url)
    broken = 0
    with make_session_factory(engine)() as session:
        results = (
            [audit.verify_case(session=session, case_id=case_id)]
            if case_id
            else audit.verify_all(session=session)
        )
        for result in results:
            if result.ok:
                typer.echo(f"ok      {result.case_id}  {result.events_checked} events")
            else:
                broken += 1
                typer.echo(
                    f"BROKEN  {result.case_id}  event {result.first_broken_seq}: {result.problem}"
                )
    engine.dispose()
    raise typer.Exit(1 if broken else 0)


@projection_app.command("check")
def projection_check() -> None:
    """List differences between running case workflows and the read model; exit 1 if any."""
    from casework import projection_ops
    from casework.temporal import connect
    from services.db import make_engine, make_session_factory

    settings = _start()

    async def main() -> list[projection_ops.Drift]:
        engine = make_engine(settings.database_url)
        try:
            return await projection_ops.check(
                await connect(settings),
                make_session_factory(engine),
                settings.identity_hash_key.get_secret_value().encode(),
            )
        finally:
            engine.dispose()

    drifts = asyncio.run(main())
    for drift in drifts:
        typer.echo(f"{drift.case_id}  {drift.problem}")
    typer.echo(f"{len(drifts)} difference(s)")
    raise typer.Exit(1 if drifts else 0)


@projection_app.command("rebuild")
def projection_rebuild() -> None:
    """Rewrite the read model from the running case workflows (the source of truth)."""
    from casework import projection_ops
    from casework.temporal import connect
    from services.db import make_engine, make_session_factory

    settings = _start()

    async def main() -> int:
        engine = make_engine(settings.database_url)
        try:
            return await projection_ops.rebuild(
                await connect(settings),
                make_session_factory(engine),
                settings.identity_hash_key.get_secret_value().encode(),
            )
        finally:
            engine.dispose()

    typer.echo(f"rebuilt {asyncio.run(main())} case(s)")


@app.command("backup")
def backup_command(
    folder: Annotated[Path, typer.Argument(help="Folder to write the backup into")],
    keys_only: Annotated[
        bool, typer.Option("--keys-only", help="Only the case keys (again after Temporal's)")
    ] = False,
) -> None:
    """Back up the database and its case keys (never the master keys: keep those apart)."""
    from casework import backup

    settings = _start()
    try:
        manifest = backup.backup(settings.database_url, folder, keys_only=keys_only)
    except backup.BackupError as error:
        raise SystemExit(f"backup failed: {error}") from None
    typer.echo(f"backed up to {folder}: {json.dumps(manifest)}")


@app.command("restore")
def restore_command(
    folder: Annotated[Path, typer.Argument(help="Folder that `casework backup` wrote")],
    yes: Annotated[bool, typer.Option("--yes", help="Replace the database without asking")] = False,
) -> None:
    """Replace the database with a backup (stop the API and workers first)."""
    from casework import backup
    from casework.crypto import ensure_vault

    settings = _start()
    if not yes:
        typer.confirm(f"Replace the database with the backup in {folder}?", abort=True)
    try:
        manifest = backup.restore(
            settings.database_url, folder, set(ensure_vault(settings).master.keys)
        )
    except backup.BackupError as error:
        raise SystemExit(f"restore failed: {error}") from None
    typer.echo(f"restored from {folder}: {json.dumps(manifest)}")
