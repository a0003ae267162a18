"""Every value the console shows by name, in one table: enum values, step names, field
labels. The texts are English message ids; the reader's catalog translates them.

Templates never spell a value's name: they call ``label(value)``. A value missing here
shows as itself, and ``tests/console/test_labels.py`` fails on it.
"""

from __future__ import annotations

from enum import Enum

from services.cases.model import CaseOutcome, ClaimantCategory, Need, Relation, Stage
from services.cases.progress import TaskKind
from services.deadlines.policy import ClockKind
from services.legal.model import Channel, Department, MatterStatus
from services.placement.model import FollowUpStatus, ReferralStatus
from services.relief.model import Bureau, PetitionStatus
from services.startup.model import StartupStatus
from services.training.model import TrainingStatus
from services.values import Role


def N_(message: str) -> str:
    """Marks a message for extraction (``pybabel extract -k N_``); translated when shown."""
    return message


VALUES: dict[type[Enum], dict[str, str]] = {
    ClaimantCategory: {
        "veteran": N_("Veteran"),
        "military_family": N_("Military family"),
        "martyr_family": N_("Martyr's family"),
    },
    Need: {
        "training": N_("Vocational training"),
        "job_referral": N_("Job referral and placement"),
        "startup_aid": N_("Start-up aid"),
        "fee_relief": N_("Fee and tax relief"),
        "legal_aid": N_("Legal aid"),
    },
    Stage: {
        "intake": N_("Intake"),
        "assessment": N_("Assessment"),
        "active": N_("Active"),
        "closed": N_("Closed"),
    },
    CaseOutcome: {
        "placed": N_("Placed in a job"),
        "trained": N_("Trained"),
        "funded": N_("Funded"),
        "relief_granted": N_("Relief granted"),
        "rights_restored": N_("Rights restored"),
        "served": N_("Served"),
        "not_eligible": N_("Not eligible"),
        "withdrawn": N_("Withdrawn"),
        "unreachable": N_("Unreachable"),
        "no_remedy": N_("No remedy"),
    },
    Relation: {
        "spouse": N_("Spouse"),
        "parent": N_("Parent"),
        "child": N_("Child"),
        "sibling": N_("Sibling"),
        "other": N_("Other"),
    },
    Department: {"labour": N_("Labour department"), "justice": N_("Justice bureau")},
    Channel: {
        "in_person": N_("In person"),
        "phone": N_("Phone"),
        "letter": N_("Letter"),
        "online": N_("Online"),
        "fax": N_("Fax"),
    },
    MatterStatus: {
        "recorded": N_("Recorded"),
        "referred": N_("Referred to a department"),
        "acknowledged": N_("Acknowledged"),
        "resolved": N_("Resolved"),
        "closed_without_remedy": N_("Closed without remedy"),
    },
    TrainingStatus: {
        "enrolled": N_("Enrolled"),
        "completed": N_("Completed"),
        "dropped": N_("Dropped out"),
    },
    ReferralStatus: {
        "referred": N_("Referred"),
        "interviewing": N_("Interviewing"),
        "offered": N_("Offered"),
        "placed": N_("Placed"),
        "not_placed": N_("Not placed"),
    },
    FollowUpStatus: {
        "scheduled": N_("Scheduled"),
        "due": N_("Due"),
        "employed": N_("Still employed"),
        "left": N_("Left the job"),
        "cancelled": N_("Cancelled"),
    },
    StartupStatus: {
        "applied": N_("Applied"),
        "approved": N_("Approved"),
        "refused": N_("Refused"),
        "disbursed": N_("Disbursed"),
    },
    PetitionStatus: {
        "submitted": N_("Submitted"),
        "granted": N_("Granted"),
        "refused": N_("Refused"),
    },
    Bureau: {
        "market_regulation": N_("Market regulation bureau"),
        "tax": N_("Tax bureau"),
        "other": N_("Other bureau"),
    },
    TaskKind: {
        "decide_eligibility": N_("Decide eligibility"),
        "assign_lawyer": N_("Assign a lawyer"),
        "refer_matter": N_("Refer the legal matter"),
        "chase_acknowledgement": N_("Chase the acknowledgement"),
        "record_follow_up": N_("Record the follow-up"),
    },
    ClockKind: {
        "eligibility": N_("Eligibility decision"),
        "legal_referral": N_("Referral to a department"),
        "acknowledgement": N_("Department's acknowledgement"),
        "matter_stale": N_("Legal matter without a step"),
        "follow_up": N_("Follow-up"),
        "case_stale": N_("Case without a step"),
    },
    Role: {
        "staff": N_("Centre staff"),
        "lawyer": N_("Lawyer"),
        "supervisor": N_("Supervisor"),
        "admin": N_("Administrator"),
        "system": N_("The system"),
    },
}

