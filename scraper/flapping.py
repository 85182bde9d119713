"""A flapping page: a reading that undoes a pending change, and a change that soon comes back.

A page served in two versions (an A/B test, CDN nodes out of sync) alternates A -> B -> A -> B.
Each flip is not news for the DPO:

* a reading that exactly reverses a Change of the same source still pending review (an "added
  X" and X is gone, a "removed X" and X is back as it was, a "changed" whose values are back to
  its "before") dismisses that Change (registry.review.dismiss_reverted) instead of recording
  its mirror image;
* a change that comes back within FLAP_WINDOW_DAYS of being reverted that way is recorded
  pending as usual, flagged `flapping`, and the DPO is not mailed again when a "detected" mail
  about it already went out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from registry import alerts, review
from registry.models import Change, Source
from scraper.diff import Changed, Diff, compare
from scraper.extract import Processor


@dataclass(frozen=True)
class Reversal:
    """A pending Change and the diff item that undoes it."""

    pending: Change
    item: Processor | Changed


def revert(source: Source, diff: Diff, *, now: datetime) -> tuple[Diff, list[Change]]:
    """Dismiss the pending Changes `diff` undoes; returns what is left to record, and them.

    A Change the DPO reviewed meanwhile is not dismissed, and its reversal stays in the diff.
    """
    found = reversals(source, diff)
    dismissed = {
        change.pk for change in review.dismiss_reverted([r.pending for r in found], now=now)
    }
    undone = {id(r.item) for r in found if r.pending.pk in dismissed}
    left = Diff(
        added=tuple(p for p in diff.added if id(p) not in undone),
        removed=tuple(p for p in diff.removed if id(p) not in undone),
        changed=tuple(c for c in diff.changed if id(c) not in undone),
    )
    return left, [r.pending for r in found if r.pending.pk in dismissed]


def reversals(source: Source, diff: Diff) -> list[Reversal]:
    """The diff items that exactly undo the latest Change of their vendor, when it is pending."""
    latest = _latest_changes(source, _vendor_names(diff))
    # (the kind of pending Change each item would undo, the item, its vendor)
    items: list[tuple[str, Processor | Changed, str]] = [
        *((Change.Kind.REMOVED, p, p.vendor) for p in diff.added),
        *((Change.Kind.ADDED, p, p.vendor) for p in diff.removed),
        *((Change.Kind.CHANGED, c, c.after.vendor) for c in diff.changed),
    ]
    found: list[Reversal] = []
    for kind, item, vendor in items:
        pending = latest.get(vendor)
        if pending is not None and pending.kind == kind and _undoes(item, pending):
            found.append(Reversal(pending, item))
    return found


def mark(source: Source, rows: Sequence[Change], *, now: datetime) -> set[int]:
    """Flag unsaved Change rows that came back soon after being reverted; returns the silent ones.

    A flagged row is silent (no new DPO mail: `id()` of the row) when a "detected" mail about
    one of its earlier reverted twins went out or is going out; if every such mail was
    withdrawn before sending, the DPO has not heard of it and is mailed as usual.
    """
    earlier = _recently_reverted(source, {row.vendor_id for row in rows}, now=now)
    if not earlier:
        return set()
    mailed = alerts.detected_mailed([change.pk for change in earlier])
    silent: set[int] = set()
    for row in rows:
        twins = [change for change in earlier if _same_change(row, change)]
        if twins:
            row.flapping = True
            if any(change.pk in mailed for change in twins):
                silent.add(id(row))
    return silent


def _undoes(item: Processor | Changed, pending: Change) -> bool:
    # `pending` is of the inverse kind; it is undone when the page is back to its "before".
    if pending.review != Change.Review.PENDING:
        return False
    if pending.kind == Change.Kind.ADDED:
        return True
    after = item.after if isinstance(item, Changed) else item
    return _same(pending.before, after)


def _same(data: dict[str, object], processor: Processor) -> bool:
    # "The same" as the diff means it: wording and missing details are not differences.
    return compare(Processor.from_dict(data), processor) is None


def _same_change(row: Change, earlier: Change) -> bool:
    if (row.kind, row.vendor_id) != (earlier.kind, earlier.vendor_id):
        return False
    if row.kind == Change.Kind.REMOVED:
        return True
    after = _same(earlier.after, Processor.from_dict(row.after))
    if row.kind == Change.Kind.ADDED:
        return after
    return after and _same(earlier.before, Processor.from_dict(row.before))


def _vendor_names(diff: Diff) -> set[str]:
    names = {p.vendor for p in (*diff.added, *diff.removed)}
    return names | {c.after.vendor for c in diff.changed}


def _latest_changes(source: Source, vendors: Iterable[str]) -> dict[str, Change]:
    names = set(vendors)
    if not names or source.pk is None:
        return {}
    rows = Change.objects.filter(source=source, vendor__name__in=names).select_related("vendor")
    latest: dict[str, Change] = {}
    for change in rows.order_by("-detected_at", "-id"):
        latest.setdefault(change.vendor.name, change)
    return latest


def _recently_reverted(source: Source, vendor_ids: set[int], *, now: datetime) -> list[Change]:
    if not vendor_ids:
        return []
    since = now - timedelta(days=settings.FLAP_WINDOW_DAYS)
    return list(
        Change.objects.filter(source=source, vendor_id__in=vendor_ids, reverted_at__gte=since)
    )
