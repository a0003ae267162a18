"""One round of delivery: claim what is due, render each message for its reader, send it
through their channel, record the outcome. The worker process runs rounds in a loop
(``casework/processes.py``); nothing here knows of Temporal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import structlog
from sqlalchemy.orm import Session, sessionmaker

from services.db import transaction
from services.departments.referrals import LETTER_KIND, LetterNotFound, answer_link, letter_pdf
from services.notify import delivery
from services.notify.channels import DeliveryFailed, Sender
from services.notify.contacts import open_contact
from services.notify.delivery import Claimed, RetryPolicy
from services.notify.model import Channel, Contact
from services.notify.recipients import DEPARTMENT_PREFIX
from services.notify.render import Renderer
from services.users.records import UserRecord

log = structlog.stdlib.get_logger(__name__)


class Dispatcher:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        sender: Sender,
        renderer: Renderer,
        policy: RetryPolicy,
        departments: Mapping[str, Contact] | None = None,
        batch: int = 20,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._session_factory = session_factory
        self._sender = sender
        self._renderer = renderer
        self._policy = policy
        self._departments = dict(departments or {})
        self._batch = batch
        self._now = clock

    def run_once(self) -> int:
        """Deliver what is due now; how many messages were attempted."""
        with transaction(self._session_factory) as session:
            claimed = delivery.claim_due(
                session=session, now=self._now(), limit=self._batch, policy=self._policy
            )
        for message in claimed:
            self._deliver(message)
        return len(claimed)

    def _deliver(self, claimed: Claimed) -> None:
        channel: Channel | None = None
        try:
            with transaction(self._session_factory) as session:
                contact, language = self._reader(session, claimed)
                link = self._answer_link(session, claimed)
                letter = self._letter(session, claimed)
            channel = contact.preferred()
            if channel is None:
                raise DeliveryFailed(f"{claimed.recipient} has no contact details", permanent=True)
            message = self._renderer.render(claimed, language, answer_link=link)
            self._sender.send(
                contact=contact,
                channel=channel,
                message=message,
                message_id=claimed.message_id,
                attachment=letter,
            )
        except DeliveryFailed as failure:
            self._failed(claimed, failure.reason, channel, permanent=failure.permanent)
            return
        except Exception as error:  # a bug or an outage: retried like any failed attempt
            self._failed(claimed, f"{type(error).__name__}", channel, permanent=False)
            log.exception("notification attempt failed", case_id=claimed.case_id)
            return
        with transaction(self._session_factory) as session:
            recorded = delivery.mark_sent(
                session=session, claimed=claimed, channel=channel, now=self._now()
            )
        log.info(
            "notification sent",
            case_id=claimed.case_id,
            message_id=claimed.message_id,
            channel=channel.value,
            attempt=claimed.attempts,
            recorded=recorded,
        )

    def _reader(self, session: Session, claimed: Claimed) -> tuple[Contact, str | None]:
        if claimed.recipient.startswith(DEPARTMENT_PREFIX):
            name = claimed.recipient.removeprefix(DEPARTMENT_PREFIX)
            department = self._departments.get(name)
            if department is None:
                raise DeliveryFailed(f"no contact for {name} (DEPARTMENT_CONTACTS)", permanent=True)
            return department, None
        user = session.get(UserRecord, claimed.recipient)
        if user is None:
            raise DeliveryFailed(f"no user {claimed.recipient} to tell", permanent=True)
        if user.disabled:
            raise DeliveryFailed(f"{claimed.recipient} is disabled", permanent=True)
        return open_contact(user.username, user.contact), user.language

    def _letter(self, session: Session, claimed: Claimed) -> tuple[str, bytes] | None:
        """The referral letter a ``referral_letter`` message carries: (file name, PDF)."""
        if claimed.kind != LETTER_KIND:
            return None
        matter_id = claimed.clock_id.partition(":")[2].partition("/")[0]
        try:
            info, pdf = letter_pdf(
                session=session, case_id=claimed.case_id, matter_id=matter_id, seq=claimed.seq
            )
        except LetterNotFound:
            raise DeliveryFailed("the letter is erased", permanent=True) from None
        return f"{info.reference}.pdf", pdf

    def _answer_link(self, session: Session, claimed: Claimed) -> str | None:
        """The department's own link, for the chase (a message to a department)."""
        if not claimed.recipient.startswith(DEPARTMENT_PREFIX):
            return None
        target = claimed.clock_id.split("@", 1)[0].partition(":")[2]
        return answer_link(
            session=session,
            case_id=claimed.case_id,
            target=target,
            console_url=self._renderer.console_url,
        )

    def _failed(
        self, claimed: Claimed, reason: str, channel: Channel | None, *, permanent: bool
    ) -> None:
        with transaction(self._session_factory) as session:
            status = delivery.mark_failed(
                session=session,
                claimed=claimed,
                error=reason,
                now=self._now(),
                policy=self._policy,
                channel=channel,
                permanent=permanent,
            )
        log.warning(
            "notification not delivered",
            case_id=claimed.case_id,
            message_id=claimed.message_id,
            attempt=claimed.attempts,
            status=status,
            reason=reason,
        )
