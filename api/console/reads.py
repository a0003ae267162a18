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
from services.db import lazy_commit
from services.deadlines.queries import deadlines_of
from services.kernel.actors import Actor
from services.legal_aid.model import NEED as LEGAL_AID
from services.users.access_log import record_read
from services.users.model import User


def read_case(session: Session, user: User, stored: StoredCase, action: str) -> CaseFile:
    """The case with its personal data, the read recorded in the access log (as the API)."""
    case = queries.opened_case(stored)
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


def timeline(session: Session, case_id: str) -> list[audit.TimelineEntry]:
    return audit.timeline_page(session=session, case_id=case_id, after_seq=0, limit=500).items


def clocks(case: CaseFile) -> Any:
    return deadlines_of(case)
