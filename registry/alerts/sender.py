"""Drain the outbox: claim rows, send through Django's email backend, stamp each one sent."""

from __future__ import annotations

import logging
import smtplib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db
from django.utils import timezone

from registry.alerts import emails
from registry.models import Alert, Change

log = logging.getLogger(__name__)

BATCH_SIZE = 100
LEASE = timedelta(minutes=10)
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
# Errors after which the connection is unusable: stop the run, later rows wait for the next one.
CONNECTION_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPAuthenticationError,
    ConnectionError,
    TimeoutError,
)


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    cancelled: int = 0

    def __add__(self, other: SendReport) -> SendReport:
        return SendReport(
            self.sent + other.sent,
            self.failed + other.failed,
            self.retried + other.retried,
            self.cancelled + other.cancelled,
        )

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.retried + self.cancelled


@dataclass
class _Batch:
    report: SendReport = field(default_factory=SendReport)
    aborted: bool = False
    sent_changes: set[int] = field(default_factory=set)


def send_pending(
    *,
    now: datetime | None = None,
    limit: int | None = None,
    connection: Any = None,
    workers: int = 1,
) -> SendReport:
    """Send every due outbox row once; safe to run in parallel and to kill at any point.

    Rows are claimed in small batches by one conditional UPDATE (pending and due,
    or "sending" with an expired lease -> "sending" until now + LEASE), so two
    senders never hold the same row. Each message goes out on one SMTP connection
    reused for the run, and its row is stamped sent right after the server
    accepted it, never before.

    The one unavoidable at-least-once window: a sender killed after the server
    accepted a message but before the UPDATE that stamps it commits leaves that
    row "sending"; when its lease expires it is sent again. That is at most one
    duplicate per killed sender (the message in flight), never a batch. A
    message kept for retry reuses its Message-ID, so receivers can drop it.

    SMTP 4xx and connection errors retry with exponential backoff; 5xx
    rejections (and ALERT_MAX_ATTEMPTS tries) mark the row failed with
    last_error for the admin. Rows whose subscriber left are cancelled.

    With workers > 1, that many threads drain in parallel, each with its own SMTP
    and database connection, so one message's round trips overlap another's.
    Inside a transaction (other connections can't see its rows) or on an
    in-memory SQLite database, it falls back to one thread.
    """
    now = now or timezone.now()
    if workers <= 1 or not _threads_can_share_the_database():
        return _drain(connection or get_connection(fail_silently=False), now=now, limit=limit)
    share = None if limit is None else -(-limit // workers)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_drain_in_thread, now=now, limit=share) for _ in range(workers)]
        return sum((future.result() for future in futures), SendReport())


def _threads_can_share_the_database() -> bool:
    in_memory = db.vendor == "sqlite" and db.is_in_memory_db()
    return not (db.in_atomic_block or in_memory)


def _drain_in_thread(*, now: datetime, limit: int | None) -> SendReport:
    try:
        return _drain(get_connection(fail_silently=False), now=now, limit=limit)
    finally:
        db.close()


def _drain(connection: Any, *, now: datetime, limit: int | None) -> SendReport:
    report = SendReport()
    try:
        while limit is None or report.total < limit:
            size = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - report.total)
            alerts = claim(now=now, size=size)
            if not alerts:
                break
            batch = _send_batch(connection, alerts, now=now)
            report += batch.report
            _stamp_notified(batch.sent_changes, now=now)
            if batch.aborted:
                break
    finally:
        connection.close()
    return report


def _due_sql() -> str:
    return (
        "((status = %s AND (next_attempt_at IS NULL OR next_attempt_at <= %s))"
        " OR (status = %s AND claimed_until < %s))"
    )


def claim(*, now: datetime, size: int) -> list[Alert]:
    """Take up to `size` due rows for this sender, oldest first, in one UPDATE.

    The due condition is repeated on the updated rows so a row another sender
    claimed meanwhile is skipped. On PostgreSQL the ids are picked in a
    materialised CTE with SKIP LOCKED: as a plain `IN (... LIMIT n)` subquery
    the planner may re-run it and claim more than n rows. SQLite serialises
    writers, so there the UPDATE is simply atomic.
    """
    stamp = db.ops.adapt_datetimefield_value(now)
    lease_until = db.ops.adapt_datetimefield_value(now + LEASE)
    due = [Alert.Status.PENDING, stamp, Alert.Status.SENDING, stamp]
    with db.cursor() as cursor:
        cursor.execute(_claim_sql(), [*due, size, Alert.Status.SENDING, lease_until, *due])
        ids = sorted(row[0] for row in cursor.fetchall())
    related = ("subscription__company", "change__company", "change__vendor", "source__company")
    return list(Alert.objects.filter(id__in=ids).select_related(*related).order_by("id"))


