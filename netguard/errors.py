"""Why a URL cannot be fetched, as far as the SSRF guard can tell before any request is made.

These live here, not in the fetcher, so the registry can validate URLs at save time without
importing the scraper. The fetcher's other failures (timeouts, size caps, HTTP statuses)
subclass `FetchError` in `scraper/fetching/errors.py`, so one `except FetchError` catches all.
"""

from __future__ import annotations


class FetchError(Exception):
    """Base class; `kind` is a short stable code the pipeline records on the check."""

    kind = "fetch"

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.url = url


class InvalidURL(FetchError):
    kind = "invalid_url"


class BlockedAddress(FetchError):
    kind = "blocked"


class ConnectionFailed(FetchError):
    kind = "connection"


class DNSFailure(ConnectionFailed):
    kind = "dns"
