"""The timeline audit view as a page shows it: the hash chain's verdict in words, and what
changed in a case between two moments (its case file then and then, field by field)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.console.labels import N_
from services.cases.audit import Verification
from services.cases.model import CaseFile

# The chain's problems (services/cases/audit.py: verify_case), by how each begins.
BREAKS: tuple[tuple[str, str], ...] = (
    ("sequence jumps", N_("An event is missing before it: the sequence jumps.")),
    ("does not link", N_("It does not link to the event before it.")),
    ("content does not match", N_("Its content does not match its hash: it was altered.")),
    ("differs from the signed checkpoint", N_("It differs from the signed checkpoint.")),
    ("the timeline ends", N_("The timeline ends early: events were removed.")),
)
UNKNOWN_BREAK = N_("The chain does not hold here.")
CHANGES_SHOWN = 200


def break_message(verification: Verification) -> str | None:
    if verification.ok or verification.problem is None:
        return None
    said = verification.problem
    return next((text for start, text in BREAKS if said.startswith(start)), UNKNOWN_BREAK)


@dataclass(frozen=True)
class Change:
    path: str  # where in the case file: ``stage``, ``referrals[R4].status``
    field: str  # its last name, for its label
    before: Any  # None where it had no value (the page shows each as the case page does)
    after: Any


def changes(before: CaseFile | None, after: CaseFile | None) -> list[Change]:
    """Every value of the case file that differs between two of its states, in order."""
    old = _flat(before.model_dump() if before else {})
    new = _flat(after.model_dump() if after else {})
    found = []
    for path in dict.fromkeys([*old, *new]):
        was, now = old.get(path), new.get(path)
        if was != now and not (_empty(was) and _empty(now)):
            field = path.rsplit(".", 1)[-1].split("[", 1)[0]
            found.append(
                Change(path, field, None if _empty(was) else was, None if _empty(now) else now)
            )
    return found[:CHANGES_SHOWN]


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == ""


def _flat(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out |= _flat(inner, f"{path}.{key}" if path else str(key))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for index, inner in enumerate(value):
            out |= _flat(inner, f"{path}[{inner.get('id', index)}]")
        return out
    return {path: value}
