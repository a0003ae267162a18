"""Finding cases by the claimant's name (its characters, pinyin or initials) and by the
summary, while both stay sealed: each is cut into short pieces (of one to three
characters, the pinyin into threes, the initials into their starts), and each piece is
kept only as a keyed hash, a search term (``case_search_term``). Erasure deletes a case's
terms with the rest of its personal data.

A text of up to three characters is found by its own term; a longer one by all of its
three-character pieces, which nearly always means it is there as typed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    Select,
    SQLColumnExpression,
    String,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.cases.names import name_initials, name_key
from services.db import Base

GRAM = 3
TERM_CHARS = 16
MIN_NAME_KEY = 3  # a pinyin key of a letter or two (from "R7", say) matches nearly anyone
MAX_INITIALS = 10
INITIALS = re.compile(r"[A-Za-z]{2,10}")
_PURPOSE = b"casework/case-search-terms"
# What a term says a piece comes from: the name, its pinyin, its initials, the summary.
NAME, PINYIN, INITIAL, SUMMARY = "n", "p", "i", "s"


class CaseSearchTermRecord(Base):
    """One keyed hash of a piece of a case's name or summary."""

    __tablename__ = "case_search_term"

    term: Mapped[str] = mapped_column(String(TERM_CHARS), primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_case_search_term_case_id", "case_id"),)


def search_key(identity_key: bytes) -> bytes:
    """The key of the search terms, derived from the identity hash key (never stored)."""
    return hmac.new(identity_key, _PURPOSE, hashlib.sha256).digest()


def case_terms(key: bytes, name: str, summary: str | None) -> set[str]:
    """Every term a case with this name and summary is found by."""
    pinyin, initials = name_key(name), name_initials(name)[:MAX_INITIALS]
    pieces = {
        *((NAME, piece) for piece in _pieces(_normal(name))),
        *((SUMMARY, piece) for piece in _pieces(_normal(summary or ""))),
        *((PINYIN, piece) for piece in _grams(pinyin, GRAM)),
        *((INITIAL, initials[:n]) for n in range(2, len(initials) + 1)),
    }
    return {_term(key, kind, piece) for kind, piece in pieces}


def text_matches(key: bytes, text: str, case_id: SQLColumnExpression[str]) -> ColumnElement[bool]:
    """The condition that the case ``case_id`` is found by ``text``: its name or summary
    holds it, or its name's pinyin holds the text's, or its initials begin with it."""
    wanted = [_wanted(key, NAME, _normal(text)), _wanted(key, SUMMARY, _normal(text))]
    pinyin = name_key(text)
    if len(pinyin) >= MIN_NAME_KEY:
        wanted.append(_wanted(key, PINYIN, pinyin))
    if INITIALS.fullmatch(text):
        wanted.append([_term(key, INITIAL, text.lower())])
    return or_(*(case_id.in_(_cases_with(terms)) for terms in wanted if terms))


def _cases_with(terms: list[str]) -> Select[str]:
    query = select(CaseSearchTermRecord.case_id).where(CaseSearchTermRecord.term.in_(terms))
    if len(terms) == 1:
        return query
    # (term, case) is the key: a case holding every term appears once per term.
    return query.group_by(CaseSearchTermRecord.case_id).having(func.count() == len(terms))


def _wanted(key: bytes, kind: str, text: str) -> list[str]:
    pieces = [text] if len(text) <= GRAM else sorted(_grams(text, GRAM))
    return [_term(key, kind, piece) for piece in pieces if piece]


def _normal(text: str) -> str:
    """As searches compare: compatibility forms folded, case ignored, spaces single."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _pieces(text: str) -> set[str]:
    return {piece for size in range(1, GRAM + 1) for piece in _grams(text, size)}


def _grams(text: str, size: int) -> set[str]:
    if len(text) < size:
        return {text} if text and size == GRAM else set()
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def _term(key: bytes, kind: str, piece: str) -> str:
    digest = hmac.new(key, f"{kind}\x00{piece}".encode(), hashlib.sha256).hexdigest()
    return digest[:TERM_CHARS]
