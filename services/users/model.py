"""Accounts as the rest of the code sees them (never with their password hash)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema

from services.kernel.actors import Role
from services.kernel.values import Frozen, text_type

Username = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9._@-]{1,100}$")
]
Centre = Annotated[str, text_type(100)]
Password = Annotated[str, Field(min_length=1, max_length=200)]
PEOPLE = (Role.STAFF, Role.LAWYER, Role.SUPERVISOR, Role.HEAD, Role.ADMIN)


def _a_person(role: Role) -> Role:
    if role not in PEOPLE:
        raise ValueError(f"a user's role is one of {', '.join(PEOPLE)}")
    return role


PersonRole = Annotated[
    Role,
    AfterValidator(_a_person),
    WithJsonSchema({"type": "string", "enum": [role.value for role in PEOPLE]}),
]
"""A role a person can hold (``system`` is the engine's own, ``department`` a link's),
and the schema says so: a client reads the roles it may give from it."""


class User(Frozen):
    username: Username
    role: PersonRole
    centre: Centre
    disabled: bool = False
    token_version: int = Field(default=0, exclude=True)
    language: str | None = Field(default=None, exclude=True)  # the console's, once chosen
    must_change_password: bool = Field(default=False, exclude=True)
    demo: bool = Field(default=False, exclude=True)
    last_signed_in_at: datetime | None = Field(default=None, exclude=True)
