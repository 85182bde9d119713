"""Query-string filters for the list endpoints; unknown parameters are ignored."""

from __future__ import annotations

import django_filters

from registry.models import Change, Engagement, Location, Source, Vendor


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
    detected_after = django_filters.IsoDateTimeFilter(field_name="detected_at", lookup_expr="gte")
    detected_before = django_filters.IsoDateTimeFilter(field_name="detected_at", lookup_expr="lt")

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
