"""Escaped HTML fragments the admin pages share: links to rows, lists of names, before -> after."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def admin_url(obj: Model, view: str = "change") -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


def changelist_url(model: type[Model], **params: Any) -> str:
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{url}?{query}" if query else url


def link(obj: Model | None, text: object = None) -> str:
    """A link to obj's admin change page; text is escaped (it is often scraped)."""
    if obj is None:
        return "-"
    return format_html('<a href="{}">{}</a>', admin_url(obj), obj if text is None else text)


def names(objects: Iterable[object]) -> str:
    return ", ".join(str(obj) for obj in objects) or "-"


def external(url: str) -> SafeString | str:
    """An outbound link, only for http(s) so a stored javascript: URL stays inert text."""
    if not url.lower().startswith(("http://", "https://")):
        return url or "-"
    return format_html('<a href="{}" rel="noopener noreferrer nofollow">{}</a>', url, url)


def processor_summary(processor: dict[str, Any]) -> str:
    locations = processor.get("locations") or ()
    parts = [processor.get("purpose") or "", ", ".join(str(code) for code in locations)]
    return " · ".join(part for part in parts if part) or "-"


def before_after(before: dict[str, Any], after: dict[str, Any], fields: Iterable[str]) -> str:
    """What changed, as escaped 'field: old -> new' lines (added/removed show one side)."""
    if not before:
        return format_html("+ {}", processor_summary(after))
    if not after:
        return format_html("- {}", processor_summary(before))
    rows = [(field, _show(before.get(field)), _show(after.get(field))) for field in fields]
    if not rows:
        return format_html("{} → {}", processor_summary(before), processor_summary(after))
    return format_html_join(mark_safe("<br>"), "{}: {} → {}", rows)


def _show(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "-"
    return str(value) if value not in (None, "") else "-"
