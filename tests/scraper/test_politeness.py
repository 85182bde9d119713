"""Per-host politeness: a slot limit per host, shared by processes through Redis when it is there.

The shared tests run against the Redis on 127.0.0.1:6379 with a key prefix of their own, and are
skipped when it is not running. Processes are forked, as Celery's prefork workers are.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from registry.models import Check
from scraper import pipeline, politeness, schedule, tasks
from scraper.record import Outcome
from tests.builders import make_company, make_source

REDIS_URL = "redis://127.0.0.1:6379/0"
NOWHERE_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
PAGE = "https://vendor.example/subprocessors"
OTHER_HOST_PAGE = "https://other.example/subprocessors"

fork = multiprocessing.get_context("fork")


@pytest.fixture
def prefix() -> Iterator[str]:
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
    except redis.RedisError:
        pytest.skip("needs Redis on 127.0.0.1:6379")
    unique = f"subwatch-test:politeness:{uuid.uuid4().hex}"
    yield unique
    for key in client.scan_iter(f"{unique}:*"):
        client.delete(key)


def shared(prefix: str, *, per_host: int = 1, slot_seconds: float = 60, wait_seconds: float = 10):
    return politeness.SharedHostLimits(
        REDIS_URL,
        per_host=per_host,
        slot_seconds=slot_seconds,
        wait_seconds=wait_seconds,
        prefix=prefix,
    )


def crowd_one_host(prefix: str, inside: Any, most: Any, lock: Any, rounds: int) -> None:
    limits = shared(prefix)
    for _ in range(rounds):
        with limits.hold(PAGE) as held:
            with lock:
                inside.value += 1
                most.value = max(most.value, inside.value)
            # Stay inside long enough that an unguarded rival would overlap.
            threading.Event().wait(0.01)
            with lock:
                inside.value -= 1
        assert held


def test_it_never_lets_two_processes_into_one_host_at_once_with_a_limit_of_one(prefix):
    inside, most, lock = fork.Value("i", 0), fork.Value("i", 0), fork.Lock()
    workers = [
        fork.Process(target=crowd_one_host, args=(prefix, inside, most, lock, 25)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)

    assert [worker.exitcode for worker in workers] == [0, 0]
    assert most.value == 1


def hold_until_told(prefix: str, url: str, holding: Any, release: Any, **limits: Any) -> None:
    with shared(prefix, **limits).hold(url) as held:
        assert held
        holding.set()
        release.wait(30)


def holder(prefix: str, url: str, **limits: Any):
    holding, release = fork.Event(), fork.Event()
    process = fork.Process(
        target=hold_until_told, args=(prefix, url, holding, release), kwargs=limits
    )
    process.start()
    assert holding.wait(30)
    return process, release


def test_it_makes_a_second_process_wait_for_the_slot_another_holds(prefix):
    process, release = holder(prefix, PAGE)
    try:
        with shared(prefix, wait_seconds=0.2).hold(PAGE) as held_while_taken:
            pass
    finally:
        release.set()
        process.join(30)

    with shared(prefix, wait_seconds=5).hold(PAGE) as held_once_freed:
        pass

    assert held_while_taken is False
    assert held_once_freed is True


def test_it_does_not_make_one_host_wait_for_another(prefix):
    process, release = holder(prefix, PAGE)
    try:
        with shared(prefix, wait_seconds=0.2).hold(OTHER_HOST_PAGE) as held:
            pass
    finally:
        release.set()
        process.join(30)

    assert held is True


def test_it_frees_the_slot_of_a_killed_process_when_the_slot_expires(prefix):
    process, _ = holder(prefix, PAGE, slot_seconds=3)
    os.kill(process.pid, signal.SIGKILL)
    process.join(30)

    with shared(prefix, wait_seconds=0.1).hold(PAGE) as held_at_once:
        pass
    with shared(prefix, wait_seconds=10).hold(PAGE) as held_after_expiry:
        pass

    assert held_at_once is False
    assert held_after_expiry is True


def test_it_lets_in_as_many_holders_as_the_limit(prefix):
    limits = shared(prefix, per_host=2, wait_seconds=0.1)

    with limits.hold(PAGE) as first, limits.hold(PAGE) as second, limits.hold(PAGE) as third:
        pass

    assert (first, second, third) == (True, True, False)


def test_it_falls_back_to_the_in_process_limit_and_warns_once_when_redis_is_down(caplog):
    caplog.set_level(logging.INFO, logger="scraper.politeness")
    limits = politeness.SharedHostLimits(NOWHERE_URL, per_host=1, slot_seconds=60, wait_seconds=0.1)

    with limits.hold(PAGE) as first, limits.hold(PAGE) as second:
        pass
    with limits.hold(PAGE) as later:
        pass

    assert (first, second, later) == (True, False, True)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "unreachable" in warnings[0].getMessage()


def test_it_goes_on_when_redis_fails_in_the_middle_of_a_hold(prefix, monkeypatch):
    limits = shared(prefix)

    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise redis.ConnectionError("gone")

    with limits.hold(PAGE) as held:
        monkeypatch.setattr(limits.redis, "zrem", unreachable)

    assert held is True


def test_it_limits_threads_in_one_process_without_redis():
    limits = politeness.LocalHostLimits(1, wait_seconds=0.1)

    with (
        limits.hold(PAGE) as first,
        limits.hold(PAGE) as second,
        limits.hold(OTHER_HOST_PAGE) as other,
    ):
        pass

    assert (first, second, other) == (True, False, True)


@pytest.mark.parametrize(
    ("url", "kind"),
    [("", politeness.LocalHostLimits), (REDIS_URL, politeness.SharedHostLimits)],
)
def test_it_shares_the_limit_only_when_a_politeness_url_is_set(settings, url, kind):
    settings.SCRAPER_POLITENESS_URL = url

    assert isinstance(politeness.limits(), kind)
    assert politeness.limits() is politeness.limits()


@pytest.fixture
def one_slot(monkeypatch) -> politeness.LocalHostLimits:
    """A one-slot limiter the scheduler and the Celery task use, and a check that probes it."""
    limits = politeness.LocalHostLimits(1, wait_seconds=0.05)
    monkeypatch.setattr(schedule, "host_limits", lambda: limits)
    monkeypatch.setattr(tasks, "host_limits", lambda: limits)
    return limits


def probing_check(limits: politeness.LocalHostLimits, seen: list[bool]):
    def check_source(source, *, now, batch=None):
        with limits.hold(source.url) as free:
            seen.append(free)
        return Outcome(source.pk, Check.Outcome.UNCHANGED)

    return check_source


@pytest.mark.django_db
def test_the_scheduler_holds_a_slot_on_the_host_while_it_checks(one_slot, monkeypatch):
    seen: list[bool] = []
    monkeypatch.setattr(pipeline, "check_source", probing_check(one_slot, seen))
    make_source(make_company(), PAGE)

    schedule.run(all=True)

    assert seen == [False]


@pytest.mark.django_db
def test_the_celery_task_holds_a_slot_on_the_host_while_it_checks(one_slot, monkeypatch):
    seen: list[bool] = []
    monkeypatch.setattr(pipeline, "check_source", probing_check(one_slot, seen))
    source = make_source(make_company(), PAGE)

    tasks.check_source_task(source.pk)

    assert seen == [False]
