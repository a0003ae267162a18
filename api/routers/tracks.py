"""Steps of the service tracks: training, job referral and placement, start-up aid, fee relief."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, status

from api.problems import PROBLEMS, STEP_PROBLEMS
from api.steps import StepDep
from services.cases.model import CaseFile
from services.fee_relief.model import GrantPetition, RefusePetition, SubmitPetition
from services.job_referral.model import (
    RecordFollowUp,
    RecordInterview,
    RecordNotPlaced,
    RecordOffer,
    RecordPlacement,
    ReferToJob,
)
from services.startup_aid.model import (
    ApplyStartupAid,
    ApproveStartupAid,
    DisburseStartupAid,
    RefuseStartupAid,
)
from services.training.model import CompleteTraining, DropTraining, EnrolTraining

# Every route here is a step.
router = APIRouter(prefix="/cases/{case_id}", responses=PROBLEMS | STEP_PROBLEMS)
CaseId = uuid.UUID
ItemId = Annotated[str, Path(pattern=r"^[A-Z][0-9]{1,9}$", examples=["R7"])]
CREATED = status.HTTP_201_CREATED


@router.post("/training", status_code=CREATED, tags=["training"])
async def enrol_training(
    case_id: CaseId,
    body: EnrolTraining,
    writer: StepDep,
) -> CaseFile:
    """Enrol the claimant in a course; ``Location`` names the enrolment."""
    return await writer.apply(case_id, body, created="training/T")


@router.post("/training/{enrolment_id}/completion", tags=["training"])
async def complete_training(
    case_id: CaseId,
    enrolment_id: ItemId,
    body: CompleteTraining,
    writer: StepDep,
) -> CaseFile:
    """The claimant completed the course."""
    return await writer.apply(case_id, body, target=enrolment_id)


@router.post("/training/{enrolment_id}/drop", tags=["training"])
async def drop_training(
    case_id: CaseId,
    enrolment_id: ItemId,
    body: DropTraining,
    writer: StepDep,
) -> CaseFile:
    """The claimant dropped out, with the reason."""
    return await writer.apply(case_id, body, target=enrolment_id)


@router.post("/referrals", status_code=CREATED, tags=["job referral"])
async def refer_to_job(case_id: CaseId, body: ReferToJob, writer: StepDep) -> CaseFile:
    """Refer the claimant to an employer; ``Location`` names the referral."""
    return await writer.apply(case_id, body, created="referrals/R")


@router.post("/referrals/{referral_id}/interview", tags=["job referral"])
async def record_interview(
    case_id: CaseId,
    referral_id: ItemId,
    body: RecordInterview,
    writer: StepDep,
) -> CaseFile:
    """An interview was arranged."""
    return await writer.apply(case_id, body, target=referral_id)


@router.post("/referrals/{referral_id}/offer", tags=["job referral"])
async def record_offer(
    case_id: CaseId,
    referral_id: ItemId,
    body: RecordOffer,
    writer: StepDep,
) -> CaseFile:
    """The employer made an offer."""
    return await writer.apply(case_id, body, target=referral_id)


@router.post("/referrals/{referral_id}/placement", tags=["job referral"])
async def record_placement(
    case_id: CaseId,
    referral_id: ItemId,
    body: RecordPlacement,
    writer: StepDep,
) -> CaseFile:
    """Placed in the job: schedules follow-ups 30, 90 and 180 days after the start date."""
    return await writer.apply(case_id, body, target=referral_id)


@router.post("/referrals/{referral_id}/not-placed", tags=["job referral"])
async def record_not_placed(
    case_id: CaseId,
    referral_id: ItemId,
    body: RecordNotPlaced,
    writer: StepDep,
) -> CaseFile:
    """The referral did not lead to a job, with the reason."""
    return await writer.apply(case_id, body, target=referral_id)


@router.post("/referrals/{referral_id}/follow-ups", tags=["job referral"])
async def record_follow_up(
    case_id: CaseId,
    referral_id: ItemId,
    body: RecordFollowUp,
    writer: StepDep,
) -> CaseFile:
    """Record a due retention follow-up: still employed, or left (with the reason)."""
    return await writer.apply(case_id, body, target=referral_id)


@router.post("/startup-aid", status_code=CREATED, tags=["start-up aid"])
async def apply_startup_aid(
    case_id: CaseId,
    body: ApplyStartupAid,
    writer: StepDep,
) -> CaseFile:
    """Apply for a start-up grant; ``Location`` names the application."""
    return await writer.apply(case_id, body, created="startup-aid/S")


@router.post("/startup-aid/{application_id}/approval", tags=["start-up aid"])
async def approve_startup_aid(
    case_id: CaseId,
    application_id: ItemId,
    body: ApproveStartupAid,
    writer: StepDep,
) -> CaseFile:
    """The grant was approved, for an amount."""
    return await writer.apply(case_id, body, target=application_id)


@router.post("/startup-aid/{application_id}/refusal", tags=["start-up aid"])
async def refuse_startup_aid(
    case_id: CaseId,
    application_id: ItemId,
    body: RefuseStartupAid,
    writer: StepDep,
) -> CaseFile:
    """The grant was refused, with the reason."""
    return await writer.apply(case_id, body, target=application_id)


@router.post("/startup-aid/{application_id}/disbursement", tags=["start-up aid"])
async def disburse_startup_aid(
    case_id: CaseId,
    application_id: ItemId,
    body: DisburseStartupAid,
    writer: StepDep,
) -> CaseFile:
    """The approved grant was paid out (at most the approved amount)."""
    return await writer.apply(case_id, body, target=application_id)


@router.post("/fee-relief", status_code=CREATED, tags=["fee relief"])
async def submit_petition(
    case_id: CaseId,
    body: SubmitPetition,
    writer: StepDep,
) -> CaseFile:
    """Petition a bureau for reduced or waived fees; ``Location`` names the petition."""
    return await writer.apply(case_id, body, created="fee-relief/P")


@router.post("/fee-relief/{petition_id}/grant", tags=["fee relief"])
async def grant_petition(
    case_id: CaseId,
    petition_id: ItemId,
    body: GrantPetition,
    writer: StepDep,
) -> CaseFile:
    """The bureau granted relief: what was reduced or waived, and its value."""
    return await writer.apply(case_id, body, target=petition_id)


@router.post("/fee-relief/{petition_id}/refusal", tags=["fee relief"])
async def refuse_petition(
    case_id: CaseId,
    petition_id: ItemId,
    body: RefusePetition,
    writer: StepDep,
) -> CaseFile:
    """The bureau refused, with the reason."""
    return await writer.apply(case_id, body, target=petition_id)
