"""Short-lived signed bearer tokens (JWT, HS256) naming the user and their token version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from services.users.model import User

ALGORITHM = "HS256"
ISSUER = "casework"


def issue_token(user: User, *, secret: bytes, minutes: int, now: datetime | None = None) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "sub": user.username,
        "ver": user.token_version,
        "iat": issued,
        "exp": issued + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(token: str, *, secret: bytes) -> tuple[str, int] | None:
    """(username, token version) of a valid, unexpired token of ours; None otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.PyJWTError:
        return None
    subject, version = claims.get("sub"), claims.get("ver", 0)
    if not isinstance(subject, str) or not isinstance(version, int):
        return None
    return subject, version
