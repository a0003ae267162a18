"""``casework backup`` and ``casework restore``: the application database (read model,
timeline, accounts, access log, the wrapped case keys) and a manifest, in one folder.

What is written, into ``DIR``:

- ``casework.dump`` (PostgreSQL, ``pg_dump --format=custom``) or ``casework.db`` (SQLite,
  its online backup): one consistent snapshot of the database.
- ``case_keys.json``: the ``case_key`` table again, erasures (tombstones) included,
  written after the snapshot. ``--keys-only`` writes it alone: run it once more after
  Temporal's own backup, so that it covers the cases opened while that ran (their
  histories are sealed with keys the snapshot may not have). Restore applies it over
  the snapshot: keys it has are added, erasures it records are kept.
- ``manifest.json``: when, which schema revision, and the ids of the master keys that
  wrap the case keys. The master keys themselves are never written here: kept apart
  (with the operator's secrets), a stolen backup holds no readable personal data.

Restore refuses to start unless ``MASTER_KEYS`` holds every key id the manifest names.
README "Backups" says in what order to take them and what is lost without each part.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url

from services.crypto.records import CaseKeyRecord
from services.db import make_engine, make_session_factory, transaction

DUMP = "casework.dump"
SQLITE_COPY = "casework.db"
KEYS = "case_keys.json"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why."""


def backup(database_url: str, folder: Path, *, keys_only: bool = False) -> dict[str, Any]:
    """Write the backup into ``folder`` (made if missing); returns the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url)
    try:
        if not keys_only:
            if engine.dialect.name == "postgresql":
                _pg("pg_dump", database_url, "--format=custom", f"--file={folder / DUMP}")
            else:
                _sqlite_copy(_sqlite_file(database_url), folder / SQLITE_COPY)
        keys = _export_keys(engine)
        (folder / KEYS).write_text(json.dumps(keys, indent=1))
        manifest = {
            "taken_at": datetime.now(UTC).isoformat(),
            "database": engine.dialect.name,
            "revision": _revision(engine),
            "master_key_ids": sorted({k["master_key_id"] for k in keys if k["master_key_id"]}),
            "case_keys": len(keys),
        }
        if keys_only and (folder / MANIFEST).exists():
            manifest = {**json.loads((folder / MANIFEST).read_text()), **manifest}
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))
        return manifest
    finally:
        engine.dispose()


def restore(database_url: str, folder: Path, master_key_ids: set[str]) -> dict[str, Any]:
    """Put the backup in ``folder`` back into the database of ``database_url``, replacing
    what is there; refuses (changing nothing) if the master ring lacks a key it needs."""
    manifest = json.loads((folder / MANIFEST).read_text())
    missing = set(manifest["master_key_ids"]) - master_key_ids
    if missing:
        raise BackupError(f"MASTER_KEYS lacks key(s) {sorted(missing)} that wrap the case keys")
    engine = make_engine(database_url)
    try:
        if engine.dialect.name != manifest["database"]:
            raise BackupError(f"the backup is of {manifest['database']}, not {engine.dialect.name}")
        engine.dispose()  # nothing of ours holds the database while it is replaced
        if manifest["database"] == "postgresql":
            _pg("pg_restore", database_url, "--clean", "--if-exists", "--no-owner",
                "--no-privileges", "--single-transaction",
                f"--dbname={make_url(database_url).database}", str(folder / DUMP))  # fmt: skip
        else:
            _sqlite_copy(folder / SQLITE_COPY, _sqlite_file(database_url))
        _apply_keys(engine, json.loads((folder / KEYS).read_text()))
    finally:
        engine.dispose()
    return manifest


def _export_keys(engine: Engine) -> list[dict[str, Any]]:
    with make_session_factory(engine)() as session:
        rows = session.scalars(select(CaseKeyRecord).order_by(CaseKeyRecord.case_id))
        return [
            {
                "case_id": row.case_id,
                "master_key_id": row.master_key_id,
                "wrapped_key": row.wrapped_key,
                "created_at": row.created_at.isoformat(),
                "destroyed_at": row.destroyed_at.isoformat() if row.destroyed_at else None,
            }
            for row in rows
        ]


def _apply_keys(engine: Engine, keys: list[dict[str, Any]]) -> None:
    """Keys the snapshot lacks are added; an erasure recorded in either stays an erasure."""
    with transaction(make_session_factory(engine)) as session:
        for key in keys:
            row = session.get(CaseKeyRecord, key["case_id"])
            if row is None:
                session.add(
                    CaseKeyRecord(
                        case_id=key["case_id"],
                        master_key_id=key["master_key_id"],
                        wrapped_key=key["wrapped_key"],
                        created_at=datetime.fromisoformat(key["created_at"]),
                        destroyed_at=_moment(key["destroyed_at"]),
                    )
                )
            elif key["destroyed_at"] and row.destroyed_at is None:
                row.wrapped_key = row.master_key_id = None
                row.destroyed_at = datetime.fromisoformat(key["destroyed_at"])


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _pg(tool: str, database_url: str, *arguments: str) -> None:
    """Run pg_dump or pg_restore on the database of the URL (its password passed in the
    environment, never on the command line, where other users of the machine see it)."""
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} not found: install PostgreSQL's client tools")
    url = make_url(database_url)
    env = {
        **os.environ,
        "PGHOST": url.host or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "",
        "PGDATABASE": url.database or "",
        **({"PGPASSWORD": url.password} if url.password else {}),
    }
    done = subprocess.run([tool, *arguments], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-2000:]}")


def _sqlite_file(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database:
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while others write."""
    if not source.exists():
        raise BackupError(f"no database file {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
