"""Public page benchmark: company page latency and query count at 1,000 vendors.

    .venv/bin/python bench/public_page.py [--requests 300]

Seeds a scratch database (SQLite in a temp dir, or DATABASE_URL) with 1,000 vendors across
100 companies: one company using 500 of them, the other 99 using 10 each, every engagement
with purposes and locations, plus 200 confirmed changes for the big company. Then requests
pages through Django's test client (the full middleware and template stack, no network) and
prints p50/p95/max wall-clock latency, p50/p95 CPU time (less sensitive to other processes on
a busy machine), and the SQL query count per page.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VENDORS = 1_000
COMPANIES = 100
BIG = 500
SMALL = 10
CODES = [
    ("DE", "eea"),
    ("IE", "eea"),
    ("CH", "adequacy"),
    ("US", "third_country"),
    ("IN", "third_country"),
]
PURPOSES = ["hosting", "email", "analytics", "support", "payments", "security"]


def setup(scratch: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    # The API's anonymous throttle (120/minute) would turn the timed requests into 429s.
    os.environ.setdefault("API_ANON_RATE", "1000000/minute")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def seed() -> None:
    from django.utils import timezone

    from registry.models import Change, Company, Engagement, Location, Purpose, Vendor

    now, rng = timezone.now(), random.Random(7)
    locations = Location.objects.bulk_create(
        [Location(code=c, name=f"Country {c}", transfer_status=s) for c, s in CODES]
    )
    purposes = Purpose.objects.bulk_create([Purpose(slug=p, name=p.title()) for p in PURPOSES])
    vendors = Vendor.objects.bulk_create(
        [
            Vendor(name=f"Vendor {i:04}", slug=f"vendor-{i:04}", website=f"https://v{i}.example/")
            for i in range(VENDORS)
        ]
    )
    companies = Company.objects.bulk_create(
        [Company(name=f"Company {i:03}", slug=f"company-{i:03}") for i in range(COMPANIES)]
    )
    rows = []
    for index, company in enumerate(companies):
        chosen = vendors[:BIG] if index == 0 else rng.sample(vendors, SMALL)
        seen = now - timedelta(days=rng.randint(1, 700))
        rows += [
            Engagement(
                company=company,
                vendor=v,
                first_seen_at=seen,
                last_seen_at=now,
                purpose_text="as written",
                name_as_written=v.name,
            )
            for v in chosen
        ]
    engagements = Engagement.objects.bulk_create(rows, batch_size=1000)
    Engagement.purposes.through.objects.bulk_create(
        [
            Engagement.purposes.through(engagement=e, purpose=p)
            for e in engagements
            for p in rng.sample(purposes, rng.randint(1, 2))
        ],
        batch_size=2000,
    )
    Engagement.locations.through.objects.bulk_create(
        [
            Engagement.locations.through(engagement=e, location=loc)
            for e in engagements
            for loc in rng.sample(locations, rng.randint(1, 2))
        ],
        batch_size=2000,
    )
    Change.objects.bulk_create(
        [
            Change(
                company=companies[0],
                vendor=vendors[i],
                kind=rng.choice(["added", "removed"]),
                review="confirmed",
                detected_at=now - timedelta(days=rng.randint(1, 700)),
            )
            for i in range(200)
        ]
    )


def measure(client: Any, path: str, requests: int) -> dict[str, float]:
    from django.db import connection

    for _ in range(5):
        client.get(path)  # warm caches: templates, URL resolver, connection
    executed: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    statuses = set()
    timings, cpu = [], []
    for _ in range(requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        statuses.add(client.get(path).status_code)
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    assert statuses == {200}, (path, statuses)
    timings.sort()
    cpu.sort()
    return {
        "p50": statistics.median(timings),
        "p95": timings[int(len(timings) * 0.95) - 1],
        "max": timings[-1],
        "cpu50": statistics.median(cpu),
        "cpu95": cpu[int(len(cpu) * 0.95) - 1],
        "queries": len(executed),
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        setup(Path(scratch))
        from django.db import connection
        from django.test import Client

        started = time.perf_counter()
        seed()
        took = time.perf_counter() - started
        print(
            f"seeded {VENDORS} vendors, {COMPANIES} companies in {took:.1f}s on {connection.vendor}"
        )
        client = Client()
        pages = [
            ("company page, 500 processors", "/c/company-000/"),
            ("company page, 10 processors", "/c/company-001/"),
            ("company page as_of, 500", "/c/company-000/?as_of=2025-06-30"),
            ("changes page, 200 changes", "/c/company-000/changes/"),
            ("vendor page", "/v/vendor-0001/"),
            ("home, 100 companies", "/"),
            ("JSON export, 500", "/c/company-000.json"),
            ("API engagements page", "/api/engagements/?company=company-000"),
        ]
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        header = ["p50 ms", "p95 ms", "max ms", "cpu p50", "cpu p95", "queries"]
        print(f"{'page':30}" + "".join(f"{h:>9}" for h in header) + f"{'KiB':>6}")
        for label, path in pages:
            n = args.requests if "500 processors" in label else max(args.requests // 3, 50)
            r = measure(client, path, n)
            numbers = "".join(f"{r[k]:9.1f}" for k in ("p50", "p95", "max", "cpu50", "cpu95"))
            print(f"{label:30}{numbers}{r['queries']:9d}{r['bytes'] / 1024:6.0f}")


if __name__ == "__main__":
    main()
