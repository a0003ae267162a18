"""Every value the console shows by name, in one table: enum values, step buttons, event
kinds, field labels. The texts are English message ids; the reader's catalog translates them.

Templates never spell a value's name: they call ``label(value)``. A value missing here
shows as itself, and ``tests/console/test_labels.py`` fails on it.
"""

from __future__ import annotations

from enum import Enum

from services.campaigns.figures import Status as VisitStatus
from services.cases.lifecycle import CaseOutcome, Stage
from services.cases.model import ClaimantCategory, Need, Relation
from services.cases.notes import ContactKind
from services.cases.progress import TaskKind
from services.deadlines.policy import ClockKind
from services.fee_relief.model import Bureau, PetitionStatus
from services.hardship_aid.model import Difficulty, HardshipStatus
from services.job_referral.model import FollowUpStatus, ReferralStatus
from services.kernel.actors import Role
from services.legal_aid.model import Channel, Department, MatterStatus, ProgressStage
from services.register.model import Category, Flag
from services.startup_aid.model import StartupStatus
from services.training.model import TrainingStatus
from services.users.account_log import AccountAction
from services.users.changes import RequestKind


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
        "hardship_aid": N_("Hardship assistance"),
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
    ProgressStage: {
        "accepted": N_("Accepted (case opened)"),
        "investigating": N_("Investigating"),
        "mediation": N_("Mediating"),
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
    Difficulty: {
        "living": N_("Living costs"),
        "medical": N_("Medical costs"),
        "education": N_("Schooling costs"),
        "housing": N_("Housing"),
        "other": N_("Other difficulty"),
    },
    HardshipStatus: {
        "requested": N_("Requested"),
        "granted": N_("Granted"),
        "refused": N_("Refused"),
        "paid": N_("Paid in full"),
    },
    TaskKind: {
        "decide_eligibility": N_("Decide eligibility"),
        "assign_lawyer": N_("Assign a lawyer"),
        "refer_matter": N_("Refer the legal matter"),
        "chase_acknowledgement": N_("Chase the acknowledgement"),
        "record_follow_up": N_("Record the follow-up"),
        "decide_hardship_request": N_("Decide the hardship request"),
        "pay_hardship_grant": N_("Pay out the hardship grant"),
        "record_training_result": N_("Record how the course ended"),
        "decide_startup_application": N_("Decide the start-up application"),
        "disburse_startup_grant": N_("Pay out the start-up grant"),
        "chase_petition": N_("Chase the bureau's decision"),
        "record_interview": N_("Record the interview"),
        "record_interview_outcome": N_("Record the interview's outcome"),
    },
    ClockKind: {
        "eligibility": N_("Eligibility decision"),
        "legal_referral": N_("Referral to a department"),
        "acknowledgement": N_("Department's acknowledgement"),
        "matter_stale": N_("Legal matter without a step"),
        "follow_up": N_("Follow-up"),
        "hardship_decision": N_("Hardship decision"),
        "case_stale": N_("Case without a step"),
    },
    AccountAction: {
        "added": N_("Account added"),
        "disabled": N_("Account disabled"),
        "password_reset": N_("Password reset"),
        "role_changed": N_("Role changed"),
        "password_changed": N_("Password changed by its owner"),
        "removed": N_("Account removed"),
        "requested": N_("Change asked for"),
        "approved": N_("Change approved"),
        "refused": N_("Change refused"),
    },
    RequestKind: {
        "add": N_("Add the account"),
        "password": N_("Reset the password"),
        "role": N_("Change the role"),
    },
    Category: {
        "veteran": N_("Veteran"),
        "disabled_veteran": N_("Disabled veteran"),
        "active_duty_family": N_("Family of a serving soldier"),
        "martyr_family": N_("Martyr's family"),
        "duty_death_family": N_("Family of a soldier who died on duty"),
        "illness_death_family": N_("Family of a soldier who died of illness"),
        "demobilised_veteran": N_("Demobilised veteran in the countryside"),
        "ill_returned_veteran": N_("Veteran returned home ill"),
        "combat_veteran": N_("Veteran of combat or weapons tests"),
    },
    Flag: {
        "in_difficulty": N_("In difficulty"),
        "elderly_alone": N_("Elderly, living alone"),
        "disabled": N_("Disabled"),
    },
    VisitStatus: {
        "visited": N_("Visited"),
        "not_reached": N_("Not reached"),
        "not_visited": N_("Not visited yet"),
    },
    ContactKind: {
        "phone_call": N_("Phone call"),
        "home_visit": N_("Home visit"),
        "office_visit": N_("Visit to the centre"),
        "letter": N_("Letter"),
        "message": N_("Message"),
        "other": N_("Other contact"),
    },
    Role: {
        "staff": N_("Centre staff"),
        "lawyer": N_("Lawyer"),
        "supervisor": N_("Supervisor"),
        "head": N_("Centre head"),
        "admin": N_("Administrator"),
        "system": N_("The system"),
        "department": N_("A department"),
    },
}

