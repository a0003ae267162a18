"""People's contact details, sealed at rest under a subkey of the master ring.

A user's email, phone, webhook and preferred channel are one sealed value in their
``users`` row, bound to that row by associated data (a value copied to another user's
row does not open). Staff accounts are not cases: they have no case key to destroy, and
an account removed takes its contact with it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.crypto.cipher import KeyRing
from services.crypto.vault import current_vault
from services.notify.model import Contact
from services.users.errors import UnknownUser
from services.users.records import UserRecord

CONTACT_PURPOSE = "casework/user-contact"
_rings: dict[int, tuple[KeyRing, KeyRing]] = {}


def _ring() -> KeyRing:
    master = current_vault().master
    cached = _rings.get(id(master))
    if cached is None or cached[0] is not master:
        cached = _rings[id(master)] = (master, master.derive(CONTACT_PURPOSE))
    return cached[1]


def _ad(username: str) -> str:
    return f"users.contact/{username}"


def seal_contact(username: str, contact: Contact) -> str:
    return _ring().seal_text(contact.model_dump_json(exclude_none=True), _ad(username))


def open_contact(username: str, sealed: str | None) -> Contact:
    if sealed is None:
        return Contact()
    return Contact.model_validate_json(_ring().open_text(sealed, _ad(username)))


def set_contact(*, session: Session, username: str, contact: Contact) -> Contact:
    row = session.get(UserRecord, username)
    if row is None:
        raise UnknownUser(f"no user {username}", field="username")
    row.contact = seal_contact(username, contact)
    session.flush()
    return contact


def contact_of(*, session: Session, username: str) -> Contact | None:
    """The person's contact, or None if there is no such user."""
    row = session.get(UserRecord, username)
    return None if row is None else open_contact(username, row.contact)
