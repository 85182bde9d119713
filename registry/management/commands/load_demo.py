"""manage.py load_demo: load the vocabularies, the vendor catalogue and the seed companies."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from registry import demo


class Command(BaseCommand):
    help = "Load locations, purposes, the vendor catalogue and the seed companies (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = demo.load(now=timezone.now())
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
