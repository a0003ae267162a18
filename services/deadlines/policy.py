"""The centre's clocks as data: how long each step may take, and who hears when it is late.

The case declares its own two clocks here; each kind of help declares its own in its
spec. Defaults follow the centre's promise ("at the first moment, by the simplest
route"); a deployment overrides any of them with the CLOCK_POLICY setting (JSON), e.g.
``{"eligibility": {"duration": 5}, "legal_referral": {"duration": 12}}``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from services.cases.registry import TRACKS
from services.deadlines.declarations import ClockRule, ClockSpec, Unit
from services.kernel.actors import Role

ELIGIBILITY = ClockSpec(
    "eligibility",
    ClockRule(
        duration=3, unit=Unit.WORKING_DAYS, escalate_every=1, warn_hours=24,
        description="intake → eligibility decided",
    ),
)  # fmt: skip
CASE_STALE = ClockSpec(
    "case_stale",
    ClockRule(duration=60, unit=Unit.DAYS, escalate_every=14, description="case with no step"),
    stale=True,
)
CLOCKS: dict[str, ClockSpec] = {
    spec.kind: spec
    for spec in (ELIGIBILITY, *(spec for track in TRACKS for spec in track.clocks), CASE_STALE)
}
ClockKind = StrEnum(  # type: ignore[misc]
    "ClockKind", {kind.upper(): kind for kind in CLOCKS}, module=__name__
)
DEFAULT_RULES: dict[ClockKind, ClockRule] = {
    ClockKind(kind): spec.default for kind, spec in CLOCKS.items()
}
STALE: frozenset[str] = frozenset(kind for kind, spec in CLOCKS.items() if spec.stale)

# Who hears of a breach, rung by rung: whoever the clock is assigned to (in the role that
# works it), then a supervisor, then the centre head, who can read the case and act on it
# (a rung of a role nobody holds is reported: services/users/rungs.py).
LADDER: tuple[tuple[str, Role | None], ...] = (
    ("assignee", None),
    ("supervisor", Role.SUPERVISOR),
    ("centre_head", Role.HEAD),
)


class ClockPolicy(BaseModel):
    rules: dict[ClockKind, ClockRule]

    def rule(self, kind: ClockKind) -> ClockRule:
        # A run that loaded its policy before a kind of clock existed (a kind of help added
        # since) uses that kind's default until its next run loads the policy again.
        return self.rules.get(kind) or DEFAULT_RULES[kind]


def policy_with(overrides: dict[str, dict[str, object]] | None = None) -> ClockPolicy:
    """The default rules with a deployment's overrides applied (validated)."""
    rules = dict(DEFAULT_RULES)
    for name, changes in (overrides or {}).items():
        kind = ClockKind(name)
        rules[kind] = ClockRule.model_validate({**rules[kind].model_dump(), **changes})
    return ClockPolicy(rules=rules)
