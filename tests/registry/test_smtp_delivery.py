"""End to end through a real SMTP server on 127.0.0.1: subscribe, confirm, alert, unsubscribe."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from email.message import Message
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.core.mail import get_connection
from django.utils import timezone

from registry import alerts, review
from registry.alerts import sender
from registry.models import Alert, Subscription
from tests.builders import make_change, make_company, make_subscription, make_vendor
from tests.conftest import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://subwatch.example"
    cache.clear()


class Killed(BaseException):
    """Stands in for SIGKILL: nothing in the sender may catch it."""


class KillAfter:
    """Wraps a real SMTP connection and dies after `count` messages were accepted.

    With `before_stamp`, it dies right after the server accepted message `count`
    (before the sender could stamp it); otherwise just before sending the next one.
    """

    def __init__(self, count: int, *, before_stamp: bool = False) -> None:
        self.inner = get_connection()
        self.count = count
        self.before_stamp = before_stamp
        self.accepted = 0

    def send_messages(self, messages):
        if self.accepted == self.count and not self.before_stamp:
            raise Killed
        sent = self.inner.send_messages(messages)
        self.accepted += sent
        if self.accepted == self.count and self.before_stamp:
            raise Killed
        return sent

    def open(self) -> bool | None:
        return self.inner.open()

    def close(self) -> None:
        self.inner.close()


def text_part(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text/plain part")


def path_of(url: str) -> str:
    return urlsplit(url).path


def recipients(smtp_server) -> Counter:
    return Counter(message["To"] for message in smtp_server.messages)


def test_subscribe_confirm_alert_and_unsubscribe_through_real_mail(client, smtp_server):
    company = make_company("Acme Mail")
    client.post(f"/c/{company.slug}/subscribe/", {"email": "reader@customer.example"})
    alerts.send_pending()
    [confirmation] = smtp_server.wait_for(1)
    link = re.search(r"https://subwatch\.example(/subscribe/confirm/\S+/)", text_part(confirmation))

    assert client.get(link.group(1)).status_code == 200
    assert client.post(link.group(1)).status_code == 200
    assert Subscription.objects.get().status == Subscription.Status.ACTIVE

    change = make_change(company, make_vendor("Mailgun"))
    review.confirm(change, by=None)
    report = alerts.send_pending()
    messages = smtp_server.wait_for(2)

    assert report.sent == 1
    assert len(messages) == 2
    alert = messages[1]
    assert alert["To"] == "reader@customer.example"
    assert "Acme Mail: Mailgun added" in alert["Subject"]
    assert alert.is_multipart()
    assert {p.get_content_type() for p in alert.walk()} >= {"text/plain", "text/html"}
    assert alert["Message-ID"] == Alert.objects.get(change=change).message_id
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "https://subwatch.example/c/acme-mail/" in text_part(alert)

    unsubscribe = path_of(alert["List-Unsubscribe"].strip().strip("<>"))
    one_click = client.post(
        unsubscribe, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    review.confirm(make_change(company, make_vendor("Stripe")), by=None)
    after = alerts.send_pending()

    assert one_click.status_code == 200
    assert after.sent == 0
    assert len(smtp_server.messages) == 2


def test_exactly_one_alert_per_confirmed_subscriber(smtp_server):
    company = make_company()
    for i in range(5):
        make_subscription(f"s{i}@x.example", company)
    make_subscription("pending@x.example", company, status="pending")
    make_subscription("other@x.example", make_company("Other"))
    change = make_change(company, make_vendor())

    review.confirm(change, by=None)
    review.confirm(change, by=None)
    alerts.send_pending()
    alerts.send_pending()

    assert recipients(smtp_server) == Counter({f"s{i}@x.example": 1 for i in range(5)})


def test_dismissed_change_sends_nothing(smtp_server):
    company = make_company()
    make_subscription("a@x.example", company)

    review.dismiss(make_change(company, make_vendor()), by=None)
    report = alerts.send_pending()

    assert report.total == 0
    assert smtp_server.messages == []


def test_alerts_wait_while_smtp_refuses_and_go_once_when_it_is_back(smtp_server):
    company = make_company()
    for i in range(3):
        make_subscription(f"s{i}@x.example", company)
    review.confirm(make_change(company, make_vendor()), by=None)
    now = timezone.now()

    smtp_server.refuse = True
    down = alerts.send_pending(now=now)
    waiting = list(Alert.objects.all())
    smtp_server.refuse = False
    too_early = alerts.send_pending(now=now + timedelta(seconds=30))
    back = alerts.send_pending(now=now + timedelta(minutes=2))
    again = alerts.send_pending(now=now + timedelta(hours=1))

    assert down.retried == 3
    assert all(a.status == "pending" and a.attempts == 1 and "451" in a.last_error for a in waiting)
    assert (too_early.sent, back.sent, again.sent) == (0, 3, 0)
    assert recipients(smtp_server) == Counter({f"s{i}@x.example": 1 for i in range(3)})


def test_alerts_wait_while_smtp_is_unreachable_and_go_once_when_it_returns(smtp_server, settings):
    company = make_company()
    for i in range(3):
        make_subscription(f"s{i}@x.example", company)
    review.confirm(make_change(company, make_vendor()), by=None)
    now = timezone.now()
    live_port = settings.EMAIL_PORT

    settings.EMAIL_PORT = free_port()  # nothing listens there: connection refused
    down = alerts.send_pending(now=now)
    waiting = list(Alert.objects.all())
    settings.EMAIL_PORT = live_port
    back = alerts.send_pending(now=now + timedelta(minutes=5))

    assert down.sent == 0
    assert all(a.status == "pending" and "connection" in a.last_error for a in waiting)
    assert back.sent == 3
    assert recipients(smtp_server) == Counter({f"s{i}@x.example": 1 for i in range(3)})


def test_sender_killed_between_messages_resends_nothing_after_restart(smtp_server):
    company = make_company()
    for i in range(10):
        make_subscription(f"s{i:02}@x.example", company)
    review.confirm(make_change(company, make_vendor()), by=None)
    now = timezone.now()

    with pytest.raises(Killed):
        alerts.send_pending(now=now, connection=KillAfter(4))
    stuck = Alert.objects.filter(status="sending").count()
    alerts.send_pending(now=now + sender.LEASE + timedelta(seconds=1))

    assert stuck == 6
    assert recipients(smtp_server) == Counter({f"s{i:02}@x.example": 1 for i in range(10)})
    assert set(Alert.objects.values_list("status", flat=True)) == {"sent"}


def test_sender_killed_after_acceptance_resends_at_most_the_one_in_flight(smtp_server):
    company = make_company()
    for i in range(10):
        make_subscription(f"s{i:02}@x.example", company)
    review.confirm(make_change(company, make_vendor()), by=None)
    now = timezone.now()

    with pytest.raises(Killed):
        alerts.send_pending(now=now, connection=KillAfter(4, before_stamp=True))
    alerts.send_pending(now=now + sender.LEASE + timedelta(seconds=1))

    counts = recipients(smtp_server)
    assert set(counts) == {f"s{i:02}@x.example" for i in range(10)}
    assert sum(counts.values()) == 11, "only the message in flight at the kill goes twice"
    assert counts["s03@x.example"] == 2


SENDER_SCRIPT = """
import django, os, sys
sys.path.insert(0, os.getcwd())
django.setup()
from django.conf import settings
settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", int(sys.argv[1])
from registry import alerts
alerts.send_pending()
"""


@pytest.mark.django_db(transaction=True)
def test_sender_process_killed_with_sigkill_mid_batch_duplicates_at_most_one(smtp_server):
    """A real `kill -9` of a sender process: on restart each subscriber gets the alert once,
    except at most the one message that was in flight when it died."""
    import asyncio
    import os
    import signal
    import subprocess
    import sys
    import time

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the child process needs a database it can share (run with DATABASE_URL)")
    company = make_company()
    emails = [f"s{i:03}@x.example" for i in range(60)]
    for email in emails:
        make_subscription(email, company)
    review.confirm(make_change(company, make_vendor()), by=None)
    original = smtp_server.handle_DATA

    async def slow_data(server, session, envelope):
        await asyncio.sleep(0.02)  # slow enough that the kill lands mid-batch
        return await original(server, session, envelope)

    smtp_server.handle_DATA = slow_data
    name = connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{connection.settings_dict['USER']}@"
        f"{connection.settings_dict['HOST']}:{connection.settings_dict['PORT']}/{name}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_LEVEL": "WARNING",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", SENDER_SCRIPT, str(smtp_server.controller.port)], env=env
    )
    smtp_server.wait_for(15, timeout=60)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    before_restart = len(smtp_server.messages)
    smtp_server.handle_DATA = original
    time.sleep(0.1)

    alerts.send_pending(now=timezone.now() + sender.LEASE + timedelta(seconds=1))

    counts = recipients(smtp_server)
    assert 15 <= before_restart < 60
    assert set(counts) == set(emails)
    assert sum(counts.values()) - len(emails) <= 1
    assert set(Alert.objects.values_list("status", flat=True)) == {"sent"}
