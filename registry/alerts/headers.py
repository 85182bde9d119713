"""Header values for outgoing mail: stripped of anything that could inject or disguise."""

from __future__ import annotations

import unicodedata
from email.utils import make_msgid, parseaddr
from urllib.parse import urlsplit

from django.conf import settings

SUBJECT_LIMIT = 200


def header_safe(value: str, *, limit: int = SUBJECT_LIMIT) -> str:
    """Make scraped text safe for a header: no CR/LF or other control/format characters.

    Format characters include bidi overrides (U+202E), which could disguise a subject.
    """
    kept = "".join(
        " " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char
        for char in value
        if unicodedata.category(char) != "Cf"
    )
    collapsed = " ".join(kept.split())
    return collapsed if len(collapsed) <= limit else collapsed[: limit - 1] + "…"


def message_domain() -> str:
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2]
    return domain or urlsplit(settings.SITE_URL).hostname or "subwatch.localhost"


def new_message_id() -> str:
    return make_msgid(domain=message_domain())
