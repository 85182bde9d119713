"""Query-string filters for the list endpoints; unknown parameters are ignored."""

from __future__ import annotations

from datetime import UTC, datetime

import django_filters
from django.db.models import QuerySet

from registry.models import Change, Engagement, Location, Source, Vendor


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO datetime compared in UTC: PostgreSQL refuses offsets beyond ±15:59."""

    def filter(self, qs: QuerySet, value: datetime | None) -> QuerySet:
        if value is None:
            return qs
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            return qs.none()
        return super().filter(qs, value)


class EngagementFilter(django_filters.FilterSet):
    company = django_filters.CharFilter(field_name="company__slug")
    vendor = django_filters.CharFilter(field_name="vendor__slug")
    status = django_filters.ChoiceFilter(choices=Engagement.Status.choices)
    purpose = django_filters.CharFilter(field_name="purposes__slug", distinct=True)
    location = django_filters.CharFilter(
        field_name="locations__code", lookup_expr="iexact", distinct=True
    )
    transfer_status = django_filters.ChoiceFilter(
        field_name="locations__transfer_status",
        choices=Location.Transfer.choices,
        distinct=True,
    )

    class Meta:
        model = Engagement
        fields = ["company", "vendor", "status", "purpose", "location", "transfer_status"]


class ChangeFilter(django_filters.FilterSet):
    company = django_filters.CharFilter(field_name="company__slug")
    vendor = django_filters.CharFilter(field_name="vendor__slug")
    kind = django_filters.ChoiceFilter(choices=Change.Kind.choices)
    review = django_filters.ChoiceFilter(choices=Change.Review.choices)
    detected_after = UtcDateTimeFilter(field_name="detected_at", lookup_expr="gte")
    detected_before = UtcDateTimeFilter(field_name="detected_at", lookup_expr="lt")

    class Meta:
        model = Change
        fields = ["company", "vendor", "kind", "review", "detected_after", "detected_before"]


class VendorFilter(django_filters.FilterSet):
    company = django_filters.CharFilter(
        field_name="engagements__company__slug", distinct=True, label="Used by company (slug)"
    )

    class Meta:
        model = Vendor
        fields = ["company", "category", "hq_country"]


class SourceFilter(django_filters.FilterSet):
    company = django_filters.CharFilter(field_name="company__slug")

    class Meta:
        model = Source
        fields = ["company", "active", "last_status"]
