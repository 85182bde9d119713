"""fleet: several checking processes share one cycle through the leases, never checking twice."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from registry.models import Check, Source
from scraper import fleet
from tests.builders import make_company, make_source
from tests.scraper.pages import page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def shared_database() -> None:
    # Forked processes open their own connections: the in-memory SQLite test database is
    # private to this one. The file database of the embedded mode and PostgreSQL are shared.
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("processes need a shared database: run with DATABASE_URL=postgres")


def watched(page_server: Any, count: int) -> list[Source]:
    page_server.set("/list", page("Stripe", "Mailgun"))
    company = make_company()
    return [make_source(company, page_server.url(f"/list?n={n}")) for n in range(count)]


def test_processes_check_each_source_exactly_once(page_server: Any, settings: Any) -> None:
    settings.SCRAPER_RETRIES = 0
    settings.SCRAPER_PER_HOST_CONCURRENCY = 4
    sources = watched(page_server, 24)
    seen: list[int] = []

    summary = fleet.run(
        processes=2, workers=2, all=True, on_outcome=lambda o: seen.append(o.source_id)
    )

    assert summary.checked == 24
    assert sorted(seen) == sorted(s.pk for s in sources)
    assert Check.objects.count() == 24
    assert not Source.objects.filter(lease_until__isnull=False).exists()


def test_a_second_run_finds_nothing_due(page_server: Any, settings: Any) -> None:
    settings.SCRAPER_RETRIES = 0
    watched(page_server, 6)
    fleet.run(processes=2)

    again = fleet.run(processes=2)

    assert again.checked == 0
    assert Check.objects.count() == 6


def test_check_sources_runs_processes_when_asked(page_server: Any, settings: Any) -> None:
    settings.SCRAPER_RETRIES = 0
    watched(page_server, 4)
    out = io.StringIO()

    call_command("check_sources", "--processes", "2", stdout=out)

    assert "checked=4 " in out.getvalue()
    assert Check.objects.count() == 4
