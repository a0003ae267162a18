"""Step forms: generated from the steps' models, offered when the case's own rules allow
the step now, and read back into the model's input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from api.console.catalog import allows_now, form_named, late_now, step_forms
from api.console.forms import inputs_of, model_input
from api.console.i18n import Formats
from services.cases import rules
from services.cases.model import CaseFile, Need
from services.cases.steps import CaseEvent, DecideEligibility, StartAssessment, Step
from services.deadlines.calendar import DEFAULT_DIRECTORY
from services.deadlines.clocks import rules_in_force, start_clock
from services.deadlines.policy import ClockKind, policy_with
from services.job_referral.model import RecordPlacement, ReferToJob
from services.kernel.actors import Actor, Role
from services.kernel.values import StepBase
from services.legal_aid.model import (
    AcknowledgeMatter,
    Channel,
    Department,
    ProgressStage,
    RecordInfringement,
    ReferMatter,
    ReissueDepartmentLink,
    ReportProgress,
    RevokeDepartmentLink,
)
from tests.support import intake

STAFF = Actor(id="desk", role=Role.STAFF)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _case(*steps: tuple[Step, str | None], needs: list[Need] | None = None) -> CaseFile:
    case = rules.evolve(None, _event(1, intake(*(needs or [Need.JOB_REFERRAL])), None))
    for seq, (step, target) in enumerate(steps, start=2):
        case = rules.evolve(case, _event(seq, step, target))
    return case


def _event(seq: int, step: Step | StepBase, target: str | None) -> CaseEvent:
    at = NOW + timedelta(minutes=seq)
    return CaseEvent(case_id="c-1", seq=seq, at=at, actor=STAFF, target=target, step=step)  # type: ignore[arg-type]


def _offered(case: CaseFile, target: str | None = None) -> set[str]:
    return {
        form.name
        for form in step_forms()
        if form.on_item == (target is not None) and allows_now(case, form, STAFF, target)
    }


def test_a_new_case_offers_the_assessment_and_withdrawal_but_no_track_step() -> None:
    offered = _offered(_case())

    assert {"start-assessment", "decide-eligibility", "withdraw", "close"} <= offered
    assert not offered & {"reopen", "refer-to-job", "enrol-training", "record-infringement"}


def test_an_active_case_offers_its_own_tracks_only() -> None:
    case = _case((StartAssessment(), None), (DecideEligibility(accepted=True), None))

    offered = _offered(case)

    assert "refer-to-job" in offered
    assert not offered & {"enrol-training", "start-assessment", "decide-eligibility"}


def test_an_item_offers_the_steps_its_status_allows() -> None:
    case = _case(
        (StartAssessment(), None),
        (DecideEligibility(accepted=True), None),
        (ReferToJob(employer="Mill", position="Driver", referred_on=date(2026, 3, 2)), None),
    )

    offered = _offered(case, target="R4")

    assert {"record-interview", "record-offer", "record-not-placed"} <= offered
    assert "record-placement" not in offered  # an offer comes first
    assert "record-follow-up" not in offered  # none is due


def test_a_closed_case_offers_reopening_only() -> None:
    offered = _offered(
        _case((StartAssessment(), None), (DecideEligibility(accepted=False, reason="no"), None))
    )

    assert offered == {"reopen", "add-note"}  # a call after closing is noted too


def test_a_referred_matter_offers_to_revoke_its_link_and_once_revoked_to_issue_a_new_one() -> None:
    infringement = RecordInfringement(infringement="unpaid", infringer="Mill")
    referred = ReferMatter(department=Department.LABOUR, channel=Channel.LETTER)
    revoked = RevokeDepartmentLink(department=Department.LABOUR, reason="sent to a wrong address")
    reissued = ReissueDepartmentLink(department=Department.LABOUR)
    legal = [Need.LEGAL_AID]
    links = {"revoke-department-link", "reissue-department-link"}

    assert not links & _offered(_case((infringement, None), needs=legal), "M2")
    case = _case((infringement, None), (referred, "M2"), needs=legal)
    assert links & _offered(case, "M2") == {"revoke-department-link"}
    case = _case((infringement, None), (referred, "M2"), (revoked, "M2"), needs=legal)
    assert links & _offered(case, "M2") == {"reissue-department-link"}
    steps = (infringement, None), (referred, "M2"), (revoked, "M2"), (reissued, "M2")
    assert links & _offered(_case(*steps, needs=legal), "M2") == {"revoke-department-link"}


def test_progress_is_offered_once_a_department_acknowledged_until_the_matter_is_over() -> None:
    infringement = RecordInfringement(infringement="unpaid", infringer="Mill")
    referred = ReferMatter(department=Department.LABOUR, channel=Channel.LETTER)
    acknowledged = AcknowledgeMatter(department=Department.LABOUR)
    mediating = ReportProgress(department=Department.LABOUR, stage=ProgressStage.MEDIATION)
    steps = [(infringement, None), (referred, "M2")]
    legal = [Need.LEGAL_AID]

    assert "report-progress" not in _offered(_case(*steps, needs=legal), "M2")
    steps.append((acknowledged, "M2"))
    assert "report-progress" in _offered(_case(*steps, needs=legal), "M2")
    steps.append((mediating, "M2"))  # the last stage: reported again, with a new note
    assert "report-progress" in _offered(_case(*steps, needs=legal), "M2")


def test_the_late_reason_is_asked_once_a_clock_has_passed() -> None:
    case = _case(
        (RecordInfringement(infringement="unpaid", infringer="Mill"), None), needs=[Need.LEGAL_AID]
    )
    refer = form_named("refer-matter")
    assert refer is not None
    force = rules_in_force(NOW, DEFAULT_DIRECTORY, 480, policy_with())
    passed = start_clock(force, ClockKind.LEGAL_REFERRAL, at=NOW - timedelta(days=3), seq=2,
                         target="M2", assignee=None)  # fmt: skip
    late_case = case.model_copy(update={"clocks": [passed]})

    assert not late_now(case.model_copy(update={"clocks": []}), refer, "M2")
    assert late_now(late_case, refer, "M2")
    assert "late_reason" in {made.name for made in inputs_of(ReferMatter, late=True)}
    assert "late_reason" not in {made.name for made in inputs_of(ReferMatter)}


def test_a_form_is_made_from_the_steps_model() -> None:
    inputs = {made.name: made for made in inputs_of(ReferMatter)}

    assert list(inputs) == ["department", "channel", "reference", "sent_at", "note"]
    assert inputs["department"].widget == "select" and inputs["department"].required
    assert inputs["department"].options[0] == ("labour", "Labour department")
    assert inputs["sent_at"].widget == "datetime" and not inputs["sent_at"].required
    assert inputs["sent_at"].help == "Defaults to the time recorded"
    assert inputs["note"].widget == "textarea"


def test_what_a_form_posts_is_read_as_the_models_input() -> None:
    formats = Formats("zh_CN", "Asia/Shanghai")

    placed = RecordPlacement.model_validate(
        model_input(RecordPlacement, {"starts_on": "2026-03-20", "monthly_wage": "4200",
                                      "note": " ", "csrf_token": "x"}, formats)
    )  # fmt: skip
    referred = ReferMatter.model_validate(
        model_input(ReferMatter, {"department": "justice", "channel": "letter",
                                  "sent_at": "2026-03-02T09:30"}, formats)
    )  # fmt: skip

    assert placed.monthly_wage == Decimal("4200") and placed.note is None
    assert referred.sent_at == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
