"""Template filters for the public pages: links only to http(s) addresses."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django import template

register = template.Library()
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@register.filter
def http_url(value: object) -> str:
    """The address when it is an absolute http(s) URL, else "" (javascript: never links)."""
    text = str(value or "").strip()
    if not text[:8].lower().startswith(("http://", "https://")) or _CONTROL.search(text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return text
    return ""
