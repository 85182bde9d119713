"""Read queries for the public pages, feeds, exports and API, each a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import (
    Count,
    Exists,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)

from registry.models import Change, Company, Engagement, Location, Purpose, Snapshot, Vendor

ACTIVE = Engagement.Status.ACTIVE
CONFIRMED = Change.Review.CONFIRMED
MEMBERSHIP_KINDS = (Change.Kind.ADDED, Change.Kind.REMOVED)


def engagement_queryset() -> QuerySet[Engagement]:
    """Engagements with everything a page or serializer shows: 3 queries however many rows."""
    return Engagement.objects.select_related("vendor", "company").prefetch_related(
        Prefetch("purposes", queryset=Purpose.objects.order_by("name")),
        Prefetch("locations", queryset=Location.objects.order_by("name")),
    )


def company_list(*, q: str = "") -> QuerySet[Company]:
    """Companies with processor counts and last confirmed change; `q` matches company or vendor."""
    last_change = (
        Change.objects.filter(company=OuterRef("pk"), review=CONFIRMED)
        .order_by("-detected_at")
        .values("detected_at")[:1]
    )
    companies = Company.objects.annotate(
        processor_count=Count("engagements", filter=Q(engagements__status=ACTIVE)),
        last_change_at=Subquery(last_change),
    ).order_by("name")
    q = q.strip()
    if q:
        uses_vendor = Engagement.objects.filter(
            company=OuterRef("pk"), status=ACTIVE, vendor__name__icontains=q
        )
        companies = companies.filter(Q(name__icontains=q) | Exists(uses_vendor))
    return companies


def company_with_last_check(slug: str) -> Company | None:
    """One company by slug with `last_checked_at` (latest over its sources): 1 query."""
    return (
        Company.objects.annotate(last_checked_at=Max("sources__last_checked_at"))
        .filter(slug=slug)
        .first()
    )


def current_engagements(company: Company) -> list[Engagement]:
    """The company's active sub-processors, by vendor name: 3 queries."""
    active = engagement_queryset().filter(company=company, status=ACTIVE)
    return list(active.order_by("vendor__name"))


def pending_notice(company: Company, *, today: date) -> list[Change]:
    """Confirmed changes that take effect after today (customers may still object): 1 query."""
    return list(
        Change.objects.select_related("vendor")
        .filter(company=company, review=CONFIRMED, effective_date__gt=today)
        .order_by("effective_date", "id")
    )


def confirmed_changes(company: Company) -> list[Change]:
    """The public history: confirmed changes, newest first: 1 query."""
    return list(
        Change.objects.select_related("vendor")
        .filter(company=company, review=CONFIRMED)
        .order_by("-detected_at", "-id")
    )


def vendor_usage(vendor: Vendor) -> list[Engagement]:
    """Every company actively using the vendor, for what and where: 3 queries."""
    return list(
        engagement_queryset().filter(vendor=vendor, status=ACTIVE).order_by("company__name")
    )


@dataclass(frozen=True)
class Place:
    """A location as the public list shows it."""

    code: str
    name: str
    transfer_status: str

    @property
    def leaves_eea_without_adequacy(self) -> bool:
        return self.transfer_status in (Location.Transfer.THIRD_COUNTRY, Location.Transfer.MIXED)


@dataclass(frozen=True)
class Listed:
    """One processor on a company's public list: flat values, no model instances.

    The company page shows hundreds of these; reading plain values instead of building
    Engagement/Vendor/Purpose/Location objects is what keeps it fast.
    """

    id: int
    vendor_id: int
    vendor_name: str
    vendor_slug: str
    vendor_website: str
    name_as_written: str
    purpose_text: str
    location_text: str
    website: str
    status: str
    first_seen_at: datetime
    removed_at: datetime | None
    purposes: tuple[str, ...] = ()
    locations: tuple[Place, ...] = ()
    changed_on: date | None = None


_LISTED_FIELDS = (
    "id",
    "vendor_id",
    "vendor__name",
    "vendor__slug",
    "vendor__website",
    "name_as_written",
    "purpose_text",
    "location_text",
    "website",
    "status",
    "first_seen_at",
    "removed_at",
)


