"""``casework users``: accounts of the people who sign in to the API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from services.kernel.actors import Role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from casework.settings import Settings

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
    role: Annotated[Role, typer.Option(help="staff, lawyer, supervisor or admin")],
    password: Password,
    centre: Annotated[
        str | None, typer.Option(help="Defaults to this deployment's CENTRE_ID")
    ] = None,
) -> None:
    """Add a user with a role at a centre."""
    from services.users import accounts
    from services.users.model import User

    settings = _settings()
    try:
        user = User(username=username, role=role, centre=centre or settings.centre_id)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    with _session(settings.database_url) as session:
        accounts.add_user(session=session, user=user, password=password)
    typer.echo(f"added {user.username} ({user.role}, {user.centre})")


@app.command("disable")
def disable(username: Username) -> None:
    """Disable a user: they cannot sign in, and their tokens stop working."""
    from services.users import accounts

    with _session(_settings().database_url) as session:
        accounts.disable_user(session=session, username=username)
    typer.echo(f"disabled {username}")


@app.command("reset-password")
def reset_password(username: Username, password: Password) -> None:
    """Set a new password (and enable the user again); earlier tokens stop working."""
    from services.users import accounts

    with _session(_settings().database_url) as session:
        accounts.reset_password(session=session, username=username, password=password)
    typer.echo(f"new password set for {username}")


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
