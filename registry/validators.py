"""Save-time validation of watched URLs (the SSRF guard's checks, as Django field errors)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def validate_source_url(url: str) -> None:
    """Raise ValidationError unless the URL is one Subwatch may fetch (http(s), public host)."""
    # Imported here so registry models and forms load without pulling in the HTTP stack.
    from scraper.fetching.errors import FetchError
    from scraper.netguard import validate_url

    try:
        validate_url(url)
    except FetchError as exc:
        raise ValidationError(exc.message, code=exc.kind) from exc
