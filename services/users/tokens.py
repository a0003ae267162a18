"""Short-lived signed bearer tokens (JWT, HS256) naming the user, their token version and
centre, for one deployment (the audience): a token of another deployment, say a laptop's
`casework dev` that happens to share the signing key, is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import jwt

from services.users.model import User

ALGORITHM = "HS256"
ISSUER = "casework"


class TokenClaims(NamedTuple):
    username: str
    version: int
    centre: str


def issue_token(
    user: User, *, secret: bytes, minutes: int, audience: str, now: datetime | None = None
) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": audience,
        "sub": user.username,
        "ver": user.token_version,
        "centre": user.centre,
        "iat": issued,
        "exp": issued + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(token: str, *, secret: bytes, audience: str) -> TokenClaims | None:
    """The claims of a valid, unexpired token of ours for ``audience``; None otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            audience=audience,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
    except jwt.PyJWTError:
        return None
    subject, version, centre = claims.get("sub"), claims.get("ver"), claims.get("centre")
    if not (isinstance(subject, str) and isinstance(version, int) and isinstance(centre, str)):
        return None
    return TokenClaims(subject, version, centre)
