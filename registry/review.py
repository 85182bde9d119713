"""The DPO's review of detected changes: confirm (and queue the alerts) or dismiss."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from registry import alerts
from registry.models import Change


@dataclass(frozen=True)
class ReviewResult:
    """What a review did: `applied` is False when the change was already reviewed."""

    change: Change
    applied: bool
    message: str
    alerts_queued: int = 0


def default_effective_date(change: Change) -> date:
    """Detection date plus the notice period (settings.NOTICE_PERIOD_DAYS)."""
    detected = timezone.localdate(change.detected_at)
    return detected + timedelta(days=settings.NOTICE_PERIOD_DAYS)


def confirm(
    change: Change,
    *,
    by: Any,
    effective_date: date | None = None,
    objection_deadline: date | None = None,
    now: datetime | None = None,
) -> ReviewResult:
    """Confirm a pending change and, in the same transaction, queue its subscriber alerts.

    The effective date defaults to detection + notice period; the objection
    deadline defaults to the effective date. Confirming a change that is already
    confirmed or dismissed changes nothing and says so.
    """
    now = now or timezone.now()
    effective = effective_date or default_effective_date(change)
    with transaction.atomic():
        # Conditional UPDATE: two DPOs clicking at once confirm (and enqueue) once.
        claimed = Change.objects.filter(pk=change.pk, review=Change.Review.PENDING).update(
            review=Change.Review.CONFIRMED,
            reviewed_at=now,
            reviewed_by=by,
            effective_date=effective,
            objection_deadline=objection_deadline or effective,
        )
        change.refresh_from_db()
        if not claimed:
            return _unchanged(change)
        queued = alerts.enqueue_confirmed(change, now=now)
    return ReviewResult(change, True, f"Confirmed; {queued} alert(s) queued.", queued)


def dismiss(change: Change, *, by: Any, now: datetime | None = None) -> ReviewResult:
    """Dismiss a pending change: no subscriber is ever told about it."""
    now = now or timezone.now()
    claimed = Change.objects.filter(pk=change.pk, review=Change.Review.PENDING).update(
        review=Change.Review.DISMISSED, reviewed_at=now, reviewed_by=by
    )
    change.refresh_from_db()
    if not claimed:
        return _unchanged(change)
    return ReviewResult(change, True, "Dismissed; nobody will be alerted.")


REVERTED_NOTE = "Dismissed by Subwatch: reverted by the page before review."


def dismiss_reverted(changes: Iterable[Change], *, now: datetime) -> list[Change]:
    """Dismiss pending changes the page itself undid; returns those it dismissed.

    Nobody reviewed them (reviewed_by stays empty, review_note says why) and nobody is told:
    the DPO's "detected" mail is withdrawn if it has not gone out yet. A change the DPO
    reviewed meanwhile is left as it is and not returned, so the caller records the reversal
    as a change of its own.
    """
    dismissed: list[Change] = []
    for change in changes:
        note = "\n".join(part for part in (change.review_note, REVERTED_NOTE) if part)
        claimed = Change.objects.filter(pk=change.pk, review=Change.Review.PENDING).update(
            review=Change.Review.DISMISSED,
            reviewed_at=now,
            reviewed_by=None,
            review_note=note,
            reverted_at=now,
        )
        if claimed:
            change.refresh_from_db()
            dismissed.append(change)
    if dismissed:
        alerts.withdraw_detected([change.pk for change in dismissed], reason=REVERTED_NOTE)
    return dismissed


def _unchanged(change: Change) -> ReviewResult:
    state = change.get_review_display().lower()
    return ReviewResult(change, False, f"Already {state}; nothing changed.")


def confirm_many(
    changes: Iterable[Change], *, by: Any, now: datetime | None = None
) -> list[ReviewResult]:
    """Confirm each change with its default dates (the admin's bulk action)."""
    now = now or timezone.now()
    return [confirm(change, by=by, now=now) for change in changes]


def dismiss_many(
    changes: Iterable[Change], *, by: Any, now: datetime | None = None
) -> list[ReviewResult]:
    """Dismiss each pending change (the admin's bulk action)."""
    now = now or timezone.now()
    return [dismiss(change, by=by, now=now) for change in changes]
