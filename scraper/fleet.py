"""Run the scheduler in several processes, so checks use every core instead of sharing one GIL.

Each process is an ordinary scheduler (schedule.run) claiming its own batches: the leases
that keep two `check_sources` processes from checking one source keep these apart too. The
processes are forked from this one, so they start with the app and the catalogue loaded;
database connections are closed first so each child opens its own. Outcomes come back over
a queue, so the caller sees one stream (progress, summary) as with threads.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from multiprocessing.context import ForkProcess
from typing import Any

from django.db import connections
from django.utils import timezone

from scraper import pipeline, schedule
from scraper.record import Outcome

logger = logging.getLogger(__name__)

# How often the parent looks up from the queue to notice a stop request or a dead child.
POLL_SECONDS = 0.5


def run(
    *,
    processes: int,
    workers: int = 1,
    loop: bool = False,
    source_ids: list[int] | None = None,
    all: bool = False,
    on_outcome: Callable[[Outcome], None] | None = None,
    stop: threading.Event | None = None,
) -> schedule.Summary:
    """schedule.run in `processes` forked processes; returns the combined Summary.

    Without `loop`, every process works on one cycle with the same start time, so a source
    one process checked is never claimed again by another in that cycle.
    """
    context = multiprocessing.get_context("fork")
    pipeline.loaded_catalogue()
    connections.close_all()
    outcomes: Any = context.Queue()
    halt = context.Event()
    options = {
        "workers": workers,
        "loop": loop,
        "source_ids": source_ids,
        "all": all,
        "cycle_start": timezone.now(),
    }
    children = [
        context.Process(target=_child, args=(outcomes, halt, options), name=f"check-{n}")
        for n in range(processes)
    ]
    for child in children:
        child.start()
    try:
        return _collect(outcomes, children, on_outcome=on_outcome, stop=stop, halt=halt)
    finally:
        halt.set()
        for child in children:
            child.join()


def _collect(
    outcomes: Any,
    children: list[ForkProcess],
    *,
    on_outcome: Callable[[Outcome], None] | None,
    stop: threading.Event | None,
    halt: Any,
) -> schedule.Summary:
    summary = schedule.Summary()
    running = len(children)
    while running:
        if stop is not None and stop.is_set():
            halt.set()
        try:
            item = outcomes.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if not any(child.is_alive() for child in children):
                break  # every child died without saying so; their leases will expire
            continue
        if item is None:
            running -= 1
            continue
        summary.add(item)
        if on_outcome is not None:
            on_outcome(item)
    return summary


def _child(outcomes: Any, halt: Any, options: dict[str, Any]) -> None:
    """One process's scheduler: reports each Outcome, then None when it is done."""
    stop = threading.Event()
    watcher = threading.Thread(target=_relay, args=(halt, stop), daemon=True)
    watcher.start()
    try:
        schedule.run(on_outcome=outcomes.put, stop=stop, **options)
    except Exception:
        logger.exception("a checking process failed")
    finally:
        connections.close_all()
        outcomes.put(None)
        outcomes.close()
        outcomes.join_thread()


def _relay(halt: Any, stop: threading.Event) -> None:
    # Polled: a process that exits while blocked in halt.wait() would leave the shared
    # condition counting a sleeper that never wakes, and halt.set() would hang.
    while not halt.is_set():
        time.sleep(POLL_SECONDS)
    stop.set()
