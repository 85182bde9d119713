"""Read a response body within a byte cap and a deadline, decompressing it ourselves.

The cap counts bytes after decompression and is checked piece by piece (zlib `max_length`),
so a small gzip bomb never inflates past the cap in memory.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from typing import Any

from scraper.fetching.errors import NotADocument, Timeout, TooLarge

CHUNK = 64 * 1024
_GZIP_WBITS = 16 + zlib.MAX_WBITS


class _Inflater:
    """One Content-Encoding layer (gzip or deflate), yielding output in bounded pieces."""

    def __init__(self, coding: str, *, limit: int, url: str) -> None:
        self.coding, self.limit, self.url = coding, limit, url
        self.wbits = _GZIP_WBITS if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self.obj = zlib.decompressobj(self.wbits)
        self.produced = 0
        self.members = 0
        self.done = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data and not self.done:
            out = self._decompress(data)
            if out:
                self.produced += len(out)
                if self.produced > self.limit:
                    raise TooLarge(_over_cap(self.limit, decompressed=True), url=self.url)
                yield out
            if self.obj.eof:
                self.members += 1
                data = self.obj.unused_data
                self.obj = zlib.decompressobj(self.wbits)
            else:
                data = self.obj.unconsumed_tail

    def flush(self) -> bytes:
        return b"" if self.done else self.obj.flush()

    def _decompress(self, data: bytes) -> bytes:
        try:
            return self.obj.decompress(data, CHUNK)
        except zlib.error as exc:
            if self.members:  # trailing garbage after a complete member: ignore it
                self.done = True
                return b""
            if self.wbits == zlib.MAX_WBITS and not self.produced:
                # Some servers send raw deflate without the zlib header.
                self.wbits = -zlib.MAX_WBITS
                self.obj = zlib.decompressobj(self.wbits)
                return self.obj.decompress(data, CHUNK)
            raise NotADocument(
                f"The body is not valid {self.coding} data although the server said so ({exc}).",
                url=self.url,
            ) from exc


def inflaters(content_encoding: str, *, max_bytes: int, url: str) -> list[_Inflater]:
    """Decoders for a Content-Encoding header, outermost (last applied) first."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    stages = []
    for coding in reversed(codings):
        if coding == "identity":
            continue
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise NotADocument(
                f"The server compressed the page with {coding!r}, which Subwatch does not "
                "decode (it asks for gzip or deflate only).",
                url=url,
            )
        stages.append(_Inflater(coding, limit=max_bytes + CHUNK, url=url))
    return stages


def read_body(
    raw: Any,
    *,
    content_encoding: str,
    max_bytes: int,
    deadline: float,
    read_timeout: float,
    url: str,
) -> bytes:
    """Stream the raw body, decompress it and stop at the cap or the deadline."""
    stages = inflaters(content_encoding, max_bytes=max_bytes, url=url)
    body = bytearray()
    wire = 0
    while chunk := _read_chunk(raw, deadline=deadline, read_timeout=read_timeout, url=url):
        wire += len(chunk)
        if wire > max_bytes:
            raise TooLarge(_over_cap(max_bytes, decompressed=False), url=url)
        _append(body, _through(stages, chunk), max_bytes=max_bytes, url=url)
    _append(body, _flushed(stages), max_bytes=max_bytes, url=url)
    return bytes(body)


def _read_chunk(raw: Any, *, deadline: float, read_timeout: float, url: str) -> bytes:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise Timeout(_deadline_message(), url=url)
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is not None:
        # Each wait for data ends by the deadline, so a slow drip cannot outlast it.
        sock.settimeout(max(0.01, min(read_timeout, remaining)))
    chunk: bytes = raw.read1(CHUNK, decode_content=False)
    if chunk and time.monotonic() > deadline:
        raise Timeout(_deadline_message(), url=url)
    return chunk


def _through(stages: list[_Inflater], data: bytes) -> Iterator[bytes]:
    if not stages:
        yield data
        return
    for piece in stages[0].feed(data):
        yield from _through(stages[1:], piece)


def _flushed(stages: list[_Inflater]) -> Iterator[bytes]:
    for index, stage in enumerate(stages):
        yield from _through(stages[index + 1 :], stage.flush())


def _append(body: bytearray, pieces: Iterator[bytes], *, max_bytes: int, url: str) -> None:
    for piece in pieces:
        body += piece
        if len(body) > max_bytes:
            raise TooLarge(_over_cap(max_bytes, decompressed=True), url=url)


def _over_cap(max_bytes: int, *, decompressed: bool) -> str:
    what = "decompressed body" if decompressed else "body"
    return (
        f"The {what} is larger than the {_size(max_bytes)} cap (SCRAPER_MAX_BYTES); "
        "the download was stopped."
    )


def _deadline_message() -> str:
    return "The page did not finish loading within the total time limit (SCRAPER_TOTAL_TIMEOUT)."


def _size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n:,} bytes"
