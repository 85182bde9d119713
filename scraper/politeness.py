"""Per-host politeness: at most SCRAPER_PER_HOST_CONCURRENCY checks in flight on one host.

With a Redis URL (SCRAPER_POLITENESS_URL, by default a redis:// CELERY_BROKER_URL) the limit
holds across every worker and process: each host is a sorted set of slot tokens scored by the
time they expire, taken by one atomic script, so a worker killed while holding a slot loses it
after SCRAPER_LEASE_SECONDS (as it loses its source's lease) instead of holding it forever.
Without Redis, or while Redis cannot be reached, the limit is kept per process: politeness
never makes a check fail.

A check waits at most SCRAPER_TOTAL_TIMEOUT seconds for a slot, as long as one fetch may take,
then goes on without one and logs it: a host kept that busy gets one request more, rather than
a schedule stalling past its leases.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol
from urllib.parse import urlsplit

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

PREFIX = "subwatch:politeness"
# After Redis fails, the in-process limit is used alone for this long before Redis is tried
# again, so an outage does not add a connect timeout to every check.
RETRY_REDIS_AFTER = 30.0
MAX_PAUSE = 0.5

# Drop expired slots, then take one if fewer than the limit are live. Redis's own clock
# scores the slots, so workers whose clocks disagree still agree on expiry.
_ACQUIRE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
    return 0
end
redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""


class HostLimits(Protocol):
    def hold(self, url: str) -> AbstractContextManager[bool]:
        """Wait for a slot on the URL's host; yield whether one was had before the wait ended."""
        ...


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class LocalHostLimits:
    """The limit within one process, however many threads check at once."""

    def __init__(self, per_host: int, *, wait_seconds: float) -> None:
        self.per_host = max(1, per_host)
        self.wait_seconds = wait_seconds
        self.lock = threading.Lock()
        self.slots: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def hold(self, url: str) -> Iterator[bool]:
        host = host_of(url)
        with self.lock:
            slot = self.slots.setdefault(host, threading.BoundedSemaphore(self.per_host))
        held = slot.acquire(timeout=self.wait_seconds)
        if not held:
            _went_on(host, self.wait_seconds)
        try:
            yield held
        finally:
            if held:
                slot.release()


class SharedHostLimits:
    """The limit across processes, in Redis, with the in-process limit as its fallback."""

    def __init__(
        self,
        url: str,
        *,
        per_host: int,
        slot_seconds: float,
        wait_seconds: float,
        prefix: str = PREFIX,
    ) -> None:
        self.per_host = max(1, per_host)
        self.slot_ms = max(1, int(slot_seconds * 1000))
        self.wait_seconds = wait_seconds
        self.prefix = prefix
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        self.acquire_script = self.redis.register_script(_ACQUIRE)
        self.local = LocalHostLimits(per_host, wait_seconds=wait_seconds)
        self.down_until = 0.0
        self.warned = False
        self.warn_lock = threading.Lock()

    @contextmanager
    def hold(self, url: str) -> Iterator[bool]:
        host = host_of(url)
        key = f"{self.prefix}:{host}"
        token = uuid.uuid4().hex
        held = self._acquire(key, token, host=host)
        if held is None:
            with self.local.hold(url) as held_locally:
                yield held_locally
            return
        try:
            yield held
        finally:
            if held:
                self._release(key, token)

    def _acquire(self, key: str, token: str, *, host: str) -> bool | None:
        """True with a slot, False when the wait ran out, None when Redis cannot be used."""
        if time.monotonic() < self.down_until:
            return None
        deadline = time.monotonic() + self.wait_seconds
        pause = 0.02
        try:
            while not self.acquire_script(keys=[key], args=[self.per_host, token, self.slot_ms]):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    _went_on(host, self.wait_seconds)
                    return False
                # Jittered so waiters on one host do not poll in step.
                time.sleep(min(remaining, pause * random.uniform(0.5, 1.0)))
                pause = min(MAX_PAUSE, pause * 2)
        except redis.RedisError as error:
            self._unreachable(error)
            return None
        self.warned = False
        return True

    def _release(self, key: str, token: str) -> None:
        try:
            self.redis.zrem(key, token)
        except redis.RedisError:
            # The slot expires by itself; nothing else depends on freeing it now.
            logger.debug("could not free a politeness slot in %s", key, exc_info=True)

    def _unreachable(self, error: redis.RedisError) -> None:
        with self.warn_lock:
            self.down_until = time.monotonic() + RETRY_REDIS_AFTER
            first, self.warned = not self.warned, True
        if first:
            logger.warning(
                "politeness store unreachable (%s); limiting hosts per process until it is back",
                error,
            )


def _went_on(host: str, waited: float) -> None:
    logger.info("no free slot on %s after %.0f s; checking anyway", host, waited)


_made: dict[tuple[str, int, float, float], HostLimits] = {}
_made_lock = threading.Lock()


def limits() -> HostLimits:
    """This process's limiter for the current settings (one per process, shared by threads)."""
    config = (
        settings.SCRAPER_POLITENESS_URL,
        settings.SCRAPER_PER_HOST_CONCURRENCY,
        float(settings.SCRAPER_LEASE_SECONDS),
        float(settings.SCRAPER_TOTAL_TIMEOUT),
    )
    with _made_lock:
        if config not in _made:
            _made[config] = _build(*config)
        return _made[config]


def _build(url: str, per_host: int, slot_seconds: float, wait_seconds: float) -> HostLimits:
    if not url:
        return LocalHostLimits(per_host, wait_seconds=wait_seconds)
    return SharedHostLimits(
        url, per_host=per_host, slot_seconds=slot_seconds, wait_seconds=wait_seconds
    )
