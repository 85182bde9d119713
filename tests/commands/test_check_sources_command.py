"""check_sources: plain log lines in a pipe, a summary at the end, --source and --all."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from registry.models import Check, Source
from scraper import progress
from scraper.record import Outcome
from scraper.schedule import Summary
from tests.builders import make_company, make_source
from tests.scraper.pages import page

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sources(page_server: Any, settings: Any) -> list[Source]:
    settings.SCRAPER_RETRIES = 0
    page_server.set("/a", page("Stripe", "Mailgun"))
    page_server.set("/b", "gone", status=410)
    company = make_company()
    return [
        make_source(company, page_server.url("/a")),
        make_source(company, page_server.url("/b")),
    ]


def test_piped_run_logs_plain_lines_and_a_summary(
    page_server: Any, two_sources: list[Source]
) -> None:
    call_command("check_sources", stdout=io.StringIO())
    page_server.set("/a", page("Stripe", "Mailgun", "Intercom", "Sentry"))
    out = io.StringIO()

    call_command("check_sources", "--all", stdout=out)

    text = out.getvalue()
    assert f"source={two_sources[0].pk} changed changes=2" in text
    assert f"source={two_sources[1].pk} failed" in text
    assert "checked=2 unchanged=0 changed=1 changes=2 suspicious=0 failed=1" in text
    assert "\x1b[" not in text


def test_source_option_checks_only_that_source(two_sources: list[Source]) -> None:
    out = io.StringIO()

    call_command("check_sources", "--source", str(two_sources[0].pk), stdout=out)

    assert Check.objects.filter(source=two_sources[0]).count() == 1
    assert not Check.objects.filter(source=two_sources[1]).exists()


def test_all_option_rechecks_sources_that_are_not_due(two_sources: list[Source]) -> None:
    call_command("check_sources", stdout=io.StringIO())
    out = io.StringIO()

    call_command("check_sources", "--all", stdout=out)

    assert Check.objects.count() == 4
    assert "checked=2 unchanged=1" in out.getvalue()


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_gets_a_progress_bar_and_a_summary_table() -> None:
    stream = FakeTTY()
    summary = Summary()

    with progress.reporter_for(stream, total=2) as reporter:
        for outcome in (Outcome(1, Check.Outcome.CHANGED, changes=3), Outcome(2, "failed")):
            reporter.outcome(outcome)
            summary.add(outcome)
    reporter.finish(summary)

    assert isinstance(reporter, progress.RichReporter)
    text = stream.getvalue()
    assert "pages/s" in text
    assert "check_sources" in text
    assert "failed" in text
