"""The ``casework`` command: the embedded default, the production processes, operations."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import uvloop

from casework.calendar_cli import app as calendar_app
from casework.campaigns_cli import app as campaigns_app
from casework.keys_cli import keys_app, temporal_app
from casework.logging import configure_logging, get_logger
from casework.settings import Settings, get_settings
from casework.users_cli import app as users_app

if TYPE_CHECKING:
    from workflows.case_contract import ProjectionRetry

# Tracebacks never show local variables (they may hold personal data or secrets): an
# unexpected error goes through the masking log pipeline instead (main()).
app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_show_locals=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident case timeline.", no_args_is_help=True)
projection_app = typer.Typer(help="The read model against the workflows.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(projection_app, name="projection")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(temporal_app, name="temporal")
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(calendar_app, name="calendar")


def _start(*, required: tuple[str, ...] = ()) -> Settings:
    """Settings read and checked, logging configured, the master ring installed; a
    setting named in ``required`` has no development default here."""
    try:
        settings = get_settings()
    except Exception as error:  # pydantic's message names the bad setting
        raise SystemExit(f"invalid settings: {error}") from None
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    for name in required:
        if getattr(settings, name) is None:
            raise SystemExit(f"invalid settings: {name.upper()} must be set ({REQUIRED[name]})")
    from casework.crypto import ensure_vault, with_identity_key

    ensure_vault(settings)
    return with_identity_key(settings)


# Production processes share these: a development value made per machine (or per start)
# would seal, hash or sign what the other processes cannot open, find or check.
REQUIRED = {
    "master_keys": "it seals personal data",
    "identity_hash_key": "it keys the hashes that find a person's cases",
    "auth_token_secret": "it signs sign-in tokens",
}


def _refuse_demo_users(settings: Settings) -> None:
    # `casework dev` makes accounts with a published password in its database, which is
    # also this command's default one.
    from sqlalchemy.exc import SQLAlchemyError

    from services.db import make_engine, make_session_factory
    from services.users import accounts

    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            demo = accounts.demo_users(session=session)
    except SQLAlchemyError as error:
        raise SystemExit(
            f"cannot check DATABASE_URL for demo users ({type(error).__name__}): is it up, "
            "and migrated (`casework db upgrade`)?"
        ) from None
    finally:
        engine.dispose()
    if demo:
        raise SystemExit(
            f"refusing to serve a database with demo users of `casework dev` "
            f"({', '.join(sorted(demo))}, password 'demo'): remove them with "
            "`casework users remove-demo`, or set DATABASE_URL to the production database"
        )


def main() -> None:
    """The ``casework`` command. An unexpected error is logged, through the processors
    that mask personal data, as a plain traceback without local variables."""
    try:
        app()
    except Exception as error:
        missing = _missing_table(error)
        if missing:
            raise SystemExit(
                f"the database at DATABASE_URL is not migrated ({missing}): run "
                "`casework db upgrade` first"
            ) from None
        if not logging.getLogger().handlers:
            configure_logging()
        get_logger("casework.cli").exception("command failed")
        raise SystemExit(1) from None


def _missing_table(error: Exception) -> str | None:
    """What the database said, when a table the command needs is missing (the database
    was never migrated); None for any other error."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(error, DBAPIError):
        return None
    said = (str(error.orig).strip().splitlines() or [""])[0]
    # PostgreSQL's undefined_table; SQLite says it in words.
    if getattr(error.orig, "sqlstate", None) == "42P01" or "no such table" in said:
        return said
    return None


def _observe(settings: Settings, service: str) -> None:
    """Metrics on METRICS_PORT and traces to OTLP, where configured (docs/deployment.md);
    before any Temporal client connects (the SDK's runtime carries its metrics)."""
    from casework.metrics import start_metrics
    from casework.tracing import configure_tracing

    start_metrics(settings)
    configure_tracing(settings, service)


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

    settings = _start(required=("auth_token_secret", "master_keys", "identity_hash_key"))
    _refuse_demo_users(settings)
    _observe(settings, "casework-api")

    async def main() -> None:
        await serve_api(settings, stop_on_signals())

    uvloop.run(main())


