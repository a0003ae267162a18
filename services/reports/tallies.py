"""Keeping the report tally: counts per UTC month, day and hour, added by the read
model's writer in the same transaction as the events they count.

A period is read as whole months, then whole days, then whole hours from the tally, and
its edges of less than an hour from the raw events (``fragments``), so any centre time
zone and any ``as_of`` moment give the same figures as counting every event would. Times
to act are kept at three resolutions (``services/reports/medians.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    Update,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased

from services.cases.model import CaseFile
from services.cases.records import CaseEventRecord, CaseRecord
from services.reports.counting import (
    REMEMBERED_TYPES,
    TIMED_TYPES,
    CaseTimes,
    Counted,
    EventRow,
    Key,
    count_events,
)
from services.reports.medians import kept
from services.reports.records import ReportTallyRecord, TallyReads

T = ReportTallyRecord
SPANS = ("month", "day", "hour")
BucketKey = tuple[str, datetime, str, Key]  # stored span, bucket start, centre, key


@dataclass
class Sums:
    count: int = 0
    amount_cents: int | None = None

    def add(self, count: int, amount_cents: int | None) -> None:
        self.count += count
        if amount_cents is not None:
            self.amount_cents = (self.amount_cents or 0) + amount_cents


def floor_to(span: str, moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    if span == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    if span == "day":
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def ceil_to(span: str, moment: datetime) -> datetime:
    floor = floor_to(span, moment)
    if floor == moment:
        return floor
    if span == "hour":
        return floor + timedelta(hours=1)
    if span == "day":
        return floor + timedelta(days=1)
    return (floor + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class Pieces:
    """A period cut into tallied ranges (span, first bucket, end) and raw fragments."""

    tallied: tuple[tuple[str, datetime, datetime], ...]
    raw: tuple[tuple[datetime, datetime], ...]


def cut(start: datetime, end: datetime, spans: Sequence[str] = SPANS) -> Pieces:
    """[start, end) as whole buckets of the coarsest span that fits, recursively finer
    at the edges; what no hour covers whole is left to the raw events."""
    if start >= end:
        return Pieces((), ())
    if not spans:
        return Pieces((), ((start, end),))
    span, finer = spans[0], spans[1:]
    first, last = ceil_to(span, start), floor_to(span, end)
    if first >= last:
        return cut(start, end, finer)
    left, right = cut(start, first, finer), cut(last, end, finer)
    return Pieces(((span, first, last), *left.tallied, *right.tallied), (*left.raw, *right.raw))


def cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * 100).to_integral_value())


def bucketed(counted: Iterable[Counted], centre: str) -> dict[BucketKey, Sums]:
    """Each count added to its month, day and hour (a time to act at each resolution)."""
    sums: dict[BucketKey, Sums] = defaultdict(Sums)
    for item in counted:
        for span in SPANS:
            at = floor_to(span, item.at)
            for stored, key in kept(span, item.key):
                sums[(stored, at, centre, key)].add(item.count, cents(item.amount))
    return sums


def add_to_tallies(session: Session, sums: dict[BucketKey, Sums]) -> None:
    """Add ``sums`` to the tally: one row per key, updated in key order (so that two
    writers never wait on each other in a cycle), inserted when the key is new."""
    for bucket in sorted(sums, key=lambda b: (b[0], b[1], b[2], b[3])):
        span, at, centre, key = bucket
        delta = sums[bucket]
        changed = session.execute(
            _add_to_row(with_amount=delta.amount_cents is not None),
            {
                "b_span": span, "b_at": at, "b_centre": centre, "b_figure": key.figure,
                "b_actor": key.actor, "b_role": key.role, "b_hours": key.hours_x100,
                "b_count": delta.count, "b_amount": delta.amount_cents,
            },
        )  # fmt: skip
        if getattr(changed, "rowcount", 0) == 0:
            session.execute(_INSERT_ROW, _row(bucket, delta))


@cache
def _add_to_row(*, with_amount: bool) -> Update:
    """The addition to a key's first row, built once with its values as bound parameters
    (an intake adds to a dozen keys: building the statement each time cost more than
    running it)."""
    first = (
        select(func.min(T.id))
        .where(
            T.span == bindparam("b_span"),
            T.bucket_at == bindparam("b_at"),
            T.centre == bindparam("b_centre"),
            T.figure == bindparam("b_figure"),
            T.actor == bindparam("b_actor"),
            T.role == bindparam("b_role"),
            T.hours_x100 == bindparam("b_hours"),
        )
        .scalar_subquery()
    )
    amount = (
        func.coalesce(T.amount_cents, 0) + bindparam("b_amount", type_=BigInteger)
        if with_amount
        else T.amount_cents
    )
    return (
        update(T)
        .where(T.id == first)
        .values(count=T.count + bindparam("b_count", type_=BigInteger), amount_cents=amount)
        .execution_options(synchronize_session=False)
    )


_INSERT_ROW = insert(T)


def _row(bucket: BucketKey, sums: Sums) -> dict[str, Any]:
    span, at, centre, key = bucket
    return {
        "span": span,
        "bucket_at": at,
        "centre": centre,
        "figure": key.figure,
        "actor": key.actor,
        "role": key.role,
        "hours_x100": key.hours_x100,
        "count": sums.count,
        "amount_cents": sums.amount_cents,
    }


def tally_new_events(session: Session, case: CaseFile, rows: Sequence[EventRow]) -> None:
    """Count events just added to a case's timeline (``rows``, in seq order): called by
    the projection for the events it records, never for ones it skips as already there."""
    counted = _count_case_events(session, case.id, rows, case.claimant.category.value)
    add_to_tallies(session, bucketed(counted, case.centre))


def _count_case_events(
    session: Session, case_id: str, rows: Sequence[EventRow], category: str
) -> Iterator[Counted]:
    """The counts of a run of one case's events (in seq order), with what they need to
    know of the case's earlier events read only when they need it."""
    times = CaseTimes()
    if any(row.type in TIMED_TYPES for row in rows):
        times = case_times(session, case_id, before_seq=rows[0].seq)
    return count_events(rows, category=category, times=times)


