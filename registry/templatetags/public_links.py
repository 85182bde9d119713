"""Template filters for the public pages: links only to http(s) addresses."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.filter
def http_url(value: object) -> str:
    """The address when it is an absolute http(s) URL, else "" (javascript: never links)."""
    text = str(value or "").strip()
    if any(ord(char) < 32 for char in text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return text
    return ""