@app.command()
def worker() -> None:
    """A Temporal worker alone: runs case workflows and their activities."""
    from casework.processes import run_worker, stop_on_signals

    settings = _start(required=("master_keys", "identity_hash_key"))
    _observe(settings, "casework-worker")

    async def main() -> None:
        await run_worker(settings, stop_on_signals())

    asyncio.run(main())


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply schema migrations up to REVISION (default: the latest)."""
    from services.migrate import upgrade_as_owner

    settings = _start()
    upgrade_as_owner(
        settings.database_url,
        settings.migration_database_url,
        revision,
        identity_key=settings.identity_key(),
    )


@db_app.command("reindex")
def db_reindex() -> None:
    """Make every case's search terms again (after a new IDENTITY_HASH_KEY, or an
    upgrade that had none)."""
    from services.cases.projection import reindex_cases
    from services.db import make_engine, make_session_factory, transaction

    settings = _start()
    engine = make_engine(settings.database_url)
    with transaction(make_session_factory(engine)) as session:
        count = reindex_cases(session=session, identity_key=settings.identity_key())
    engine.dispose()
    typer.echo(f"made the search terms of {count} case(s)")


@audit_app.command("verify")
def audit_verify(
    case_id: str | None = typer.Argument(None, help="One case; all if omitted"),
) -> None:
    """Check the hash chain of case timelines, each against its case's version and the
    latest signed checkpoint; exit 1 naming the first broken event."""
    from casework.crypto import ensure_vault
    from services.cases import audit
    from services.cases.checkpoints import CheckpointInvalid, latest_checkpoint
    from services.db import make_engine, make_session_factory

    settings = _start()
    broken = 0
    try:
        checkpoint = latest_checkpoint(
            settings.audit_checkpoint_dir, ensure_vault(settings).checkpoints
        )
    except CheckpointInvalid as error:
        typer.echo(f"BROKEN  checkpoint {error}")
        checkpoint, broken = None, 1
    anchors = checkpoint.heads if checkpoint else {}
    # On stderr: stdout stays one line per case, as scripts read it.
    if checkpoint:
        typer.echo(f"checkpoint {checkpoint.path.name}: {len(anchors)} case heads", err=True)
    elif not broken:
        where = settings.audit_checkpoint_dir
        typer.echo(f"no checkpoint in {where}: chains checked alone", err=True)
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        results = (
            [audit.verify_case(session=session, case_id=case_id, anchor=anchors.get(case_id))]
            if case_id
            else audit.verify_all(session=session, anchors=anchors)
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


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the head of every case's timeline into a new file of AUDIT_CHECKPOINT_DIR
    (run it periodically, e.g. hourly from cron; see README "Production")."""
    from casework.crypto import ensure_vault
    from services.cases.checkpoints import write_checkpoint
    from services.db import make_engine, make_session_factory

    settings = _start()
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        checkpoint = write_checkpoint(
            session=session,
            directory=settings.audit_checkpoint_dir,
            ring=ensure_vault(settings).checkpoints,
        )
    engine.dispose()
    typer.echo(f"checkpoint of {len(checkpoint.heads)} case(s) written to {checkpoint.path}")


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
                settings.identity_key(),
            )
        finally:
            engine.dispose()

    engine = make_engine(settings.database_url)
    try:
        stuck = projection_ops.stuck(make_session_factory(engine))
    finally:
        engine.dispose()
    for case in stuck:
        typer.echo(
            f"{case.case_id}  stuck from event {case.seq} since {case.first_seen_at:%Y-%m-%d %H:%M}"
            f"Z, last {case.last_seen_at:%Y-%m-%d %H:%M}Z ({case.attempts} attempt(s)): "
            f"{case.error}"
        )
    typer.echo(f"{len(stuck)} stuck case(s) (casework projection retry, once the cause is mended)")
    drifts = asyncio.run(main())
    for drift in drifts:
        typer.echo(f"{drift.case_id}  {drift.problem}")
    typer.echo(f"{len(drifts)} difference(s)")
    raise typer.Exit(1 if drifts or stuck else 0)


@projection_app.command("retry")
def projection_retry(
    case_id: str | None = typer.Argument(None, help="One case; every stuck case if omitted"),
) -> None:
    """Project again what stuck cases' read model lacks (after their cause is mended);
    exit 1 if any is still stuck."""
    from casework import projection_ops
    from casework.temporal import connect
    from services.db import make_engine, make_session_factory

    settings = _start()

    async def main() -> list[tuple[str, ProjectionRetry]]:
        engine = make_engine(settings.database_url)
        try:
            return await projection_ops.retry(
                await connect(settings), make_session_factory(engine), case_id
            )
        finally:
            engine.dispose()

    answers = asyncio.run(main())
    for each, answer in answers:
        typer.echo(
            f"{each}  " + ("projected" if answer.projected else f"still stuck: {answer.error}")
        )
    still = sum(not answer.projected for _, answer in answers)
    typer.echo(f"{len(answers) - still} projected, {still} still stuck")
    raise typer.Exit(1 if still else 0)


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
                settings.identity_key(),
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
