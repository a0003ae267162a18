"""A median read level by level (decade, leading digit, bin) is the median of every bin:
the tally can keep times to act coarsely for the many and finely only where asked."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from services.reports.counting import TIME_FIGURES, Counted, Key
from services.reports.medians import BIN, DECADE, LEAD, at_level, coarsest, kept, medians, within
from services.reports.summary import _time_to_act
from services.reports.tallies import Sums

AT = datetime(2026, 5, 1, tzinfo=UTC)
# Binned hours as ``binned_hours`` makes them: two significant figures, 0 for none.
BINNED = st.one_of(
    st.just(0),
    st.integers(1, 9),
    st.integers(1, 6).flatmap(
        lambda digits: st.integers(10, 99).map(lambda two: two * 10 ** (digits - 1))
    ),
)


@given(st.lists(st.tuples(st.sampled_from(TIME_FIGURES), BINNED, st.integers(1, 3))))
def test_median_by_levels_is_the_median_of_every_bin(
    counts: list[tuple[str, int, int]],
) -> None:
    raw = [Counted(Key(figure, hours_x100=hours), AT, count) for figure, hours, count in counts]
    every_bin: dict[Key, Sums] = {}
    decades: dict[Key, int] = {}
    for item in raw:
        every_bin.setdefault(item.key, Sums()).add(item.count, None)
        decade = coarsest(item.key)
        decades[decade] = decades.get(decade, 0) + item.count

    # No tallied pieces: every level comes from the counts themselves, as at the edges.
    found = medians(None, (), None, decades, raw)  # type: ignore[arg-type]

    for figure in TIME_FIGURES:
        expected = _time_to_act(every_bin, figure)
        assert (found[figure].measured, found[figure].hours) == (
            expected.measured,
            expected.median_hours,
        )


@given(BINNED)
def test_each_level_holds_the_finer_ones(hours: int) -> None:
    decade, lead = at_level(DECADE, hours), at_level(LEAD, hours)
    low, high = within(DECADE, decade)
    assert low <= lead < high
    low, high = within(LEAD, lead)
    assert low <= at_level(BIN, hours) == hours < high
    # A leading digit holds at most ten bins of two significant figures.
    assert (high - low) / max(decade // 10, 1) <= 10


def test_only_times_to_act_are_kept_at_three_resolutions() -> None:
    time = Key(TIME_FIGURES[0], hours_x100=4700)
    assert list(kept("day", time)) == [
        ("day", Key(TIME_FIGURES[0], hours_x100=1000)),
        ("day.lead", Key(TIME_FIGURES[0], hours_x100=4000)),
        ("day.bin", time),
    ]
    assert list(kept("day", Key("placements"))) == [("day", Key("placements"))]
