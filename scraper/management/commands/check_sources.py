"""check_sources: check due sources (or --all / --source ID) once, or forever with --loop."""

from __future__ import annotations

import functools
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from scraper import fleet, progress, schedule


class Command(BaseCommand):
    help = "Check due sources for changes (all with --all, one with --source ID)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", type=int, action="append", dest="sources", metavar="ID")
        parser.add_argument("--all", action="store_true", help="Check every active source now.")
        parser.add_argument("--workers", type=int, default=1, help="Threads checking at once.")
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="Processes checking at once, each with --workers threads (one per core).",
        )
        parser.add_argument(
            "--loop", action="store_true", help="Keep checking as sources fall due."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ids, everything = options["sources"], options["all"]
        total = None
        if not options["loop"]:
            total = schedule.due_count(now=timezone.now(), source_ids=ids, everything=everything)
        runner = schedule.run
        if options["processes"] > 1:
            runner = functools.partial(fleet.run, processes=options["processes"])
        stream = self.stdout._out if hasattr(self.stdout, "_out") else sys.stdout
        with progress.reporter_for(stream, total=total) as reporter:
            try:
                summary = runner(
                    workers=max(1, options["workers"]),
                    loop=options["loop"],
                    source_ids=ids,
                    all=everything,
                    on_outcome=reporter.outcome,
                )
            except KeyboardInterrupt:
                summary = reporter.summary
        reporter.finish(summary)