# What each recorded step is called in the timeline (its event kind).
EVENTS: dict[str, str] = {
    "case_opened": N_("Case opened"),
    "assessment_started": N_("Assessment started"),
    "eligibility_decided": N_("Eligibility decided"),
    "need_added": N_("Need added"),
    "lawyer_assigned": N_("Lawyer assigned"),
    "case_reassigned": N_("Case reassigned"),
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
    "department_link_revoked": N_("Department's answer link revoked"),
    "department_link_reissued": N_("Department's answer link issued anew"),
    "matter_progress_reported": N_("Department reported progress"),
    "hardship_requested": N_("Hardship assistance requested"),
    "hardship_granted": N_("Hardship assistance granted"),
    "hardship_refused": N_("Hardship assistance refused"),
    "hardship_paid": N_("Hardship assistance paid"),
    "note_added": N_("Note added"),
    "claimant_corrected": N_("Claimant's details corrected"),
    "evidence_attached": N_("Evidence file attached"),
}

# The button of each step form (``api.console.catalog``), by the form's name: the API's
# operation name with dashes. A step missing here is named by its event kind.
STEPS: dict[str, str] = {
    "start-assessment": N_("Start the assessment"),
    "decide-eligibility": N_("Decide eligibility"),
    "add-need": N_("Add a need"),
    "assign-lawyer": N_("Assign a lawyer"),
    "reassign": N_("Hand the case to another member of staff"),
    "close": N_("Close the case"),
    "withdraw": N_("Withdraw the case"),
    "reopen": N_("Reopen the case"),
    "enrol-training": N_("Enrol in a course"),
    "complete-training": N_("Completed"),
    "drop-training": N_("Dropped out"),
    "refer-to-job": N_("Refer to an employer"),
    "record-interview": N_("Interview"),
    "record-offer": N_("Offer"),
    "record-placement": N_("Placed"),
    "record-not-placed": N_("Not placed"),
    "record-follow-up": N_("Follow-up"),
    "apply-startup-aid": N_("Apply for start-up aid"),
    "approve-startup-aid": N_("Approve"),
    "refuse-startup-aid": N_("Refuse"),
    "disburse-startup-aid": N_("Pay out"),
    "submit-petition": N_("Petition a bureau"),
    "grant-petition": N_("Granted"),
    "refuse-petition": N_("Refused"),
    "record-infringement": N_("Record an infringement"),
    "refer-matter": N_("Refer to a department"),
    "acknowledge-matter": N_("Acknowledgement"),
    "resolve-matter": N_("Resolved"),
    "close-matter": N_("Close without remedy"),
    "revoke-department-link": N_("Revoke the department's link"),
    "reissue-department-link": N_("Issue the department a new link"),
    "report-progress": N_("Progress"),
    "request-hardship-aid": N_("Request hardship assistance"),
    "grant-hardship-aid": N_("Grant"),
    "refuse-hardship-aid": N_("Refuse"),
    "pay-hardship-aid": N_("Record a payment"),
    "add-note": N_("Add a note"),
}

