"""Save-time validation of watched URLs (the SSRF guard's checks, as Django field errors)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

import netguard
from netguard.errors import FetchError


def validate_source_url(url: str) -> None:
    """Raise ValidationError unless the URL is one Subwatch may fetch (http(s), public host).

    The guard is a neutral package with no HTTP stack, so registry models and forms load
    it without pulling in the scraper.
    """
    try:
        netguard.validate_url(url)
    except FetchError as exc:
        raise ValidationError(exc.message, code=exc.kind) from exc
