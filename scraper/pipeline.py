"""check_source: fetch, snapshot, extract, judge, diff, record: the one place the steps meet."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.db import transaction

from registry import catalogue
from registry.models import Check, Company, Snapshot, Source
from scraper import documents, record, snapshot
from scraper import extract as extractor
from scraper.batch import Batch
from scraper.diff import diff
from scraper.extract import Extraction, Processor
from scraper.fetch import Fetched, FetchError, fetch
from scraper.record import Outcome
from scraper.sanity import Verdict, judge

__all__ = ["Outcome", "check_source", "reextract_source"]

logger = logging.getLogger(__name__)


def check_source(source: Source, *, now: datetime, batch: Batch | None = None) -> Outcome:
    """Fetch one source and record what changed; never raises for a problem with one source.

    A failed fetch, an error page or a suspicious extraction is recorded as such and never
    turned into "everything was removed". Any unexpected error is logged as a failed check,
    so one broken page cannot stop a batch. Within a claimed `batch`, an unchanged page is
    recorded with the batch's other unchanged pages when the batch is done.
    """
    try:
        fetched = fetch(
            source.url, etag=source.etag or None, last_modified=source.last_modified or None
        )
    except FetchError as error:
        return record.failure(source, error, now=now)
    try:
        if batch is not None and (outcome := batch.take(source, fetched, now=now)):
            return outcome
        latest = batch.latest_of(source) if batch is not None else snapshot.latest_snapshot(source)
        # Parsing, extracting and judging need no lock: done before the transaction, they
        # do not hold up other workers' writes (SQLite has one writer at a time).
        reading = _read(source, fetched, latest=latest, now=now)
        # One transaction per check: one commit, and a crash leaves no half-read snapshot.
        with transaction.atomic():
            return _record(source, fetched, reading, latest=latest, now=now)
    except Exception as error:
        logger.exception("check of source %s (%s) crashed", source.pk, source.url)
        source.refresh_from_db()
        return record.failure(source, error, now=now)


@dataclass(frozen=True)
class _Reading:
    """What a new state of the page says, and the guard's verdict on it."""

    extraction: Extraction
    previous: tuple[Processor, ...]
    verdict: Verdict
    note: str


def _read(
    source: Source, fetched: Fetched, *, latest: Snapshot | None, now: datetime
) -> _Reading | None:
    """Extract and judge the page if it is new (None if it shows what we hold already)."""
    if not snapshot.is_new(fetched, latest):
        return None
    note, elsewhere = _redirect(source.url, fetched.final_url)
    document = documents.parse(fetched.body, content_type=fetched.content_type)
    extraction = _extract(document, source)
    if elsewhere:
        verdict = Verdict(ok=False, kind="redirected", reason=f"{note}, a different page")
        return _Reading(extraction, (), verdict, note="")
    previous = _previous(source, now=now)
    return _Reading(extraction, previous, judge(previous, extraction, document=document), note)


def _record(
    source: Source,
    fetched: Fetched,
    reading: _Reading | None,
    *,
    latest: Snapshot | None,
    now: datetime,
) -> Outcome:
    note, _ = _redirect(source.url, fetched.final_url)
    snap, is_new = snapshot.store(
        source,
        fetched,
        now=now,
        latest=latest,
        extraction=reading.extraction if reading is not None else None,
        version=extractor.EXTRACTOR_VERSION,
    )
    if reading is None or not is_new:
        return record.unchanged(source, snap, now=now, fetched=fetched, note=note)
    if not reading.verdict.ok:
        return record.suspicious(
            source, snap, reading.verdict, now=now, fetched=fetched, note=reading.note
        )
    changes = record.apply(
        source,
        snap,
        diff(reading.previous, reading.extraction.processors),
        now=now,
        fetched=fetched,
        note=note,
    )
    status = Check.Outcome.CHANGED if changes else Check.Outcome.NO_CHANGE
    return Outcome(source.pk, status, changes=len(changes), message=note)


def reextract_source(source: Source, *, now: datetime, force: bool = False) -> int:
    """Re-read the source's stored bodies with the current extractor; returns how many changed.

    The registry follows silently (no Change rows, no alerts): a difference that comes from
    our extractor, not from their page, is never a change.
    """
    count = 0
    for snap in source.snapshots.order_by("fetched_at", "id"):
        if force or snap.extractor_version != extractor.EXTRACTOR_VERSION:
            _reread(source, snap, now=now)
            count += 1
    return count


def _previous(source: Source, *, now: datetime) -> tuple[Processor, ...]:
    """The accepted list, re-read first when an older extractor read it (like with like)."""
    current = source.current_snapshot
    if current is None:
        return ()
    if current.extractor_version != extractor.EXTRACTOR_VERSION:
        return _reread(source, current, now=now)
    return tuple(Processor.from_dict(item) for item in current.processors)


def _reread(source: Source, snap: Snapshot, *, now: datetime) -> tuple[Processor, ...]:
    document = documents.parse(snapshot.read_body(snap), content_type=snap.content_type or None)
    processors = _extract(document, source).processors
    record.reread(source, snap, processors, now=now, version=extractor.EXTRACTOR_VERSION)
    return processors


def _extract(document: documents.Document, source: Source) -> Extraction:
    return extractor.extract(
        document,
        catalogue=loaded_catalogue(),
        selector=source.selector or None,
        self_names=_self_names(source.company),
    )


def loaded_catalogue() -> catalogue.Catalogue:
    """The vendor catalogue, rebuilt within CATALOGUE_REFRESH_SECONDS of a Vendor edit."""
    return catalogue.fresh()


def _self_names(company: Company) -> tuple[str, ...]:
    names = [company.name, company.domain, *(company.aliases or [])]
    return tuple(name for name in names if isinstance(name, str) and name)


def _redirect(url: str, final_url: str) -> tuple[str, bool]:
    """A note when the page moved, and whether it moved to a different page (another path)."""
    if not final_url or final_url == url:
        return "", False
    before, after = urlsplit(url), urlsplit(final_url)
    elsewhere = before.path.rstrip("/") != after.path.rstrip("/")
    return f"redirected to {final_url}", elsewhere
