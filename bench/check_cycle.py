"""Check-cycle benchmark: N local pages, full checks inline, on a thread pool and on Celery.

    .venv/bin/python bench/check_cycle.py --n 1000 [--modes inline,threads,celery] [--workers 4]

Serves N small sub-processor pages from a separate process on 127.0.0.1 (ETag aware), creates
one company and source per page in a scratch database (SQLite in a temp dir, or
DATABASE_URL), and times three cycles per mode: the first check, a cycle where nothing
changed, and a cycle where every page swapped one vendor. Prints pages/s and peak RSS.
The celery mode needs DATABASE_URL (PostgreSQL) and Redis; it starts two workers (-P solo).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VENDORS = [
    "Amazon Web Services",
    "Stripe",
    "Mailgun",
    "Intercom",
    "Sentry",
    "Cloudflare",
    "Twilio",
    "Zendesk",
    "HubSpot",
    "Slack",
    "Google Cloud",
    "Datadog",
    "Segment",
    "Mixpanel",
    "Amplitude",
    "Auth0",
    "Algolia",
    "Atlassian",
    "Salesforce",
    "SendGrid",
    "PayPal",
    "Postmark",
    "Heroku",
    "DigitalOcean",
    "Fastly",
    "New Relic",
    "Okta",
    "Zoom",
    "Asana",
    "Airtable",
    "Notion",
    "Calendly",
    "DocuSign",
    "Dropbox",
    "Box",
    "Mailchimp",
    "Hotjar",
    "Plaid",
    "Wise",
    "Xero",
]
PLACES = ["United States", "Ireland", "Germany", "France", "Netherlands"]


def page(index: int, version: int) -> bytes:
    picks = [VENDORS[(index + k) % len(VENDORS)] for k in range(7)]
    picks.append(VENDORS[(index + 7 + version) % len(VENDORS)])
    rows = "".join(
        f"<tr><td>{name}</td><td>Service delivery</td><td>{PLACES[(index + n) % 5]}</td></tr>"
        for n, name in enumerate(picks)
    )
    return (
        f"<html><head><title>Sub-processors of company {index}</title></head><body>"
        f"<h1>Sub-processors</h1><p>Company {index} uses these sub-processors.</p>"
        "<table><tr><th>Sub-processor</th><th>Purpose</th><th>Location</th></tr>"
        f"{rows}</table></body></html>"
    ).encode()


def serve(ready: Any, version: Any) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as separate writes; without this, Nagle's algorithm and
        # delayed ACKs add milliseconds to every 200 answer (real web servers set it too).
        disable_nagle_algorithm = True

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            index = int(self.path.rsplit("/", 1)[1])
            etag = f'"{index}-{version.value}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = page(index, version.value)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    ThreadingHTTPServer.request_queue_size = 1024
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ready.put(server.server_address[1])
    server.serve_forever()


def setup_django(args: argparse.Namespace, scratch: Path) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["SCRAPER_ALLOWED_HOSTS"] = "127.0.0.1"
    # Every bench page is on one host: let the pool use all its threads on it.
    os.environ["SCRAPER_PER_HOST_CONCURRENCY"] = str(args.workers * args.processes)
    os.environ["SCRAPER_RETRIES"] = "0"
    os.environ["DEBUG"] = "false"
    os.environ["LOG_LEVEL"] = "WARNING"
    # Set before Django starts so the Celery app sends to Redis instead of running eagerly.
    if "celery" in args.modes:
        os.environ["CELERY_BROKER_URL"] = args.broker
    else:
        os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def create_sources(n: int, port: int) -> None:
    from registry.models import Company, Source

    Source.objects.all().delete()
    Company.objects.all().delete()
    companies = Company.objects.bulk_create(
        Company(name=f"Bench company {i}", slug=f"bench-{i}") for i in range(n)
    )
    Source.objects.bulk_create(
        Source(company=c, url=f"http://127.0.0.1:{port}/p/{i}") for i, c in enumerate(companies)
    )


def reset() -> None:
    from registry.models import Change, Check, Engagement, Snapshot, SnapshotBody, Source

    for model in (Change, Check, Engagement):
        model.objects.all().delete()
    Source.objects.update(
        current_snapshot=None,
        etag="",
        last_modified="",
        next_check_at=None,
        last_checked_at=None,
        lease_until=None,
    )
    Snapshot.objects.all().delete()
    SnapshotBody.objects.all().delete()


def cycle_inline(workers: int, processes: int = 1) -> dict[str, int]:
    from scraper import fleet, schedule

    if processes > 1:
        summary = fleet.run(processes=processes, workers=workers, all=True)
    else:
        summary = schedule.run(workers=workers, all=True)
    return {
        "checked": summary.checked,
        "changed": summary.changed,
        "failed": summary.failed,
        "unchanged": summary.unchanged,
    }


def cycle_celery(n: int) -> dict[str, int]:
    from django.utils import timezone

    from registry.models import Check, Source
    from scraper import tasks

    start = timezone.now()
    Source.objects.update(next_check_at=None)
    tasks.check_due_sources.apply()
    while Source.objects.filter(last_checked_at__gte=start).count() < n:
        time.sleep(0.05)
    checks = Check.objects.filter(started_at__gte=start)
    return {
        "checked": checks.count(),
        "changed": checks.filter(outcome="changed").count(),
        "failed": checks.filter(outcome="failed").count(),
        "unchanged": checks.filter(outcome="unchanged").count(),
    }


def start_workers(count: int) -> list[subprocess.Popen[bytes]]:
    # Persistent connections: with CONN_MAX_AGE=0 Django reconnects to PostgreSQL per task.
    env = {**os.environ, "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "300")}
    celery = str(Path(sys.executable).with_name("celery"))
    return [
        subprocess.Popen(
            [
                celery,
                "-A",
                "config",
                "worker",
                "-P",
                "solo",
                "-n",
                f"bench{i}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
        )
        for i in range(count)
    ]


def peak_mb(pids: list[int]) -> float:
    if not pids:
        # The checking processes of the processes mode are waited-for children.
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return max(own, children) / 1024
    peaks = []
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--modes", default="inline,threads")
    parser.add_argument("--workers", type=int, default=4, help="threads in the threads mode")
    parser.add_argument(
        "--processes",
        type=int,
        default=2,
        help="processes in the processes mode (each --workers threads)",
    )
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    ready: Any = multiprocessing.Queue()
    version: Any = multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=serve, args=(ready, version), daemon=True)
    server.start()
    port = ready.get(timeout=10)

    with tempfile.TemporaryDirectory() as scratch:
        setup_django(args, Path(scratch))
        from django.db import connection

        create_sources(args.n, port)
        print(
            f"# n={args.n} db={connection.vendor} cpus={os.cpu_count()} workers={args.workers} "
            f"processes={args.processes} load={os.getloadavg()[0]:.2f}"
        )
        print(f"{'mode':8} {'cycle':10} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'peak MB':>8}")
        for mode in args.modes.split(","):
            reset()
            workers = start_workers(2) if mode == "celery" else []
            try:
                run_mode(mode, args, version, workers)
            finally:
                for worker in workers:
                    worker.terminate()
                    worker.wait(timeout=20)
    server.terminate()


def run_mode(mode: str, args: argparse.Namespace, version: Any, workers: list[Any]) -> None:
    if mode == "celery":
        import redis
        from django.conf import settings

        # Throughput, not politeness: enqueue everything at once.
        settings.SCRAPER_ENQUEUE_JITTER_SECONDS = 0.0

        redis.Redis.from_url(args.broker).flushdb()
    for name, page_version in (("first", 0), ("unchanged", 0), ("changed", 1)):
        version.value = page_version + (10 if name == "changed" and mode != "inline" else 0)
        started = time.perf_counter()
        if mode == "celery":
            counts = cycle_celery(args.n)
        elif mode == "processes":
            counts = cycle_inline(args.workers, processes=args.processes)
        else:
            counts = cycle_inline(1 if mode == "inline" else args.workers)
        seconds = time.perf_counter() - started
        rate = counts["checked"] / seconds
        peak = peak_mb([w.pid for w in workers])
        print(
            f"{mode:8} {name:10} {counts['checked']:>6} {seconds:>8.2f} {rate:>8.1f} "
            f"{peak:>8.1f}  {counts}",
            flush=True,
        )


if __name__ == "__main__":
    main()
