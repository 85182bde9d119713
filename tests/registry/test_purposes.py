"""Purpose vocabulary and keyword rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.models import Purpose
from registry.purposes import BY_SLUG, PURPOSES, name_of, normalise

SEED_LABELS = Path(__file__).resolve().parents[2] / "fixtures" / "pages" / "seeds" / "labels.json"


@pytest.mark.parametrize(
    ("text", "slugs"),
    [
        ("Cloud Email Service", ("email-delivery",)),
        ("receipts and transactional emails", ("email-delivery",)),
        ("Analytics, Online Advertising", ("analytics", "advertising")),
        ("Customer Support", ("customer-support",)),
        ("Live Visitors Chat", ("customer-support",)),
        ("Merchant of Record", ("payments",)),
        ("payment gateway (credit card transactions)", ("payments",)),
        ("Error Logging and Tracking", ("monitoring",)),
        ("IP Geo Location", ("data-enrichment",)),
        ("Sales CRM", ("crm",)),
        ("CDN and DDoS protection", ("hosting", "security")),
        ("Authentication Provider, Service Integration", ("authentication",)),
        ("AI Inference and AI Services", ("ai",)),
        ("retargeting advertising", ("advertising",)),
        ("internal issue tracking", ("collaboration",)),
    ],
)
def test_purposes_as_written_map_onto_the_vocabulary(text: str, slugs: tuple[str, ...]) -> None:
    assert normalise(text) == slugs


def test_a_purpose_the_vocabulary_does_not_know_is_other() -> None:
    assert normalise("GitHub Subsidiary") == ("other",)


def test_blank_text_has_no_purpose() -> None:
    assert normalise("  \u200b ") == ()


def test_words_inside_other_words_do_not_match() -> None:
    assert "ai" not in normalise("Email sending via SMTP")
    assert "advertising" not in normalise("loads of leads")


def test_every_seed_purpose_maps_to_something_specific() -> None:
    documents = json.loads(SEED_LABELS.read_text())["documents"].values()
    purposes = [p["purpose"] for doc in documents for p in doc["required"] if p.get("purpose")]

    vague = [text for text in purposes if normalise(text) == ("other",)]

    assert purposes
    assert vague == []


def test_the_vocabulary_fits_the_purpose_model() -> None:
    slug_length = Purpose._meta.get_field("slug").max_length

    assert len(BY_SLUG) == len(PURPOSES)
    assert all(len(term.slug) <= slug_length for term in PURPOSES)
    assert len({term.name for term in PURPOSES}) == len(PURPOSES)
    assert name_of("payments") == "Payments & billing"
