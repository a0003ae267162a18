"""Applying the schema migrations (Alembic) to a database, and granting the application
role what it may do there.

On PostgreSQL the schema belongs to the role that migrates it (``MIGRATION_DATABASE_URL``);
the API and workers connect as another role (``DATABASE_URL``) that owns nothing. It may
read and write the read model, but only add rows to the timeline and the access log:
it cannot change or remove them, truncate a table, or lift the triggers that refuse
those changes (only a table's owner may). Grants are made again after every upgrade, so
tables added by later migrations are covered the same way.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from services.db import make_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Evidence: the application adds rows and reads them, nothing else.
APPEND_ONLY_TABLES = ("case_event", "access_log", "account_event")
READ_ONLY_TABLES = ("alembic_version",)


def upgrade_database(
    url: str,
    revision: str = "head",
    *,
    app_role: str | None = None,
    identity_key: bytes | None = None,
) -> None:
    """Migrate the database at ``url`` (as its owner) to ``revision``; on PostgreSQL,
    then grant ``app_role`` (if given) what the application needs. Revisions that
    compute keyed values (search terms) read ``identity_key``."""
    config = Config()
    config.attributes["identity_key"] = identity_key
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, revision)
    if app_role is not None and make_url(url).get_backend_name() == "postgresql":
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                grant_application_role(connection, app_role)
        finally:
            engine.dispose()


def upgrade_as_owner(
    database_url: str,
    migration_url: str | None,
    revision: str = "head",
    *,
    identity_key: bytes | None = None,
) -> None:
    """``casework db upgrade``: migrate as ``migration_url``'s role (the owner) if given,
    and grant ``database_url``'s role (the application's) when it is another one."""
    if migration_url is None:
        upgrade_database(database_url, revision, identity_key=identity_key)
        return
    app, owner = make_url(database_url), make_url(migration_url)
    role = app.username if app.username != owner.username else None
    upgrade_database(migration_url, revision, app_role=role, identity_key=identity_key)


def grant_application_role(connection: Connection, role: str) -> None:
    quoted = connection.dialect.identifier_preparer.quote(role)
    for statement in (
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}",
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"REVOKE UPDATE, DELETE ON {', '.join(APPEND_ONLY_TABLES)} FROM {quoted}",
        f"REVOKE INSERT, UPDATE, DELETE ON {', '.join(READ_ONLY_TABLES)} FROM {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
    ):
        connection.execute(text(statement))
