"""`casework users` manages accounts; `casework api` will not start without a token key."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from services.users import accounts

CASEWORK = str(Path(sys.executable).parent / "casework")


def _casework(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "CENTRE_ID": "east", "LOG_FORMAT": "json"}
    env.pop("AUTH_TOKEN_SECRET", None)
    return subprocess.run(
        [CASEWORK, *args], input=stdin, env=env, capture_output=True, text=True, timeout=60
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
    with session_factory() as session:
        old = accounts.authenticate(session=session, username=name, password="secret-1")
        new = accounts.authenticate(session=session, username=name, password="secret-3")

    assert added.returncode == 0, added.stderr
    assert f"added {name} (lawyer, east)" in added.stdout
    assert again.returncode == 1 and "exists already" in again.stderr
    assert signed_in is not None and (signed_in.role, signed_in.centre) == ("lawyer", "east")
    assert disabled.returncode == 0 and after_disable is None
    assert reset.returncode == 0 and old is None
    assert new is not None and not new.disabled


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


def test_casework_api_refuses_to_start_without_a_token_key(database_url: str) -> None:
    result = _casework(database_url, "api")

    assert result.returncode != 0
    assert "AUTH_TOKEN_SECRET must be set" in result.stderr
