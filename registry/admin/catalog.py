"""Reference rows in the admin: companies, vendors, purposes, locations, engagements."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.html import format_html

from registry.admin.base import URL_FIELDS, SubwatchAdmin
from registry.admin.forms import CompanyForm, SourceForm, VendorForm
from registry.admin.links import changelist_url, external, link, names
from registry.admin.sources import check_now_link
from registry.models import Change, Company, Engagement, Location, Purpose, Source, Vendor

ENGAGEMENT_COLUMNS = ("purposes_list", "locations_list", "status", "first_seen_at", "last_seen_at")


def _count(model: type[Any], fk: str, **filters: Any) -> Coalesce:
    """A correlated COUNT subquery: one per column, so annotations never multiply rows."""
    rows = model.objects.filter(**{fk: OuterRef("pk")}, **filters).order_by()
    counted = rows.values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def _with_tags(engagements: QuerySet[Engagement]) -> QuerySet[Engagement]:
    return engagements.prefetch_related(
        Prefetch("purposes", queryset=Purpose.objects.order_by("name")),
        Prefetch("locations", queryset=Location.objects.order_by("name")),
    )


class EngagementColumns:
    """Purposes and locations read from the prefetch, never one query per row."""

    @admin.display(description="Purposes")
    def purposes_list(self, obj: Engagement) -> str:
        return names(obj.purposes.all())

    @admin.display(description="Locations")
    def locations_list(self, obj: Engagement) -> str:
        return names(obj.locations.all())


class CompanyEngagementInline(EngagementColumns, admin.TabularInline):
    model = Engagement
    fk_name = "company"
    fields = ("vendor_link", *ENGAGEMENT_COLUMNS)
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "Sub-processors (engagements)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Engagement]:
        return _with_tags(super().get_queryset(request)).select_related("vendor")

    @admin.display(description="Vendor")
    def vendor_link(self, obj: Engagement) -> str:
        return link(obj.vendor)


class VendorEngagementInline(CompanyEngagementInline):
    fk_name = "vendor"
    fields = ("company_link", *ENGAGEMENT_COLUMNS)
    readonly_fields = fields
    verbose_name_plural = "Companies using this vendor"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Engagement]:
        return _with_tags(admin.TabularInline.get_queryset(self, request)).select_related("company")

    @admin.display(description="Company")
    def company_link(self, obj: Engagement) -> str:
        return link(obj.company)


class SourceInline(admin.TabularInline):
    model = Source
    form = SourceForm
    # A plain input: the admin's URL widget adds a "Currently:" link, too wide for a table row.
    formfield_overrides = {
        models.URLField: {
            **URL_FIELDS[models.URLField],
            "widget": forms.URLInput(attrs={"size": 60}),
        }
    }
    fields = (
        "url",
        "selector",
        "active",
        "last_status",
        "last_checked_at",
        "consecutive_failures",
        "check_now",
    )
    readonly_fields = ("last_status", "last_checked_at", "consecutive_failures", "check_now")
    extra = 0
    show_change_link = True

    @admin.display(description="")
    def check_now(self, obj: Source) -> str:
        return check_now_link(obj)


@admin.register(Company)
class CompanyAdmin(SubwatchAdmin):
    form = CompanyForm
    list_display = (
        "name",
        "domain",
        "sources_count",
        "active_engagements",
        "pending_changes",
        "created_at",
    )
    search_fields = ("name", "slug", "domain", "aliases")
    list_filter = (
        ("engagements__purposes", admin.RelatedOnlyFieldListFilter),
        ("engagements__locations", admin.RelatedOnlyFieldListFilter),
        "engagements__locations__transfer_status",
        "sources__last_status",
    )
    prepopulated_fields = {"slug": ("name",)}
    inlines = (SourceInline, CompanyEngagementInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Company]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_sources=_count(Source, "company"),
                n_engagements=_count(Engagement, "company", status=Engagement.Status.ACTIVE),
                n_pending=_count(Change, "company", review=Change.Review.PENDING),
            )
        )

    @admin.display(description="Sources", ordering="n_sources")
    def sources_count(self, obj: Company) -> int:
        return obj.n_sources

    @admin.display(description="Active sub-processors", ordering="n_engagements")
    def active_engagements(self, obj: Company) -> int:
        return obj.n_engagements

    @admin.display(description="Pending changes", ordering="n_pending")
    def pending_changes(self, obj: Company) -> int:
        return obj.n_pending


@admin.register(Vendor)
class VendorAdmin(SubwatchAdmin):
    form = VendorForm
    list_display = ("name", "category", "hq_country", "domain_link", "companies_count")
    search_fields = ("name", "slug", "domain", "aliases", "legal_names")
    list_filter = (
        "category",
        "hq_country",
        ("engagements__purposes", admin.RelatedOnlyFieldListFilter),
        "engagements__status",
    )
    prepopulated_fields = {"slug": ("name",)}
    inlines = (VendorEngagementInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Vendor]:
        active = Engagement.Status.ACTIVE
        return (
            super()
            .get_queryset(request)
            .annotate(n_companies=_count(Engagement, "vendor", status=active))
        )

    @admin.display(description="Website", ordering="domain")
    def domain_link(self, obj: Vendor) -> str:
        return external(obj.website) if obj.website else obj.domain or "-"

    @admin.display(description="Used by (companies)", ordering="n_companies")
    def companies_count(self, obj: Vendor) -> int:
        return obj.n_companies


@admin.register(Purpose)
class PurposeAdmin(SubwatchAdmin):
    list_display = ("name", "slug", "engagements_count")
    search_fields = ("name", "slug", "description")
    list_filter = ("engagements__status",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Purpose]:
        return (
            super()
            .get_queryset(request)
            .annotate(n_engagements=Count("engagements", filter=Q(engagements__status="active")))
        )

    @admin.display(description="Active engagements", ordering="n_engagements")
    def engagements_count(self, obj: Purpose) -> int:
        return obj.n_engagements


@admin.register(Location)
class LocationAdmin(SubwatchAdmin):
    list_display = ("code", "name", "kind", "transfer_status", "engagements_count")
    search_fields = ("code", "name")
    list_filter = ("kind", "transfer_status")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Location]:
        return (
            super()
            .get_queryset(request)
            .annotate(n_engagements=Count("engagements", filter=Q(engagements__status="active")))
        )

    @admin.display(description="Active engagements", ordering="n_engagements")
    def engagements_count(self, obj: Location) -> int:
        return obj.n_engagements


@admin.register(Engagement)
class EngagementAdmin(EngagementColumns, SubwatchAdmin):
    list_display = (
        "company",
        "vendor",
        "purposes_list",
        "locations_list",
        "transfer_safeguard",
        "status",
        "first_seen_at",
        "last_seen_at",
    )
    list_select_related = ("company", "vendor")
    list_filter = (
        "status",
        ("purposes", admin.RelatedOnlyFieldListFilter),
        ("locations", admin.RelatedOnlyFieldListFilter),
        "locations__transfer_status",
        "transfer_safeguard",
        ("company", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("company__name", "vendor__name", "name_as_written", "purpose_text")
    autocomplete_fields = ("company", "vendor")
    filter_horizontal = ("purposes", "locations")
    date_hierarchy = "first_seen_at"
    readonly_fields = ("snapshot_link", "changes_link")
    exclude = ("snapshot",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Engagement]:
        return _with_tags(super().get_queryset(request))

    @admin.display(description="Read from snapshot")
    def snapshot_link(self, obj: Engagement) -> str:
        return link(obj.snapshot)

    @admin.display(description="Changes")
    def changes_link(self, obj: Engagement) -> str:
        url = changelist_url(Change, engagement__id__exact=obj.pk, review="all")
        return format_html('<a href="{}">Changes to this engagement</a>', url)
