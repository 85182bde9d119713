"""Turn requests/urllib3 exceptions and HTTP statuses into FetchErrors a person can act on."""

from __future__ import annotations

import email.utils
import http
import ssl
import time
from typing import TYPE_CHECKING

import requests
import urllib3.exceptions

import netguard
from scraper.fetching import errors

if TYPE_CHECKING:
    from scraper.fetching.client import Limits


def request_error(exc: requests.RequestException, *, url: str, limits: Limits) -> Exception:
    host = netguard.parse(url).host
    why = cause(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return errors.TLSFailure(
            f"The secure (https) connection to {host} failed: {why}. The certificate may be "
            "self-signed, expired or issued for another host.",
            url=url,
        )
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return errors.Timeout(
            f"Connecting to {host} timed out after {limits.connect_timeout:g} s.", url=url
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return errors.Timeout(
            f"{host} accepted the connection but sent no answer within "
            f"{limits.read_timeout:g} s (SCRAPER_READ_TIMEOUT).",
            url=url,
        )
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema)):
        return errors.InvalidURL(f"The URL cannot be requested: {why}.", url=url)
    return errors.ConnectionFailed(f"Could not get the page from {host}: {why}.", url=url)


def body_error(exc: BaseException, *, url: str, limits: Limits, late: bool) -> Exception:
    """The error for a failure while streaming the body; `late` when the deadline has passed."""
    if late:
        return errors.Timeout(total_timeout_message(limits), url=url)
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError | TimeoutError):
        return errors.Timeout(
            f"The server stopped sending the page for more than {limits.read_timeout:g} s "
            "(SCRAPER_READ_TIMEOUT).",
            url=url,
        )
    if isinstance(exc, urllib3.exceptions.SSLError | ssl.SSLError):
        return errors.TLSFailure(f"The secure connection broke: {cause(exc)}.", url=url)
    return errors.ConnectionFailed(
        f"The connection broke while downloading the page: {cause(exc)}.", url=url
    )


def cause(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, in a few words."""
    seen: set[int] = set()
    current: BaseException = exc
    while id(current) not in seen:
        seen.add(id(current))
        inner = getattr(current, "reason", None)
        if not isinstance(inner, BaseException):
            args = [a for a in current.args if isinstance(a, BaseException)]
            inner = args[0] if args else current.__cause__ or current.__context__
        if inner is None:
            break
        current = inner
    if isinstance(current, ssl.SSLCertVerificationError):
        return f"certificate verify failed ({current.verify_message})"
    if isinstance(current, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(current, ConnectionResetError):
        return "the connection was reset by the server"
    text = str(current) or type(current).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def status_message(status: int, *, url: str, retry_after: float | None) -> str:
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown status"
    base = f"The server answered HTTP {status} {phrase} for {url}"
    if status in (404, 410):
        return f"{base}; check that the page still exists at this address."
    if status in (401, 403):
        return f"{base}; the site refuses the crawler (login, firewall or bot protection)."
    if status == 429:
        wait = retry_after
        asked = f" and asked to wait {wait:g} s" if wait is not None else ""
        return f"{base}{asked}; it will be retried at the next check."
    if status >= 500:
        return (
            f"{base} after retries; the site has a problem, it will be retried at the next check."
        )
    return f"{base}; Subwatch expected 200 OK."


def parse_retry_after(value: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def total_timeout_message(limits: Limits) -> str:
    return (
        f"The page did not finish loading within {limits.total_timeout:g} s "
        "(SCRAPER_TOTAL_TIMEOUT); the server is too slow or is dripping data."
    )
