"""Load the demo registry: vocabularies, the vendor catalogue and the five seed companies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction

from registry import locations, purposes
from registry.models import Company, Engagement, Location, Purpose, Source, Vendor

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "demo"
VENDORS_JSON = FIXTURES / "vendors.json"
COMPANIES_JSON = FIXTURES / "companies.json"
VENDOR_FIELDS = ("name", "legal_names", "aliases", "website", "domain", "hq_country", "category")


@dataclass(frozen=True)
class DemoReport:
    """Row counts after loading, and how many rows this run created."""

    locations: int
    purposes: int
    vendors: int
    companies: int
    sources: int
    engagements: int
    created: int

    def lines(self) -> list[str]:
        return [
            f"locations: {self.locations}",
            f"purposes: {self.purposes}",
            f"vendors: {self.vendors}",
            f"companies: {self.companies}",
            f"sources: {self.sources}",
            f"engagements: {self.engagements}",
            f"created this run: {self.created}",
        ]


def read_json(path: Path) -> list[dict[str, Any]]:
    """Return the list of objects a demo fixture holds."""
    return json.loads(path.read_text(encoding="utf-8"))


def load(
    *, now: datetime, vendors_path: Path = VENDORS_JSON, companies_path: Path = COMPANIES_JSON
) -> DemoReport:
    """Create or update everything the demo needs; running it twice changes nothing."""
    with transaction.atomic():
        catalogue = read_json(vendors_path)
        created = sync_locations() + sync_purposes() + sync_vendors(catalogue)
        vendors = vendors_by_catalogue_slug(catalogue)
        for company in read_json(companies_path):
            created += sync_company(company, vendors=vendors, now=now)
    _forget_cached_catalogue()
    return DemoReport(
        locations=Location.objects.count(),
        purposes=Purpose.objects.count(),
        vendors=Vendor.objects.count(),
        companies=Company.objects.count(),
        sources=Source.objects.count(),
        engagements=Engagement.objects.count(),
        created=created,
    )


def _sync(model: type, key: str, rows: list[dict[str, Any]], fields: tuple[str, ...]) -> int:
    """Bulk create missing rows and bulk update changed ones, matched on `key`; return created."""
    existing = {getattr(obj, key): obj for obj in model.objects.all()}
    fresh, changed = [], []
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            fresh.append(model(**row))
        elif any(getattr(obj, f) != row[f] for f in fields):
            for f in fields:
                setattr(obj, f, row[f])
            changed.append(obj)
    model.objects.bulk_create(fresh, batch_size=500)
    if changed:
        model.objects.bulk_update(changed, list(fields), batch_size=500)
    return len(fresh)


def sync_locations() -> int:
    """Make Location rows match registry.locations.LOCATIONS."""
    rows = [
        {"code": p.code, "name": p.name, "kind": p.kind, "transfer_status": p.transfer_status}
        for p in locations.LOCATIONS
    ]
    return _sync(Location, "code", rows, ("name", "kind", "transfer_status"))


def sync_purposes() -> int:
    """Make Purpose rows match registry.purposes.PURPOSES."""
    rows = [
        {"slug": t.slug, "name": t.name, "description": t.description} for t in purposes.PURPOSES
    ]
    return _sync(Purpose, "slug", rows, ("name", "description"))


def sync_vendors(rows: list[dict[str, Any]]) -> int:
    """Create or update catalogue vendors by slug; a row added by hand under the same name
    keeps its own slug and takes the catalogue's facts."""
    by_name = {name.casefold(): slug for slug, name in Vendor.objects.values_list("slug", "name")}
    prepared = []
    for row in rows:
        slug = by_name.get(row["name"].casefold(), row["slug"])
        prepared.append({"slug": slug, **{f: row.get(f) or _blank(f) for f in VENDOR_FIELDS}})
    return _sync(Vendor, "slug", prepared, VENDOR_FIELDS)


def vendors_by_catalogue_slug(rows: list[dict[str, Any]]) -> dict[str, Vendor]:
    """Map each catalogue slug to its Vendor row (found by name: a hand-made row may differ)."""
    by_name = {vendor.name.casefold(): vendor for vendor in Vendor.objects.all()}
    return {row["slug"]: by_name[row["name"].casefold()] for row in rows}


