"""How kinds of help declare their report figures: which events count, split how, with
which amount; and the times to act measured between two events.

``services/reports/counting.py`` counts events by these declarations (for the tally and
the report's edges) and ``services/reports/case_ids.py`` finds the cases behind a figure
by the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass

# Split a figure by the claimant category of the case (``placements.veteran``, …).
CATEGORY = "category"


@dataclass(frozen=True)
class Figure:
    """Events of kind ``event`` counted as the figure ``name``."""

    name: str
    event: str
    # The payload field whose value the figure sums as its amount.
    amount: str | None = None
    # Only events whose payload has these values (``(("day", 30),)``).
    where: tuple[tuple[str, bool | int | str], ...] = ()
    # Also counted per value of this (CATEGORY, or a payload field): ``<name>.<value>``.
    by: str | None = None
    by_values: tuple[str, ...] = ()  # a payload field's values (CATEGORY knows its own)
    total: bool = True  # whether ``name`` itself is a figure, or only its split is


@dataclass(frozen=True)
class TimeToAct:
    """Hours from an event to the one that acts on it, reported as a median.

    With ``prefix`` the start makes an item (``<prefix><seq>``) and the first end on that
    item counts; without, the start is the case's and every end counts from it.
    """

    name: str
    start: str
    end: str
    prefix: str | None = None
