"""HTML of the company page's processor list, built in Python: the one part with hundreds of rows.

Django's template engine costs ~10 µs per node, so 500 processors grouped by purpose took
~250 ms to render; string building with html.escape takes a few ms. Everything interpolated
is escaped here; URLs are linked only when they are http(s).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from registry.queries import Listed, Place
from registry.templatetags.public_links import http_url

_SLUG = "slug-placeholder"
FLAG = ' <strong class="flag">(leaves the EEA without adequacy)</strong>'


def processor_groups(groups: Sequence[tuple[str, Sequence[Listed]]]) -> SafeString:
    vendor_url = reverse("vendor", kwargs={"slug": _SLUG})
    rendered: dict[int, str] = {}  # a processor with two purposes is built once, shown twice
    parts = []
    for index, (purpose, rows) in enumerate(groups, start=1):
        for row in rows:
            if row.id not in rendered:
                rendered[row.id] = card(row, vendor_url=vendor_url)
        cards = "".join(rendered[row.id] for row in rows)
        parts.append(
            f'<section class="purpose" aria-labelledby="p-{index}">'
            f'<h3 id="p-{index}">{escape(purpose)} <span class="count">({len(rows)})</span></h3>'
            f'<ul class="processors">{cards}</ul></section>'
        )
    return mark_safe("".join(parts))


def card(row: Listed, *, vendor_url: str) -> str:
    written = ""
    if row.name_as_written and row.name_as_written != row.vendor_name:
        name = escape(row.name_as_written)
        written = f'<span class="as-written">as written: “<bdi>{name}</bdi>”</span>'
    purpose = (
        f'<p class="purpose-text"><bdi>{escape(row.purpose_text)}</bdi></p>'
        if row.purpose_text
        else ""
    )
    changed = f" · purpose or location changed on {day(row.changed_on)}" if row.changed_on else ""
    return (
        '<li class="processor"><div class="processor-head">'
        f'<a class="processor-name" href="{vendor_url.replace(_SLUG, row.vendor_slug)}">'
        f"<bdi>{escape(row.vendor_name)}</bdi></a>{written}</div>{purpose}"
        '<dl class="facts">'
        f"<dt>Locations</dt><dd>{places(row.locations, fallback=row.location_text)}</dd>"
        f"<dt>Website</dt><dd>{website(row.website or row.vendor_website)}</dd>"
        f'<dt>First seen</dt><dd><time datetime="{row.first_seen_at.isoformat()}">'
        f"{day(row.first_seen_at)}</time>{changed}</dd></dl></li>"
    )


def places(locations: Sequence[Place], *, fallback: str) -> str:
    if not locations:
        return escape(fallback) if fallback else "Not stated"
    return ", ".join(
        f'<span class="loc loc-third">{escape(p.name)}{FLAG}</span>'
        if p.leaves_eea_without_adequacy
        else f'<span class="loc">{escape(p.name)}</span>'
        for p in locations
    )


def website(url: str) -> str:
    link = http_url(url)
    if link:
        return f'<a href="{escape(link)}" rel="nofollow noopener noreferrer">{escape(url)}</a>'
    return escape(url) if url else "Not stated"


def day(value: date | datetime) -> str:
    return f"{value.day} {value:%b %Y}"
