"""Email content and headers: what a subscriber reads, and what scraped text cannot do."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.core import mail

from registry import alerts, review
from registry.alerts import emails
from registry.alerts.headers import header_safe
from registry.models import Alert, Change
from tests.builders import make_change, make_company, make_subscription, make_vendor

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>{{ secret }}{% now "Y" %}'


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://subwatch.example"
    settings.DEFAULT_FROM_EMAIL = "Subwatch <alerts@subwatch.example>"


def confirmed(change: Change, email: str = "a@x.example") -> Alert:
    make_subscription(email, change.company)
    review.confirm(
        change,
        by=None,
        effective_date=date(2026, 4, 1),
        objection_deadline=date(2026, 3, 25),
        now=NOW,
    )
    return Alert.objects.get(change=change, recipient=email)


def sent_message():
    alerts.send_pending(now=NOW)
    [message] = mail.outbox
    return message


def test_change_alert_says_who_what_where_when_with_links():
    change = make_change(
        make_company("Acme Mail"),
        make_vendor("Mailgun"),
        after={
            "name": "Mailgun Technologies, Inc.",
            "vendor": "Mailgun",
            "purpose": "Transactional email",
            "locations": ["US", "EU"],
        },
    )
    confirmed(change)

    message = sent_message()

    assert message.subject == "[Subwatch] Acme Mail: Mailgun added as a sub-processor"
    assert message.from_email == "Subwatch <alerts@subwatch.example>"
    for text in (message.body, message.alternatives[0].content):
        assert "Mailgun Technologies, Inc." in text
        assert "Transactional email" in text
        assert "US, EU" in text
        assert "1 April 2026" in text
        assert "25 March 2026" in text
        assert "https://subwatch.example/c/acme-mail/" in text
    assert message.alternatives[0].mimetype == "text/html"


def test_evidence_link_points_at_the_snapshot_or_the_changes_page():
    change = make_change(make_company("Acme Mail"), make_vendor())
    confirmed(change)

    context = emails.describe_change(change)

    assert context["evidence_url"] == "https://subwatch.example/c/acme-mail/changes/"


def test_subscriber_mail_carries_one_click_unsubscribe_and_stable_message_id():
    change = make_change(make_company(), make_vendor())
    alert = confirmed(change)

    message = sent_message().message()

    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<https://subwatch.example/unsubscribe/")
    assert message["Message-ID"] == alert.message_id
    assert message["Message-ID"].endswith("@subwatch.example>")
    assert message["Date"]
    assert message.is_multipart()


def test_each_subscriber_gets_their_own_unsubscribe_link():
    change = make_change(make_company(), make_vendor())
    make_subscription("b@x.example", change.company)
    confirmed(change)

    alerts.send_pending(now=NOW)

    links = {m.extra_headers["List-Unsubscribe"] for m in mail.outbox}
    assert len(mail.outbox) == 2
    assert len(links) == 2
    assert all(m.extra_headers["List-Unsubscribe"][1:-1] in m.body for m in mail.outbox)


def test_dpo_mail_has_no_unsubscribe_header(settings):
    settings.SUBWATCH_DPO_EMAIL = "dpo@ours.example"
    settings.ALERT_DPO_ON_DETECTED = True
    alerts.enqueue_detected([make_change(make_company(), make_vendor())], now=NOW)

    message = sent_message()

    assert "List-Unsubscribe" not in message.extra_headers
    assert "https://subwatch.example/admin/registry/change/" in message.body


def test_scraped_text_is_escaped_in_html_and_never_rendered_as_a_template():
    change = make_change(
        make_company(),
        make_vendor("Evil Vendor"),
        after={"name": HOSTILE, "vendor": "Evil Vendor", "purpose": HOSTILE, "locations": []},
    )
    confirmed(change)

    message = sent_message()
    html = message.alternatives[0].content

    assert "<script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert "{{ secret }}" in message.body
    assert '{% now "Y" %}' in message.body


def test_vendor_name_with_line_breaks_cannot_inject_headers():
    vendor = make_vendor("Evil\r\nBcc: victim@y.example\r\nX-Injected: 1")
    confirmed(make_change(make_company(), vendor))

    message = sent_message().message()

    assert message["Bcc"] is None
    assert message["X-Injected"] is None
    assert not re.search(r"\n(?![ \t])", message["Subject"]), "only folding whitespace may follow"
    assert "Bcc: victim@y.example" in str(message["Subject"])


def test_header_safe_drops_controls_and_bidi_overrides_and_caps_length():
    assert header_safe("a\r\nb\tc") == "a b c"
    assert header_safe("pay\u202egnp.exe") == "paygnp.exe"
    assert len(header_safe("x" * 1000)) == 200


def test_confirmation_mail_carries_a_working_link_and_no_unsubscribe_header():
    from registry import subscriptions

    subscriptions.subscribe("new@x.example", company=None, client_ip="192.0.2.9", now=NOW)

    message = sent_message()

    assert message.subject == "[Subwatch] Confirm your subscription"
    assert "https://subwatch.example/subscribe/confirm/" in message.body
    assert "List-Unsubscribe" not in message.extra_headers


def test_scraped_bidi_overrides_and_huge_names_are_cleaned_in_both_bodies():
    change = make_change(
        make_company(),
        make_vendor("Plain"),
        after={"name": "Evil\u202egnp.exe " + "x" * 10_000, "vendor": "Plain", "locations": []},
    )
    confirmed(change)

    message = sent_message()

    for body in (message.body, message.alternatives[0].content):
        assert "\u202e" not in body
        assert "Evilgnp.exe" in body
        assert "x" * 400 not in body
