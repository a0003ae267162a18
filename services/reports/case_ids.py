"""The cases behind one figure of the summary, a page at a time, from the timeline.

A page walks the cases in id order (the cases table's key) and keeps those with a
matching event in the period (the timeline's key, case then seq), so its cost is the
cases walked to fill it, not the caseload; the activity of one person walks that
person's events instead (``ix_case_event_actor_at``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, bindparam, cast, exists, literal, select, text, true
from sqlalchemy.orm import Session, aliased

from services.cases.records import CaseEventRecord, CaseRecord
from services.db import UtcDateTime
from services.kernel.errors import InvalidInput
from services.reports.counting import COMPLIANCE_NAMES, FIGURE_NAMES, TIME_TO_ACT

E = CaseEventRecord
_BY_TYPE = {
    "placements": "placement_recorded",
    "startups_funded": "startup_disbursed",
    "fee_relief_granted": "petition_granted",
    "legal_resolved": "matter_resolved",
    "training_completed": "training_completed",
}


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
    matching = and_(E.case_id == CaseRecord.id, E.at >= start, E.at < end, _condition(figure))
    query = select(CaseRecord.id).where(CaseRecord.id > after, exists().where(matching))
    if centre is not None:
        query = query.where(CaseRecord.centre == centre)
    return list(session.scalars(query.order_by(CaseRecord.id).limit(limit)))


def _condition(figure: str) -> Any:
    name, _, rest = figure.partition(".")
    if figure in _BY_TYPE:
        return E.type == _BY_TYPE[figure]
    if figure not in FIGURE_NAMES and figure not in {f"median_hours.{n}" for n in TIME_TO_ACT}:
        raise InvalidInput(f"no figure {figure!r}", field="figure", code="unknown_figure")
    if name == "placements":
        return and_(E.type == "placement_recorded", CaseRecord.category == rest)
    if name == "legal_referred":
        return and_(E.type == "matter_referred", E.payload["department"].as_string() == rest)
    if name == "retention":
        day, _, what = rest.partition(".")
        recorded = and_(E.type == "follow_up_recorded", E.payload["day"].as_integer() == int(day))
        if what == "employed":
            return and_(recorded, E.payload["still_employed"].as_boolean() == true())
        return recorded
    if rest == "intake_to_eligibility":
        opened = aliased(E)
        return and_(
            E.type == "eligibility_decided",
            exists().where(opened.case_id == E.case_id, opened.type == "case_opened"),
        )
    infringement, earlier = aliased(E), aliased(E)
    return and_(
        E.type == "matter_referred",
        exists().where(
            infringement.case_id == E.case_id,
            infringement.type == "infringement_recorded",
            literal("M") + cast(infringement.seq, String) == E.target,
        ),
        ~exists().where(
            earlier.case_id == E.case_id,
            earlier.type == "matter_referred",
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