def listing(company: Company, *, include_removed: bool = False) -> list[Listed]:
    """The company's processors by vendor name, active ones unless asked: 3 queries."""
    engagements = Engagement.objects.filter(company=company)
    if not include_removed:
        engagements = engagements.filter(status=ACTIVE)
    rows = list(engagements.order_by("vendor__name").values_list(*_LISTED_FIELDS))
    # Joined on the same filter rather than `IN (500 ids)`: fewer parameters to bind.
    ids = {"engagement__company": company}
    if not include_removed:
        ids["engagement__status"] = ACTIVE
    purposes: dict[int, list[str]] = {}
    for engagement_id, name in (
        Engagement.purposes.through.objects.filter(**ids)
        .order_by("purpose__name")
        .values_list("engagement_id", "purpose__name")
    ):
        purposes.setdefault(engagement_id, []).append(name)
    places: dict[int, list[Place]] = {}
    for engagement_id, *place in (
        Engagement.locations.through.objects.filter(**ids)
        .order_by("location__name")
        .values_list(
            "engagement_id", "location__code", "location__name", "location__transfer_status"
        )
    ):
        places.setdefault(engagement_id, []).append(Place(*place))
    return [
        Listed(
            *row, purposes=tuple(purposes.get(row[0], ())), locations=tuple(places.get(row[0], ()))
        )
        for row in rows
    ]


@dataclass(frozen=True)
class AsOf:
    """The list as it stood at the end of `day`."""

    day: date
    engagements: tuple[Listed, ...]


def end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def as_of(company: Company, day: date) -> AsOf:
    """Reconstruct the list at the end of `day` (UTC): 4 queries.

    A vendor is on the list when its latest confirmed added/removed change detected by then says
    so; with no such change, when the engagement was first seen by then and not removed by then.
    Purposes and locations are shown as recorded now; `changed_on` marks a processor whose
    details changed (confirmed) after that day.
    """
    cutoff = end_of_day(day)
    rows = listing(company, include_removed=True)
    changes = Change.objects.filter(company=company, review=CONFIRMED).order_by("detected_at", "id")
    decided: dict[int, bool] = {}
    changed_on: dict[int, date] = {}
    for vendor_id, kind, detected_at in changes.values_list("vendor_id", "kind", "detected_at"):
        if detected_at < cutoff and kind in MEMBERSHIP_KINDS:
            decided[vendor_id] = kind == Change.Kind.ADDED
        elif detected_at >= cutoff and kind == Change.Kind.CHANGED:
            changed_on.setdefault(vendor_id, detected_at.date())
    listed = tuple(
        replace(row, changed_on=changed_on.get(row.vendor_id))
        for row in rows
        if decided.get(row.vendor_id, _listed_by_dates(row, cutoff))
    )
    return AsOf(day=day, engagements=listed)


def _listed_by_dates(row: Listed, cutoff: datetime) -> bool:
    if row.first_seen_at >= cutoff:
        return False
    return row.removed_at is None or row.removed_at >= cutoff


def snapshot_with_previous(pk: int) -> tuple[Snapshot, Snapshot | None] | None:
    """A snapshot (with source, company and body) and the one before it of the same source: 2."""
    related = ("source__company", "body")
    snapshot = Snapshot.objects.select_related(*related).filter(pk=pk).first()
    if snapshot is None:
        return None
    previous = (
        Snapshot.objects.select_related("body")
        .filter(source_id=snapshot.source_id)
        .filter(
            Q(fetched_at__lt=snapshot.fetched_at)
            | Q(fetched_at=snapshot.fetched_at, id__lt=snapshot.id)
        )
        .order_by("-fetched_at", "-id")
        .first()
    )
    return snapshot, previous


def transfer_rows(*, company: Company | None = None) -> list[tuple[int, int, str | None]]:
    """(company id, engagement id, location transfer status) for active engagements: 1 query."""
    rows = Engagement.objects.filter(status=ACTIVE)
    if company is not None:
        rows = rows.filter(company=company)
    return list(rows.values_list("company_id", "id", "locations__transfer_status"))


def confirmed_membership_events(*, company: Company | None = None) -> list[tuple[datetime, str]]:
    """(detected_at, kind) of confirmed added/removed changes, for timelines: 1 query."""
    changes = Change.objects.filter(review=CONFIRMED, kind__in=MEMBERSHIP_KINDS)
    if company is not None:
        changes = changes.filter(company=company)
    return list(changes.order_by("detected_at").values_list("detected_at", "kind"))


def group_by_purpose(rows: Sequence[Listed]) -> list[tuple[str, list[Listed]]]:
    """Processors under each of their purposes, "Purpose not stated" last."""
    groups: dict[str, list[Listed]] = {}
    unstated: list[Listed] = []
    for row in rows:
        for name in row.purposes:
            groups.setdefault(name, []).append(row)
        if not row.purposes:
            unstated.append(row)
    result = sorted(groups.items())
    if unstated:
        result.append(("Purpose not stated", unstated))
    return result
