"""Channel addresses and masked errors (no I/O)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.notify.channels import ChannelSettings, DeliveryFailed, Sender, mask
from services.notify.model import Channel, Contact, message_id

SENDER = Sender(
    ChannelSettings(
        smtp_url="mailtos://user:pw@smtp.example.org?from=centre@example.org",
        sms_url="jsons://sms.example.org/send?:to={phone}",
        timeout_seconds=5,
    )
)
MID = message_id("case", 1, "li")


def test_email_goes_to_the_person_through_the_centre_server_with_the_message_id() -> None:
    url = SENDER.url_for(Contact(email="li+a@example.org"), Channel.EMAIL, MID)
    assert url == (
        "mailtos://user:pw@smtp.example.org?from=centre@example.org"
        f"&to=li%2Ba@example.org&+X-Casework-Message-Id={MID}"
    )


def test_sms_fills_the_number_into_the_provider_url_and_tags_the_json() -> None:
    url = SENDER.url_for(Contact(phone="+8613912345678"), Channel.SMS, MID)
    assert url.startswith("jsons://sms.example.org/send?:to=%2B8613912345678&")
    assert f":message_id={MID}" in url and "rto=5" in url


def test_robot_webhooks_keep_their_url_and_get_timeouts() -> None:
    url = SENDER.url_for(Contact(webhook="dingtalk://TOKEN/"), Channel.WEBHOOK, MID)
    assert url == "dingtalk://TOKEN/?cto=5&rto=5"


def test_a_channel_without_address_or_configuration_fails_for_good() -> None:
    with pytest.raises(DeliveryFailed) as missing:
        SENDER.url_for(Contact(email="li@example.org"), Channel.SMS, MID)
    assert missing.value.permanent
    with pytest.raises(DeliveryFailed, match="NOTIFY_SMTP_URL"):
        Sender(ChannelSettings()).url_for(Contact(email="li@example.org"), Channel.EMAIL, MID)


def test_contact_refuses_unknown_webhook_schemes_and_bad_numbers() -> None:
    with pytest.raises(ValidationError, match="webhook"):
        Contact(webhook="http://169.254.169.254/latest")
    with pytest.raises(ValidationError, match="phone"):
        Contact(phone="call me")
    assert Contact(email="a@b.cn", webhook="feishu://x").preferred() is Channel.EMAIL
    assert Contact(email="a@b.cn", webhook="feishu://x", channel=Channel.WEBHOOK).preferred() is (
        Channel.WEBHOOK
    )
    assert Contact(webhook="feishu://x", channel=Channel.SMS).preferred() is Channel.WEBHOOK


def test_masked_errors_carry_no_address_number_or_token() -> None:
    text = mask(
        "Failed to send to li@example.org via json://10.0.0.1/hook/abc, "
        "phone 139 1234 5678, key AbCdEfGhIjKlMnOpQrStUvWx"
    )
    for secret in ("li@example.org", "10.0.0.1", "139 1234 5678", "AbCdEfGhIjKl"):
        assert secret not in text
    assert "Failed to send" in text


def test_a_department_link_never_reaches_a_log_line() -> None:
    from casework.logging import mask_personal_data

    line = "GET /department/WyJjIiwiTTEiLCJsYWJvdXIiLDRd.axF2GQ.MxRQzeYBnMcJ43Fo/result HTTP/1.1"
    masked = mask_personal_data(None, "info", {"event": line})["event"]
    assert "WyJj" not in masked and masked.startswith("GET /department/[masked]/result")
