"""Read one command-line input (a file path or an http(s) URL) into bytes and a content type."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


class InputError(Exception):
    """An input that cannot be read; the message says which input and why."""


def read_input(path_or_url: str) -> tuple[bytes, str | None]:
    """Return the body and its content type (None for files: the format is sniffed from content).

    URLs go through scraper.fetch, so the same size cap, timeouts and address guard apply as
    for a scheduled check. Raises InputError with a message a person can act on.
    """
    if path_or_url.lower().startswith(("http://", "https://")):
        return _read_url(path_or_url)
    return _read_file(path_or_url), None


def _read_file(path: str) -> bytes:
    target = Path(path)
    if not target.exists():
        raise InputError(f"{path}: no such file")
    if not target.is_file():
        raise InputError(f"{path}: not a regular file")
    limit = settings.SCRAPER_MAX_BYTES
    try:
        with target.open("rb") as handle:
            body = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if len(body) > limit:
        raise InputError(f"{path}: larger than the {limit:,} byte limit (SCRAPER_MAX_BYTES)")
    return body


def _read_url(url: str) -> tuple[bytes, str | None]:
    # Imported here so reading files never depends on the network stack.
    from scraper.fetch import FetchError, fetch

    try:
        fetched = fetch(url)
    except FetchError as exc:
        raise InputError(f"{url}: {exc}") from exc
    return fetched.body, fetched.content_type or None
