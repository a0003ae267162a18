"""Legal aid: infringements of a military person's or family's rights, each a legal matter
referred to the labour and/or justice department until resolved."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from services.cases.tracks import Items, kind_of
from services.kernel.plausible import EventDate, EventMoment
from services.kernel.values import Frozen, LongText, Reason, ShortText, StepBase


class Department(StrEnum):
    LABOUR = "labour"
    JUSTICE = "justice"


class Channel(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    LETTER = "letter"
    ONLINE = "online"
    FAX = "fax"


class MatterStatus(StrEnum):
    RECORDED = "recorded"
    REFERRED = "referred"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    CLOSED_WITHOUT_REMEDY = "closed_without_remedy"


OPEN_MATTER = (MatterStatus.RECORDED, MatterStatus.REFERRED, MatterStatus.ACKNOWLEDGED)


class ProgressStage(StrEnum):
    """How far a department has come with a matter it acknowledged, in order (its
    decision is the result, which resolves the matter)."""

    ACCEPTED = "accepted"  # taken on as a case of its own (立案)
    INVESTIGATING = "investigating"
    MEDIATION = "mediation"


class DepartmentReferral(Frozen):
    department: Department
    channel: Channel
    reference: str | None = None
    sent_at: datetime
    acknowledged_at: datetime | None = None
    acknowledgement_reference: str | None = None
    # The latest stage the department reported (the note is on the timeline), and when.
    progress: ProgressStage | None = None
    progress_at: datetime | None = None
    # When staff revoked the department's answer link of this referral (its letter's):
    # from then on the link is refused like an altered or expired one.
    link_revoked_at: datetime | None = None
    # The letter in force, by the step that made it (its seq, as in the matter's letters):
    # the referral's own, or the latest reissue. Its link names that step; a link naming
    # an earlier one is refused. None in a referral recorded before links were reissued
    # (its one link is the referral's).
    letter_seq: int | None = None


class LegalMatter(Frozen):
    id: str
    infringement: str
    infringer: str
    occurred_on: date | None = None
    evidence: list[str] = Field(default_factory=list)
    status: MatterStatus = MatterStatus.RECORDED
    referrals: list[DepartmentReferral] = Field(default_factory=list)
    outcome: str | None = None
    closure_reason: str | None = None
    recorded_at: datetime
    updated_at: datetime

    def referral_to(self, department: str) -> DepartmentReferral | None:
        """The matter's referral to that department (a Department, or its value), if any."""
        return next((r for r in self.referrals if r.department == department), None)


class RecordInfringement(StepBase):
    kind: Literal["infringement_recorded"] = "infringement_recorded"
    infringement: LongText = Field(description="What right was infringed, and how")
    infringer: ShortText = Field(description="By whom (employer, agency, person)")
    occurred_on: EventDate | None = None
    evidence: list[ShortText] = Field(default_factory=list, max_length=50)


class ReferMatter(StepBase):
    kind: Literal["matter_referred"] = "matter_referred"
    department: Department
    channel: Channel
    reference: ShortText | None = None
    sent_at: EventMoment | None = Field(default=None, description="Defaults to the time recorded")


class AcknowledgeMatter(StepBase):
    kind: Literal["matter_acknowledged"] = "matter_acknowledged"
    department: Department
    reference: ShortText | None = None
    acknowledged_at: EventMoment | None = Field(default=None, description="Defaults to now")


class ReportProgress(StepBase):
    kind: Literal["matter_progress_reported"] = "matter_progress_reported"
    department: Department = Field(description="The department whose progress this is")
    stage: ProgressStage = Field(description="How far the department has come")
    note: ShortText | None = Field(default=None, description="What it said, in a line")


class RevokeDepartmentLink(StepBase):
    kind: Literal["department_link_revoked"] = "department_link_revoked"
    department: Department = Field(description="The department whose answer link to revoke")
    reason: Reason = Field(description="Why (sent to the wrong address, leaked, ...)")


class ReissueDepartmentLink(StepBase):
    kind: Literal["department_link_reissued"] = "department_link_reissued"
    department: Department = Field(
        description="The department whose revoked answer link to replace with a new one"
    )


class ResolveMatter(StepBase):
    kind: Literal["matter_resolved"] = "matter_resolved"
    outcome: LongText


class CloseMatterWithoutRemedy(StepBase):
    kind: Literal["matter_closed"] = "matter_closed"
    reason: Reason


NEED = "legal_aid"
MATTERS = Items(field="legal_matters", prefix="M", model=LegalMatter, name="matter")
INFRINGEMENT_RECORDED = kind_of(RecordInfringement)
MATTER_REFERRED = kind_of(ReferMatter)
MATTER_ACKNOWLEDGED = kind_of(AcknowledgeMatter)
MATTER_RESOLVED = kind_of(ResolveMatter)
DEPARTMENT_LINK_REVOKED = kind_of(RevokeDepartmentLink)
DEPARTMENT_LINK_REISSUED = kind_of(ReissueDepartmentLink)
MATTER_PROGRESS_REPORTED = kind_of(ReportProgress)
MATTER_CLOSED = kind_of(CloseMatterWithoutRemedy)
