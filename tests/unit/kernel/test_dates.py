"""Plausible dates: each domain date has a window; outside it, a refusal naming it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from services.cases.model import Claimant
from services.job_referral.model import RecordPlacement, ReferToJob
from services.kernel.plausible import PeriodDate, QueryMoment, years_pattern
from services.kernel.values import stored_values
from services.training.model import EnrolTraining

TODAY = datetime.now(UTC).date()


class Period(BaseModel):
    day: PeriodDate
    at: QueryMoment | None = None


@pytest.mark.parametrize(
    ("model", "values", "field"),
    [
        (
            ReferToJob,
            {"employer": "厂", "position": "工", "referred_on": "9999-12-31"},
            "referred_on",
        ),
        (
            ReferToJob,
            {"employer": "厂", "position": "工", "referred_on": "0001-01-01"},
            "referred_on",
        ),
        (ReferToJob, {"employer": "厂", "position": "工", "referred_on": "1"}, "referred_on"),
        (
            RecordPlacement,
            {"starts_on": str(TODAY + timedelta(days=400)), "monthly_wage": "3000"},
            "starts_on",
        ),
        (
            EnrolTraining,
            {
                "course": "焊工",
                "provider": "技校",
                "starts_on": "2026-01-05",
                "ends_on": "3026-01-05",
            },
            "ends_on",
        ),
        (
            Claimant,
            {"name": "张伟", "category": "veteran", "birth_date": "1899-12-31"},
            "birth_date",
        ),
        (
            Claimant,
            {"name": "张伟", "category": "veteran", "birth_date": str(TODAY + timedelta(days=2))},
            "birth_date",
        ),
        (Period, {"day": "0001-01-01"}, "day"),
        (Period, {"day": "2026-01-01", "at": 0.5}, "at"),
        (Period, {"day": "2026-01-01", "at": "0.5"}, "at"),
    ],
)
def test_a_date_outside_its_window_is_refused_naming_it(
    model: type[BaseModel], values: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(values)

    assert [error["loc"][0] for error in refused.value.errors()] == [field]


def test_dates_inside_their_windows_are_taken() -> None:
    ReferToJob.model_validate(
        {"employer": "厂", "position": "工", "referred_on": str(TODAY + timedelta(days=300))}
    )
    Claimant.model_validate({"name": "张伟", "category": "veteran", "birth_date": "1900-01-01"})
    assert Period.model_validate({"day": "2199-12-31", "at": "2026-03-01T08:00:00+08:00"})


def test_a_date_read_back_from_where_it_was_kept_is_taken_as_it_was() -> None:
    with stored_values():
        kept = ReferToJob.model_validate(
            {"employer": "厂", "position": "工", "referred_on": "9999-12-31"}
        )

    assert kept.referred_on == date(9999, 12, 31)


def test_the_schema_pattern_of_years_holds_only_years_inside_the_window() -> None:
    pattern = years_pattern(1950, 2026)

    assert pattern == "(195[0-9]|196[0-9]|197[0-9]|198[0-9]|199[0-9]|200[0-9]|201[0-9]|202[0-6])"
