"""What the console's pages read, all through the services (and logged as the API logs it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from api.console.catalog import StepForm, allows_now, step_forms
from services.cases import audit, queries
from services.cases.model import CaseFile, Need
from services.cases.queries import StoredCase
from services.cases.registry import TRACK_OF_NEED
from services.cases.tracks import TrackSpec
from services.cases.views import case_for, timeline_for
from services.db import lazy_commit
from services.deadlines.queries import deadlines_of
from services.kernel.actors import Actor
from services.legal_aid.model import NEED as LEGAL_AID
from services.users.access_log import record_read, record_reads
from services.users.model import User


def read_case(session: Session, user: User, stored: StoredCase, action: str) -> CaseFile:
    """The case with its personal data as ``user``'s role reads it, the read recorded in
    the access log (as the API)."""
    case = case_for(user.role, queries.opened_case(stored))
    lazy_commit(session)
    record_read(session=session, user=user, case=case, action=action)
    session.commit()
    return case


# A legal matter runs as a workflow of its own, with a page of its own (routes/legal.py).
ITEM_PAGES = {LEGAL_AID: "matters"}


@dataclass
class Offer:
    form: StepForm
    target: str | None = None


@dataclass
class Track:
    need: Need
    spec: TrackSpec[Any]
    items: list[Any]
    item_page: str | None  # the items' own page under the case's (``matters/M3``), if any
    offers: list[Offer]  # steps on the track as a whole (e.g. enrol)
    item_offers: dict[str, list[Offer]]  # steps on each item, by its id


def case_offers(case: CaseFile, user: User, may: Any) -> tuple[list[Offer], list[Track]]:
    """The steps ``user`` may take on ``case`` now: on the case, and per kind of help."""
    actor = _actor(user)
    forms = [form for form in step_forms() if may(form)]
    whole = [Offer(f) for f in forms if f.track is None and allows_now(case, f, actor)]
    tracks = []
    for need in case.needs:
        spec = TRACK_OF_NEED[need.value]
        items = list(spec.items.of(case))
        mine = [form for form in forms if form.track is spec]
        tracks.append(
            Track(
                need=need,
                spec=spec,
                item_page=ITEM_PAGES.get(spec.need),
                items=items,
                offers=[Offer(f) for f in mine if not f.on_item and allows_now(case, f, actor)],
                item_offers={
                    item.id: [
                        Offer(f, item.id)
                        for f in mine
                        if f.on_item and allows_now(case, f, actor, item.id)
                    ]
                    for item in items
                },
            )
        )
    return whole, tracks


def _actor(user: User) -> Actor:
    return Actor(id=user.username, role=user.role)


def timeline(session: Session, user: User, case_id: str) -> list[audit.TimelineEntry]:
    page = audit.timeline_page(session=session, case_id=case_id, after_seq=0, limit=500)
    return timeline_for(user.role, page).items


def log_listed(session: Session, user: User, case_ids: list[str]) -> None:
    """A page that shows cases' names: each case in the access log (as the API's lists)."""
    lazy_commit(session)
    record_reads(
        session=session,
        reader=(user.username, user.role),
        centre=user.centre,
        case_ids=case_ids,
        action="console_list",
        fields=["claimant.name"],
    )
    session.commit()


def clocks(case: CaseFile) -> Any:
    return deadlines_of(case)
