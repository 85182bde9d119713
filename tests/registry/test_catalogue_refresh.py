"""A long-running worker's vendor catalogue follows Vendor edits without a restart.

The rows are compared at most once per CATALOGUE_REFRESH_SECONDS, so pages checked in between
cost no query, and the catalogue is rebuilt only when the rows really changed.
"""

from __future__ import annotations

import pytest

from registry import catalogue
from scraper import pipeline
from tests.builders import make_vendor

pytestmark = pytest.mark.django_db

ALIAS = "Zyxquor Data Services GmbH"


@pytest.fixture(autouse=True)
def nothing_held(monkeypatch):
    monkeypatch.setattr(catalogue, "_held", None)


def test_it_applies_an_alias_added_to_a_vendor_once_the_interval_has_passed():
    vendor = make_vendor("Zyxquor", aliases=[])
    before = catalogue.fresh(every=0).resolve(ALIAS)

    vendor.aliases = [ALIAS]
    vendor.save()
    after = catalogue.fresh(every=0).resolve(ALIAS)

    assert before is None
    assert after is not None
    assert after.name == "Zyxquor"


def test_it_adds_an_alias_given_in_the_admin_to_a_vendor_the_catalogue_file_knows():
    make_vendor("Stripe", slug="stripe", aliases=["Stripe Payments", "Zyxquor Pay"])

    entry = catalogue.fresh(every=0).resolve("Zyxquor Pay")
    known = catalogue.fresh(every=0).resolve("Stripe Payments Europe, Limited")

    assert entry is not None
    assert entry.name == "Stripe"
    assert known is entry


def test_it_applies_a_new_vendor_and_forgets_a_deleted_one():
    catalogue.fresh(every=0)
    vendor = make_vendor("Zyxquor")

    added = catalogue.fresh(every=0).resolve("Zyxquor")
    vendor.delete()
    deleted = catalogue.fresh(every=0).resolve("Zyxquor")

    assert added is not None
    assert deleted is None


def test_it_reads_no_rows_within_the_interval(django_assert_num_queries):
    first = catalogue.fresh(every=3600)
    make_vendor("Zyxquor", aliases=[ALIAS])

    with django_assert_num_queries(0):
        again = catalogue.fresh(every=3600)

    assert again is first
    assert again.resolve(ALIAS) is None


def test_it_keeps_the_built_catalogue_when_the_rows_did_not_change(django_assert_num_queries):
    make_vendor("Zyxquor")
    first = catalogue.fresh(every=0)

    with django_assert_num_queries(1):
        again = catalogue.fresh(every=0)

    assert again is first


def test_it_keeps_the_catalogue_it_has_while_the_database_cannot_be_read(monkeypatch):
    make_vendor("Zyxquor")
    first = catalogue.fresh(every=0)
    monkeypatch.setattr(catalogue, "_vendor_rows", lambda: None)

    assert catalogue.fresh(every=0) is first


def test_the_pipeline_uses_the_refreshing_catalogue(settings):
    settings.CATALOGUE_REFRESH_SECONDS = 0
    pipeline.loaded_catalogue()

    make_vendor("Zyxquor", aliases=[ALIAS])

    assert pipeline.loaded_catalogue().resolve(ALIAS) is not None
