"""reextract [--source ID]: re-read stored snapshots with the current extractor, silently."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from registry.models import Source
from scraper import extract, pipeline


class Command(BaseCommand):
    help = (
        "Re-read stored snapshot bodies with the current extractor and update the registry "
        "without Change rows or alerts (our extractor improving is not their page changing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", type=int, action="append", dest="sources", metavar="ID")
        parser.add_argument(
            "--force", action="store_true", help="Also re-read snapshots of the current version."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sources = Source.objects.select_related("company").order_by("id")
        if options["sources"]:
            sources = sources.filter(pk__in=options["sources"])
        total = 0
        for source in sources:
            count = pipeline.reextract_source(source, now=timezone.now(), force=options["force"])
            total += count
            if count:
                self.stdout.write(f"source={source.pk} re-read {count} snapshot(s)")
        self.stdout.write(
            f"Re-read {total} snapshot(s) with extractor {extract.EXTRACTOR_VERSION}."
        )
