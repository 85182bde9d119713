"""What the DPO's workbench shows of baselines and flapping pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registry.models import Change, Check, Source
from tests.builders import make_change, make_company, make_source, make_vendor

pytestmark = pytest.mark.django_db

PAGE = (
    "<h2>Sub-processors</h2><table><tr><th>Vendor</th><th>Purpose</th></tr>"
    "<tr><td>Mailgun</td><td>Email delivery</td></tr>"
    "<tr><td>Stripe</td><td>Payments</td></tr></table>"
)


def test_the_review_queue_flags_flapping_changes_and_filters_on_the_flag(
    admin_client: Client,
) -> None:
    company = make_company()
    steady = make_change(company, make_vendor("Stripe"))
    flapping = make_change(company, make_vendor("Sentry"), flapping=True)
    queue = reverse("admin:registry_change_changelist")

    everything = admin_client.get(queue)
    only_flapping = admin_client.get(queue, {"flapping__exact": "1"})

    assert "Flapping" in everything.content.decode()
    assert set(everything.context["cl"].result_list) == {steady, flapping}
    assert list(only_flapping.context["cl"].result_list) == [flapping]


def test_a_change_the_page_reverted_shows_when_on_its_page(admin_client: Client) -> None:
    reverted_at = timezone.now()
    change = make_change(
        make_company(),
        make_vendor(),
        review=Change.Review.DISMISSED,
        reverted_at=reverted_at,
        review_note="Dismissed by Subwatch: reverted by the page before review.",
    )

    page = admin_client.get(reverse("admin:registry_change_change", args=[change.pk]))

    html = page.content.decode()
    assert "Reverted at" in html
    assert "reverted by the page before review" in html


def test_check_now_on_a_new_source_reports_the_baseline(
    admin_client: Client, page_server: Any, settings: Any
) -> None:
    settings.SCRAPER_RETRIES = 0
    source = make_source(make_company(), page_server.set("/subprocessors", PAGE))

    response = admin_client.post(
        reverse("admin:registry_source_check", args=[source.pk]), follow=True
    )

    shown = [str(message) for message in response.context["messages"]]
    assert shown == [
        f"{source.url}: baseline, 0 change(s) (baseline: 2 processor(s), 2 new to the registry)"
    ]
    assert Source.objects.get(pk=source.pk).last_status == Source.Status.BASELINE


def test_the_check_log_shows_each_checks_message(admin_client: Client) -> None:
    source = make_source(make_company())
    Check.objects.create(
        source=source,
        started_at=timezone.now(),
        outcome=Check.Outcome.BASELINE,
        message="baseline: 12 processor(s), 2 new to the registry (pending review)",
    )

    page = admin_client.get(reverse("admin:registry_check_changelist")).content.decode()

    assert "Baseline (first reading)" in page
    assert "baseline: 12 processor(s), 2 new to the registry (pending review)" in page
