"""Fixed-window rate limits kept in Django's cache ("3/hour" style rates), and whom they count."""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse(rate: str) -> Rate:
    """Parse "3/hour" (also "3/h", "10/minute", "100/day") into a Rate."""
    count, _, period = rate.partition("/")
    period = period.strip().lower()
    seconds = next((s for name, s in _PERIODS.items() if name.startswith(period)), None)
    if not count.strip().isdigit() or not period or seconds is None:
        raise ValueError(f"rate must look like '3/hour', not {rate!r}")
    return Rate(int(count), seconds)


def allow(key: str, *, rate: str, now: datetime) -> bool:
    """Count one hit for key in the current window; False once the window is over its limit.

    Fixed windows are coarse (a burst may straddle two windows) but need no
    read-modify-write race handling: cache.add + incr are atomic in every backend.
    """
    limit = parse(rate)
    window = int(now.timestamp()) // limit.seconds
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{digest}:{limit.seconds}:{window}"
    cache.add(cache_key, 0, timeout=limit.seconds)
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=limit.seconds)
        hits = 1
    return hits <= limit.count


def client_ip(request: HttpRequest) -> str:
    """The address a client's rate limits count against.

    REMOTE_ADDR, unless TRUSTED_PROXY_COUNT reverse proxies stand in front: then every visitor
    arrives from the proxy's address, and the client is the Nth entry from the right of
    X-Forwarded-For (each proxy appends the address it was called from). Entries further left
    were written by the client and may be forged, so they are never read. A missing, short or
    malformed header falls back to REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < trusted:
        return remote
    try:
        appended = [ipaddress.ip_address(hop) for hop in hops[-trusted:]]
    except ValueError:
        return remote
    return str(appended[0])
