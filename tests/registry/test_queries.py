"""Read queries: the current list, as_of reconstruction, vendor usage, snapshot pairs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from registry import queries
from tests.public_data import (
    change,
    company_with_processors,
    engage,
    make_company,
    make_source,
    make_vendor,
    snapshot,
)

pytestmark = pytest.mark.django_db


def test_current_engagements_are_active_ones_by_vendor_name():
    company = make_company("Acme Mail")
    engage(company, make_vendor("Zeta"))
    engage(company, make_vendor("Alpha"))
    engage(company, make_vendor("Gone"), status="removed")

    names = [e.vendor.name for e in queries.current_engagements(company)]

    assert names == ["Alpha", "Zeta"]


def test_company_list_counts_only_active_processors():
    company = company_with_processors(3)
    engage(company, make_vendor("Gone"), status="removed")

    [row] = queries.company_list()

    assert row.processor_count == 3


def test_company_list_last_change_ignores_pending_and_dismissed():
    company = make_company("Acme Mail")
    confirmed_at = timezone.now() - timedelta(days=9)
    change(company, make_vendor("A"), at=confirmed_at)
    change(company, make_vendor("B"), review="pending", at=timezone.now())
    change(company, make_vendor("C"), review="dismissed", at=timezone.now())

    [row] = queries.company_list()

    assert row.last_change_at == confirmed_at


def test_company_with_last_check_takes_the_latest_source_check():
    company = make_company("Acme Mail")
    latest = timezone.now()
    make_source(company, url="https://a.example/", last_checked_at=latest - timedelta(days=2))
    make_source(company, url="https://b.example/", last_checked_at=latest)

    assert queries.company_with_last_check("acme-mail").last_checked_at == latest
    assert queries.company_with_last_check("nope") is None


def test_pending_notice_is_confirmed_changes_effective_after_today():
    company = make_company("Acme Mail")
    today = date(2026, 1, 10)
    change(company, make_vendor("Future"), effective_date=today + timedelta(days=1))
    change(company, make_vendor("Today"), effective_date=today)
    change(
        company,
        make_vendor("Unreviewed"),
        review="pending",
        effective_date=today + timedelta(days=3),
    )

    pending = queries.pending_notice(company, today=today)

    assert [c.vendor.name for c in pending] == ["Future"]


def test_as_of_uses_first_seen_and_removed_dates():
    company = make_company("Acme Mail")
    now = timezone.now()
    engage(company, make_vendor("Early"), first_seen_at=now - timedelta(days=30))
    engage(
        company,
        make_vendor("Removed"),
        first_seen_at=now - timedelta(days=30),
        status="removed",
        removed_at=now - timedelta(days=10),
    )
    engage(company, make_vendor("Late"), first_seen_at=now - timedelta(days=5))

    before = queries.as_of(company, (now - timedelta(days=20)).date())
    after = queries.as_of(company, now.date())

    assert [e.vendor_name for e in before.engagements] == ["Early", "Removed"]
    assert [e.vendor_name for e in after.engagements] == ["Early", "Late"]


def test_as_of_counts_a_day_up_to_its_end():
    company = make_company("Acme Mail")
    first_seen = timezone.now().replace(year=2025, month=5, day=1, hour=23, minute=59)
    engage(company, make_vendor("Evening"), first_seen_at=first_seen)

    assert queries.as_of(company, date(2025, 4, 30)).engagements == ()
    assert len(queries.as_of(company, date(2025, 5, 1)).engagements) == 1


def test_as_of_confirmed_changes_override_the_engagement_dates():
    company = make_company("Acme Mail")
    now = timezone.now()
    vendor = make_vendor("Flapper")
    engage(company, vendor, first_seen_at=now - timedelta(days=100))
    change(company, vendor, kind="removed", at=now - timedelta(days=50))
    change(company, vendor, kind="added", at=now - timedelta(days=30))

    def listed(days_ago: int) -> bool:
        result = queries.as_of(company, (now - timedelta(days=days_ago)).date())
        return bool(result.engagements)

    assert (listed(60), listed(40), listed(1)) == (True, False, True)


def test_as_of_ignores_pending_and_dismissed_changes():
    company = make_company("Acme Mail")
    now = timezone.now()
    vendor = make_vendor("Steady")
    engage(company, vendor, first_seen_at=now - timedelta(days=100))
    change(company, vendor, kind="removed", review="pending", at=now - timedelta(days=50))
    change(company, vendor, kind="removed", review="dismissed", at=now - timedelta(days=40))

    assert len(queries.as_of(company, (now - timedelta(days=1)).date()).engagements) == 1


def test_as_of_flags_details_changed_after_the_day():
    company = make_company("Acme Mail")
    now = timezone.now()
    vendor = make_vendor("Mover")
    engage(company, vendor, first_seen_at=now - timedelta(days=100))
    change(company, vendor, kind="changed", at=now - timedelta(days=5))

    result = queries.as_of(company, (now - timedelta(days=10)).date())

    assert [row.changed_on for row in result.engagements] == [(now - timedelta(days=5)).date()]


def test_listing_reads_flat_rows_with_purposes_and_locations_in_three_queries(
    django_assert_num_queries,
):
    company = make_company("Acme Mail")
    engage(company, make_vendor("Mailgun"), purposes=("email", "hosting"), locations=("US", "DE"))
    engage(company, make_vendor("Gone"), status="removed")

    with django_assert_num_queries(3):
        [row] = queries.listing(company)

    assert row.vendor_name == "Mailgun"
    assert row.purposes == ("Email", "Hosting")
    assert [(p.code, p.leaves_eea_without_adequacy) for p in row.locations] == [
        ("DE", False),
        ("US", True),
    ]
    assert len(queries.listing(company, include_removed=True)) == 2


def test_vendor_usage_lists_active_engagements_by_company():
    vendor = make_vendor("Mailgun")
    engage(make_company("Zeta Co"), vendor)
    engage(make_company("Alpha Co"), vendor)
    engage(make_company("Gone Co"), vendor, status="removed")

    assert [e.company.name for e in queries.vendor_usage(vendor)] == ["Alpha Co", "Zeta Co"]


def test_group_by_purpose_lists_an_engagement_under_each_purpose_and_unstated_last():
    company = make_company("Acme Mail")
    engage(company, make_vendor("Both"), purposes=("hosting", "email"))
    engage(company, make_vendor("None"), purposes=())

    groups = queries.group_by_purpose(queries.listing(company))

    assert [(name, [e.vendor_name for e in items]) for name, items in groups] == [
        ("Email", ["Both"]),
        ("Hosting", ["Both"]),
        ("Purpose not stated", ["None"]),
    ]


def test_snapshot_with_previous_finds_the_earlier_snapshot_of_the_same_source():
    company = make_company("Acme Mail")
    source, other = make_source(company), make_source(company, url="https://other.example/")
    now = timezone.now()
    first = snapshot(source, "one", at=now - timedelta(days=2))
    snapshot(other, "unrelated", at=now - timedelta(days=1))
    second = snapshot(source, "two", at=now)

    assert queries.snapshot_with_previous(second.pk) == (second, first)
    assert queries.snapshot_with_previous(first.pk) == (first, None)
    assert queries.snapshot_with_previous(999_999) is None


def test_transfer_rows_give_one_row_per_location():
    company = make_company("Acme Mail")
    engage(company, make_vendor("Two"), locations=("US", "DE"))
    engage(company, make_vendor("None"), locations=())

    statuses = sorted(str(row[2]) for row in queries.transfer_rows(company=company))

    assert statuses == ["None", "eea", "third_country"]
