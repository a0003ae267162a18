"""Matching people across cases: pinyin keys of names and keyed hashes of identifiers."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date
from difflib import SequenceMatcher
from typing import NamedTuple, Protocol

from pypinyin import Style, lazy_pinyin

NEAR_NAME_RATIO = 0.8


def name_key(name: str) -> str:
    """Lower-case latin letters only: 李伟, "Li Wei" and "LI  wei" all give ``liwei``."""
    latin = "".join(lazy_pinyin(unicodedata.normalize("NFKC", name)))
    decomposed = unicodedata.normalize("NFKD", latin)
    return re.sub(r"[^a-z]", "", decomposed.encode("ascii", "ignore").decode().lower())


def name_initials(name: str) -> str:
    """The first letter of each syllable (of each word in latin script), as people type a
    name quickly: 王建国 gives ``wjg``, "Li Wei" ``lw``."""
    parts = lazy_pinyin(unicodedata.normalize("NFKC", name), style=Style.FIRST_LETTER)
    words = [word for part in parts for word in re.split(r"[^A-Za-z]+", part) if word]
    return "".join(word[0] for word in words).lower()[:40]


def names_match(a: str, b: str) -> bool:
    """Same or near-identical in pinyin (a typo, a swapped tone character, a missing space)."""
    if not a or not b:
        return False
    return a == b or SequenceMatcher(None, a, b).ratio() >= NEAR_NAME_RATIO


def identifier_hash(key: bytes, value: str) -> str:
    """Keyed hash for exact lookups without storing the identifier itself."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


class _HasPersonKeys(Protocol):
    @property
    def name_key(self) -> str: ...
    @property
    def birth_date(self) -> date | None: ...
    @property
    def national_id_hash(self) -> str | None: ...
    @property
    def phone_hash(self) -> str | None: ...


class PersonKeys(NamedTuple):
    """What is kept readable of a person to find them again (a case's claimant, a person
    of the register): the pinyin key of the name, the birth date, keyed hashes."""

    name_key: str
    birth_date: date | None
    national_id_hash: str | None
    phone_hash: str | None


def same_person(wanted: _HasPersonKeys, other: _HasPersonKeys) -> list[str]:
    """Why ``other`` seems to be the person ``wanted`` (nothing: it does not): the same ID
    number, or a same or near-identical name in pinyin with the same birth date or phone."""
    reasons = []
    if wanted.national_id_hash and other.national_id_hash == wanted.national_id_hash:
        reasons.append("national_id")
    if names_match(wanted.name_key, other.name_key):
        if wanted.birth_date and other.birth_date == wanted.birth_date:
            reasons.append("name_and_birth_date")
        if wanted.phone_hash and other.phone_hash == wanted.phone_hash:
            reasons.append("name_and_phone")
    return reasons
