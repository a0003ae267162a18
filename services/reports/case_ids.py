"""The cases behind one figure of the summary, a page at a time, from the timeline.

A figure counts events of one type. Where few events of that type fall in the period
(at most ``SPARSE_EVENTS``: counted first, through ``ix_case_event_type_at``, and no
further than that), a page is read from those events alone: its cost is theirs, however
large the caseload. Where many do, a page walks the cases in id order (the cases
table's key) and keeps those with a matching event in the period (the timeline's key,
case then seq): matches are then dense, so few cases are walked to fill a page. Both
give the same ids. The activity of one person walks that person's events
(``ix_case_event_actor_at``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    bindparam,
    cast,
    exists,
    false,
    func,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session, aliased

from services.cases.records import CaseEventRecord, CaseRecord
from services.db import UtcDateTime
from services.kernel.errors import InvalidInput
from services.reports.counting import COMPLIANCE_NAMES, FIGURES, TIMES_TO_ACT, names_of
from services.reports.figures import CATEGORY, Figure, TimeToAct

E = CaseEventRecord
# Each name of the report (and of its CSV) that lists cases by the events it counts: the
# figure, and the value of its split if the name is one.
_FIGURE_NAMED: dict[str, tuple[Figure, str | None]] = {
    name: (figure, None if name == figure.name else name.removeprefix(f"{figure.name}."))
    for figure in FIGURES
    for name in names_of(figure)
}
_TIME_NAMED: dict[str, TimeToAct] = {
    f"median_hours.{measure.name}": measure for measure in TIMES_TO_ACT
}
# Up to this many matching events in the period, a page is read from the events alone.
SPARSE_EVENTS = 2000


def figure_case_ids(
    *,
    session: Session,
    figure: str,
    start: datetime,
    end: datetime,
    centre: str | None,
    after: str = "",
    limit: int = 100,
) -> list[str]:
    """Ids (sorted, after ``after``) of the cases counted in ``figure`` over [start, end);
    at most ``limit`` of them. Figure names are those of the report and its CSV export:
    ``placements``, ``compliance.eligibility.late``, ``median_hours.intake_to_eligibility``,
    ``activity.<role>.<actor>``."""
    if figure.startswith("activity."):
        return _activity_case_ids(session, figure, start, end, centre, after, limit)
    if figure in COMPLIANCE_NAMES:
        return _compliance_case_ids(session, figure, start, end, centre, after, limit)
    # Counted no further than the bound, through the index: cheap whatever the period.
    found = session.scalar(
        select(func.count()).select_from(sparseness_probe(figure, start, end).subquery())
    )
    sparse = (found or 0) <= SPARSE_EVENTS
    return list(
        session.scalars(figure_query(figure, start, end, centre, after, sparse=sparse).limit(limit))
    )


def sparseness_probe(figure: str, start: datetime, end: datetime) -> Select[str]:
    """Events of the figure's type in the period, one more than ``SPARSE_EVENTS`` at most."""
    of_type = select(E.case_id).where(E.type == _event_type(figure), E.at >= start, E.at < end)
    return of_type.limit(SPARSE_EVENTS + 1)


def figure_query(
    figure: str, start: datetime, end: datetime, centre: str | None, after: str, *, sparse: bool
) -> Select[str]:
    """Ids of the cases behind ``figure`` after ``after``, in order: read from the
    figure's events in the period (``sparse``), or by walking the cases."""
    if sparse:
        query = (
            select(E.case_id)
            .join(CaseRecord, CaseRecord.id == E.case_id)
            .where(E.at >= start, E.at < end, _condition(figure), E.case_id > after)
            .distinct()
            .order_by(E.case_id)
        )
    else:
        matching = and_(E.case_id == CaseRecord.id, E.at >= start, E.at < end, _condition(figure))
        query = select(CaseRecord.id).where(CaseRecord.id > after, exists().where(matching))
        query = query.order_by(CaseRecord.id)
    return query if centre is None else query.where(CaseRecord.centre == centre)


def _event_type(name: str) -> str:
    if name in _FIGURE_NAMED:
        return _FIGURE_NAMED[name][0].event
    if name in _TIME_NAMED:
        return _TIME_NAMED[name].end
    raise InvalidInput(f"no figure {name!r}", field="figure", code="unknown_figure")


def _condition(name: str) -> Any:
    if name in _FIGURE_NAMED:
        return _counted_events(*_FIGURE_NAMED[name])
    if name in _TIME_NAMED:
        return _timed_events(_TIME_NAMED[name])
    raise InvalidInput(f"no figure {name!r}", field="figure", code="unknown_figure")


