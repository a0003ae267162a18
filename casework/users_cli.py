"""``casework users``: accounts of the people who sign in to the API."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from services.kernel.actors import Role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from casework.settings import Settings
    from services.users.account_log import ChangedBy

app = typer.Typer(help="Accounts of the people who sign in.", no_args_is_help=True)
MIN_PASSWORD = 8


def _password(value: str) -> str:
    if not MIN_PASSWORD <= len(value) <= 200:
        raise typer.BadParameter(f"a password has {MIN_PASSWORD} to 200 characters")
    return value


Password = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        callback=_password,
        help="Prompted for (not echoed) when not given",
    ),
]
Username = Annotated[str, typer.Argument(help="Sign-in name, e.g. wang.fang")]


@app.command("add")
def add(
    username: Username,
    role: Annotated[Role, typer.Option(help="staff, lawyer, supervisor, head or admin")],
    password: Password,
    centre: Annotated[
        str | None, typer.Option(help="Defaults to this deployment's CENTRE_ID")
    ] = None,
) -> None:
    """Add a user with a role at a centre; they choose their own password at first sign-in."""
    from services.users import changes
    from services.users.model import User

    settings = _settings()
    try:
        user = User(username=username, role=role, centre=centre or settings.centre_id)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    with _session(settings.database_url) as session:
        changes.add_account(
            session=session, by=operator(), user=user, password=password, now=_now()
        )
    typer.echo(
        f"added {user.username} ({user.role}, {user.centre}); a new password at first sign-in"
    )


@app.command("disable")
def disable(username: Username) -> None:
    """Disable a user: they cannot sign in, and their tokens stop working."""
    from services.users import changes

    with _session(_settings().database_url) as session:
        changes.disable_account(session=session, by=operator(), username=username, now=_now())
    typer.echo(f"disabled {username}")


@app.command("reset-password")
def reset_password(username: Username, password: Password) -> None:
    """Set a new password (and enable the user again), to be changed at their next
    sign-in; earlier tokens stop working."""
    from services.users import changes

    with _session(_settings().database_url) as session:
        changes.reset_account_password(
            session=session, by=operator(), username=username, password=password, now=_now()
        )
    typer.echo(f"new password set for {username}; they choose their own at next sign-in")


@app.command("set-role")
def set_role(
    username: Username,
    role: Annotated[Role, typer.Option(help="staff, lawyer, supervisor, head or admin")],
) -> None:
    """Give a user another role; earlier tokens stop working."""
    from services.users import changes

    if role is Role.SYSTEM:
        raise typer.BadParameter("a user's role is staff, lawyer, supervisor, head or admin")
    with _session(_settings().database_url) as session:
        changes.change_account_role(
            session=session, by=operator(), username=username, role=role, now=_now()
        )
    typer.echo(f"{username} is now {role}")


@app.command("remove-demo")
def remove_demo() -> None:
    """Remove the demo users that `casework dev` made (password "demo"): `casework api`
    refuses to start while the database holds any."""
    from services.users import changes

    with _session(_settings().database_url) as session:
        removed = changes.remove_demo_accounts(session=session, by=operator(), now=_now())
    typer.echo(f"removed {len(removed)} demo user(s): {', '.join(removed) or '-'}")


def operator() -> ChangedBy:
    """The operator on the host, as the account log names them: cli:<login>."""
    from services.users.account_log import OPERATOR, ChangedBy

    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        login = f"uid-{os.getuid()}"
    return ChangedBy(name=f"cli:{login}"[:100], role=OPERATOR)


def _now() -> datetime:
    return datetime.now(UTC)


def _settings() -> Settings:
    from casework.cli import _start

    return _start()


@contextmanager
def _session(database_url: str) -> Iterator[Session]:
    """One transaction; a refused change (no such user, name taken) exits 1 saying why."""
    from services.db import make_engine, make_session_factory, transaction
    from services.kernel.errors import DomainError

    engine = make_engine(database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            yield session
    except DomainError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