def _claim_sql() -> str:
    table = Alert._meta.db_table
    lock = " FOR UPDATE SKIP LOCKED" if db.vendor == "postgresql" else ""
    return (
        f"WITH picked AS MATERIALIZED (SELECT id FROM {table} WHERE {_due_sql()}"
        f" ORDER BY id LIMIT %s{lock})"
        f" UPDATE {table} SET status = %s, claimed_until = %s"
        f" WHERE id IN (SELECT id FROM picked) AND {_due_sql()} RETURNING id"
    )


def _send_batch(connection: Any, alerts: list[Alert], *, now: datetime) -> _Batch:
    batch = _Batch()
    cache: dict[Any, emails.Rendered] = {}
    started = time.monotonic()
    for index, alert in enumerate(alerts):
        # Never send on a lease that may have expired: another sender could own the row.
        if time.monotonic() - started > LEASE.total_seconds() / 2:
            _release(alerts[index:])
            batch.aborted = True
            return batch
        outcome = _send_one(connection, alert, cache=cache, now=now)
        batch.report += outcome
        if outcome.sent and alert.change_id:
            batch.sent_changes.add(alert.change_id)
        if outcome.retried and _connection_lost(alert):
            for rest in alerts[index + 1 :]:
                batch.report += _retry(rest, alert.last_error, now=now)
            batch.aborted = True
            return batch
    return batch


def _send_one(connection: Any, alert: Alert, *, cache: dict[Any, Any], now: datetime) -> SendReport:
    if not emails.is_deliverable(alert):
        return _cancel(alert, "Not sent: the subscription is no longer waiting for this mail.")
    try:
        message = emails.build(alert, cache=cache)
        # Open once and keep it: send_messages on a closed backend opens and closes per call.
        connection.open()
        accepted = connection.send_messages([message])
    except CONNECTION_ERRORS as error:
        return _retry(alert, f"connection: {error}", now=now)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        return _reject(alert, f"recipient refused: {error.recipients}", codes, now=now)
    except smtplib.SMTPResponseException as error:
        text = f"SMTP {error.smtp_code}: {error.smtp_error!r}"
        return _reject(alert, text, [error.smtp_code], now=now)
    except Exception as error:  # a bad row must not stop the batch; it waits with its error
        log.exception("alert %s could not be sent", alert.pk)
        return _retry(alert, f"{type(error).__name__}: {error}", now=now)
    if not accepted:
        return _retry(alert, "the email backend accepted nothing", now=now)
    return _mark_sent(alert, now=now)


def _connection_lost(alert: Alert) -> bool:
    return alert.last_error.startswith("connection:")


def _reject(alert: Alert, error: str, codes: list[int], *, now: datetime) -> SendReport:
    if codes and all(500 <= code < 600 for code in codes):
        return _fail(alert, error)
    return _retry(alert, error, now=now)


def _owned(alert: Alert) -> Any:
    return Alert.objects.filter(
        pk=alert.pk, status=Alert.Status.SENDING, claimed_until=alert.claimed_until
    )


def _mark_sent(alert: Alert, *, now: datetime) -> SendReport:
    _owned(alert).update(
        status=Alert.Status.SENT,
        sent_at=now,
        attempts=alert.attempts + 1,
        claimed_until=None,
        last_error="",
    )
    return SendReport(sent=1)


def backoff(attempts: int) -> timedelta:
    """Delay before try number attempts + 1: 1, 2, 4, ... minutes, at most BACKOFF_MAX."""
    return min(BACKOFF_BASE * 2 ** min(max(attempts - 1, 0), 20), BACKOFF_MAX)


def _retry(alert: Alert, error: str, *, now: datetime) -> SendReport:
    attempts = alert.attempts + 1
    alert.last_error = error[:2000]
    if attempts >= settings.ALERT_MAX_ATTEMPTS:
        return _fail(alert, f"gave up after {attempts} attempts: {error}")
    _owned(alert).update(
        status=Alert.Status.PENDING,
        attempts=attempts,
        next_attempt_at=now + backoff(attempts),
        claimed_until=None,
        last_error=alert.last_error,
    )
    return SendReport(retried=1)


def _fail(alert: Alert, error: str) -> SendReport:
    _owned(alert).update(
        status=Alert.Status.FAILED,
        attempts=alert.attempts + 1,
        claimed_until=None,
        last_error=error[:2000],
    )
    return SendReport(failed=1)


def _cancel(alert: Alert, reason: str) -> SendReport:
    _owned(alert).update(status=Alert.Status.CANCELLED, claimed_until=None, last_error=reason)
    return SendReport(cancelled=1)


def _release(alerts: list[Alert]) -> None:
    ids = [alert.pk for alert in alerts]
    Alert.objects.filter(pk__in=ids, status=Alert.Status.SENDING).update(
        status=Alert.Status.PENDING, claimed_until=None
    )


def _stamp_notified(change_ids: set[int], *, now: datetime) -> None:
    if change_ids:
        Change.objects.filter(pk__in=change_ids, notified_at__isnull=True).update(notified_at=now)
