"""The current sub-processor list of one company as JSON (the API's shape) and as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from registry.api.serializers import CompanyRefSerializer, EngagementSerializer
from registry.models import Company, Engagement
from registry.templatetags.public_links import http_url

CSV_COLUMNS = (
    "vendor",
    "vendor_slug",
    "name_as_written",
    "purposes",
    "purpose_text",
    "locations",
    "location_text",
    "leaves_eea_without_adequacy",
    "website",
    "first_seen",
)
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def to_json(company: Company, engagements: Sequence[Engagement]) -> dict[str, Any]:
    """The company and its processors, each exactly as /api/engagements/ shows it."""
    return {
        "company": CompanyRefSerializer(company).data,
        "url": settings.SITE_URL + company.get_absolute_url(),
        "processors": EngagementSerializer(engagements, many=True).data,
    }


def neutralise(cell: str) -> str:
    """Prefix a quote to a cell a spreadsheet would evaluate."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def csv_row(engagement: Engagement) -> list[str]:
    locations = list(engagement.locations.all())
    cells = [
        engagement.vendor.name,
        engagement.vendor.slug,
        engagement.name_as_written,
        "; ".join(purpose.name for purpose in engagement.purposes.all()),
        engagement.purpose_text,
        "; ".join(location.code for location in locations),
        engagement.location_text,
        "yes" if any(loc.leaves_eea_without_adequacy for loc in locations) else "no",
        http_url(engagement.website or engagement.vendor.website),
        engagement.first_seen_at.date().isoformat(),
    ]
    return [neutralise(cell) for cell in cells]


def to_csv(engagements: Sequence[Engagement]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(engagement) for engagement in engagements)
    return buffer.getvalue()
