"""Median times to act from the tally, reading a bounded number of keys.

A time to act is binned to two significant figures (``counting.binned_hours``), so a
measure has one bin per distinct duration seen: a few hundred in a large caseload, each
read once per month, day and hour of the period. The tally therefore keeps each time at
three resolutions: its decade (1, 10, 100 … hundredths of an hour) with the other
figures, its leading digit within the decade, and its bin. A median reads the decades,
then the leading digits of the decade that holds the middle (at most 9), then the bins
of that leading digit (at most 10): what it reads is bounded whatever the caseload, and
the median is the one the bins give.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select, union_all
from sqlalchemy.orm import Session

from services.reports.counting import TIME_FIGURES, Counted, Key
from services.reports.records import ReportTallyRecord, TallyReads

T = ReportTallyRecord
DECADE, LEAD, BIN = "decade", "lead", "bin"
FINER = {DECADE: LEAD, LEAD: BIN}


def decade_of(hours_x100: int) -> int:
    return 10 ** (len(str(hours_x100)) - 1) if hours_x100 > 0 else 0


def at_level(level: str, hours_x100: int) -> int:
    """The value standing for ``hours_x100`` at ``level``: the lowest of its range."""
    decade = decade_of(hours_x100)
    if level == DECADE:
        return decade
    if level == LEAD and decade:
        return hours_x100 // decade * decade
    return hours_x100


def within(level: str, value: int) -> tuple[int, int]:
    """The range [low, high) of hours the ``level`` value covers; the values of the next
    finer level that fall in it are its parts."""
    decade = decade_of(value)
    if not decade:
        return 0, 1
    return value, value + (9 * decade if level == DECADE else decade if level == LEAD else 1)


def stored_span(span: str, level: str) -> str:
    """Decades are kept in the span's own rows, read with every figure; finer levels in
    rows of their own, read only for the part that holds a median."""
    return span if level == DECADE else f"{span}.{level}"


def kept(span: str, key: Key) -> Iterator[tuple[str, Key]]:
    """The tally rows (stored span, key) that one count of ``key`` in ``span`` adds to."""
    if key.figure not in TIME_FIGURES:
        yield span, key
        return
    for level in (DECADE, LEAD, BIN):
        yield stored_span(span, level), Key(key.figure, hours_x100=at_level(level, key.hours_x100))


def coarsest(key: Key) -> Key:
    """The key a count is read under with the other figures (a time: its decade)."""
    return next(kept("", key))[1]


@dataclass(frozen=True)
class Median:
    measured: int
    hours: float | None


def medians(
    session: Session,
    tallied: Sequence[tuple[str, datetime, datetime]],
    centre: str | None,
    decades: dict[Key, int],
    raw: Sequence[Counted],
    reads: TallyReads | None = None,
) -> dict[str, Median]:
    """The median of each time figure: ``decades`` are its counts per decade over the
    period (tally and edges), ``raw`` the edges' own counts, ``tallied`` the tally's
    pieces of the period, from which the finer levels are read as far as needed."""
    histograms: dict[str, dict[int, int]] = defaultdict(dict)
    for key, count in decades.items():
        if key.figure in TIME_FIGURES and count:
            histograms[key.figure][key.hours_x100] = count
    # Per figure, the ranks in the middle, each with the part of the level holding it.
    targets: dict[str, list[tuple[int, int]]] = {}
    measured: dict[str, int] = {}
    for figure in TIME_FIGURES:
        measured[figure] = total = sum(histograms[figure].values())
        middle = ((total - 1) // 2, total // 2) if total else ()
        targets[figure] = [_locate(histograms[figure], rank) for rank in middle]
    level = DECADE
    while level in FINER:
        finer = FINER[level]
        wanted = {
            (figure, *within(level, value))
            for figure, found in targets.items()
            for value, _ in found
        }
        # Read after the decades, in a statement of its own: a projection committing in
        # between only adds counts, so each rank is still found, in the newer tally.
        counts = _read_level(session, tallied, centre, finer, sorted(wanted), reads)
        for item in raw:
            if item.key.figure in TIME_FIGURES:
                value = at_level(finer, item.key.hours_x100)
                counts[(item.key.figure, value)] += item.count
        for figure, found in targets.items():
            targets[figure] = [
                _locate(_parts(counts, figure, within(level, value)), rank) for value, rank in found
            ]
        level = finer
    # Hundredths of an hour, two middle values (the same one twice for an odd count).
    return {
        figure: Median(
            measured[figure], round(sum(value for value, _ in found) / 200, 2) if found else None
        )
        for figure, found in targets.items()
    }


def _locate(histogram: dict[int, int], rank: int) -> tuple[int, int]:
    """The value holding the ``rank``-th count (from 0) and the rank within it."""
    seen = 0
    for value in sorted(histogram):
        if rank < seen + histogram[value]:
            return value, rank - seen
        seen += histogram[value]
    raise ValueError(f"rank {rank} beyond {seen} counts")


def _parts(
    counts: dict[tuple[str, int], int], figure: str, bounds: tuple[int, int]
) -> dict[int, int]:
    low, high = bounds
    return {
        value: count
        for (name, value), count in counts.items()
        if name == figure and low <= value < high and count
    }


def buckets(span: str, start: datetime, end: datetime) -> Iterator[datetime]:
    """The starts of the buckets of ``span`` in [start, end) (``start`` on a boundary)."""
    at = start
    while at < end:
        yield at
        if span == "month":
            at = (at + timedelta(days=32)).replace(day=1)
        else:
            at += timedelta(days=1) if span == "day" else timedelta(hours=1)


def _read_level(
    session: Session,
    tallied: Sequence[tuple[str, datetime, datetime]],
    centre: str | None,
    level: str,
    wanted: Sequence[tuple[str, int, int]],
    reads: TallyReads | None,
) -> dict[tuple[str, int], int]:
    """The tally's counts at ``level`` of each (figure, low, high) range, over the pieces."""
    counts: dict[tuple[str, int], int] = defaultdict(int)
    starts: dict[str, list[datetime]] = defaultdict(list)  # both edges' days in one list
    for span, start, end in tallied:
        starts[span] += buckets(span, start, end)
    if not starts or not wanted:
        return counts
    params: dict[str, Any] = {"centre": centre}
    for i, (span, at) in enumerate(starts.items()):
        params |= {f"span_{i}": stored_span(span, level), f"at_{i}": at}
    for j, (figure, low, high) in enumerate(wanted):
        params |= {f"figure_{j}": figure, f"low_{j}": low, f"high_{j}": high}
    query = _level_query(len(starts), len(wanted), centre is not None)
    for figure, hours, count, summed in session.execute(query, params):
        counts[(figure, hours)] += int(count)
        if reads is not None:
            reads.keys += 1
            reads.rows += int(summed)
    return counts


@lru_cache(maxsize=64)
def _level_query(spans: int, ranges: int, of_centre: bool) -> Select[Any]:
    """Counts per (figure, value) of ``ranges`` ranges in ``spans`` lists of buckets, with
    every value a bound parameter: built once per shape (building it took longer than
    running it). Each bucket is named (not a range of them), so that the index leads
    straight to the figure and range in each: rows outside the ranges are never read."""
    centre = (T.centre == bindparam("centre"),) if of_centre else ()
    parts = [
        select(T.figure, T.hours_x100, T.count).where(
            *centre,
            T.span == bindparam(f"span_{i}"),
            T.bucket_at.in_(bindparam(f"at_{i}", expanding=True)),
            T.figure == bindparam(f"figure_{j}"),
            T.actor == "",
            T.role == "",
            T.hours_x100 >= bindparam(f"low_{j}"),
            T.hours_x100 < bindparam(f"high_{j}"),
        )
        for i in range(spans)
        for j in range(ranges)
    ]
    rows = union_all(*parts).subquery()
    return select(rows.c.figure, rows.c.hours_x100, func.sum(rows.c.count), func.count()).group_by(
        rows.c.figure, rows.c.hours_x100
    )