def _counted_events(figure: Figure, split: str | None) -> Any:
    """Events the figure counts (services/reports/counting.py), by the same declaration."""
    conditions = [E.type == figure.event]
    for field, value in figure.where:
        conditions.append(_payload_is(field, value))
    if split is not None and figure.by == CATEGORY:
        conditions.append(CaseRecord.category == split)
    elif split is not None and figure.by:
        conditions.append(E.payload[figure.by].as_string() == split)
    return and_(*conditions)


def _payload_is(field: str, value: bool | int | str) -> Any:
    if isinstance(value, bool):
        return E.payload[field].as_boolean() == (true() if value else false())
    if isinstance(value, int):
        return E.payload[field].as_integer() == value
    return E.payload[field].as_string() == value


def _timed_events(measure: TimeToAct) -> Any:
    """Ends of the measure that have their start: the case's, or the item's first end."""
    start = aliased(E)
    if measure.prefix is None:
        return and_(
            E.type == measure.end,
            exists().where(start.case_id == E.case_id, start.type == measure.start),
        )
    earlier = aliased(E)
    return and_(
        E.type == measure.end,
        exists().where(
            start.case_id == E.case_id,
            start.type == measure.start,
            literal(measure.prefix) + cast(start.seq, String) == E.target,
        ),
        ~exists().where(
            earlier.case_id == E.case_id,
            earlier.type == measure.end,
            earlier.target == E.target,
            earlier.seq < E.seq,
        ),
    )


def _activity_case_ids(
    session: Session,
    figure: str,
    start: datetime,
    end: datetime,
    centre: str | None,
    after: str,
    limit: int,
) -> list[str]:
    role, _, actor = figure.removeprefix("activity.").partition(".")
    query = select(E.case_id).where(
        E.actor == actor, E.role == role, E.role != "system", E.at >= start, E.at < end,
        E.case_id > after,
    )  # fmt: skip
    if centre is not None:
        query = query.join(CaseRecord, CaseRecord.id == E.case_id).where(
            CaseRecord.centre == centre
        )
    return list(session.scalars(query.distinct().order_by(E.case_id).limit(limit)))


# A clock the event met in the period, of the figure's kind, late or on time; the clocks
# are a JSON array on the event, unnested by the database.
_MET_CLOCK = {
    "postgresql": """
SELECT c.id FROM cases c
WHERE c.id > :after {centre} AND EXISTS (
  SELECT 1 FROM case_event e
  CROSS JOIN LATERAL json_array_elements(
      CASE WHEN json_typeof(e.clocks) = 'array' THEN e.clocks ELSE '[]'::json END
  ) AS k(value)
  WHERE e.case_id = c.id AND e.at >= :start AND e.at < :end
    AND k.value ->> 'satisfied_at' IS NOT NULL AND k.value ->> 'kind' = :kind
    AND (coalesce((k.value ->> 'level')::int, 0) > 0) = :late)
ORDER BY c.id LIMIT :limit""",
    "sqlite": """
SELECT c.id FROM cases c
WHERE c.id > :after {centre} AND EXISTS (
  SELECT 1 FROM case_event e,
       json_each(CASE WHEN json_type(e.clocks) = 'array' THEN e.clocks ELSE '[]' END) AS k
  WHERE e.case_id = c.id AND e.at >= :start AND e.at < :end
    AND json_extract(k.value, '$.satisfied_at') IS NOT NULL
    AND json_extract(k.value, '$.kind') = :kind
    AND (coalesce(json_extract(k.value, '$.level'), 0) > 0) = :late)
ORDER BY c.id LIMIT :limit""",
}


def _compliance_case_ids(
    session: Session,
    figure: str,
    start: datetime,
    end: datetime,
    centre: str | None,
    after: str,
    limit: int,
) -> list[str]:
    _, kind, met = figure.split(".")
    sql = _MET_CLOCK[session.get_bind().dialect.name].format(
        centre="" if centre is None else "AND c.centre = :centre"
    )
    query = text(sql).bindparams(
        bindparam("start", type_=UtcDateTime), bindparam("end", type_=UtcDateTime)
    )
    params: dict[str, Any] = {
        "start": start, "end": end, "kind": kind, "late": met == "late", "after": after,
        "limit": limit,
    }  # fmt: skip
    if centre is not None:
        params["centre"] = centre
    return list(session.scalars(query, params))
