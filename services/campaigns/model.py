"""A campaign as values: what it selects, what it gives, when it reminds (no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from services.campaigns.holidays import SERIES_NAMES_ZH, Series
from services.deadlines.policy import LADDER
from services.kernel.plausible import EventDate
from services.kernel.values import Frozen, Money, ShortText
from services.register.model import BEREAVED, Category, Flag, Flags

MAX_LEAD_DAYS = 90
FEN = Decimal("0.01")


def cents_of(amount: Decimal) -> int:
    return int(amount / FEN)


def yuan_of(cents: int) -> Decimal:
    return (Decimal(cents) * FEN).quantize(FEN)


class Clause(Frozen):
    """Households of any of ``categories`` (all, if none) having every one of ``flags``."""

    categories: list[Category] = Field(default_factory=list, max_length=len(Category))
    flags: Flags = Field(default_factory=list)

    @model_validator(mode="after")
    def _says_something(self) -> Self:
        if not self.categories and not self.flags:
            raise ValueError("a clause names categories, flags or both")
        return self

    def matches(self, category: Category, flags: set[Flag]) -> bool:
        in_category = not self.categories or category in self.categories
        return in_category and set(self.flags) <= flags


class SelectionRule(Frozen):
    """A household is visited if any clause matches it, e.g. every martyr family, every
    disabled veteran, and every family in difficulty whatever its category."""

    any_of: list[Clause] = Field(min_length=1, max_length=20)

    def matches(self, category: Category, flags: set[Flag]) -> bool:
        return any(clause.matches(category, flags) for clause in self.any_of)


DEFAULT_RULE = SelectionRule(
    any_of=[
        Clause(categories=list(BEREAVED)),
        Clause(categories=[Category.DISABLED_VETERAN]),
        Clause(flags=[Flag.IN_DIFFICULTY]),
        Clause(flags=[Flag.ELDERLY_ALONE]),
    ]
)


class GoodsItem(Frozen):
    name: ShortText = Field(examples=["大米 25kg"])
    value: Money = Field(description="Value in yuan, per household")


class Gift(Frozen):
    """The standard gift per household: condolence money (慰问金) and goods."""

    cash: Money | None = Field(default=None, description="Condolence money in yuan")
    goods: list[GoodsItem] = Field(default_factory=list, max_length=20)

    @property
    def goods_value(self) -> Decimal:
        return sum((item.value for item in self.goods), Decimal(0))


class Ladder(Frozen):
    """Days before the holiday when visits not done are raised, one rung each: the
    assignee is reminded, then the supervisor, then the centre head hear of them (the
    rungs of the deadline ladder, services.deadlines.policy.LADDER)."""

    days_before: list[int] = Field(default=[7, 3, 1], min_length=1, max_length=3)

    @field_validator("days_before")
    @classmethod
    def _descending(cls, days: list[int]) -> list[int]:
        if any(d < 0 or d > MAX_LEAD_DAYS for d in days) or days != sorted(set(days), reverse=True):
            raise ValueError(f"distinct days from {MAX_LEAD_DAYS} down to 0, largest first")
        return days


class CampaignIn(Frozen):
    """A campaign as staff set one up."""

    name: ShortText = Field(examples=["2027年春节走访慰问"])
    holiday: EventDate
    window_start: EventDate = Field(description="First day of visits")
    window_end: EventDate = Field(description="Last day of visits; the campaign closes after it")
    rule: SelectionRule = DEFAULT_RULE
    gift: Gift = Gift()
    ladder: Ladder = Ladder()

    @field_validator("window_end")
    @classmethod
    def _window_in_order(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("window_start")
        if start is not None and end < start:
            raise ValueError("the window ends before it starts")
        if start is not None and (end - start).days > 366:
            raise ValueError("a visit window is at most a year")
        return end


class CampaignPlan(CampaignIn):
    """A campaign as its workflow runs it."""

    series: Series | None = None
    centre: str
    created_by: str
    utc_offset_minutes: int = Field(default=480, ge=-720, le=840)

    def local_moment(self, day: date, hour: int = 0) -> datetime:
        """``hour`` o'clock on ``day`` at the centre, in UTC."""
        local = datetime.combine(day, time(hour), tzinfo=UTC)
        return local - timedelta(minutes=self.utc_offset_minutes)

    def rung_times(self) -> list[tuple[int, datetime]]:
        """(rung, when): 09:00 at the centre, the ladder's days before the holiday."""
        return [
            (rung, self.local_moment(self.holiday - timedelta(days=days), hour=9))
            for rung, days in enumerate(self.ladder.days_before)
        ]

    def closes_at(self) -> datetime:
        """Midnight at the centre after the last day of the window."""
        return self.local_moment(self.window_end + timedelta(days=1))


def rung_name(rung: int) -> str:
    return LADDER[rung][0]


class SeriesPlan(Frozen):
    """What a yearly schedule starts: a campaign ``lead_days`` before each holiday, whose
    visit window runs from its start to the holiday."""

    series: Series
    lead_days: int = Field(ge=1, le=MAX_LEAD_DAYS)
    rule: SelectionRule = DEFAULT_RULE
    gift: Gift = Gift()
    ladder: Ladder = Ladder()
    centre: str
    created_by: str
    utc_offset_minutes: int = Field(default=480, ge=-720, le=840)

    def plan_for(self, holiday: date, started_on: date) -> CampaignPlan:
        """This year's campaign, started on ``started_on``: its visits run from
        ``lead_days`` before the holiday (or the start, if later) to the holiday."""
        return CampaignPlan(
            name=f"{holiday.year}年{SERIES_NAMES_ZH[self.series]}",
            holiday=holiday,
            window_start=min(max(started_on, holiday - timedelta(days=self.lead_days)), holiday),
            window_end=holiday,
            rule=self.rule,
            gift=self.gift,
            ladder=self.ladder,
            series=self.series,
            centre=self.centre,
            created_by=self.created_by,
            utc_offset_minutes=self.utc_offset_minutes,
        )

    def local_day(self, moment: datetime) -> date:
        return (moment + timedelta(minutes=self.utc_offset_minutes)).date()
