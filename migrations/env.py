"""Alembic environment: the URL comes from the caller (``casework db upgrade``) or settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

# Imported for their side effect: they register their tables on the metadata.
import services.campaigns.records
import services.cases.intake_holds
import services.cases.records
import services.cases.stuck
import services.deadlines.records
import services.notify.outbox
import services.register.records
import services.users.records
import services.users.sessions  # noqa: F401
from services.db import Base, make_engine

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        from casework.settings import get_settings

        url = get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `casework db upgrade`")
run_migrations_online()
