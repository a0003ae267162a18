"""A message as its reader reads it: their language (Chinese unless they chose another),
the centre's local time, and a link to the case in the console.

The texts are templates beside this module (``templates/<language>/<kind>.txt``): the
first line is the title (an email's subject, a robot's heading), the rest the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from services.notify.delivery import Claimed

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
_TEMPLATES = Path(__file__).parent / "templates"
# What a clock and a rung are called, per language (the console's words for them).
CLOCK_NAMES = {
    "zh_CN": {
        "eligibility": "资格认定",
        "follow_up": "回访",
        "legal_referral": "通报部门",
        "acknowledgement": "部门回复",
        "matter_stale": "法律事项长期无进展",
        "hardship_decision": "困难帮扶审批",
        "case_stale": "案件长期无进展",
    },
    "en": {
        "eligibility": "Eligibility decision",
        "follow_up": "Follow-up",
        "legal_referral": "Referral to a department",
        "acknowledgement": "Department's acknowledgement",
        "matter_stale": "Legal matter without a step",
        "hardship_decision": "Hardship decision",
        "case_stale": "Case without a step",
    },
}
RUNG_NAMES = {
    "zh_CN": {"assignee": "经办人", "supervisor": "主管", "centre_head": "中心负责人"},
    "en": {
        "assignee": "the assignee",
        "supervisor": "the supervisor",
        "centre_head": "the centre head",
    },
}


@dataclass(frozen=True)
class Message:
    title: str
    body: str


class Renderer:
    def __init__(self, *, timezone: str, console_url: str) -> None:
        self.timezone = ZoneInfo(timezone)
        self.console_url = console_url.rstrip("/")  # the console is under /console
        self._environment = Environment(
            loader=FileSystemLoader(_TEMPLATES),
            undefined=StrictUndefined,
            autoescape=False,  # noqa: S701 - plain text, no HTML: each channel escapes it
        )

    def render(
        self, claimed: Claimed, language: str | None, *, answer_link: str | None = None
    ) -> Message:
        """The message for its reader; a department's (the chase) is always in Chinese,
        with its own answer link rather than the console's."""
        language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        kind = claimed.kind
        if claimed.recipient.startswith("department:"):
            language = DEFAULT_LANGUAGE
            kind = "chase" if kind == "due_soon" else kind
        try:
            template = self._environment.get_template(f"{language}/{kind}.txt")
        except TemplateNotFound:
            template = self._environment.get_template(f"{language}/other.txt")
        kind, _, target = claimed.clock_id.split("@", 1)[0].partition(":")
        late = claimed.created_at - claimed.due_at if claimed.due_at else None
        text = template.render(
            case_id=claimed.case_id,
            case_ref=claimed.case_id[:8],
            clock=CLOCK_NAMES[language].get(kind, kind),
            target=target or None,
            due=self._local(claimed.due_at),
            at=self._local(claimed.created_at),
            late_days=late.days if late else 0,
            late_hours=late.seconds // 3600 if late else 0,
            rung=RUNG_NAMES[language].get(claimed.rung or "", claimed.rung),
            link=f"{self.console_url}/console/cases/{claimed.case_id}",
            message_id=claimed.message_id,
            message=claimed.message,
            answer_link=answer_link,
            reference=f"CW-{claimed.case_id[:8]}-{target.partition('/')[0]}"
            + (f"-{claimed.seq}" if claimed.kind == "referral_letter" else ""),
        )
        title, _, body = text.strip().partition("\n")
        return Message(title=title.strip(), body=body.strip())

    def _local(self, at: datetime | None) -> str | None:
        if at is None:
            return None
        return at.astimezone(self.timezone).strftime("%Y-%m-%d %H:%M")
