"""Alert benchmark: one confirmed change to N subscribers through a local SMTP server.

    .venv/bin/python bench/alerts_10k.py [--n 10000] [--workers 1]

Creates one company, N active subscribers and one change in a scratch database (SQLite
in a temp dir, or DATABASE_URL), confirms the change (which queues the outbox rows), then
drains the outbox with send_pending() against an aiosmtpd server running in a separate
process on 127.0.0.1. Prints the time to queue and to send, messages/s, how many messages
the server accepted (and how many distinct recipients: duplicates would show), and the
sender's peak RSS.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def serve_smtp(port: int, ready: Any, stop: Any, counts: Any) -> None:
    """Accept and count every message; runs in its own process, like a real MTA would."""
    from aiosmtpd.controller import Controller

    recipients: set[str] = set()

    class Counter:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            counts[0] += 1
            recipients.update(envelope.rcpt_tos)
            counts[1] = len(recipients)
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def setup_django(scratch: Path) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def seed(n: int) -> Any:
    from django.utils import timezone

    from registry.models import Alert, Change, Company, Subscription, Vendor

    Alert.objects.all().delete()
    Subscription.objects.all().delete()
    Change.objects.all().delete()
    company, _ = Company.objects.get_or_create(name="Bench Co", slug="bench-co")
    vendor, _ = Vendor.objects.get_or_create(name="Mailgun", slug="mailgun")
    now = timezone.now()
    Subscription.objects.bulk_create(
        [
            Subscription(
                email=f"reader{i:05}@customer.example",
                company=company,
                status=Subscription.Status.ACTIVE,
                confirmed_at=now,
            )
            for i in range(n)
        ],
        batch_size=1000,
    )
    after = {"name": "Mailgun Technologies, Inc.", "vendor": "Mailgun", "purpose": "Email",
             "locations": ["US", "EU"]}  # fmt: skip
    return Change.objects.create(
        company=company, vendor=vendor, kind="added", after=after, detected_at=now
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1, help="sender threads (SMTP connections)")
    args = parser.parse_args()

    port = free_port()
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    counts = multiprocessing.Array("i", 2)
    server = multiprocessing.Process(target=serve_smtp, args=(port, ready, stop, counts))
    server.start()
    ready.wait(10)

    with tempfile.TemporaryDirectory() as scratch:
        setup_django(Path(scratch))
        from django.conf import settings

        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        from registry import alerts, review

        change = seed(args.n)
        started = time.perf_counter()
        result = review.confirm(change, by=None)
        queued_in = time.perf_counter() - started
        started = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            profiler = cProfile.Profile()
            report = profiler.runcall(alerts.send_pending, workers=args.workers)
            profiler.dump_stats(os.environ["BENCH_PROFILE"])
        else:
            report = alerts.send_pending(workers=args.workers)
        sent_in = time.perf_counter() - started
        time.sleep(0.5)  # let the server count the last message

    stop.set()
    server.join(10)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    db = os.environ["DATABASE_URL"].split(":", 1)[0]
    print(f"database: {db}; subscribers: {args.n}; sender threads: {args.workers}")
    print(f"queue (confirm + outbox rows): {result.alerts_queued} rows in {queued_in:.2f} s")
    print(f"send_pending: sent {report.sent}, retried {report.retried}, failed {report.failed}")
    print(f"send time: {sent_in:.2f} s ({report.sent / sent_in:.0f} messages/s)")
    print(f"server accepted: {counts[0]} messages for {counts[1]} distinct recipients")
    print(f"peak RSS of the sender: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
