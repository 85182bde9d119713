"""Two real Celery workers on Redis and PostgreSQL: each source checked once, also after a kill."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.scraper.pages import page

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BROKER = "redis://127.0.0.1:6379/15"
DATABASE = "sw_celery_it"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
SOURCES = 6


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


if not (reachable(6379) and reachable(5432)):
    pytest.skip("needs Redis on 6379 and PostgreSQL on 5432", allow_module_level=True)

psycopg = pytest.importorskip("psycopg")
redis = pytest.importorskip("redis")


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": BROKER,
        "SCRAPER_ALLOWED_HOSTS": "127.0.0.1",
        "SCRAPER_RETRIES": "0",
        "SCRAPER_LEASE_SECONDS": "3",
        "LOG_LEVEL": "WARNING",
    }


def manage(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def sql(query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={DATABASE}", autocommit=True) as db:
        cursor = db.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def wait_until(condition: Callable[[], bool], *, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the workers"
        time.sleep(0.1)


@pytest.fixture
def database() -> None:
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        db.execute(f"CREATE DATABASE {DATABASE}")
    manage("migrate", "--noinput", "-v", "0")
    redis.Redis.from_url(BROKER).flushdb()


class Workers:
    def __init__(self) -> None:
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> subprocess.Popen[bytes]:
        celery = str(Path(sys.executable).with_name("celery"))
        self.processes[name] = subprocess.Popen(
            [
                celery,
                "-A",
                "config",
                "worker",
                "-P",
                "solo",
                "-n",
                f"{name}@%h",
                "-l",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self.processes[name]

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def workers() -> Iterator[Workers]:
    pool = Workers()
    try:
        yield pool
    finally:
        pool.stop_all()


def send(task: str) -> None:
    from celery import Celery

    client = Celery(broker=BROKER)
    client.send_task(task)
    client.close()


def checks_per_source() -> dict[int, int]:
    rows = sql(
        "SELECT s.id, count(c.id) FROM registry_source s "
        "LEFT JOIN registry_check c ON c.source_id = s.id GROUP BY s.id"
    )
    return dict(rows)


def test_each_source_is_checked_once_per_cycle_even_when_a_worker_dies(
    database: None, workers: Workers, page_server: Any
) -> None:
    for n in range(SOURCES):
        page_server.set(f"/list/{n}", page("Stripe", "Mailgun"))
    urls = [page_server.url(f"/list/{n}") for n in range(SOURCES)]
    manage(
        "shell",
        "-c",
        (
            "from registry.models import Company, Source\n"
            f"for u in {urls!r}: Source.objects.create(company=Company.objects.create("
            "name=u, slug=str(abs(hash(u)))), url=u)\n"
        ),
    )
    workers.start("alpha")
    workers.start("beta")

    # Two beat ticks at once: both workers claim, neither claims what the other holds.
    send("scraper.check_due_sources")
    send("scraper.check_due_sources")
    wait_until(lambda: sum(checks_per_source().values()) >= SOURCES)
    time.sleep(1.0)  # anything checked twice would show up by now

    assert set(checks_per_source().values()) == {1}
    # Each source's first reading is its company's baseline: engagements, no Change rows.
    baselines = sql("SELECT count(*) FROM registry_check WHERE outcome = 'baseline'")
    assert baselines[0][0] == SOURCES
    assert sql("SELECT count(*) FROM registry_engagement")[0][0] == 2 * SOURCES
    assert sql("SELECT count(*) FROM registry_change")[0][0] == 0

    # A worker killed in the middle of a check: its lease expires and another finishes it.
    workers.processes["beta"].terminate()
    workers.processes["beta"].wait(timeout=15)
    asked = threading.Event()
    release = threading.Event()
    changed = page("Stripe", "Mailgun", "Sentry").encode()

    def hanging(handler: Any) -> None:
        if not release.is_set():
            asked.set()
            release.wait(20)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(changed)))
        handler.end_headers()
        handler.wfile.write(changed)

    page_server.set("/list/0", handler=hanging)
    (target,) = sql("SELECT id FROM registry_source WHERE url = %s", urls[0])[0]
    sql("UPDATE registry_source SET next_check_at = now() WHERE id = %s", target)
    send("scraper.check_due_sources")
    assert asked.wait(30)
    workers.processes["alpha"].send_signal(signal.SIGKILL)
    workers.processes["alpha"].wait(timeout=10)
    release.set()
    workers.start("gamma")
    time.sleep(3.5)  # SCRAPER_LEASE_SECONDS=3: alpha's lease is gone
    send("scraper.check_due_sources")
    wait_until(lambda: checks_per_source()[target] >= 2)
    time.sleep(1.0)

    counts = checks_per_source()
    assert counts[target] == 2
    assert all(count == 1 for source, count in counts.items() if source != target)
    sentry = sql(
        "SELECT count(*) FROM registry_change c JOIN registry_vendor v ON v.id = c.vendor_id "
        "WHERE c.source_id = %s AND v.name = 'Sentry'",
        target,
    )
    assert sentry[0][0] == 1