# What each recorded step is called in the timeline (its event kind).
EVENTS: dict[str, str] = {
    "case_opened": N_("Case opened"),
    "assessment_started": N_("Assessment started"),
    "eligibility_decided": N_("Eligibility decided"),
    "need_added": N_("Need added"),
    "lawyer_assigned": N_("Lawyer assigned"),
    "case_closed": N_("Case closed"),
    "case_withdrawn": N_("Case withdrawn"),
    "case_reopened": N_("Case reopened"),
    "clock_paused": N_("Clock paused"),
    "clock_resumed": N_("Clock resumed"),
    "clock_alarm": N_("Deadline alarm"),
    "training_enrolled": N_("Enrolled in training"),
    "training_completed": N_("Training completed"),
    "training_dropped": N_("Dropped out of training"),
    "job_referred": N_("Referred to a job"),
    "interview_recorded": N_("Interview recorded"),
    "offer_recorded": N_("Offer recorded"),
    "placement_recorded": N_("Placement recorded"),
    "not_placed": N_("Not placed"),
    "follow_up_due": N_("Follow-up due"),
    "follow_up_recorded": N_("Follow-up recorded"),
    "startup_applied": N_("Start-up aid applied for"),
    "startup_approved": N_("Start-up aid approved"),
    "startup_refused": N_("Start-up aid refused"),
    "startup_disbursed": N_("Start-up aid paid out"),
    "petition_submitted": N_("Relief petition submitted"),
    "petition_granted": N_("Relief granted"),
    "petition_refused": N_("Relief refused"),
    "infringement_recorded": N_("Infringement recorded"),
    "matter_referred": N_("Matter referred to a department"),
    "matter_acknowledged": N_("Department acknowledged"),
    "matter_resolved": N_("Matter resolved"),
    "matter_closed": N_("Matter closed without remedy"),
}

# Field labels of every form, by field name (the same name means the same thing everywhere).
FIELDS: dict[str, str] = {
    "note": N_("Note"),
    "late_reason": N_("Why late"),
    "reason": N_("Reason"),
    "accepted": N_("Eligible"),
    "need": N_("Need"),
    "lawyer": N_("Lawyer"),
    "outcome": N_("Outcome"),
    "course": N_("Course"),
    "provider": N_("Training provider"),
    "starts_on": N_("Starts on"),
    "ends_on": N_("Ends on"),
    "certificate": N_("Certificate"),
    "employer": N_("Employer"),
    "position": N_("Position"),
    "referred_on": N_("Referred on"),
    "interview_on": N_("Interview on"),
    "monthly_wage": N_("Monthly wage (yuan)"),
    "day": N_("Follow-up day"),
    "still_employed": N_("Still employed"),
    "plan": N_("Business plan"),
    "amount_requested": N_("Amount requested (yuan)"),
    "amount_approved": N_("Amount approved (yuan)"),
    "amount": N_("Amount (yuan)"),
    "disbursed_on": N_("Paid on"),
    "bureau": N_("Bureau"),
    "bureau_name": N_("Bureau's name"),
    "request": N_("What is asked"),
    "submitted_on": N_("Submitted on"),
    "relief": N_("Relief granted"),
    "value": N_("Value (yuan)"),
    "infringement": N_("Infringement"),
    "infringer": N_("Infringer"),
    "occurred_on": N_("Occurred on"),
    "evidence": N_("Evidence (one item a line)"),
    "department": N_("Department"),
    "channel": N_("Channel"),
    "reference": N_("Reference"),
    "sent_at": N_("Sent at"),
    "acknowledged_at": N_("Acknowledged at"),
    # What items hold besides what their steps recorded.
    "enrolled_at": N_("Enrolled at"),
    "finished_at": N_("Finished at"),
    "drop_reason": N_("Why dropped out"),
    "offered_wage": N_("Wage offered (yuan)"),
    "not_placed_reason": N_("Why not placed"),
    "refusal_reason": N_("Why refused"),
    "amount_disbursed": N_("Amount paid (yuan)"),
    "closure_reason": N_("Why closed"),
    "recorded_at": N_("Recorded at"),
    "updated_at": N_("Last step at"),
    "acknowledgement_reference": N_("Acknowledgement reference"),
    # The intake form's own fields.
    "claimant.name": N_("Name"),
    "claimant.category": N_("Category"),
    "claimant.national_id": N_("National ID number"),
    "claimant.birth_date": N_("Birth date"),
    "claimant.phone": N_("Phone"),
    "claimant.address": N_("Address"),
    "claimant.situation": N_("Situation"),
    "needs": N_("Needs"),
    "summary": N_("Summary"),
    "claimant": N_("Claimant"),
}

_BY_VALUE = {(kind, value): text for kind, texts in VALUES.items() for value, text in texts.items()}


def message_of(value: object) -> str:
    """The English message id naming ``value`` (an enum member, or an event kind)."""
    if isinstance(value, Enum):
        return _BY_VALUE.get((type(value), value.value), str(value.value))
    return EVENTS.get(str(value), str(value))
