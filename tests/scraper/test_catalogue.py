"""The vendor catalogue: resolving written names, domains and prose mentions."""

from __future__ import annotations

import pytest

from registry.catalogue import Catalogue, Entry, load


@pytest.fixture
def catalogue() -> Catalogue:
    return Catalogue(
        [
            Entry("Sentry", "sentry", aliases=("Functional Software",), domain="sentry.io"),
            Entry("Mailchimp", "mailchimp", legal_names=("The Rocket Science Group LLC",)),
            Entry("Grafana Labs", "grafana-labs", legal_names=("Raintank, Inc.",)),
            Entry("Front", "front", legal_names=("FrontApp, Inc.",)),
            Entry("Amazon Web Services", "aws", aliases=("AWS",), domain="aws.amazon.com"),
            Entry("npm", "npm", legal_names=("npm, Inc.",)),
        ]
    )


@pytest.mark.parametrize(
    ("written", "vendor"),
    [
        ("Functional Software, dba Sentry", "Sentry"),
        ("Sentry by Functional Software, Inc", "Sentry"),
        ("Raintank Inc. (Also known as Grafana Labs)", "Grafana Labs"),
        ("The Rocket Science Group", "Mailchimp"),
        ("MAILCHIMP", "Mailchimp"),
        ("Amazon Web Services, Inc.", "Amazon Web Services"),
        ("AWS", "Amazon Web Services"),
        ("Sentry.io", "Sentry"),
    ],
)
def test_resolve_finds_the_vendor_behind_aliases_legal_names_and_case(
    catalogue: Catalogue, written: str, vendor: str
) -> None:
    entry = catalogue.resolve(written)
    assert entry is not None
    assert entry.name == vendor


def test_resolve_returns_none_for_an_unknown_company(catalogue: Catalogue) -> None:
    assert catalogue.resolve("Zebra Widgets Ltd") is None


def test_by_domain_matches_subdomains_and_ignores_www(catalogue: Catalogue) -> None:
    assert catalogue.by_domain("https://www.sentry.io/about").name == "Sentry"
    assert catalogue.by_domain("eu.aws.amazon.com").name == "Amazon Web Services"
    assert catalogue.by_domain("example.com") is None


def test_find_in_text_is_case_sensitive_for_common_words(catalogue: Catalogue) -> None:
    text = "Read the front page. We use Front and npm, and AWS hosts it."
    assert [written for _, written in catalogue.find_in_text(text)] == ["Front", "npm", "AWS"]


def test_find_in_text_prefers_the_longest_name(catalogue: Catalogue) -> None:
    hits = catalogue.find_in_text("Data is stored by Amazon Web Services in Ireland.")
    assert [written for _, written in hits] == ["Amazon Web Services"]


def test_load_reads_the_demo_catalogue_without_a_migrated_database() -> None:
    catalogue = load()
    assert len(catalogue) > 300
    assert catalogue.resolve("The Rocket Science Group").name == "Mailchimp"


def test_a_longer_entity_name_resolves_to_the_known_name_it_starts_with(
    catalogue: Catalogue,
) -> None:
    assert catalogue.resolve("Amazon Web Services EMEA SARL").name == "Amazon Web Services"
    assert catalogue.resolve("Amazon Web Services EMEA SARL", prefix=False) is None
    assert catalogue.resolve("Sentry Europe") is None  # one known word is not enough
