"""Every way a fetch can fail, each with a stable `kind` and a message a person can act on."""

from __future__ import annotations

# The guard's errors are the base of this hierarchy; they live beside the guard so the
# registry can use them without importing the scraper.
from netguard.errors import BlockedAddress, ConnectionFailed, DNSFailure, FetchError, InvalidURL

__all__ = [
    "BlockedAddress",
    "ConnectionFailed",
    "DNSFailure",
    "FetchError",
    "HTTPStatusError",
    "InvalidURL",
    "NotADocument",
    "TLSFailure",
    "Timeout",
    "TooLarge",
    "TooManyRedirects",
]


class Timeout(FetchError):
    kind = "timeout"


class TooLarge(FetchError):
    kind = "too_large"


class NotADocument(FetchError):
    kind = "not_a_document"


class TLSFailure(ConnectionFailed):
    kind = "tls"


class TooManyRedirects(FetchError):
    kind = "too_many_redirects"


class HTTPStatusError(FetchError):
    """The server answered with an error status (after any retries)."""

    kind = "http_status"

    def __init__(
        self, message: str, *, url: str = "", status: int, retry_after: float | None = None
    ) -> None:
        super().__init__(message, url=url)
        self.status = status
        self.retry_after = retry_after