def case_times(session: Session, case_id: str, *, before_seq: int) -> CaseTimes:
    times = CaseTimes()
    for row in session.execute(
        select(CaseEventRecord.seq, CaseEventRecord.type, CaseEventRecord.target,
               CaseEventRecord.at)
        .where(
            CaseEventRecord.case_id == case_id,
            CaseEventRecord.seq < before_seq,
            CaseEventRecord.type.in_(REMEMBERED_TYPES),
        )
        .order_by(CaseEventRecord.seq)
    ):  # fmt: skip
        times.see(row)  # type: ignore[arg-type]
    return times


def compact_tallies(session: Session) -> int:
    """Fold the rows of each key into one; return how many rows went. On PostgreSQL the
    table is locked for the transaction, so writers wait rather than write in between."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE report_tally IN EXCLUSIVE MODE"))
    before = session.scalar(select(func.count()).select_from(T)) or 0
    top = session.scalar(select(func.max(T.id)))
    if top is None:
        return 0
    columns = (T.span, T.bucket_at, T.centre, T.figure, T.actor, T.role, T.hours_x100)
    doubled = (
        select(*columns, func.sum(T.count), func.sum(T.amount_cents))
        .where(T.id <= top)
        .group_by(*columns)
        .having(func.count() > 1)
    )
    session.execute(
        insert(T).from_select([*(c.key for c in columns), "count", "amount_cents"], doubled)
    )
    newer = aliased(T)
    session.execute(
        delete(T).where(
            T.id <= top,
            exists().where(newer.id > top, *(getattr(newer, c.key) == c for c in columns)),
        )
    )
    return before - (session.scalar(select(func.count()).select_from(T)) or 0)


def backfill_tallies(session: Session, *, cases_per_batch: int = 2000) -> None:
    """Count every recorded event into the tally (empty before), a batch of cases at a
    time, with the projection's own definition; then fold the batches' rows together."""
    after = ""
    while True:
        batch = list(
            session.scalars(
                select(CaseRecord.id)
                .where(CaseRecord.id > after)
                .order_by(CaseRecord.id)
                .limit(cases_per_batch)
            )
        )
        if not batch:
            break
        after = batch[-1]
        rows = session.execute(
            select(*_EVENT_COLUMNS, CaseRecord.centre, CaseRecord.category)
            .join(CaseRecord, CaseRecord.id == CaseEventRecord.case_id)
            .where(CaseEventRecord.case_id.in_(batch))
            .order_by(CaseEventRecord.case_id, CaseEventRecord.seq)
        ).all()
        sums: dict[BucketKey, Sums] = defaultdict(Sums)
        for events in _by_case(rows):
            counted = count_events(events, category=events[0].category, times=CaseTimes())
            for bucket, delta in bucketed(counted, events[0].centre).items():
                sums[bucket].add(delta.count, delta.amount_cents)
        if sums:
            session.execute(_INSERT_ROW, [_row(bucket, delta) for bucket, delta in sums.items()])
    compact_tallies(session)


_EVENT_COLUMNS = (
    CaseEventRecord.case_id,
    CaseEventRecord.seq,
    CaseEventRecord.type,
    CaseEventRecord.actor,
    CaseEventRecord.role,
    CaseEventRecord.target,
    CaseEventRecord.at,
    CaseEventRecord.payload,
    CaseEventRecord.clocks,
)


def _by_case(rows: Sequence[Any]) -> Iterator[list[Any]]:
    events: list[Any] = []
    for row in rows:
        if events and row.case_id != events[0].case_id:
            yield events
            events = []
        events.append(row)
    if events:
        yield events


def read_tallies(
    session: Session,
    tallied: Sequence[tuple[str, datetime, datetime]],
    centre: str | None,
    reads: TallyReads | None = None,
) -> dict[Key, Sums]:
    """The tally's sums over whole buckets, per key (times to act: per decade)."""
    sums: dict[Key, Sums] = defaultdict(Sums)
    if not tallied:
        return sums
    params: dict[str, Any] = {"centre": centre}
    for i, (span, first, end) in enumerate(tallied):
        params |= {f"span_{i}": span, f"first_{i}": first, f"end_{i}": end}
    for row in session.execute(_tally_query(len(tallied), centre is not None), params):
        figure, actor, role, hours, count, total, rows = tuple(row)
        sums[Key(figure, actor, role, hours)].add(int(count), None if total is None else int(total))
        if reads is not None:
            reads.keys += 1
            reads.rows += int(rows)
    return sums


