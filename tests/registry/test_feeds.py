"""Atom and RSS feeds of a company's confirmed changes."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.public_data import change, make_company, make_vendor

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def company():
    company = make_company("Acme Mail")
    now = timezone.now()
    change(company, make_vendor("Mailgun"), at=now - timedelta(days=3))
    change(
        company,
        make_vendor("Stripe"),
        kind="removed",
        at=now - timedelta(days=1),
        effective_date=(now + timedelta(days=29)).date(),
    )
    change(company, make_vendor("Pending Co"), review="pending")
    return company


def test_atom_feed_parses_with_the_required_elements(client, company):
    response = client.get("/c/acme-mail/feed.atom")

    feed = ElementTree.fromstring(response.content)
    assert response["Content-Type"].startswith("application/atom+xml")
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{name}").text
    entries = feed.findall(f"{ATOM}entry")
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert len(entries) == 2
    assert len(set(ids)) == 2
    for entry in entries:
        assert entry.find(f"{ATOM}title").text
        assert entry.find(f"{ATOM}updated").text
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "Subwatch"


def test_atom_feed_lists_confirmed_changes_newest_first(client, company):
    feed = ElementTree.fromstring(client.get("/c/acme-mail/feed.atom").content)

    titles = [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]

    assert titles == ["Stripe removed for Acme Mail", "Mailgun added for Acme Mail"]
    summary = feed.find(f"{ATOM}entry/{ATOM}summary").text
    assert "Effective" in summary


@override_settings(SITE_URL="https://subwatch.example")
def test_feed_links_use_the_site_url_not_the_host_header(client, company):
    response = client.get("/c/acme-mail/feed.atom", HTTP_HOST="localhost")

    feed = ElementTree.fromstring(response.content)
    links = [link.get("href") for link in feed.iter(f"{ATOM}link")]
    assert links
    assert all(link.startswith("https://subwatch.example/c/acme-mail/") for link in links)


def test_rss_feed_parses_and_lists_the_same_changes(client, company):
    response = client.get("/c/acme-mail/feed.rss")

    rss = ElementTree.fromstring(response.content)
    titles = [item.findtext("title") for item in rss.iter("item")]
    assert rss.tag == "rss"
    assert titles == ["Stripe removed for Acme Mail", "Mailgun added for Acme Mail"]


def test_feed_escapes_scraped_vendor_names(client):
    company = make_company("Acme Mail")
    change(company, make_vendor("<script>alert(1)</script>", slug="evil"))

    response = client.get("/c/acme-mail/feed.atom")

    assert b"<script>" not in response.content
    feed = ElementTree.fromstring(response.content)
    assert feed.find(f"{ATOM}entry/{ATOM}title").text.startswith("<script>alert(1)</script>")


def test_feed_of_a_company_without_changes_is_valid_and_empty(client):
    make_company("Quiet Co")

    feed = ElementTree.fromstring(client.get("/c/quiet-co/feed.atom").content)

    assert feed.findall(f"{ATOM}entry") == []
    assert feed.find(f"{ATOM}updated").text
