"""On PostgreSQL the application connects as a role of its own: it can add to the
timeline and the access log, but neither change nor remove their rows, truncate them,
nor lift the triggers that guard them; the owner is refused by those triggers too."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from services.db import make_engine, transaction
from services.users.records import AccessLogRecord
from tests.conftest import (
    PG_URL,
    TEST_MASTER_KEY_RING,
    _fresh_postgres_database,
    application_role,
    drop_database_and_role,
)
from tests.test_audit import _recorded_case

CASEWORK = str(Path(sys.executable).parent / "casework")
PROTECTED = ("case_event", "access_log")


@pytest.fixture
def pg(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("roles are PostgreSQL's; SQLite is one file its users can change")
    return engine


def _logged_read(session_factory: sessionmaker[Session], case_id: str) -> None:
    with transaction(session_factory) as session:
        session.execute(
            insert(AccessLogRecord).values(
                case_id=case_id, centre="test-centre", username="staff-1", role="staff",
                action="case", fields=[], at=datetime.now(UTC),
            )
        )  # fmt: skip


def _attempts(table: str) -> list[str]:
    column = "actor" if table == "case_event" else "username"
    return [
        f"UPDATE {table} SET {column} = 'someone-else' WHERE case_id = :case_id",
        f"DELETE FROM {table} WHERE case_id = :case_id",
        f"TRUNCATE {table} CASCADE",
        f"ALTER TABLE {table} DISABLE TRIGGER USER",
    ]


@pytest.mark.parametrize("table", PROTECTED)
def test_the_application_role_cannot_change_remove_or_unguard_evidence(
    pg: Engine, session_factory: sessionmaker[Session], table: str
) -> None:
    case_id = _recorded_case(session_factory)
    _logged_read(session_factory, case_id)  # the application adds rows: allowed

    for statement in _attempts(table):
        refused = pytest.raises(DBAPIError, match=r"permission denied|must be owner")
        with refused, pg.begin() as connection:
            connection.execute(text(statement), {"case_id": case_id})

    with pg.connect() as connection:
        left = connection.scalar(
            text(f"SELECT count(*) FROM {table} WHERE case_id = :case_id"), {"case_id": case_id}
        )
    assert left == (4 if table == "case_event" else 1)


@pytest.mark.parametrize("table", PROTECTED)
def test_even_the_owner_is_refused_by_the_append_only_triggers(
    pg: Engine, owner_engine: Engine, session_factory: sessionmaker[Session], table: str
) -> None:
    case_id = _recorded_case(session_factory)
    _logged_read(session_factory, case_id)

    for statement in _attempts(table)[:3]:
        with pytest.raises(DBAPIError, match="append-only"), owner_engine.begin() as connection:
            connection.execute(text(statement), {"case_id": case_id})


@pytest.fixture
def split_database() -> Iterator[tuple[str, str]]:
    """An empty database and an application role that owns nothing in it."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL unset")
    owner_url, admin, name = _fresh_postgres_database(PG_URL)
    app_url, role = application_role(admin, owner_url)
    yield owner_url, app_url
    drop_database_and_role(admin, name, role)


def test_db_upgrade_migrates_as_the_owner_and_grants_the_application_role(
    split_database: tuple[str, str],
) -> None:
    owner_url, app_url = split_database
    env = {
        **os.environ,
        "DATABASE_URL": app_url,
        "MIGRATION_DATABASE_URL": owner_url,
        "MASTER_KEYS": TEST_MASTER_KEY_RING,
        "LOG_LEVEL": "WARNING",
    }
    upgrade = subprocess.run(
        [CASEWORK, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120
    )
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr

    app = make_engine(app_url)
    case_id = str(uuid.uuid4())
    try:
        with app.begin() as connection:  # the read model: the application writes it
            connection.execute(
                text("INSERT INTO users VALUES (:u, 'staff', 'c', 'x', false, 0, now(), now())"),
                {"u": case_id},
            )
            connection.execute(
                text("UPDATE users SET disabled = true WHERE username = :u"), {"u": case_id}
            )
        with pytest.raises(DBAPIError, match="permission denied"), app.begin() as connection:
            connection.execute(text("DELETE FROM case_event"))
        with pytest.raises(DBAPIError, match="permission denied"), app.begin() as connection:
            connection.execute(text("CREATE TABLE intruder (id int)"))
        with pytest.raises(DBAPIError, match="permission denied"), app.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    finally:
        app.dispose()


def test_the_application_role_cannot_change_or_remove_the_account_log(pg: Engine) -> None:
    with pg.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO account_event (centre, at, actor, actor_role, action, username) "
                "VALUES ('test-centre', now(), 'admin-1', 'admin', 'disable', 'staff-9')"
            )
        )  # the application adds rows: allowed
    for statement in (
        "UPDATE account_event SET username = 'someone-else' WHERE username = 'staff-9'",
        "DELETE FROM account_event WHERE username = 'staff-9'",
        "TRUNCATE account_event",
        "ALTER TABLE account_event DISABLE TRIGGER USER",
    ):
        refused = pytest.raises(DBAPIError, match=r"permission denied|must be owner")
        with refused, pg.begin() as connection:
            connection.execute(text(statement))
