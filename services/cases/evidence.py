"""An evidence file on the timeline: attaching one is a step of the case
(``evidence_attached``), taken on the case or on one of its items (a legal matter), whose
payload names the file by its id, type, size and SHA-256.

The file itself (name and content, both personal) is kept sealed beside the timeline
(``services/departments/evidence.py``) and erased with the case's key; what the step
records is not personal and stays, so the timeline proves which file was given when.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from services.cases.registry import TRACKS
from services.kernel.errors import StepRejected
from services.kernel.rulekit import stamp
from services.kernel.values import ShortText, StepBase

if TYPE_CHECKING:
    from services.cases.model import CaseFile
    from services.cases.steps import CaseEvent

SHA256_PATTERN = r"^[0-9a-f]{64}$"


class RecordEvidence(StepBase):
    """Taken by the evidence upload (``POST /cases/{case_id}/evidence``) once the file is
    stored: the file's id, type, size and hash (never its name)."""

    kind: Literal["evidence_attached"] = "evidence_attached"
    file_id: uuid.UUID
    content_type: ShortText
    size: int = Field(ge=1)
    sha256: str = Field(pattern=SHA256_PATTERN, description="Of the file's content")


EVIDENCE_ATTACHED = "evidence_attached"


def check_evidence(case: CaseFile, step: RecordEvidence, target: str | None) -> None:
    """At any stage (a payslip may come after closing); on the case or one of its items."""
    if target is not None and target not in {
        item.id for track in TRACKS for item in track.items.of(case)
    }:
        raise StepRejected(f"the case has no item {target}", code="unknown_item", field="matter_id")


def record_evidence(case: CaseFile, event: CaseEvent) -> CaseFile:
    return stamp(case, event)  # the file's record is the event itself