@lru_cache(maxsize=32)
def _tally_query(pieces: int, of_centre: bool) -> Select[Any]:
    """The sums of ``pieces`` ranges of buckets, per key, with their values as bound
    parameters: built once per shape, since building it took longer than running it."""
    # One index range per piece (centre, span, bucket): an OR of them would scan them all.
    keys = (T.figure, T.actor, T.role, T.hours_x100)
    centre = (T.centre == bindparam("centre"),) if of_centre else ()
    ranges = union_all(
        *(
            select(*keys, T.count, T.amount_cents).where(
                *centre,
                T.span == bindparam(f"span_{i}"),
                T.bucket_at >= bindparam(f"first_{i}"),
                T.bucket_at < bindparam(f"end_{i}"),
            )
            for i in range(pieces)
        )
    ).subquery()
    columns = [ranges.c[key.key] for key in keys]
    return select(
        *columns, func.sum(ranges.c.count), func.sum(ranges.c.amount_cents), func.count()
    ).group_by(*columns)


def count_raw(
    session: Session, start: datetime, end: datetime, centre: str | None
) -> list[tuple[str, Counted]]:
    """The counts of the events recorded in [start, end), from the timeline itself, each
    with its case: the report's edges, and the reference the tally is tested against."""
    where = [CaseEventRecord.at >= start, CaseEventRecord.at < end]
    if centre is not None:
        where.append(CaseRecord.centre == centre)
    rows = session.execute(
        select(*_EVENT_COLUMNS, CaseRecord.centre, CaseRecord.category)
        .join(CaseRecord, CaseRecord.id == CaseEventRecord.case_id)
        .where(*where)
        .order_by(CaseEventRecord.case_id, CaseEventRecord.seq)
    ).all()
    counted: list[tuple[str, Counted]] = []
    for events in _by_case(rows):
        case_id = events[0].case_id
        for item in _count_case_events(session, case_id, events, events[0].category):
            counted.append((case_id, item))
    return counted
