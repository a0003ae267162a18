"""The ``casework`` command: the embedded default, the production processes, operations."""

from __future__ import annotations

import asyncio

import typer

from casework.logging import configure_logging
from casework.settings import Settings, get_settings

app = typer.Typer(help=__doc__, no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _start() -> Settings:
    try:
        settings = get_settings()
    except Exception as error:  # pydantic's message names the bad setting
        raise SystemExit(f"invalid settings: {error}") from None
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    return settings


@app.command()
def dev() -> None:
    """Everything on this machine: Temporal dev server, migrations, worker and API."""
    from casework.dev import run_dev

    asyncio.run(run_dev(_start()))


@app.command()
def api() -> None:
    """The HTTP API alone (production: point it at Temporal and PostgreSQL)."""
    from casework.processes import serve_api, stop_on_signals

    settings = _start()

    async def main() -> None:
        await serve_api(settings, stop_on_signals())

    asyncio.run(main())


@app.command()
def worker() -> None:
    """A Temporal worker alone: runs case workflows and their activities."""
    from casework.processes import run_worker, stop_on_signals

    settings = _start()

    async def main() -> None:
        await run_worker(settings, stop_on_signals())

    asyncio.run(main())


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply schema migrations up to REVISION (default: the latest)."""
    from services.migrate import upgrade_database

    settings = _start()
    upgrade_database(settings.database_url, revision)
