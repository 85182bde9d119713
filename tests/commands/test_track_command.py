"""track URL --company NAME: creates the company when new, validates the URL."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from registry.models import Company, Source
from tests.builders import make_company

pytestmark = pytest.mark.django_db

# Public IP literals: validation needs no DNS, and nothing is fetched.


def test_new_company_and_source_are_created() -> None:
    out = io.StringIO()

    call_command(
        "track",
        "https://93.184.215.14/legal/subprocessors",
        "--company",
        "Acme Mail",
        "--selector",
        "#list",
        "--interval",
        "90",
        stdout=out,
    )

    company = Company.objects.get()
    source = Source.objects.get()
    assert (company.name, company.slug) == ("Acme Mail", "acme-mail")
    assert source.company == company
    assert source.selector == "#list"
    assert source.check_interval == timedelta(minutes=90)
    assert "new company" in out.getvalue()


def test_existing_company_is_reused_case_insensitively() -> None:
    company = make_company("Acme Mail")

    call_command(
        "track", "https://93.184.215.14/sub", "--company", "acme mail", stdout=io.StringIO()
    )

    assert Company.objects.count() == 1
    assert Source.objects.get().company == company


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/list", "http://127.0.0.1/admin", "not a url", "http://10.0.0.5/list"],
)
def test_unsafe_or_invalid_urls_are_refused_with_a_reason(url: str) -> None:
    with pytest.raises(CommandError, match="Cannot track"):
        call_command("track", url, "--company", "Acme", stdout=io.StringIO())

    assert not Source.objects.exists()


def test_same_url_twice_is_refused() -> None:
    call_command("track", "https://93.184.215.14/sub", "--company", "Acme", stdout=io.StringIO())

    with pytest.raises(CommandError, match="already tracks"):
        call_command(
            "track", "https://93.184.215.14/sub", "--company", "Acme", stdout=io.StringIO()
        )


def test_interval_below_one_minute_is_refused() -> None:
    with pytest.raises(CommandError, match="interval"):
        call_command(
            "track",
            "https://93.184.215.14/sub",
            "--company",
            "Acme",
            "--interval",
            "0",
            stdout=io.StringIO(),
        )
