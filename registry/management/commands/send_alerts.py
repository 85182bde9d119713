"""manage.py send_alerts: queue due digests, then drain the outbox once."""

from __future__ import annotations

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

    def handle(
        self, *args: Any, limit: int | None = None, workers: int = 4, **options: Any
    ) -> None:
        now = timezone.now()
        digests = alerts.enqueue_digests(now=now)
        report = alerts.send_pending(now=now, limit=limit, workers=workers)
        self.stdout.write(
            f"digests queued: {digests}; sent: {report.sent}, retried: {report.retried}, "
            f"failed: {report.failed}, cancelled: {report.cancelled}"
        )
