"""check_source end to end against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from registry.models import Change, Check, Engagement, Snapshot, Source
from scraper import extract as extractor
from scraper import pipeline
from tests.builders import make_company, make_source
from tests.scraper.pages import page

pytestmark = pytest.mark.django_db

FIRST = ("Amazon Web Services", "Stripe", "Mailgun", "Intercom")


def check(source: Source, at: datetime | None = None) -> pipeline.Outcome:
    source.refresh_from_db()
    return pipeline.check_source(source, now=at or timezone.now())


def active_vendors(source: Source) -> set[str]:
    rows = Engagement.objects.filter(company=source.company, status=Engagement.Status.ACTIVE)
    return set(rows.values_list("vendor__name", flat=True))


def changes(source: Source, kind: str) -> set[str]:
    return set(
        Change.objects.filter(source=source, kind=kind).values_list("vendor__name", flat=True)
    )


@pytest.fixture
def watched(page_server: Any, settings: Any) -> Source:
    settings.SCRAPER_RETRIES = 0
    url = page_server.set("/subprocessors", page(*FIRST))
    return make_source(make_company("Acme Mail"), url)


def test_first_check_of_a_company_without_engagements_is_a_baseline(watched: Source) -> None:
    outcome = check(watched)

    assert outcome.changes == 0
    assert active_vendors(watched) == set(FIRST)
    assert not Change.objects.exists()
    logged = Check.objects.get(source=watched)
    assert logged.outcome == Check.Outcome.BASELINE
    assert logged.message == "baseline: 4 processor(s), 4 new to the registry"
    watched.refresh_from_db()
    assert watched.last_status == Source.Status.BASELINE
    assert watched.current_snapshot.extractor_version == extractor.EXTRACTOR_VERSION
    assert watched.next_check_at > timezone.now()
    assert watched.lease_until is None


def test_second_identical_check_records_nothing_new(watched: Source) -> None:
    check(watched)

    outcome = check(watched)

    assert outcome.status == Check.Outcome.UNCHANGED
    assert Snapshot.objects.count() == 1
    assert not Change.objects.exists()
    assert Check.objects.filter(source=watched).count() == 2


def test_not_modified_answer_records_a_check_and_no_snapshot(
    page_server: Any, watched: Source
) -> None:
    body = page(*FIRST).encode()

    def conditional(handler: Any) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            handler.send_response(304)
            handler.send_header("ETag", '"v1"')
            handler.end_headers()
            return
        handler.send_response(200)
        for name, value in (("Content-Type", "text/html"), ("ETag", '"v1"')):
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    page_server.set("/subprocessors", handler=conditional)
    check(watched)

    outcome = check(watched)

    assert outcome.status == Check.Outcome.UNCHANGED
    assert page_server.requests[-1]["headers"].get("If-None-Match") == '"v1"'
    assert Snapshot.objects.count() == 1
    assert not Change.objects.exists()


def test_changed_page_yields_exactly_the_added_and_removed_processors(
    page_server: Any, watched: Source
) -> None:
    check(watched)
    page_server.set("/subprocessors", page("Amazon Web Services", "Stripe", "Intercom", "Sentry"))

    outcome = check(watched)

    assert outcome.status == Check.Outcome.CHANGED
    new = Change.objects.filter(new_snapshot=Source.objects.get(pk=watched.pk).current_snapshot)
    assert {(c.kind, c.vendor.name) for c in new} == {
        (Change.Kind.ADDED, "Sentry"),
        (Change.Kind.REMOVED, "Mailgun"),
    }
    mailgun = Engagement.objects.get(company=watched.company, vendor__name="Mailgun")
    assert mailgun.status == Engagement.Status.REMOVED
    assert mailgun.removed_at is not None


def test_reordered_and_reworded_page_is_not_a_change(page_server: Any, watched: Source) -> None:
    check(watched)
    page_server.set("/subprocessors", page(*reversed(FIRST), note="Updated 1 March 2026."))

    outcome = check(watched)

    assert outcome.status == Check.Outcome.NO_CHANGE
    assert Snapshot.objects.filter(source=watched).count() == 2
    assert not Change.objects.exists()


@pytest.mark.parametrize(
    "route",
    [
        {"body": "<h1>Internal Server Error</h1>", "status": 500},
        {"body": "<h1>Not found</h1>", "status": 404},
        {
            "body": "<html><title>Just a moment...</title><body>Checking your browser before "
            "accessing. Enable JavaScript and cookies to continue.</body></html>"
        },
        {
            "body": "<html><title>Sub-processors</title><body><h1>Sub-processors</h1>"
            "<p>Coming soon.</p></body></html>"
        },
    ],
    ids=["server-error", "not-found", "anti-bot", "empty-list"],
)
def test_bad_answer_after_a_good_one_removes_nothing(
    page_server: Any, watched: Source, route: dict[str, Any]
) -> None:
    check(watched)
    page_server.set("/subprocessors", **route)

    outcome = check(watched)

    assert outcome.status in (Check.Outcome.FAILED, Check.Outcome.SUSPICIOUS)
    assert not Change.objects.filter(kind=Change.Kind.REMOVED).exists()
    assert active_vendors(watched) == set(FIRST)


def test_good_page_after_a_held_one_is_compared_with_the_last_good_list(
    page_server: Any, watched: Source
) -> None:
    check(watched)
    page_server.set("/subprocessors", "<h1>Sub-processors</h1><p>Coming soon.</p>")
    check(watched)
    page_server.set("/subprocessors", page(*FIRST, "Sentry"))

    check(watched)

    assert changes(watched, Change.Kind.ADDED) == {"Sentry"}
    assert not changes(watched, Change.Kind.REMOVED)


def test_repeated_failures_alert_once_and_recovery_alerts_once(
    page_server: Any, watched: Source, settings: Any
) -> None:
    settings.SOURCE_FAILURE_ALERT_AFTER = 2
    settings.SUBWATCH_DPO_EMAIL = "dpo@example.com"
    check(watched)
    page_server.set("/subprocessors", "down", status=503)

    for _ in range(4):
        check(watched)
    alerted_at = Source.objects.get(pk=watched.pk).failure_alerted_at
    page_server.set("/subprocessors", page(*FIRST))
    check(watched)

    watched.refresh_from_db()
    assert alerted_at is not None
    assert watched.failure_alerted_at is None
    assert watched.consecutive_failures == 0
    assert Check.objects.filter(source=watched, outcome=Check.Outcome.FAILED).count() == 4
    alerts = pytest.importorskip("registry.alerts")
    assert alerts is not None
    from registry.models import Alert

    kinds = list(Alert.objects.filter(source=watched).values_list("kind", flat=True))
    assert sorted(kinds) == sorted([Alert.Kind.SOURCE_FAILING, Alert.Kind.SOURCE_RECOVERED])


def test_redirect_to_a_different_page_is_held_and_not_diffed(
    page_server: Any, watched: Source
) -> None:
    check(watched)
    page_server.set("/", page("Stripe"))
    page_server.set("/subprocessors", status=301, headers={"Location": page_server.url("/")})

    outcome = check(watched)

    assert outcome.status == Check.Outcome.SUSPICIOUS
    assert "redirected to" in Check.objects.filter(source=watched).first().message
    assert active_vendors(watched) == set(FIRST)
    assert not Change.objects.filter(kind=Change.Kind.REMOVED).exists()


def test_unexpected_error_is_recorded_as_a_failed_check(
    watched: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("extractor exploded")

    monkeypatch.setattr(extractor, "extract", broken)

    outcome = check(watched)

    assert outcome.status == Check.Outcome.FAILED
    last = Check.objects.get(source=watched)
    assert last.error_kind == "internal"
    assert "extractor exploded" in last.message


def test_snapshot_never_extracted_is_read_on_the_next_check(
    watched: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = extractor.extract
    monkeypatch.setattr(extractor, "extract", lambda *a, **k: 1 / 0)
    check(watched)
    monkeypatch.setattr(extractor, "extract", real)

    check(watched)

    assert active_vendors(watched) == set(FIRST)


def test_list_read_by_an_older_extractor_is_reread_before_diffing(
    page_server: Any, watched: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    check(watched)
    current = Source.objects.get(pk=watched.pk).current_snapshot
    # What an older, worse extractor made of the same page: it missed Intercom.
    current.processors = [p for p in current.processors if p["vendor"] != "Intercom"]
    current.extractor_version = "0-old"
    current.save()
    page_server.set("/subprocessors", page(*FIRST, note="Cosmetic edit."))

    outcome = check(watched)

    assert outcome.status == Check.Outcome.NO_CHANGE
    assert not Change.objects.exists()
    current.refresh_from_db()
    assert current.extractor_version == extractor.EXTRACTOR_VERSION
    assert "Intercom" in {p["vendor"] for p in current.processors}


def test_reextract_updates_the_registry_without_changes(watched: Source) -> None:
    check(watched)
    current = Source.objects.get(pk=watched.pk).current_snapshot
    current.processors = [p for p in current.processors if p["vendor"] != "Stripe"]
    current.extractor_version = "0-old"
    current.save()
    Engagement.objects.filter(vendor__name="Stripe").delete()
    before = Change.objects.count()

    call_command("reextract", "--source", str(watched.pk))

    assert Change.objects.count() == before
    assert active_vendors(watched) == set(FIRST)
    current.refresh_from_db()
    assert current.extractor_version == extractor.EXTRACTOR_VERSION


def test_flapping_page_reuses_the_body_and_dismisses_the_change_it_reverted(
    page_server: Any, watched: Source
) -> None:
    start = timezone.now()
    check(watched, start)
    page_server.set("/subprocessors", page(*FIRST, "Sentry"))
    check(watched, start + timedelta(minutes=1))
    page_server.set("/subprocessors", page(*FIRST))

    check(watched, start + timedelta(minutes=2))

    snaps = list(Snapshot.objects.filter(source=watched).order_by("fetched_at"))
    assert len(snaps) == 3
    assert snaps[0].body_id == snaps[2].body_id
    sentry = Change.objects.get(source=watched)
    assert (sentry.kind, sentry.vendor.name) == (Change.Kind.ADDED, "Sentry")
    assert sentry.review == Change.Review.DISMISSED
    assert sentry.reverted_at == start + timedelta(minutes=2)
    assert active_vendors(watched) == set(FIRST)
