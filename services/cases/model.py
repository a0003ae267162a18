"""The case file: pure domain values, no I/O. Workflows hold one; the read model stores it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Field, create_model, model_validator

from services.cases.identity import normalize_national_id, normalize_phone
from services.cases.lifecycle import CaseOutcome, Stage
from services.cases.notes import Note
from services.cases.registry import TRACKS
from services.deadlines.clocks import Clock
from services.kernel.plausible import BirthDate
from services.kernel.values import Frozen, LongText, PersonName

# The schema states the shape; the check digit (ISO 7064 MOD 11-2) and the birth date
# inside are what the format ``cn-resident-id`` names (a generator of requests must
# compute them: tests/e2e/test_hostile_input.py registers one).
NationalId = Annotated[
    str,
    AfterValidator(normalize_national_id),
    Field(
        json_schema_extra={
            # No pattern beside it: a generator would draw from the pattern and miss the
            # check digit. 18 characters, the last a digit or X.
            "format": "cn-resident-id",
            "minLength": 18,
            "maxLength": 18,
        }
    ),
]
Phone = Annotated[
    str,
    AfterValidator(normalize_phone),
    Field(json_schema_extra={"pattern": r"^(\+86)?(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"}),
]


class ClaimantCategory(StrEnum):
    VETERAN = "veteran"
    MILITARY_FAMILY = "military_family"
    MARTYR_FAMILY = "martyr_family"


# The kinds of help a case may need: one per track of the registry.
Need = StrEnum(  # type: ignore[misc]
    "Need", {track.need.upper(): track.need for track in TRACKS}, module=__name__
)


class Relation(StrEnum):
    SPOUSE = "spouse"
    PARENT = "parent"
    CHILD = "child"
    SIBLING = "sibling"
    OTHER = "other"


class HouseholdMember(Frozen):
    name: PersonName
    relation: Relation


class Claimant(Frozen):
    name: PersonName = Field(examples=["Li Wei"])
    category: ClaimantCategory
    national_id: NationalId | None = Field(default=None, examples=["11010519491231002X"])
    birth_date: BirthDate | None = Field(default=None, description="Defaults to the ID number's")
    phone: Phone | None = Field(default=None, examples=["13800138000"])
    address: LongText | None = None
    household: list[HouseholdMember] = Field(default_factory=list, max_length=30)
    situation: LongText | None = None
    erased: list[str] = Field(
        default_factory=list,
        description="Personal fields erased with the case's key (set on reads; ignored on input)",
    )


class Eligibility(Frozen):
    accepted: bool
    reason: str | None
    decided_by: str
    decided_at: datetime


class _CaseCore(Frozen):
    """A case as it stands after its last accepted step (``version`` is that step's seq)."""

    id: str
    number: str | None = Field(
        default=None,
        description="The number people say, per centre and year",
        examples=["2026-0042"],
    )
    version: int
    stage: Stage
    claimant: Claimant
    needs: list[Need]
    centre: str
    intake_by: str
    # The staff member responsible for the case: who did the intake until a supervisor
    # reassigns it. Staff tasks and clocks follow the owner; intake_by never changes.
    owner: str
    priority: bool
    summary: str | None = None
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    outcome: CaseOutcome | None = None
    close_reason: str | None = None
    closed_from: Stage | None = None
    track_outcomes: dict[str, str] = Field(default_factory=dict)
    reopen_count: int = 0
    eligibility: Eligibility | None = None
    assessor: str | None = None
    lawyer: str | None = None
    notes: list[Note] = Field(default_factory=list)
    register_person_id: str | None = None  # the person of the register (services/register)

    @model_validator(mode="before")
    @classmethod
    def _owner_from_intake(cls, data: Any) -> Any:
        # Cases stored and carried before owners existed are owned by their intake.
        if isinstance(data, dict) and data.get("owner") is None and "intake_by" in data:
            return {**data, "owner": data["intake_by"]}
        return data


# The case file holds each track's items under the track's own field (``referrals``, …),
# then its clocks. Type checkers see it without the tracks' fields: code reads a track's
# items through its spec (``track.items.of(case)``), never by a field's name.
if TYPE_CHECKING:

    class CaseFile(_CaseCore):
        clocks: list[Clock] = Field(default_factory=list)

else:
    CaseFile = create_model(
        "CaseFile",
        __base__=_CaseCore,
        __module__=__name__,
        __doc__=_CaseCore.__doc__,
        **{
            track.items.field: (list[track.items.model], Field(default_factory=list))
            for track in TRACKS
        },
        clocks=(list[Clock], Field(default_factory=list)),
    )
