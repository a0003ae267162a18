"""Signed checkpoints anchor the timeline outside the database: a chain rewritten or cut
short after a checkpoint fails `casework audit verify`, naming the case, though it is
consistent in itself; a checkpoint file that was altered is refused (SQLite, PostgreSQL)."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from services.cases import audit
from services.cases.checkpoints import (
    Checkpoint,
    CheckpointInvalid,
    Head,
    latest_checkpoint,
    write_checkpoint,
)
from services.cases.projection import canonical_row
from services.cases.records import CaseEventRecord
from services.cases.timeline import chain_hash
from services.crypto.cipher import KeyRing, new_key
from services.db import make_session_factory
from tests.conftest import TEST_MASTER_KEY_RING, TEST_VAULT
from tests.test_audit import CASEWORK, _recorded_case, _verify_cli, unguarded


def _checkpoint_cli(database_url: str, directory: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MASTER_KEYS": TEST_MASTER_KEY_RING,
        "AUDIT_CHECKPOINT_DIR": str(directory),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [CASEWORK, "audit", "checkpoint"], env=env, capture_output=True, text=True, check=False
    )


def _checkpoint(engine: Engine, directory: Path) -> Checkpoint:
    with make_session_factory(engine)() as session:
        return write_checkpoint(session=session, directory=directory, ring=TEST_VAULT.checkpoints)


def _rechain(owner_engine: Engine, case_id: str) -> None:
    """Alter the case's second event and compute its chain again from there: every
    link holds, as it would for anyone who can write the database."""
    with unguarded(owner_engine) as connection:
        session = Session(bind=connection)
        rows = session.scalars(
            select(CaseEventRecord)
            .where(CaseEventRecord.case_id == case_id)
            .order_by(CaseEventRecord.seq)
        ).all()
        rows[1].actor = "someone-else"
        for before, row in itertools.pairwise(rows):
            row.prev_hash = before.hash
            row.hash = chain_hash(before.hash, canonical_row(row))
        session.flush()


def test_a_timeline_rewritten_after_a_checkpoint_fails_verification_naming_the_case(
    session_factory: sessionmaker[Session],
    owner_engine: Engine,
    database_url: str,
    tmp_path: Path,
) -> None:
    case_id = _recorded_case(session_factory)
    written = _checkpoint_cli(database_url, tmp_path)
    assert written.returncode == 0, written.stdout + written.stderr
    assert f"written to {tmp_path}" in written.stdout
    assert _verify_cli(database_url, case_id, tmp_path).returncode == 0

    _rechain(owner_engine, case_id)

    with session_factory() as session:
        assert audit.verify_case(session=session, case_id=case_id).ok  # the chain alone holds
    cli = _verify_cli(database_url, case_id, tmp_path)
    assert cli.returncode == 1, cli.stdout
    assert f"BROKEN  {case_id}  event 4: differs from the signed checkpoint" in cli.stdout


def test_a_timeline_cut_short_with_its_case_after_a_checkpoint_fails_verification(
    session_factory: sessionmaker[Session], owner_engine: Engine, engine: Engine, tmp_path: Path
) -> None:
    case_id = _recorded_case(session_factory)
    _checkpoint(engine, tmp_path)
    with unguarded(owner_engine) as connection:
        cut = "DELETE FROM case_event WHERE case_id = :case_id AND seq > 2"
        connection.execute(text(cut), {"case_id": case_id})
        connection.execute(text("UPDATE cases SET version = 2 WHERE id = :id"), {"id": case_id})

    checkpoint = latest_checkpoint(tmp_path, TEST_VAULT.checkpoints)
    assert checkpoint is not None
    with session_factory() as session:
        assert audit.verify_case(session=session, case_id=case_id).ok  # chain and version agree
        [result] = [
            r
            for r in audit.verify_all(session=session, anchors=checkpoint.heads)
            if r.case_id == case_id
        ]
    assert (result.ok, result.first_broken_seq) == (False, 3)
    assert "the timeline ends before event 4 of the signed checkpoint" in (result.problem or "")


def test_steps_recorded_after_a_checkpoint_verify(
    session_factory: sessionmaker[Session], engine: Engine, tmp_path: Path
) -> None:
    assert latest_checkpoint(tmp_path, TEST_VAULT.checkpoints) is None
    earlier = _recorded_case(session_factory)
    _checkpoint(engine, tmp_path)
    later = _recorded_case(session_factory)  # not in the checkpoint

    checkpoint = latest_checkpoint(tmp_path, TEST_VAULT.checkpoints)
    assert checkpoint is not None and checkpoint.heads[earlier].seq == 4
    with session_factory() as session:
        for case_id in (earlier, later):
            anchor = checkpoint.heads.get(case_id)
            assert audit.verify_case(session=session, case_id=case_id, anchor=anchor).ok
        # The anchor is checked at its own event, however far the case has moved on.
        wrong = Head(seq=2, hash=checkpoint.heads[earlier].hash)
        assert not audit.verify_case(session=session, case_id=earlier, anchor=wrong).ok


def test_an_altered_or_foreign_checkpoint_is_refused(
    session_factory: sessionmaker[Session], engine: Engine, database_url: str, tmp_path: Path
) -> None:
    case_id = _recorded_case(session_factory)
    path = _checkpoint(engine, tmp_path).path
    document = json.loads(path.read_text())
    document["heads"][case_id][1] = "0" * 64
    path.write_text(json.dumps(document))

    cli = _verify_cli(database_url, case_id, tmp_path)
    assert cli.returncode == 1
    assert "BROKEN  checkpoint" in cli.stdout and "signature does not hold" in cli.stdout

    foreign = KeyRing(keys={"x": new_key()}, current="x")
    with make_session_factory(engine)() as session:
        write_checkpoint(session=session, directory=tmp_path / "foreign", ring=foreign)
    with pytest.raises(CheckpointInvalid, match="signed with master key 'x', not in MASTER_KEYS"):
        latest_checkpoint(tmp_path / "foreign", TEST_VAULT.checkpoints)
