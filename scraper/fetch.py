"""Fetch one watched page: the pipeline's first step (the parts live in scraper.fetching)."""

from __future__ import annotations

from scraper.fetching.client import Fetched, Limits, fetch
from scraper.fetching.errors import (
    BlockedAddress,
    ConnectionFailed,
    DNSFailure,
    FetchError,
    HTTPStatusError,
    InvalidURL,
    NotADocument,
    Timeout,
    TLSFailure,
    TooLarge,
    TooManyRedirects,
)

__all__ = [
    "BlockedAddress",
    "ConnectionFailed",
    "DNSFailure",
    "FetchError",
    "Fetched",
    "HTTPStatusError",
    "InvalidURL",
    "Limits",
    "NotADocument",
    "TLSFailure",
    "Timeout",
    "TooLarge",
    "TooManyRedirects",
    "fetch",
]
