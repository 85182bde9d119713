"""manage.py send_alerts: queue due digests, then drain the outbox (once, or in a loop)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from registry import alerts


class Command(BaseCommand):
    help = "Queue due daily digests, then send every due alert in the outbox once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="Send at most N alerts.")
        parser.add_argument(
            "--workers",
            type=int,
            default=8,
            help="Parallel SMTP connections (threads); 1 sends strictly in order.",
        )
        parser.add_argument(
            "--loop", action="store_true", help="Keep draining until interrupted (no broker)."
        )
        parser.add_argument(
            "--interval", type=float, default=10.0, help="Seconds between drains with --loop."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            self.drain(limit=options["limit"], workers=options["workers"])
            if not options["loop"]:
                return
            time.sleep(options["interval"])

    def drain(self, *, limit: int | None, workers: int) -> None:
        now = timezone.now()
        digests = alerts.enqueue_digests(now=now)
        report = alerts.send_pending(now=now, limit=limit, workers=workers)
        self.stdout.write(
            f"digests queued: {digests}; sent: {report.sent}, retried: {report.retried}, "
            f"failed: {report.failed}, cancelled: {report.cancelled}"
        )
