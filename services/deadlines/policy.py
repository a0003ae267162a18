"""The centre's clocks as data: how long each step may take, and who hears when it is late.

Defaults follow the centre's promise ("at the first moment, by the simplest route"); a
deployment overrides any of them with the CLOCK_POLICY setting (JSON), e.g.
``{"eligibility": {"duration": 5}, "legal_referral": {"duration": 12}}``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from services.kernel.actors import Role


class ClockKind(StrEnum):
    ELIGIBILITY = "eligibility"
    LEGAL_REFERRAL = "legal_referral"
    ACKNOWLEDGEMENT = "acknowledgement"
    MATTER_STALE = "matter_stale"
    FOLLOW_UP = "follow_up"
    CASE_STALE = "case_stale"


class Unit(StrEnum):
    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"


class ClockRule(BaseModel):
    duration: int = Field(gt=0)
    unit: Unit
    # After a breach, the next rung of the ladder hears of it every this many units.
    escalate_every: int = Field(gt=0)
    # Warn the assignee this many hours before the due time (0: no warning).
    warn_hours: int = Field(default=0, ge=0)
    description: str


LADDER = (Role.STAFF, Role.SUPERVISOR, Role.ADMIN)  # assignee → supervisor → centre head
LADDER_NAMES = ("assignee", "supervisor", "centre_head")

DEFAULT_RULES: dict[ClockKind, ClockRule] = {
    ClockKind.ELIGIBILITY: ClockRule(
        duration=3, unit=Unit.WORKING_DAYS, escalate_every=1, warn_hours=24,
        description="intake → eligibility decided",
    ),
    ClockKind.LEGAL_REFERRAL: ClockRule(
        duration=24, unit=Unit.HOURS, escalate_every=12, warn_hours=4,
        description="infringement recorded → referred to labour/justice (calendar time)",
    ),
    ClockKind.ACKNOWLEDGEMENT: ClockRule(
        duration=5, unit=Unit.WORKING_DAYS, escalate_every=2, warn_hours=24,
        description="referral sent → acknowledged by the department",
    ),
    ClockKind.MATTER_STALE: ClockRule(
        duration=30, unit=Unit.DAYS, escalate_every=7,
        description="legal matter with no step",
    ),
    ClockKind.FOLLOW_UP: ClockRule(
        duration=5, unit=Unit.WORKING_DAYS, escalate_every=2, warn_hours=24,
        description="follow-up due → recorded",
    ),
    ClockKind.CASE_STALE: ClockRule(
        duration=60, unit=Unit.DAYS, escalate_every=14,
        description="case with no step",
    ),
}  # fmt: skip


class ClockPolicy(BaseModel):
    rules: dict[ClockKind, ClockRule]

    def rule(self, kind: ClockKind) -> ClockRule:
        return self.rules[kind]


def policy_with(overrides: dict[str, dict[str, object]] | None = None) -> ClockPolicy:
    """The default rules with a deployment's overrides applied (validated)."""
    rules = dict(DEFAULT_RULES)
    for name, changes in (overrides or {}).items():
        kind = ClockKind(name)
        rules[kind] = ClockRule.model_validate({**rules[kind].model_dump(), **changes})
    return ClockPolicy(rules=rules)
