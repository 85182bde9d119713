"""SVG chart builders: classification, escaping, month buckets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from xml.etree import ElementTree

import pytest

from registry import charts
from tests.public_data import change, engage, make_company, make_vendor

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("statuses", "category"),
    [
        (["eea"], "eea"),
        (["eea", "adequacy"], "adequacy"),
        (["eea", "third_country"], "third_country"),
        (["mixed"], "third_country"),
        ([], "unknown"),
        ([None], "unknown"),
    ],
)
def test_a_processor_counts_under_its_least_protected_location(statuses, category):
    assert charts.classify(statuses) == category


def test_bar_chart_is_well_formed_svg_with_a_text_summary():
    bars = charts.transfer_bars(["eea", "eea", "third_country"])

    svg = ElementTree.fromstring(charts.bar_chart(bars, title="Where"))

    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Where"
    desc = svg.find(f"{SVG}desc").text
    assert (
        desc
        == "Third country (no adequacy): 1; Adequacy decision: 0; EEA: 2; Location not stated: 0"
    )
    assert len(svg.findall(f"{SVG}rect")) == 4


def test_chart_labels_are_escaped():
    bars = [charts.Bar("eea", "<script>alert(1)</script>", 3)]

    svg = charts.bar_chart(bars, title='"><img onerror=x>')

    assert "<script>" not in svg
    assert "<img" not in svg
    ElementTree.fromstring(svg)


def test_months_fill_the_gaps_between_first_and_last_change():
    events = [
        (datetime(2025, 11, 3, tzinfo=UTC), "added"),
        (datetime(2026, 2, 1, tzinfo=UTC), "removed"),
        (datetime(2026, 2, 9, tzinfo=UTC), "added"),
        (datetime(2026, 2, 9, tzinfo=UTC), "changed"),
    ]

    result = charts.months(events)

    assert [(m.month, m.added, m.removed) for m in result] == [
        (date(2025, 11, 1), 1, 0),
        (date(2025, 12, 1), 0, 0),
        (date(2026, 1, 1), 0, 0),
        (date(2026, 2, 1), 1, 1),
    ]


def test_timeline_chart_without_changes_is_still_valid_svg():
    svg = ElementTree.fromstring(charts.timeline_chart([], title="Timeline"))

    assert svg.find(f"{SVG}desc").text == "None"


def test_timeline_chart_draws_an_added_and_a_removed_bar_per_month():
    points = charts.months([(datetime(2026, 1, 5, tzinfo=UTC), "added")])

    svg = ElementTree.fromstring(charts.timeline_chart(points, title="Timeline"))

    classes = [rect.get("class") for rect in svg.iter(f"{SVG}rect")]
    assert classes == ["bar bar-added", "bar bar-removed"]


@pytest.mark.django_db
def test_admin_charts_context_covers_all_companies_in_two_queries(django_assert_num_queries):
    acme, beta = make_company("Acme Mail"), make_company("Beta Corp")
    engage(acme, make_vendor("Mailgun"), locations=("US",))
    engage(beta, make_vendor("Hetzner"), locations=("DE",))
    change(acme, make_vendor("Stripe"))

    with django_assert_num_queries(2):
        context = charts.admin_charts_context()

    assert (
        "Third country (no adequacy): 1; Adequacy decision: 0; EEA: 1" in context["transfer_chart"]
    )
    assert "+1 -0" in context["timeline_chart"]


@pytest.mark.django_db
def test_the_admin_index_shows_the_charts_for_all_companies(admin_client):
    engage(make_company("Acme Mail"), make_vendor("Mailgun"), locations=("US",))

    html = admin_client.get("/admin/").content.decode()

    assert 'id="subwatch-charts"' in html
    assert "Third country (no adequacy): 1" in html