def _blank(field: str) -> Any:
    return [] if field in ("legal_names", "aliases") else ""


def sync_company(data: dict[str, Any], *, vendors: dict[str, Vendor], now: datetime) -> int:
    """Create or update one company, its source and its engagements; return rows created."""
    company, created = Company.objects.update_or_create(
        slug=data["slug"],
        defaults={
            "name": data["name"],
            "website": data.get("website", ""),
            "domain": data.get("domain", ""),
            "aliases": data.get("aliases", []),
            "description": data.get("description", ""),
        },
    )
    source = data.get("source") or {}
    made = int(created)
    if source.get("url"):
        made += int(Source.objects.get_or_create(company=company, url=source["url"])[1])
    items = {vendors[item["vendor"]].pk: item for item in data.get("engagements", [])}
    return made + sync_engagements(company, items, now=now)


def sync_engagements(company: Company, items: dict[int, dict[str, Any]], *, now: datetime) -> int:
    """Bring the company's engagements of these vendor ids in line with the stated facts,
    in a fixed number of queries; return how many were created."""
    existing = {e.vendor_id: e for e in company.engagements.filter(vendor_id__in=items)}
    fresh, changed = [], []
    for vendor_id, item in items.items():
        written = _written(item)
        engagement = existing.get(vendor_id)
        if engagement is None:
            fresh.append(
                Engagement(
                    company=company,
                    vendor_id=vendor_id,
                    **written,
                    first_seen_at=now,
                    last_seen_at=now,
                )
            )
        elif any(getattr(engagement, f) != v for f, v in written.items()):
            for f, v in written.items():
                setattr(engagement, f, v)
            changed.append(engagement)
    Engagement.objects.bulk_create(fresh)
    if changed:
        Engagement.objects.bulk_update(changed, list(_written({})))
    ids = dict(company.engagements.filter(vendor_id__in=items).values_list("vendor_id", "pk"))
    codes = _ids(Location, "code")
    slugs = _ids(Purpose, "slug")
    where = {ids[v]: _codes(item) for v, item in items.items()}
    why = {ids[v]: purposes.normalise(item.get("purpose", "")) for v, item in items.items()}
    _link(
        Engagement.locations.through,
        "location_id",
        {e: {codes[c] for c in cs} for e, cs in where.items()},
    )
    _link(
        Engagement.purposes.through,
        "purpose_id",
        {e: {slugs[s] for s in ss} for e, ss in why.items()},
    )
    return len(fresh)


def _written(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "name_as_written": item.get("name_as_written", ""),
        "purpose_text": item.get("purpose", ""),
        "location_text": ", ".join(item.get("locations") or []),
        "website": _url(item.get("website", "")),
        "status": Engagement.Status.ACTIVE,
    }


def _codes(item: dict[str, Any]) -> set[str]:
    return {code for text in item.get("locations") or [] for code in locations.normalise(text)}


def _ids(model: type, field: str) -> dict[str, int]:
    return dict(model.objects.values_list(field, "pk"))


def _link(through: type, field: str, wanted: dict[int, set[int]]) -> None:
    """Make the m2m rows of these engagements exactly `wanted`: delete extras, add missing."""
    rows = through.objects.filter(engagement_id__in=wanted).values_list(
        "pk", "engagement_id", field
    )
    have = {(e, t): pk for pk, e, t in rows}
    want = {(e, t) for e, targets in wanted.items() for t in targets}
    extra = [pk for pair, pk in have.items() if pair not in want]
    if extra:
        through.objects.filter(pk__in=extra).delete()
    missing = [through(engagement_id=e, **{field: t}) for e, t in sorted(want - set(have))]
    through.objects.bulk_create(missing)


def _url(text: str) -> str:
    text = text.strip()
    return text if not text or "://" in text else f"https://{text}"


def _forget_cached_catalogue() -> None:
    try:
        from registry import catalogue
    except ImportError:
        return
    cache_clear = getattr(catalogue.load, "cache_clear", None)
    if cache_clear:
        cache_clear()
