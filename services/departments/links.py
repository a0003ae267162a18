"""The department's link: a signed token that grants one referral's answer page and
nothing else.

It names the case, the matter, the department and the referral (the ``matter_referred``
event), is signed for that one purpose (HMAC through itsdangerous, with a subkey of the
master ring that serves nothing else), and expires. Every way a token can be wrong
(altered, expired, for another purpose, signed with a key the ring no longer holds) is
the same refusal, so a caller learns nothing from trying.
"""

from __future__ import annotations

from datetime import timedelta

from itsdangerous import BadData, URLSafeTimedSerializer

from services.crypto.vault import current_vault
from services.kernel.errors import NotFound
from services.kernel.values import Frozen

LINK_PURPOSE = "casework/department-answer-link"
DEFAULT_LIFETIME = timedelta(days=30)


class LinkRefused(NotFound):
    code = "link_not_valid"


class LinkGrant(Frozen):
    """What a valid link grants: one referral of one matter, to one department."""

    case_id: str
    matter_id: str
    department: str
    seq: int


def _serializer() -> URLSafeTimedSerializer:
    ring = current_vault().master.derive(LINK_PURPOSE)
    # Every key of the ring verifies (the last one signs): links outlive a rotation.
    keys = [key for key_id, key in ring.keys.items() if key_id != ring.current]
    return URLSafeTimedSerializer([*keys, ring.keys[ring.current]], salt=LINK_PURPOSE)


def issue_link(grant: LinkGrant) -> str:
    return str(_serializer().dumps([grant.case_id, grant.matter_id, grant.department, grant.seq]))


def read_link(token: str, *, lifetime: timedelta = DEFAULT_LIFETIME) -> LinkGrant:
    """The grant of a valid, unexpired link; LinkRefused otherwise."""
    try:
        case_id, matter_id, department, seq = _serializer().loads(
            token, max_age=int(lifetime.total_seconds())
        )
        return LinkGrant(case_id=case_id, matter_id=matter_id, department=department, seq=seq)
    except (BadData, ValueError, TypeError):
        raise LinkRefused("this link is not valid (or no longer)", field="token") from None
