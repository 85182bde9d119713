"""Name cleaning and matching keys."""

from __future__ import annotations

import pytest

from registry.names import clean, key


def test_clean_collapses_whitespace_and_drops_invisible_characters() -> None:
    assert clean("  Mail\u200bgun \u00a0 Technologies\n") == "Mailgun Technologies"


def test_clean_folds_full_width_characters_with_nfkc() -> None:
    assert clean("\uff33\uff54\uff52\uff49\uff50\uff45") == "Stripe"


def test_clean_drops_replacement_characters_left_by_invalid_utf8() -> None:
    assert clean("Stripe\ufffd") == "Stripe"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Mailgun Technologies, Inc.", "mailgun technologies"),
        ("Acme, Inc.", "acme"),
        ("Acme Inc", "acme"),
        ("ACME", "acme"),
        ("Smartsupp.com, s.r.o", "smartsupp com"),
        ("Datatrans AG", "datatrans"),
        ("The Rocket Science Group LLC", "rocket science group"),
        ("Zürich Software GmbH", "zurich software"),
        ("AT&T", "at and t"),
    ],
)
def test_key_strips_case_punctuation_accents_and_legal_suffixes(
    written: str, expected: str
) -> None:
    assert key(written) == expected


def test_names_differing_only_in_legal_punctuation_share_a_key() -> None:
    assert key("GitHub, Inc.") == key("GitHub Inc") == key("github")


def test_a_name_made_only_of_a_legal_form_keeps_its_words() -> None:
    assert key("Limited") == "limited"
