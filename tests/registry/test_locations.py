"""Location vocabulary and free-text parsing."""

from __future__ import annotations

import pytest

from registry.locations import BY_CODE, LOCATIONS, name_of, normalise, transfer_status
from registry.models import Location


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("USA", ("US",)),
        ("United States", ("US",)),
        ("United States of America", ("US",)),
        ("U.S.", ("US",)),
        ("EU", ("EU",)),
        ("Germany, Ireland", ("DE", "IE")),
        ("Ireland, Germany", ("DE", "IE")),
        ("US & EU", ("EU", "US")),
        ("EU/US", ("EU", "US")),
        ("Frankfurt, Germany", ("DE",)),
        ("AWS eu-west-1 (Ireland)", ("IE",)),
        ("us-east-1", ("US",)),
        ("UK", ("GB",)),
        ("Great Britain", ("GB",)),
        ("Northern Ireland", ("GB",)),
        ("Switzerland", ("CH",)),
        ("Deutschland", ("DE",)),
        ("the Netherlands", ("NL",)),
        ("Worldwide", ("GLOBAL",)),
        ("Global", ("GLOBAL",)),
        ("European Economic Area", ("EEA",)),
        ("New Jersey", ("US",)),
        ("Papua New Guinea", ("PG",)),
        ("DE / FR", ("DE", "FR")),
        ("Data centres in the US and Germany", ("DE", "US")),
        ("C\u00f4te d\u2019Ivoire", ("CI",)),
    ],
)
def test_free_text_locations_become_sorted_unique_codes(text: str, codes: tuple[str, ...]) -> None:
    assert normalise(text) == codes


@pytest.mark.parametrize("text", ["", "   ", "somewhere nice", "IT support", "us", "eu-ish"])
def test_text_that_names_no_place_gives_nothing(text: str) -> None:
    assert normalise(text) == ()


def test_invisible_characters_and_odd_spaces_do_not_hide_a_place() -> None:
    assert normalise("Ger\u200bmany,\u00a0United\u00a0States") == ("DE", "US")


def test_a_huge_cell_is_parsed_without_trouble() -> None:
    assert normalise("Germany " + "x" * 200_000 + " Japan") == ("DE", "JP")


def test_the_vocabulary_holds_every_iso_country_and_the_regions() -> None:
    countries = [place for place in LOCATIONS if place.kind == "country"]

    assert len(countries) == 249
    assert {"EU", "EEA", "GLOBAL"} <= set(BY_CODE)
    assert len(BY_CODE) == len(LOCATIONS)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("DE", "eea"),
        ("NO", "eea"),
        ("EU", "eea"),
        ("CH", "adequacy"),
        ("GB", "adequacy"),
        ("JP", "adequacy"),
        ("US", "third_country"),
        ("IN", "third_country"),
        ("GLOBAL", "mixed"),
        ("ZZ", "third_country"),
    ],
)
def test_each_code_has_the_transfer_status_of_its_legal_regime(code: str, status: str) -> None:
    assert transfer_status(code) == status


def test_every_code_fits_the_location_model() -> None:
    code_length = Location._meta.get_field("code").max_length
    kinds = {choice for choice, _ in Location.Kind.choices}
    statuses = {choice for choice, _ in Location.Transfer.choices}

    assert all(len(place.code) <= code_length for place in LOCATIONS)
    assert {place.kind for place in LOCATIONS} <= kinds
    assert {place.transfer_status for place in LOCATIONS} <= statuses


def test_every_code_normalise_returns_is_in_the_vocabulary() -> None:
    texts = ["USA, EU, UK, APAC", "Frankfurt, Dublin, Tokyo, São Paulo", "europe-west3, ap-south-1"]

    codes = {code for text in texts for code in normalise(text)}

    assert codes <= set(BY_CODE)
    assert {"DE", "IE", "JP", "BR", "IN", "APAC", "EU", "GB", "US"} <= codes


def test_codes_have_display_names() -> None:
    assert name_of("DE") == "Germany"
    assert name_of("us") == "United States"
    assert name_of("??") == "??"
