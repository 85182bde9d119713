"""Every way a fetch can fail, each with a stable `kind` and a message a person can act on."""

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


class Timeout(FetchError):
    kind = "timeout"


class TooLarge(FetchError):
    kind = "too_large"


class NotADocument(FetchError):
    kind = "not_a_document"


class ConnectionFailed(FetchError):
    kind = "connection"


class DNSFailure(ConnectionFailed):
    kind = "dns"


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
