"""Small server-rendered SVG charts: where data goes, and a timeline of additions and removals."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from registry import queries

# Worst first: a processor with any location outside the EEA without adequacy counts as that.
CATEGORIES = (
    ("third_country", "Third country (no adequacy)"),
    ("adequacy", "Adequacy decision"),
    ("eea", "EEA"),
    ("unknown", "Location not stated"),
)
_RANK = {"third_country": 0, "mixed": 0, "adequacy": 1, "eea": 2}
# Fill attributes (not style) so the charts keep their colours outside our stylesheet (the admin).
COLOURS = {
    "eea": "#1a7f37",
    "adequacy": "#0b57d0",
    "third_country": "#b42318",
    "unknown": "#6b7280",
    "added": "#1a7f37",
    "removed": "#b42318",
}
# Small enough that 13px labels stay readable when a phone scales the SVG down.
_BAR_HEIGHT = 26
_LABEL_WIDTH = 195
_WIDTH = 380


@dataclass(frozen=True)
class Bar:
    """One labelled bar; `key` becomes the CSS class that colours it."""

    key: str
    label: str
    value: int


@dataclass(frozen=True)
class Month:
    """Additions and removals in one calendar month."""

    month: date
    added: int
    removed: int


def classify(statuses: Iterable[str | None]) -> str:
    """The category of one processor from its locations' transfer statuses."""
    ranks = [_RANK[status] for status in statuses if status in _RANK]
    if not ranks:
        return "unknown"
    return ("third_country", "adequacy", "eea")[min(ranks)]


def transfer_bars(categories: Iterable[str]) -> list[Bar]:
    counts = Counter(categories)
    return [Bar(key, label, counts.get(key, 0)) for key, label in CATEGORIES]


def listed_bars(rows: Iterable[queries.Listed]) -> list[Bar]:
    """Bars from the public list's rows."""
    return transfer_bars(classify(p.transfer_status for p in row.locations) for row in rows)


def row_bars(rows: Iterable[tuple[int, int, str | None]]) -> list[Bar]:
    """Bars from (company id, engagement id, transfer status) rows, one row per location."""
    statuses: dict[int, list[str | None]] = defaultdict(list)
    for _company_id, engagement_id, status in rows:
        statuses[engagement_id].append(status)
    return transfer_bars(classify(values) for values in statuses.values())


def bar_chart(bars: Sequence[Bar], *, title: str) -> SafeString:
    """A horizontal bar chart with the numbers written out, so colour is never the only cue."""
    top = max([bar.value for bar in bars] + [1])
    height = _BAR_HEIGHT * len(bars) + 8
    span = _WIDTH - _LABEL_WIDTH - 40
    rows = []
    for index, bar in enumerate(bars):
        y = 4 + index * _BAR_HEIGHT
        width = round(span * bar.value / top) if bar.value else 0
        rows.append(
            f'<text x="0" y="{y + 18}" class="chart-label">{escape(bar.label)}</text>'
            f'<rect x="{_LABEL_WIDTH}" y="{y + 4}" width="{width}" height="{_BAR_HEIGHT - 10}" '
            f'class="bar bar-{escape(bar.key)}" fill="{COLOURS.get(bar.key, "#6b7280")}"/>'
            f'<text x="{_LABEL_WIDTH + width + 6}" y="{y + 18}" class="chart-value">'
            f"{bar.value}</text>"
        )
    summary = "; ".join(f"{bar.label}: {bar.value}" for bar in bars)
    return _svg(title=title, desc=summary, height=height, body="".join(rows))


def months(events: Iterable[tuple[datetime, str]]) -> list[Month]:
    """Group (when, kind) events by month, filling empty months between the first and last."""
    added: Counter[date] = Counter()
    removed: Counter[date] = Counter()
    for when, kind in events:
        key = date(when.year, when.month, 1)
        if kind == "added":
            added[key] += 1
        elif kind == "removed":
            removed[key] += 1
    keys = sorted(set(added) | set(removed))
    if not keys:
        return []
    result, current = [], keys[0]
    while current <= keys[-1]:
        result.append(Month(current, added.get(current, 0), removed.get(current, 0)))
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return result


def timeline_chart(points: Sequence[Month], *, title: str) -> SafeString:
    """Monthly additions above the axis and removals below it, the last 24 months shown."""
    points = list(points)[-24:]
    top = max([max(p.added, p.removed) for p in points] + [1])
    half, slot = 60, (_WIDTH - 40) / max(len(points), 1)
    bars = []
    for index, point in enumerate(points):
        x = 40 + index * slot + 2
        up, down = round(half * point.added / top), round(half * point.removed / top)
        label = f"{point.month:%b %Y}: {point.added} added, {point.removed} removed"
        bars.append(
            f"<g><title>{escape(label)}</title>"
            f'<rect x="{x:.1f}" y="{10 + half - up}" width="{max(slot - 4, 1):.1f}" '
            f'height="{up}" class="bar bar-added" fill="{COLOURS["added"]}"/>'
            f'<rect x="{x:.1f}" y="{10 + half}" width="{max(slot - 4, 1):.1f}" '
            f'height="{down}" class="bar bar-removed" fill="{COLOURS["removed"]}"/></g>'
        )
    if points:
        first, last = points[0].month, points[-1].month
        bars.append(f'<text x="40" y="{2 * half + 34}" class="chart-label">{first:%b %Y}</text>')
        bars.append(
            f'<text x="{_WIDTH}" y="{2 * half + 34}" class="chart-label chart-end">'
            f"{last:%b %Y}</text>"
        )
    bars.append(
        f'<line x1="40" x2="{_WIDTH}" y1="{10 + half}" y2="{10 + half}" '
        'class="axis" stroke="#1b1f24"/>'
    )
    bars.append(f'<text x="0" y="{half - 10}" class="chart-label">+{top}</text>')
    bars.append(f'<text x="0" y="{half + 40}" class="chart-label">-{top}</text>')
    summary = "; ".join(f"{p.month:%b %Y}: +{p.added} -{p.removed}" for p in points) or "None"
    return _svg(title=title, desc=summary, height=2 * half + 40, body="".join(bars))


def _svg(*, title: str, desc: str, height: int, body: str) -> SafeString:
    # Only escaped text and numbers are interpolated above, so the markup is safe.
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH + 10} {height}" '
        f'class="chart" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{body}</svg>"
    )


def admin_charts_context() -> dict[str, SafeString]:
    """The admin index charts for all companies: 2 queries."""
    events = queries.confirmed_membership_events()
    return {
        "transfer_chart": bar_chart(
            row_bars(queries.transfer_rows()), title="All companies: processors by data transfer"
        ),
        "timeline_chart": timeline_chart(
            months(events), title="All companies: processors added and removed per month"
        ),
    }