# Field labels of every form, by field name (the same name means the same thing everywhere).
FIELDS: dict[str, str] = {
    "note": N_("Note"),
    "late_reason": N_("Why late"),
    "reason": N_("Reason"),
    "accepted": N_("Eligible"),
    "need": N_("Need"),
    "lawyer": N_("Lawyer"),
    "owner": N_("Responsible staff member"),
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
    "difficulty": N_("Difficulty"),
    "situation": N_("The family's situation"),
    "amount_granted": N_("Amount granted (yuan)"),
    "paid_on": N_("Paid on"),
    "payments": N_("Payments"),
    "requested_at": N_("Requested at"),
    "decided_at": N_("Decided at"),
    "closure_reason": N_("Why closed"),
    "recorded_at": N_("Recorded at"),
    "updated_at": N_("Last step at"),
    "acknowledgement_reference": N_("Acknowledgement reference"),
    "link_revoked_at": N_("Answer link revoked at"),
    "letter_seq": N_("Letter in force (number)"),
    "progress": N_("Progress"),
    "progress_at": N_("Progress reported at"),
    "stage": N_("Stage"),
    "contact": N_("Kind of contact"),
    "happened_at": N_("When it happened"),
    "item": N_("About item"),
    "supersedes": N_("Corrects note"),
    "by": N_("Written by"),
    "superseded_by": N_("Corrected by note"),
    # The intake form's own fields.
    "claimant.name": N_("Name"),
    "claimant.category": N_("Category"),
    "claimant.national_id": N_("National ID number"),
    "claimant.birth_date": N_("Birth date"),
    "claimant.phone": N_("Phone"),
    "claimant.address": N_("Address"),
    "claimant.situation": N_("Situation"),
    "claimant.household": N_("Household"),
    "needs": N_("Needs"),
    "summary": N_("Summary"),
    "claimant": N_("Claimant"),
    "township": N_("Township (to add them to the register)"),
    # The visit form's fields (services/campaigns/visits.py: VisitIn).
    "person_id": N_("Household"),
    "visited_on": N_("Visited on"),
    "reached": N_("The family was met"),
    "cash": N_("Condolence money (yuan)"),
    "goods": N_("Goods given (one a line: name and value in yuan)"),
    "visitors": N_("Other staff who went (user names)"),
    "leaders": N_("Leaders who came along (one a line: name and title)"),
    "findings": N_("What was found"),
}


def step_label(form: str, kind: str) -> str:
    """The message id of a step form's button: its own, else its event kind's."""
    return STEPS.get(form) or EVENTS.get(kind, form)


_BY_VALUE = {(kind, value): text for kind, texts in VALUES.items() for value, text in texts.items()}


def message_of(value: object) -> str:
    """The English message id naming ``value`` (an enum member, or an event kind)."""
    if isinstance(value, Enum):
        return _BY_VALUE.get((type(value), value.value), str(value.value))
    return EVENTS.get(str(value), str(value))


# Values a step's payload holds by name that the timeline shows (a choice, not text).
PAYLOAD_CHOICES: dict[str, type[Enum]] = {"stage": ProgressStage}


def payload_message(key: str, value: object) -> str:
    """The message id naming a timeline entry's ``key`` value: a choice's label, or the
    text as it was written."""
    choice = PAYLOAD_CHOICES.get(key)
    if choice is not None and str(value) in {member.value for member in choice}:
        return message_of(choice(str(value)))
    return str(value)


# The report's figures (``services/reports``), by their names in the JSON summary and CSV.
# A figure split by category or department is also named as a whole (its chart's title).
FIGURE_NAMES: dict[str, str] = {
    "training_completed": N_("Training completed"),
    "placements": N_("Placements"),
    "placements.veteran": N_("Placements, veterans"),
    "placements.military_family": N_("Placements, military families"),
    "placements.martyr_family": N_("Placements, martyrs' families"),
    "retention.30.recorded": N_("30-day follow-ups recorded"),
    "retention.30.employed": N_("Still employed at 30 days"),
    "retention.90.recorded": N_("90-day follow-ups recorded"),
    "retention.90.employed": N_("Still employed at 90 days"),
    "retention.180.recorded": N_("180-day follow-ups recorded"),
    "retention.180.employed": N_("Still employed at 180 days"),
    "startups_funded": N_("Start-ups funded"),
    "fee_relief_granted": N_("Fee and tax relief granted"),
    "legal_referred": N_("Legal matters referred"),
    "legal_referred.labour": N_("Legal matters referred to the labour department"),
    "legal_referred.justice": N_("Legal matters referred to the justice bureau"),
    "legal_resolved": N_("Legal matters resolved"),
    "hardship_requested": N_("Hardship assistance requested"),
    "hardship_granted": N_("Hardship assistance granted"),
    "hardship_granted.veteran": N_("Hardship assistance granted, veterans"),
    "hardship_granted.military_family": N_("Hardship assistance granted, military families"),
    "hardship_granted.martyr_family": N_("Hardship assistance granted, martyrs' families"),
    "hardship_paid": N_("Hardship assistance paid"),
    # Medians of the time to act.
    "intake_to_eligibility": N_("From intake to the eligibility decision"),
    "infringement_to_referral": N_("From an infringement's record to its referral"),
}

# How far up the ladder a breach went (``services.deadlines.policy.LADDER``).
RUNGS: dict[str, str] = {
    "assignee": N_("The owner"),
    "supervisor": N_("A supervisor"),
    "centre_head": N_("The centre head"),
}
