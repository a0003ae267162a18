"""`casework users` manages accounts; `casework api` will not start without a token key."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from casework.crypto import with_identity_key
from casework.dev import ensure_demo_users
from casework.settings import Settings
from services.db import make_engine, make_session_factory
from services.migrate import upgrade_database
from services.users import account_log, accounts
from tests.conftest import TEST_MASTER_KEY_RING

CASEWORK = str(Path(sys.executable).parent / "casework")


def _casework(
    database_url: str,
    *args: str,
    stdin: str = "",
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CENTRE_ID": "east",
        "LOG_FORMAT": "json",
    }
    for name in ("AUTH_TOKEN_SECRET", "MASTER_KEYS", "IDENTITY_HASH_KEY"):
        environment.pop(name, None)
    return subprocess.run(
        [CASEWORK, *args],
        input=stdin,
        env={**environment, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_users_are_added_disabled_and_given_a_new_password_from_the_command_line(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    name = f"cli-{uuid.uuid4().hex[:8]}"

    added = _casework(
        database_url, "users", "add", name, "--role", "lawyer", stdin="secret-1\nsecret-1\n"
    )
    again = _casework(
        database_url, "users", "add", name, "--role", "staff", stdin="secret-2\nsecret-2\n"
    )
    with session_factory() as session:
        signed_in = accounts.authenticate(session=session, username=name, password="secret-1")
    disabled = _casework(database_url, "users", "disable", name)
    with session_factory() as session:
        after_disable = accounts.authenticate(session=session, username=name, password="secret-1")
    reset = _casework(database_url, "users", "reset-password", name, stdin="secret-3\nsecret-3\n")
    promoted = _casework(database_url, "users", "set-role", name, "--role", "supervisor")
    with session_factory() as session:
        old = accounts.authenticate(session=session, username=name, password="secret-1")
        new = accounts.authenticate(session=session, username=name, password="secret-3")
        log = account_log.entries(session=session, centre="east", limit=500)

    assert added.returncode == 0, added.stderr
    assert f"added {name} (lawyer, east)" in added.stdout
    assert again.returncode == 1 and "not available" in again.stderr
    assert signed_in is not None and (signed_in.role, signed_in.centre) == ("lawyer", "east")
    assert signed_in.must_change_password, "a password the operator chose must be changed"
    assert disabled.returncode == 0 and after_disable is None
    assert reset.returncode == 0 and old is None
    assert promoted.returncode == 0, promoted.stderr
    assert new is not None and not new.disabled and new.must_change_password
    assert new.role == "supervisor", "the operator's changes need no second admin"
    mine = [(e.action, e.role) for e in reversed(log) if e.username == name]
    assert mine == [
        ("added", "lawyer"),
        ("disabled", "lawyer"),
        ("password_reset", "lawyer"),
        ("role_changed", "supervisor"),
    ]
    assert {(e.actor_role, e.actor.startswith("cli:")) for e in log if e.username == name} == {
        ("operator", True)
    }


def test_a_short_password_or_an_unknown_user_is_refused(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    name = f"cli-{uuid.uuid4().hex[:8]}"
    short = _casework(database_url, "users", "add", name, "--role", "staff", stdin="short\nshort\n")
    unknown = _casework(database_url, "users", "disable", f"ghost-{uuid.uuid4().hex[:8]}")

    assert short.returncode != 0 and "invalid" in short.stdout
    with session_factory() as session:
        assert accounts.get_user(session=session, username=name) is None
    assert unknown.returncode == 1 and "no user" in unknown.stderr


# The refusals below come before any database is opened: one run, not one per database.
def test_casework_api_refuses_to_start_without_a_token_key(tmp_path: Path) -> None:
    result = _casework(f"sqlite:///{tmp_path / 'casework.db'}", "api", cwd=tmp_path)

    assert result.returncode != 0
    assert "AUTH_TOKEN_SECRET must be set" in result.stderr


@pytest.mark.parametrize("command", ["api", "worker"])
def test_production_processes_refuse_to_start_without_an_identity_hash_key(
    command: str, tmp_path: Path
) -> None:
    result = _casework(
        f"sqlite:///{tmp_path / 'casework.db'}",
        command,
        env={"AUTH_TOKEN_SECRET": "t" * 40, "MASTER_KEYS": TEST_MASTER_KEY_RING},
        cwd=tmp_path,
    )

    assert result.returncode != 0
    assert "IDENTITY_HASH_KEY must be set" in result.stderr
    assert not (tmp_path / "var").exists(), "it made a development key or ring on the way"


def test_other_commands_make_a_development_identity_key_once_and_keep_it(
    tmp_path: Path,
) -> None:
    settings = Settings(identity_key_file=tmp_path / "var" / "identity.key")

    first = with_identity_key(settings).identity_key()
    again = with_identity_key(settings).identity_key()
    configured = with_identity_key(
        settings.model_copy(update={"identity_hash_key": SecretStr("k")})
    )

    assert first == again and len(first) >= 32
    assert (tmp_path / "var" / "identity.key").stat().st_mode & 0o077 == 0
    assert configured.identity_key() == b"k"


def test_casework_api_refuses_to_start_while_demo_users_of_casework_dev_exist(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'casework.db'}"
    upgrade_database(url)
    made = ensure_demo_users(Settings(database_url=url, centre_id="east"))
    production = {
        "AUTH_TOKEN_SECRET": "t" * 40,
        "MASTER_KEYS": TEST_MASTER_KEY_RING,
        "IDENTITY_HASH_KEY": "k" * 32,
    }

    refused = _casework(url, "api", env=production, cwd=tmp_path)
    removed = _casework(url, "users", "remove-demo", cwd=tmp_path)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        left = accounts.demo_users(session=session)
        log = account_log.entries(session=session, centre="east")
    engine.dispose()

    assert sorted(made) == ["admin", "head", "lawyer", "staff", "supervisor"]
    assert refused.returncode != 0
    assert "demo users" in refused.stderr and "casework users remove-demo" in refused.stderr
    assert removed.returncode == 0, removed.stderr
    assert left == []
    assert sorted((e.action, e.username) for e in log) == sorted(
        [("added", name) for name in made] + [("removed", name) for name in made]
    )


def test_a_command_on_a_database_not_migrated_says_what_to_do_without_a_traceback(
    tmp_path: Path,
) -> None:
    empty = f"sqlite:///{tmp_path / 'new.db'}"

    added = _casework(
        empty,
        "users",
        "add",
        "wang.fang",
        "--role",
        "staff",
        stdin="secret-1\nsecret-1\n",
        cwd=tmp_path,
    )

    assert added.returncode == 1
    assert "not migrated" in added.stderr and "casework db upgrade" in added.stderr
    assert "no such table: users" in added.stderr
    assert "Traceback" not in added.stderr + added.stdout
