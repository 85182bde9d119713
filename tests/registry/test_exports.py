"""JSON and CSV exports of a company's current sub-processors."""

from __future__ import annotations

import csv
import io

import pytest

from registry.exports import neutralise
from tests.public_data import company_with_processors, engage, make_company, make_vendor

pytestmark = pytest.mark.django_db


def rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_json_export_equals_the_apis_engagement_representation(client):
    company_with_processors(4)
    company_with_processors(2, name="Other Co")

    export = client.get("/c/acme-mail.json").json()
    api = client.get("/api/engagements/", {"company": "acme-mail", "status": "active"}).json()

    assert export["company"] == {"slug": "acme-mail", "name": "Acme Mail"}
    assert len(export["processors"]) == 4
    assert export["processors"] == api["results"]


def test_json_export_lists_only_active_processors(client):
    company = make_company("Acme Mail")
    engage(company, make_vendor("Kept"))
    engage(company, make_vendor("Dropped"), status="removed")

    export = client.get("/c/acme-mail.json").json()

    assert [p["vendor"]["name"] for p in export["processors"]] == ["Kept"]


def test_csv_export_has_one_row_per_processor_with_locations(client):
    company = make_company("Acme Mail")
    engage(
        company,
        make_vendor("Mailgun"),
        purposes=("email",),
        locations=("US", "DE"),
        website="https://mailgun.com",
    )

    response = client.get("/c/acme-mail.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="acme-mail-subprocessors.csv"' in response["Content-Disposition"]
    [row] = rows(response)
    assert row["vendor"] == "Mailgun"
    assert row["purposes"] == "Email"
    assert row["locations"] == "DE; US"
    assert row["leaves_eea_without_adequacy"] == "yes"
    assert row["website"] == "https://mailgun.com"


def test_csv_export_neutralises_formulas(client):
    company = make_company("Acme Mail")
    engage(
        company,
        make_vendor('=HYPERLINK("http://evil","x")', slug="evil"),
        purpose_text="+cmd|' /C calc'!A0",
        location_text="@SUM(1)",
    )

    [row] = rows(client.get("/c/acme-mail.csv"))

    assert row["vendor"] == '\'=HYPERLINK("http://evil","x")'
    assert row["purpose_text"] == "'+cmd|' /C calc'!A0"
    assert row["location_text"] == "'@SUM(1)"


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@x", "\tx", "\rx"])
def test_every_formula_start_is_prefixed(cell):
    assert neutralise(cell) == "'" + cell


def test_plain_cells_are_left_alone():
    assert neutralise("Mailgun, Inc.") == "Mailgun, Inc."


def test_csv_export_drops_non_http_websites(client):
    company = make_company("Acme Mail")
    engage(company, make_vendor("Evil"), website="javascript:alert(1)")

    [row] = rows(client.get("/c/acme-mail.csv"))

    assert row["website"] == ""


# Exports: 1 company, 3 engagements (+vendor/company, purposes, locations).
@pytest.mark.parametrize("count", [5, 50])
@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_export_query_count_is_constant(client, django_assert_num_queries, count, suffix):
    company_with_processors(count)

    with django_assert_num_queries(4):
        client.get(f"/c/acme-mail{suffix}")
