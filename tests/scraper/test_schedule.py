"""schedule: leases so no two workers check one source, and runs that check each due source once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from registry.models import Check, Source
from scraper import schedule
from tests.builders import make_company, make_source
from tests.scraper.pages import page

pytestmark = pytest.mark.django_db


def skip_on_in_memory_sqlite() -> None:
    # The in-memory SQLite test database is shared between threads with table locks that
    # fail instead of waiting; the file database the embedded mode uses waits (WAL + busy
    # timeout), and bench/check_cycle.py runs the thread pool on it. PostgreSQL runs these.
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need a database with real locking: run with DATABASE_URL=postgres")


def sources(count: int, *, url: str = "https://example.com/p", **fields: Any) -> list[Source]:
    company = make_company()
    return [make_source(company, f"{url}{n}", **fields) for n in range(count)]


def test_claim_due_takes_due_sources_only_and_leases_them(settings: Any) -> None:
    settings.SCRAPER_LEASE_SECONDS = 60
    now = timezone.now()
    due = sources(2)
    later = make_source(
        due[0].company, "https://example.com/later", next_check_at=now + timedelta(hours=1)
    )

    claimed = schedule.claim_due(10, now=now)

    assert {s.pk for s in claimed} == {s.pk for s in due}
    assert all(s.lease_until == now + timedelta(seconds=60) for s in claimed)
    assert Source.objects.get(pk=later.pk).lease_until is None


def test_leased_source_is_claimed_again_only_after_the_lease_expires(settings: Any) -> None:
    settings.SCRAPER_LEASE_SECONDS = 60
    now = timezone.now()
    (source,) = sources(1)
    schedule.claim_due(10, now=now)

    while_held = schedule.claim_due(10, now=now + timedelta(seconds=59))
    after_expiry = schedule.claim_due(10, now=now + timedelta(seconds=61))

    assert while_held == []
    assert [s.pk for s in after_expiry] == [source.pk]


def test_renewing_a_lost_lease_is_refused(settings: Any) -> None:
    settings.SCRAPER_LEASE_SECONDS = 60
    now = timezone.now()
    (source,) = sources(1)
    (first,) = schedule.claim_due(10, now=now)
    schedule.claim_due(10, now=now + timedelta(seconds=61))

    renewed = schedule.claim(source.pk, now=now + timedelta(seconds=62), lease=first.lease_until)

    assert renewed is None


def test_inactive_sources_are_never_claimed() -> None:
    sources(2, active=False)

    assert schedule.claim_due(10, now=timezone.now()) == []


@pytest.mark.django_db(transaction=True)
def test_two_threads_claiming_at_once_get_disjoint_sources() -> None:
    skip_on_in_memory_sqlite()
    created = {s.pk for s in sources(40)}
    results: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def worker(slot: int) -> None:
        try:
            start.wait()
            while batch := schedule.claim_due(3, now=timezone.now()):
                results[slot].extend(s.pk for s in batch)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not set(results[0]) & set(results[1])
    assert set(results[0]) | set(results[1]) == created
    assert len(results[0]) + len(results[1]) == len(created)


def test_run_checks_each_due_source_once_and_schedules_the_next(
    page_server: Any, settings: Any
) -> None:
    settings.SCRAPER_RETRIES = 0
    page_server.set("/list", page("Stripe", "Mailgun"))
    company = make_company()
    watched = [make_source(company, page_server.url(f"/list?n={n}")) for n in range(5)]
    before = timezone.now()

    summary = schedule.run(workers=1)
    again = schedule.run(workers=1)

    assert summary.checked == 5
    assert again.checked == 0
    assert Check.objects.count() == 5
    for source in Source.objects.filter(pk__in=[s.pk for s in watched]):
        assert source.next_check_at >= before + source.check_interval
        assert source.lease_until is None


def test_run_with_all_checks_sources_that_are_not_due(page_server: Any) -> None:
    page_server.set("/list", page("Stripe"))
    source = make_source(make_company(), page_server.url("/list"))
    schedule.run()

    summary = schedule.run(all=True)

    assert summary.checked == 1
    assert summary.unchanged == 1
    assert Check.objects.filter(source=source).count() == 2


@pytest.mark.django_db(transaction=True)
def test_thread_pool_keeps_to_the_per_host_limit(page_server: Any, settings: Any) -> None:
    skip_on_in_memory_sqlite()
    settings.SCRAPER_PER_HOST_CONCURRENCY = 2
    body = page("Stripe").encode()
    in_flight = {"now": 0, "max": 0}
    lock = threading.Lock()

    def slow(handler: Any) -> None:
        with lock:
            in_flight["now"] += 1
            in_flight["max"] = max(in_flight["max"], in_flight["now"])
        time.sleep(0.05)
        with lock:
            in_flight["now"] -= 1
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    page_server.set("/slow", handler=slow)
    company = make_company()
    for n in range(8):
        make_source(company, page_server.url(f"/slow?n={n}"))

    summary = schedule.run(workers=4)

    assert summary.checked == 8
    assert summary.failed == 0
    assert in_flight["max"] == 2


def test_task_holding_a_lost_lease_skips_the_check(settings: Any) -> None:
    from scraper.tasks import check_source_task

    settings.SCRAPER_LEASE_SECONDS = 60
    now = timezone.now()
    (source,) = sources(1)
    (first,) = schedule.claim_due(1, now=now)
    schedule.claim_due(1, now=now + timedelta(seconds=61))  # another worker took it over

    result = check_source_task.apply(args=(source.pk, first.lease_until.isoformat())).get()

    assert result == "skipped"
    assert not Check.objects.exists()


def test_due_sources_are_checked_inline_without_a_broker(
    page_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from scraper.tasks import check_due_sources

    page_server.set("/list", page("Stripe"))
    company = make_company()
    for n in range(3):
        make_source(company, page_server.url(f"/list?n={n}"))

    with django_capture_on_commit_callbacks(execute=True):
        enqueued = check_due_sources.apply().get()

    assert enqueued == 3
    assert Check.objects.filter(outcome=Check.Outcome.BASELINE).count() == 3
    assert not Source.objects.filter(lease_until__isnull=False).exists()


def test_loop_keeps_cycling_until_told_to_stop(page_server: Any) -> None:
    page_server.set("/list", page("Stripe"))
    make_source(make_company(), page_server.url("/list"))
    stop = threading.Event()
    stop.set()

    summary = schedule.run(loop=True, stop=stop)

    assert summary.checked == 1
