"""fetch(url): one page over HTTP(S), SSRF-guarded on every hop, capped, retried and decoded."""

from __future__ import annotations

import contextlib
import itertools
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import requests
import urllib3.exceptions
from django.conf import settings

import netguard
from scraper.fetching import errors, failures, sessions
from scraper.fetching.body import read_body
from scraper.fetching.pinning import PinnedAdapter
from scraper.fetching.text import check_document, decode

REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, *range(505, 600)})
ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9,*/*;q=0.1"

# Replaced in tests to record backoff pauses instead of sleeping.
sleep = time.sleep


@dataclass(frozen=True)
class Fetched:
    """One successful fetch (or a 304 Not Modified, with an empty body)."""

    url: str
    final_url: str
    status: int
    body: bytes
    text: str
    content_type: str
    charset: str
    etag: str
    last_modified: str
    not_modified: bool
    elapsed_ms: int


@dataclass(frozen=True)
class Limits:
    """Every knob of a fetch, read from settings when a fetch starts."""

    user_agent: str
    connect_timeout: float
    read_timeout: float
    total_timeout: float
    max_bytes: int
    max_redirects: int
    retries: int
    backoff: float
    retry_after_max: float
    verify: bool | str

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            user_agent=settings.SCRAPER_USER_AGENT,
            connect_timeout=float(settings.SCRAPER_CONNECT_TIMEOUT),
            read_timeout=float(settings.SCRAPER_READ_TIMEOUT),
            total_timeout=float(settings.SCRAPER_TOTAL_TIMEOUT),
            max_bytes=int(settings.SCRAPER_MAX_BYTES),
            max_redirects=int(settings.SCRAPER_MAX_REDIRECTS),
            retries=int(settings.SCRAPER_RETRIES),
            backoff=float(getattr(settings, "SCRAPER_BACKOFF_SECONDS", 1.0)),
            retry_after_max=float(getattr(settings, "SCRAPER_RETRY_AFTER_MAX", 60)),
            # Verification is always on; a custom CA bundle is for intranet CAs and tests.
            verify=getattr(settings, "SCRAPER_CA_BUNDLE", None) or True,
        )


@dataclass(frozen=True)
class _Reply:
    url: str
    status: int
    headers: Any
    body: bytes

    @property
    def retry_after(self) -> float | None:
        return failures.parse_retry_after(self.headers.get("Retry-After", ""))


@dataclass
class _Run:
    """One fetch in progress: its session, pinned adapter, limits and deadline."""

    session: requests.Session
    adapter: PinnedAdapter
    limits: Limits
    deadline: float
    headers: dict[str, str]

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


def fetch(url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
    """Fetch one page, or raise a FetchError subclass saying what went wrong."""
    limits = Limits.from_settings()
    started = time.monotonic()
    session, adapter = sessions.current()
    run = _Run(session, adapter, limits, started + limits.total_timeout, _headers(limits))
    run.headers.update(_conditional_headers(etag, last_modified))
    reply = _follow(run, url)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    return _fetched(url, reply, etag=etag, last_modified=last_modified, elapsed_ms=elapsed_ms)


def _fetched(
    url: str, reply: _Reply, *, etag: str | None, last_modified: str | None, elapsed_ms: int
) -> Fetched:
    content_type = reply.headers.get("Content-Type", "")
    common = {
        "url": url,
        # Unredirected, the final URL is the URL as given (not its normalised spelling).
        "final_url": url if reply.url == netguard.parse(url).url else reply.url,
        "status": reply.status,
        "content_type": content_type,
        "etag": reply.headers.get("ETag", "") or (etag or ""),
        "last_modified": reply.headers.get("Last-Modified", "") or (last_modified or ""),
        "elapsed_ms": elapsed_ms,
    }
    if reply.status == 304:
        return Fetched(body=b"", text="", charset="", not_modified=True, **common)
    check_document(reply.body, content_type=content_type, url=reply.url)
    text, charset = decode(reply.body, content_type=content_type)
    return Fetched(body=reply.body, text=text, charset=charset, not_modified=False, **common)


def _headers(limits: Limits) -> dict[str, str]:
    # Sent with each request, not kept on the shared session, so settings apply at fetch time.
    return {"User-Agent": limits.user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}


def _conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag and not any(c in etag for c in "\r\n"):
        headers["If-None-Match"] = etag
    if last_modified and not any(c in last_modified for c in "\r\n"):
        headers["If-Modified-Since"] = last_modified
    return headers


def _follow(run: _Run, url: str) -> _Reply:
    chain: list[str] = []
    current = url
    while True:
        destination = _check_hop(current, chain=chain)
        if destination.target.url in chain:
            shown = " -> ".join([*chain, destination.target.url])
            raise errors.TooManyRedirects(f"The page redirects in a loop: {shown}.", url=url)
        chain.append(destination.target.url)
        if len(chain) > run.limits.max_redirects + 1:
            raise errors.TooManyRedirects(
                f"More than {run.limits.max_redirects} redirects (SCRAPER_MAX_REDIRECTS): "
                + " -> ".join(chain),
                url=url,
            )
        run.adapter.pin(destination.target.host, destination.addresses)
        reply = _with_retries(run, destination.target.url)
        if reply.status not in REDIRECTS:
            return _final(reply)
        current = _location(reply)


def _check_hop(url: str, *, chain: list[str]) -> netguard.Destination:
    if not chain:
        return netguard.check(url)
    try:
        return netguard.check(url)
    except (errors.InvalidURL, errors.BlockedAddress) as exc:
        raise errors.BlockedAddress(
            f"The page redirected to {url} (after {' -> '.join(chain)}), which is refused: "
            f"{exc.message}",
            url=chain[0],
        ) from exc


def _location(reply: _Reply) -> str:
    location = reply.headers.get("Location", "")
    if not location:
        raise errors.HTTPStatusError(
            f"HTTP {reply.status} redirect without a Location header from {reply.url}.",
            url=reply.url,
            status=reply.status,
        )
    return urljoin(reply.url, location)


def _final(reply: _Reply) -> _Reply:
    if 200 <= reply.status < 300 or reply.status == 304:
        return reply
    raise errors.HTTPStatusError(
        failures.status_message(reply.status, url=reply.url, retry_after=reply.retry_after),
        url=reply.url,
        status=reply.status,
        retry_after=reply.retry_after,
    )


def _with_retries(run: _Run, url: str) -> _Reply:
    """One hop, retried with exponential backoff on 5xx, 429 and timeouts."""
    for attempt in itertools.count():
        failure: errors.Timeout | None = None
        reply: _Reply | None = None
        try:
            reply = _once(run, url)
        except errors.Timeout as exc:
            failure = exc
        if reply is not None and reply.status not in RETRY_STATUSES:
            return reply
        delay = _delay(run.limits, attempt, reply.retry_after if reply else None)
        if attempt >= run.limits.retries or delay >= run.remaining():
            if failure is not None:
                raise failure
            return reply  # type: ignore[return-value]
        sleep(delay)
    raise AssertionError("unreachable")


def _delay(limits: Limits, attempt: int, retry_after: float | None) -> float:
    backoff = limits.backoff * (2**attempt)
    if retry_after is None:
        return backoff
    return max(backoff, min(retry_after, limits.retry_after_max))


def _once(run: _Run, url: str) -> _Reply:
    remaining = run.remaining()
    if remaining <= 0:
        raise errors.Timeout(failures.total_timeout_message(run.limits), url=url)
    timeout = (min(run.limits.connect_timeout, remaining), min(run.limits.read_timeout, remaining))
    try:
        response = run.session.get(
            url,
            headers=run.headers,
            stream=True,
            allow_redirects=False,
            timeout=timeout,
            verify=run.limits.verify,
        )
    except requests.Timeout as exc:
        if run.remaining() <= 0:
            raise errors.Timeout(failures.total_timeout_message(run.limits), url=url) from exc
        raise failures.request_error(exc, url=url, limits=run.limits) from exc
    except requests.RequestException as exc:
        raise failures.request_error(exc, url=url, limits=run.limits) from exc
    with response:
        return _Reply(url, response.status_code, response.headers, _body(run, response, url))


def _body(run: _Run, response: requests.Response, url: str) -> bytes:
    if not 200 <= response.status_code < 300:
        _release_if_empty(response)
        return b""
    _refuse_declared_size(response.headers, limits=run.limits, url=url)
    try:
        return read_body(
            response.raw,
            content_encoding=response.headers.get("Content-Encoding", ""),
            max_bytes=run.limits.max_bytes,
            deadline=run.deadline,
            read_timeout=run.limits.read_timeout,
            url=url,
        )
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise failures.body_error(
            exc, url=url, limits=run.limits, late=run.remaining() <= 0
        ) from exc


def _release_if_empty(response: requests.Response) -> None:
    """Hand a bodiless answer's connection back for reuse; any other is closed unread.

    Reading a 304 (or a declared empty body) ends at once; the body of a redirect or an
    error page is never waited for, however small it claims to be.
    """
    if response.status_code != 304 and response.headers.get("Content-Length") != "0":
        return
    # On an error the connection is simply closed with the response instead.
    with contextlib.suppress(urllib3.exceptions.HTTPError, OSError):
        response.raw.read(decode_content=False)


def _refuse_declared_size(headers: Any, *, limits: Limits, url: str) -> None:
    declared = headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise errors.TooLarge(
            f"The server announced {int(declared):,} bytes, over the {limits.max_bytes:,}-byte "
            "cap (SCRAPER_MAX_BYTES); nothing was downloaded.",
            url=url,
        )
