"""HOSTILE.md D, cases 26-29: concurrency, crashes and SMTP faults never lose or repeat mail."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core.mail import get_connection
from django.db import connection as db
from django.utils import timezone

from registry import alerts, review
from registry.alerts import sender
from registry.models import Alert, Change
from tests.builders import make_change, make_company, make_subscription, make_vendor

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """Stands in for SIGKILL: nothing in the sender may catch it."""


class KillAfter:
    """A real SMTP connection that dies before sending message number `count` + 1."""

    def __init__(self, count: int) -> None:
        self.inner = get_connection()
        self.count = count
        self.accepted = 0

    def send_messages(self, messages):
        if self.accepted == self.count:
            raise Killed
        sent = self.inner.send_messages(messages)
        self.accepted += sent
        return sent

    def open(self) -> bool | None:
        return self.inner.open()

    def close(self) -> None:
        self.inner.close()


def subscribers(company, count: int) -> list[str]:
    emails = [f"s{i:03}@customer.example" for i in range(count)]
    for email in emails:
        make_subscription(email, company)
    return emails


def delivered(smtp_server) -> Counter:
    return Counter(message["To"] for message in smtp_server.messages)


def test_26_confirming_the_same_change_twice_queues_one_alert_per_subscriber(smtp_server):
    company = make_company()
    emails = subscribers(company, 3)
    change = make_change(company, make_vendor())
    stale_copy = Change.objects.get(pk=change.pk)

    review.confirm(change, by=None)
    second = review.confirm(stale_copy, by=None)
    alerts.enqueue_confirmed(change)
    alerts.send_pending()

    assert not second.applied
    assert delivered(smtp_server) == Counter(dict.fromkeys(emails, 1))


def test_26_the_same_detection_batch_enqueued_twice_alerts_the_dpo_once(smtp_server, settings):
    settings.SUBWATCH_DPO_EMAIL = "dpo@ours.example"
    settings.ALERT_DPO_ON_DETECTED = True
    company = make_company()
    changes = [make_change(company, make_vendor(name)) for name in ("Mailgun", "Stripe")]

    alerts.enqueue_detected(changes)
    alerts.enqueue_detected(list(reversed(changes)))
    alerts.send_pending()

    assert delivered(smtp_server) == Counter({"dpo@ours.example": 1})


def test_26_two_senders_claiming_at_once_get_disjoint_rows():
    company = make_company()
    subscribers(company, 30)
    review.confirm(make_change(company, make_vendor()), by=None)
    now = timezone.now()

    first = sender.claim(now=now, size=20)
    second = sender.claim(now=now, size=20)

    assert len(first) == 20
    assert len(second) == 10
    assert not {a.pk for a in first} & {a.pk for a in second}


@pytest.mark.django_db(transaction=True)
def test_26_two_senders_running_in_parallel_send_each_alert_once(smtp_server):
    if db.vendor != "postgresql":
        pytest.skip("parallel writers need a server database; SQLite serialises them anyway")
    company = make_company()
    emails = subscribers(company, 300)
    review.confirm(make_change(company, make_vendor()), by=None)
    now = timezone.now()

    def drain() -> None:
        try:
            alerts.send_pending(now=now)
        finally:
            db.close()

    threads = [threading.Thread(target=drain) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert delivered(smtp_server) == Counter(dict.fromkeys(emails, 1))


@pytest.mark.django_db(transaction=True)
def test_26_send_pending_with_worker_threads_sends_each_alert_once(smtp_server):
    if db.vendor != "postgresql":
        pytest.skip("in-memory SQLite can't be shared by threads; the benchmark covers a file")
    company = make_company()
    emails = subscribers(company, 250)
    review.confirm(make_change(company, make_vendor()), by=None)

    report = alerts.send_pending(workers=4)

    assert report.sent == 250
    assert delivered(smtp_server) == Counter(dict.fromkeys(emails, 1))


def test_26_worker_threads_fall_back_to_one_inside_a_transaction(smtp_server):
    company = make_company()
    emails = subscribers(company, 5)
    review.confirm(make_change(company, make_vendor()), by=None)

    report = alerts.send_pending(workers=4)  # the test's transaction hides rows from threads

    assert report.sent == 5
    assert delivered(smtp_server) == Counter(dict.fromkeys(emails, 1))


def test_27_a_crash_before_sending_loses_nothing_the_outbox_row_waits(smtp_server):
    company = make_company()
    subscribers(company, 2)
    change = make_change(company, make_vendor())

    review.confirm(change, by=None)  # committed; the process "dies" before send_alerts runs
    waiting = Alert.objects.filter(status="pending").count()
    report = alerts.send_pending()

    assert waiting == 2
    assert report.sent == 2


def test_27_sender_killed_after_half_the_subscribers_sends_each_exactly_once(smtp_server):
    company = make_company()
    emails = subscribers(company, 40)
    review.confirm(make_change(company, make_vendor()), by=None)
    now = timezone.now()

    with pytest.raises(Killed):
        alerts.send_pending(now=now, connection=KillAfter(20))
    half = len(smtp_server.messages)
    alerts.send_pending(now=now + sender.LEASE + timedelta(seconds=1))

    assert half == 20
    assert delivered(smtp_server) == Counter(dict.fromkeys(emails, 1))


def test_28_smtp_down_then_back_delivers_each_alert_once_with_backoff(smtp_server):
    company = make_company()
    emails = subscribers(company, 4)
    review.confirm(make_change(company, make_vendor()), by=None)
    now = timezone.now()

    smtp_server.refuse = True
    alerts.send_pending(now=now)
    alerts.send_pending(now=now + timedelta(minutes=1))
    second_try = list(Alert.objects.values_list("attempts", "next_attempt_at"))
    smtp_server.refuse = False
    alerts.send_pending(now=now + timedelta(hours=1))

    assert all(attempts == 2 for attempts, _ in second_try)
    assert all(at == now + timedelta(minutes=3) for _, at in second_try)
    assert delivered(smtp_server) == Counter(dict.fromkeys(emails, 1))


def test_28_rejected_recipients_fail_visibly_while_others_are_delivered(smtp_server):
    async def handle_rcpt(server, session, envelope, address, rcpt_options):
        if address.startswith("bounce@"):
            return "550 5.1.1 No such user"
        if address.startswith("grey@"):
            return "450 4.2.1 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.handle_RCPT = handle_rcpt
    company = make_company()
    for email in ("bounce@x.example", "grey@x.example", "ok@x.example"):
        make_subscription(email, company)
    review.confirm(make_change(company, make_vendor()), by=None)

    report = alerts.send_pending()

    by_recipient = {a.recipient: a for a in Alert.objects.all()}
    assert (report.sent, report.failed, report.retried) == (1, 1, 1)
    assert by_recipient["bounce@x.example"].status == "failed"
    assert "550" in by_recipient["bounce@x.example"].last_error
    assert by_recipient["grey@x.example"].status == "pending"
    assert "450" in by_recipient["grey@x.example"].last_error
    assert delivered(smtp_server) == Counter({"ok@x.example": 1})


def test_28_an_alert_that_keeps_failing_is_given_up_and_left_for_the_admin(smtp_server, settings):
    settings.ALERT_MAX_ATTEMPTS = 2
    company = make_company()
    subscribers(company, 1)
    review.confirm(make_change(company, make_vendor()), by=None)
    now = timezone.now()
    smtp_server.refuse = True

    for step in range(4):
        alerts.send_pending(now=now + timedelta(hours=step))

    alert = Alert.objects.get()
    assert alert.status == Alert.Status.FAILED
    assert alert.sent_at is None
    assert "gave up after 2 attempts" in alert.last_error


def test_29_two_changes_before_mail_goes_out_arrive_as_two_emails_in_order(smtp_server):
    """By design each confirmed change is its own email, sent in confirmation order."""
    company = make_company("Acme Mail")
    subscribers(company, 2)
    added = make_change(company, make_vendor("Mailgun"))
    removed = make_change(company, make_vendor("Sendgrid"), kind="removed")

    review.confirm(added, by=None)
    review.confirm(removed, by=None)
    alerts.send_pending()

    per_recipient: dict[str, list[str]] = {}
    for message in smtp_server.messages:
        per_recipient.setdefault(message["To"], []).append(message["Subject"])
    assert len(smtp_server.messages) == 4
    for subjects in per_recipient.values():
        assert ["Mailgun added" in subjects[0], "Sendgrid removed" in subjects[1]] == [True, True]
