"""Validation of PRC resident ID numbers and phone numbers."""

from __future__ import annotations

import re
from datetime import date
from typing import Protocol

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
# ASCII digits only, the whole value (\d would take any script's digits)
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")


def normalize_national_id(value: str) -> str:
    """Return the canonical form of an 18-character resident ID, or raise ValueError."""
    candidate = value.strip().upper()
    if not _ID_SHAPE.fullmatch(candidate):
        raise ValueError("must be 18 characters: 17 digits and a check digit (0-9 or X)")
    try:
        date(int(candidate[6:10]), int(candidate[10:12]), int(candidate[12:14]))
    except ValueError:
        raise ValueError("birth date inside the ID number is not a real date") from None
    total = sum(int(digit) * weight for digit, weight in zip(candidate, _ID_WEIGHTS, strict=False))
    if _ID_CHECK_CHARS[total % 11] != candidate[17]:
        raise ValueError("check digit does not match")
    return candidate


def birth_date_of(national_id: str) -> date:
    return date(int(national_id[6:10]), int(national_id[10:12]), int(national_id[12:14]))


def normalize_phone(value: str) -> str:
    """Return a mainland mobile or landline number without spaces, or raise ValueError."""
    candidate = re.sub(r"[\s()]", "", value)
    if candidate.startswith("+86"):
        candidate = candidate[3:]
    if _MOBILE.fullmatch(candidate) or _LANDLINE.fullmatch(candidate):
        return candidate
    raise ValueError("must be a mainland mobile (11 digits, 1[3-9]…) or a landline (0…)")


class _HasBirth(Protocol):
    @property
    def national_id(self) -> str | None: ...
    @property
    def birth_date(self) -> date | None: ...


def claimant_birth_date(claimant: _HasBirth) -> date | None:
    if claimant.birth_date:
        return claimant.birth_date
    return birth_date_of(claimant.national_id) if claimant.national_id else None
