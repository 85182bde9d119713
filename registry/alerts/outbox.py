"""Write outbox rows: one Alert per (message, recipient), idempotent through dedupe_key."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from registry.alerts.headers import new_message_id
from registry.models import Alert, Change, Check, Source, Subscription


def _digest(*parts: object) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()[:24]


def _subscribers(company_id: int, *, frequency: str) -> list[tuple[int, str]]:
    """(subscription id, email) of active subscribers, one per address.

    An address following both the company and all companies gets one mail, linked
    to the company subscription (so its unsubscribe link is the narrower one).
    """
    rows = (
        Subscription.objects.filter(status=Subscription.Status.ACTIVE, frequency=frequency)
        .filter(Q(company_id=company_id) | Q(company__isnull=True))
        .order_by(F("company_id").asc(nulls_last=True), "id")
        .values_list("id", "email")
    )
    seen: dict[str, int] = {}
    for sub_id, email in rows.iterator(chunk_size=2000):
        seen.setdefault(email.lower(), sub_id)
    return [(sub_id, email) for email, sub_id in seen.items()]


def enqueue_confirmed(change: Change, *, now: datetime | None = None) -> int:
    """Queue one alert per immediate subscriber of the change's company (or of all).

    Call inside the transaction that confirms the change, so the rows commit with
    the review or not at all. Enqueueing twice is a no-op (dedupe_key per address).
    Daily-digest subscribers are collected later by enqueue_digests.
    """
    now = now or timezone.now()
    subscribers = _subscribers(change.company_id, frequency=Subscription.Frequency.IMMEDIATE)
    rows = [
        Alert(
            kind=Alert.Kind.CHANGE,
            dedupe_key=f"change:{change.pk}:{_digest(email)}",
            recipient=email,
            subscription_id=sub_id,
            change=change,
            next_attempt_at=now,
            message_id=new_message_id(),
        )
        for sub_id, email in subscribers
    ]
    Alert.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)


def enqueue_detected(changes: Sequence[Change], *, now: datetime | None = None) -> Alert | None:
    """Tell the DPO (never subscribers) about one detection batch, when the settings ask."""
    address = settings.SUBWATCH_DPO_EMAIL
    if not (changes and settings.ALERT_DPO_ON_DETECTED and address):
        return None
    ids = sorted(change.pk for change in changes)
    return _enqueue_dpo(
        Alert.Kind.DETECTED, f"detected:{_digest(*ids)}", address, changes=ids, now=now
    )


def withdraw_detected(change_ids: Sequence[int], *, reason: str) -> int:
    """Take changes out of DPO "detected" mails not sent yet; returns how many mails it cancelled.

    A mail left with no change is cancelled (last_error says why); one a sender has already
    claimed goes out as it is. Call inside the transaction that dismisses the changes.
    """
    links = Alert.changes.through.objects.filter(change_id__in=list(change_ids))
    candidates = set(links.values_list("alert_id", flat=True))
    cancelled = 0
    with transaction.atomic():
        # Lock each unsent row first, so a sender cannot claim it while its changes are edited.
        pending = Alert.objects.select_for_update().filter(
            pk__in=candidates, kind=Alert.Kind.DETECTED, status=Alert.Status.PENDING
        )
        for alert in pending:
            alert.changes.remove(*change_ids)
            if not alert.changes.exists():
                alert.status = Alert.Status.CANCELLED
                alert.last_error = f"Not sent: {reason}"
                alert.save(update_fields=["status", "last_error"])
                cancelled += 1
    return cancelled


def detected_mailed(change_ids: Sequence[int]) -> set[int]:
    """Those of `change_ids` the DPO was mailed about ("detected" mail sent or being sent)."""
    told = Alert.changes.through.objects.filter(
        change_id__in=list(change_ids),
        alert__kind=Alert.Kind.DETECTED,
        alert__status__in=[Alert.Status.SENT, Alert.Status.SENDING],
    )
    return set(told.values_list("change_id", flat=True))


def enqueue_source_failing(source: Source, *, now: datetime | None = None) -> Alert | None:
    """Tell the DPO a source keeps failing: once per failure streak."""
    address = settings.SUBWATCH_DPO_EMAIL
    if not address:
        return None
    streak = _streak_start(source, now=now)
    key = f"source_failing:{source.pk}:{streak}"
    return _enqueue_dpo(Alert.Kind.SOURCE_FAILING, key, address, source=source, now=now)


def enqueue_source_recovered(source: Source, *, now: datetime | None = None) -> Alert | None:
    """Tell the DPO a source that was reported failing works again: once per streak."""
    address = settings.SUBWATCH_DPO_EMAIL
    failing = (
        Alert.objects.filter(source=source, kind=Alert.Kind.SOURCE_FAILING)
        .order_by("-created_at", "-id")
        .first()
    )
    if not address or failing is None:
        return None
    streak = failing.dedupe_key.rpartition(":")[2]
    key = f"source_recovered:{source.pk}:{streak}"
    return _enqueue_dpo(Alert.Kind.SOURCE_RECOVERED, key, address, source=source, now=now)


def _streak_start(source: Source, *, now: datetime | None) -> str:
    # The streak started at the first failed check after the last success; its time names it.
    last_ok = (
        Check.objects.filter(source=source)
        .exclude(outcome=Check.Outcome.FAILED)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    failures = Check.objects.filter(source=source, outcome=Check.Outcome.FAILED)
    if last_ok is not None:
        failures = failures.filter(started_at__gt=last_ok)
    first = failures.order_by("started_at").values_list("started_at", flat=True).first()
    stamp = first or source.failure_alerted_at or now or timezone.now()
    return stamp.strftime("%Y%m%dT%H%M%S")


def _enqueue_dpo(
    kind: str,
    key: str,
    address: str,
    *,
    changes: Iterable[int] = (),
    source: Source | None = None,
    now: datetime | None,
) -> Alert:
    with transaction.atomic():
        alert, created = Alert.objects.get_or_create(
            dedupe_key=key,
            defaults={
                "kind": kind,
                "recipient": address,
                "source": source,
                "next_attempt_at": now or timezone.now(),
                "message_id": new_message_id(),
            },
        )
        if created and changes:
            alert.changes.set(list(changes))
    return alert


def enqueue_digests(*, now: datetime) -> int:
    """Queue yesterday's (and older unsent) confirmed changes as one digest per daily subscriber.

    A digest covers changes confirmed from the subscriber's last digest (or
    confirmation) up to the start of today (UTC), so it goes out once a day
    whenever send_alerts runs; dedupe key "digest:<subscription>:<date>".
    """
    cutoff = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    queued = 0
    daily = Subscription.objects.filter(
        status=Subscription.Status.ACTIVE, frequency=Subscription.Frequency.DAILY
    )
    for subscription in daily.iterator():
        queued += _enqueue_digest(subscription, cutoff=cutoff, now=now)
    return queued


def _enqueue_digest(subscription: Subscription, *, cutoff: datetime, now: datetime) -> int:
    since = subscription.last_digest_at or subscription.confirmed_at or subscription.created_at
    if since >= cutoff:
        return 0
    changes = Change.objects.filter(
        review=Change.Review.CONFIRMED, reviewed_at__gte=since, reviewed_at__lt=cutoff
    )
    if subscription.company_id is not None:
        changes = changes.filter(company_id=subscription.company_id)
    ids = list(changes.values_list("id", flat=True))
    with transaction.atomic():
        updated = Subscription.objects.filter(
            pk=subscription.pk, last_digest_at=subscription.last_digest_at
        ).update(last_digest_at=cutoff)
        if not updated or not ids:
            return 0
        key = f"digest:{subscription.pk}:{(cutoff - timedelta(days=1)).date().isoformat()}"
        alert, created = Alert.objects.get_or_create(
            dedupe_key=key,
            defaults={
                "kind": Alert.Kind.DIGEST,
                "recipient": subscription.email,
                "subscription": subscription,
                "next_attempt_at": now,
                "message_id": new_message_id(),
            },
        )
        if created:
            alert.changes.set(ids)
    return int(created)
