"""What a kind of help declares about itself: one ``TrackSpec`` per package under services/.

The case core knows no kind of help by name. Everything that lists them (the ``Need``
values, the case file's item lists, the step union and rule table, progress and tasks,
clocks, report figures, routes and who may take each step) is built from the specs that
``services/cases/registry.py`` lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from services.deadlines.declarations import ClockEffect, ClockSpec
from services.kernel.actors import Actor, Role
from services.kernel.rulekit import find, replaced, stamp
from services.kernel.values import StepBase
from services.reports.figures import Figure, TimeToAct

if TYPE_CHECKING:
    from services.cases.model import CaseFile
    from services.cases.steps import CaseEvent


class TrackItem(Protocol):
    """An item of a kind of help (an enrolment, a referral, ...): an id and a status."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> Any: ...


Item = TypeVar("Item", bound=TrackItem)
# A step's rule: ``check`` (case, step, target) raises StepRejected if the step does not
# fit the case; ``apply`` (case, event) returns the case the accepted step leaves.
Check = Callable[["CaseFile", Any, str | None], None]
# A step by an actor from outside the centre (a department answering through its link):
# (case, step, target, actor) raises StepRejected unless that actor may take it now.
OutsideCheck = Callable[["CaseFile", Any, str | None, Actor], None]
Apply = Callable[["CaseFile", "CaseEvent"], "CaseFile"]


def kind_of(step: type[StepBase]) -> str:
    """The kind of event a step class records (its ``kind`` literal)."""
    kind = step.model_fields["kind"].default
    assert isinstance(kind, str), f"{step.__name__} declares no kind"
    return kind


@dataclass(frozen=True)
class Items(Generic[Item]):
    """Where a kind of help keeps its items in the case file, and what it calls them."""

    field: str  # the case file's field, named as the API names it (``referrals``)
    prefix: str  # an item's id is this and the seq of the step that made it (``R7``)
    model: type[Item]
    name: str  # in refusals: ``unknown_referral`` on ``referral_id``, "the referral is …"

    def of(self, case: CaseFile) -> list[Item]:
        items: list[Item] = getattr(case, self.field)
        return items

    def find(self, case: CaseFile, target: str | None) -> Item:
        return find(self.of(case), target, self.name)

    def new_id(self, event: CaseEvent) -> str:
        """Ids of items made by a step derive from its sequence number: unique and
        replay-stable."""
        return f"{self.prefix}{event.seq}"

    def added(self, case: CaseFile, event: CaseEvent, item: Item) -> CaseFile:
        return stamp(case, event, **{self.field: [*self.of(case), item]})

    def replaced(self, case: CaseFile, event: CaseEvent, item: Item) -> CaseFile:
        return stamp(case, event, **{self.field: replaced(self.of(case), item)})


STAFF_ONLY = frozenset({Role.STAFF})
STAFF_OR_LAWYER = frozenset({Role.STAFF, Role.LAWYER})


@dataclass(frozen=True)
class StepRoute:
    """The route that takes a step: ``POST /cases/{case_id}/<segment>`` for the step that
    makes an item (``action`` empty; 201 with ``Location``), else
    ``POST /cases/{case_id}/<segment>/{<item>_id}/<action>``."""

    name: str  # the operation's name, e.g. ``record_interview``
    description: str  # one line for the API's documentation
    action: str = ""
    roles: frozenset[Role] = STAFF_ONLY  # who may take the step (api/policy.py)


@dataclass(frozen=True)
class StepRule:
    """One step of a kind of help: its rules, the clocks it moves and its route; a step
    without a route is recorded by the case itself (a follow-up falling due)."""

    step: type[StepBase]
    check: Check
    apply: Apply
    clocks: tuple[ClockEffect, ...] = ()
    route: StepRoute | None = None

    @property
    def kind(self) -> str:
        return kind_of(self.step)


# Any id of a letter and digits: a step on an item of another kind is refused by the
# case (409 unknown_…), as the four service tracks always did.
ANY_ITEM_ID = r"^[A-Z][0-9]{1,9}$"


@dataclass(frozen=True)
class Routes:
    """The routes' shape: ``/cases/{case_id}/<segment>``, tagged ``tag`` in the API."""

    segment: str
    tag: str
    item_pattern: str = ANY_ITEM_ID


@dataclass(frozen=True)
class OpenTask:
    """Work a kind of help has waiting on someone (``services.cases.progress.Task``).

    Its due time is that of the open clock of kind ``clock`` on the task's target, when
    it names one; else ``due``, when the item has a date to keep (a course's end)."""

    kind: str
    role: Role
    target: str | None = None
    assignee: str | None = None
    since: datetime | None = None
    clock: str | None = None
    due: datetime | None = None


def morning_of(day: date) -> datetime:
    """A date's due time: the start of the day in UTC, the centre's morning (08:00 in
    China), as follow-ups fall due."""
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


@dataclass(frozen=True)
class DueStep:
    """A step the case records on its own once ``at`` has come (system actor)."""

    at: datetime
    step: StepBase
    target: str


def _none(case: CaseFile) -> Iterable[Any]:
    return ()


@dataclass(frozen=True)
class TrackSpec(Generic[Item]):
    """One kind of help, declared once."""

    need: str  # the need's value in the API, e.g. ``job_referral``
    items: Items[Item]
    steps: tuple[StepRule, ...]
    routes: Routes
    # The item status that counts as this track's success when the case closes.
    success: str
    # The items that closing the case would leave unfinished, in words (closing then
    # needs a reason).
    open_items: Callable[[Sequence[Item]], list[str]]
    # What closing the case does to the items (stops what runs on its own).
    on_close: Callable[[Sequence[Item], CaseEvent, str | None], list[Item]] | None = None
    clocks: tuple[ClockSpec, ...] = ()
    figures: tuple[Figure, ...] = ()
    times_to_act: tuple[TimeToAct, ...] = ()
    task_kinds: tuple[str, ...] = ()
    tasks: Callable[[CaseFile], Iterable[OpenTask]] = _none
    due: Callable[[CaseFile], Iterable[DueStep]] = _none
    priority: bool = False  # the need makes a case a priority case
    lawyer: bool = False  # a lawyer works this kind of help (the case needs one assigned)
    # Fields of its steps and items that hold personal data: sealed at rest with the
    # case's key, like the claimant's (services/cases/sealing.py).
    sealed: tuple[str, ...] = ()
    # Which of its steps a department may take (role department), and when; a track
    # without one takes no step from a department.
    department_check: OutsideCheck | None = None

    @property
    def item_param(self) -> str:
        """The path parameter naming an item: ``referral_id``."""
        return f"{self.items.name}_id"

    def routed_steps(self) -> Iterator[tuple[StepRule, StepRoute, str]]:
        """Each step taken through a route, with its path under ``/cases/{case_id}/``."""
        for rule in self.steps:
            route = rule.route
            if route is None:
                continue
            path = self.routes.segment
            if route.action:
                path += f"/{{{self.item_param}}}/{route.action}"
            yield rule, route, path
