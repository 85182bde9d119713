"""Show check_sources progress: a rich bar and summary table on a terminal, log lines in a pipe."""

from __future__ import annotations

import threading
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from registry.models import Check
from scraper.record import Outcome
from scraper.schedule import Summary

PLAIN_EVERY = 100


class Reporter:
    """Receives each Outcome from the worker threads and the run's Summary at the end."""

    def __init__(self, stream: TextIO, *, total: int | None) -> None:
        self.stream = stream
        self.total = total
        self.lock = threading.Lock()
        self.summary = Summary()

    def __enter__(self) -> Reporter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def outcome(self, outcome: Outcome) -> None:
        self.summary.add(outcome)

    def finish(self, summary: Summary) -> None:
        rate = summary.checked / summary.elapsed if summary.elapsed else 0.0
        self.stream.write(
            f"checked={summary.checked} unchanged={summary.unchanged} changed={summary.changed} "
            f"changes={summary.changes} suspicious={summary.suspicious} failed={summary.failed} "
            f"seconds={summary.elapsed:.1f} pages_per_second={rate:.1f}\n"
        )


class PlainReporter(Reporter):
    """One line per failed, suspicious or changed source, and a count every hundred checks."""

    def outcome(self, outcome: Outcome) -> None:
        super().outcome(outcome)
        with self.lock:
            if (
                outcome.status in (Check.Outcome.FAILED, Check.Outcome.SUSPICIOUS)
                or outcome.changes
            ):
                self.stream.write(
                    f"source={outcome.source_id} {outcome.status} changes={outcome.changes} "
                    f"{outcome.message}\n".rstrip()
                    + "\n"
                )
            if self.summary.checked % PLAIN_EVERY == 0:
                self.stream.write(f"progress checked={self.summary.checked}/{self.total or '?'}\n")
            self.stream.flush()


class RichReporter(Reporter):
    """A live bar: checked / failed / changed, pages per second and ETA; a table at the end."""

    def __enter__(self) -> RichReporter:
        self.console = Console(file=self.stream)
        self.bar = Progress(
            TextColumn("[bold]checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed"),
            TextColumn("[yellow]{task.fields[changed]} changed"),
            TextColumn("{task.fields[rate]:.1f} pages/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
        )
        self.task = self.bar.add_task("check", total=self.total, failed=0, changed=0, rate=0.0)
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def outcome(self, outcome: Outcome) -> None:
        super().outcome(outcome)
        s = self.summary
        rate = s.checked / s.elapsed if s.elapsed else 0.0
        self.bar.update(self.task, advance=1, failed=s.failed, changed=s.changed, rate=rate)

    def finish(self, summary: Summary) -> None:
        table = Table(title="check_sources")
        for column in ("checked", "unchanged", "changed", "changes", "suspicious", "failed"):
            table.add_column(column, justify="right")
        table.add_column("pages/s", justify="right")
        rate = summary.checked / summary.elapsed if summary.elapsed else 0.0
        table.add_row(
            *(
                str(getattr(summary, name))
                for name in ("checked", "unchanged", "changed", "changes", "suspicious", "failed")
            ),
            f"{rate:.1f}",
        )
        self.console.print(table)


def reporter_for(stream: TextIO, *, total: int | None) -> Reporter:
    """A rich bar for a person at a terminal; plain lines for pipes, logs and workers."""
    if stream.isatty():
        return RichReporter(stream, total=total)
    return PlainReporter(stream, total=total)
