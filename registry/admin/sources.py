"""Watched pages in the admin: sources (failing first), their checks, snapshots and bodies."""

from __future__ import annotations

import importlib
import zlib
from types import ModuleType
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from registry.admin.base import ReadOnlyAdmin, SubwatchAdmin
from registry.admin.forms import SourceForm
from registry.admin.links import admin_url, changelist_url, external, link
from registry.models import Change, Check, Snapshot, SnapshotBody, Source

SEVERITY = {
    Source.Status.FAILED: 0,
    Source.Status.SUSPICIOUS: 1,
    Source.Status.NEW: 2,
    Source.Status.CHANGED: 3,
}
BODY_DISPLAY_LIMIT = 2 * 1024 * 1024


def pipeline() -> ModuleType | None:
    """The checking pipeline named by SUBWATCH_PIPELINE: the registry never imports the scraper."""
    try:
        return importlib.import_module(settings.SUBWATCH_PIPELINE)
    except ModuleNotFoundError:
        return None


def check_now_link(source: Source) -> str:
    if source.pk is None or pipeline() is None:
        return ""
    url = reverse("admin:registry_source_check", args=[source.pk])
    return format_html('<a href="{}">Check now</a>', url)


def run_checks(request: HttpRequest, sources: QuerySet[Source]) -> None:
    """Check each source now and tell, per source, what the check came to."""
    module = pipeline()
    if module is None:
        messages.error(request, "Checking is unavailable: scraper.pipeline is not installed.")
        return
    for source in sources.select_related("company"):
        outcome = module.check_source(source, now=timezone.now())
        status = str(getattr(outcome, "status", "done"))
        message = getattr(outcome, "message", "")
        # The check's own log row says more (e.g. "baseline: 12 processor(s), ...").
        logged = source.checks.order_by("-started_at", "-id").first()
        if logged is not None:
            status, message = logged.outcome, logged.message
        text = f"{source.url}: {status}, {getattr(outcome, 'changes', 0)} change(s)"
        if message:
            text += f" ({message})"
        ok = status not in (Check.Outcome.FAILED, Check.Outcome.SUSPICIOUS)
        messages.add_message(request, messages.SUCCESS if ok else messages.WARNING, text)


def run_reextract(request: HttpRequest, sources: QuerySet[Source]) -> None:
    module = pipeline()
    function = getattr(module, "reextract_source", None)
    if function is None:
        messages.error(request, "Re-extraction is unavailable: scraper.pipeline lacks it.")
        return
    count = sum(function(source, now=timezone.now()) or 0 for source in sources)
    messages.success(
        request, f"Re-extracted {count} stored snapshot(s) of {len(sources)} source(s)."
    )


@admin.register(Source)
class SourceAdmin(SubwatchAdmin):
    form = SourceForm
    list_display = (
        "url_text",
        "company",
        "last_status",
        "consecutive_failures",
        "last_checked_at",
        "next_check_at",
        "active",
        "error_excerpt",
    )
    list_select_related = ("company",)
    list_filter = ("last_status", "active", ("company", admin.RelatedOnlyFieldListFilter))
    search_fields = ("url", "company__name", "last_error")
    autocomplete_fields = ("company",)
    date_hierarchy = "last_checked_at"
    actions = ("check_now", "reextract")
    readonly_fields = (
        "last_status",
        "last_checked_at",
        "last_error",
        "consecutive_failures",
        "failure_alerted_at",
        "etag",
        "last_modified",
        "lease_until",
        "current_snapshot_link",
        "history_links",
    )
    exclude = ("current_snapshot",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        ranks = [When(last_status=status, then=Value(rank)) for status, rank in SEVERITY.items()]
        severity = Case(*ranks, default=Value(len(SEVERITY)), output_field=IntegerField())
        # Annotate before ordering: the admin's own get_queryset orders first.
        sources = self.model._default_manager.annotate(severity=severity)
        return sources.order_by(*self.get_ordering(request))

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return ["severity", "-consecutive_failures", "company__name"]

    def get_urls(self) -> list[URLPattern]:
        check = self.admin_site.admin_view(self.check_view)
        return [path("<int:pk>/check/", check, name="registry_source_check"), *super().get_urls()]

    def check_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        source = get_object_or_404(Source, pk=pk)
        if not self.has_change_permission(request, source):
            raise PermissionDenied
        if request.method == "POST":
            run_checks(request, Source.objects.filter(pk=pk))
            return HttpResponseRedirect(admin_url(source))
        context = {**self.admin_site.each_context(request), "source": source, "opts": Source._meta}
        context["title"] = "Check this source now?"
        return TemplateResponse(request, "admin/registry/source/check_confirm.html", context)

    @admin.action(description="Check selected sources now", permissions=["change"])
    def check_now(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        run_checks(request, queryset)

    @admin.action(description="Re-extract from the stored snapshot", permissions=["change"])
    def reextract(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        run_reextract(request, queryset)

    @admin.display(description="URL", ordering="url")
    def url_text(self, obj: Source) -> str:
        return obj.url

    @admin.display(description="Last error")
    def error_excerpt(self, obj: Source) -> str:
        return obj.last_error[:120] or "-"

    @admin.display(description="Current snapshot")
    def current_snapshot_link(self, obj: Source) -> str:
        return link(obj.current_snapshot)

    @admin.display(description="History")
    def history_links(self, obj: Source) -> str:
        rows = [
            (changelist_url(Check, source__id__exact=obj.pk), "Checks"),
            (changelist_url(Snapshot, source__id__exact=obj.pk), "Snapshots"),
            (changelist_url(Change, source__id__exact=obj.pk, review="all"), "Changes"),
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', rows)


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = (
        "fetched_at",
        "company",
        "source_link",
        "status",
        "http_status",
        "processor_count",
        "body_size",
    )
    list_select_related = ("source__company", "body")
    list_filter = ("status", "http_status", ("source__company", admin.RelatedOnlyFieldListFilter))
    search_fields = ("source__url", "final_url", "source__company__name", "body__sha256")
    date_hierarchy = "fetched_at"
    fields = (
        "source_link",
        "company",
        "fetched_at",
        "last_seen_at",
        "status",
        "status_reason",
        "http_status",
        "final_url_link",
        "content_type",
        "extractor_version",
        "body_link",
        "processors_table",
        "warnings_list",
        "related_links",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Snapshot]:
        return super().get_queryset(request).defer("body__compressed")

    def get_urls(self) -> list[URLPattern]:
        body = self.admin_site.admin_view(self.body_view)
        return [path("<int:pk>/body/", body, name="registry_snapshot_body"), *super().get_urls()]

    def body_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        snapshot = get_object_or_404(Snapshot.objects.select_related("body", "source"), pk=pk)
        if not self.has_view_permission(request, snapshot):
            raise PermissionDenied
        raw = zlib.decompress(bytes(snapshot.body.compressed))
        context = {
            **self.admin_site.each_context(request),
            "opts": Snapshot._meta,
            "snapshot": snapshot,
            "title": f"Stored body of {snapshot}",
            "text": raw[:BODY_DISPLAY_LIMIT].decode("utf-8", errors="replace"),
            "truncated": len(raw) > BODY_DISPLAY_LIMIT,
        }
        return TemplateResponse(request, "admin/registry/snapshot/body.html", context)

    @admin.display(description="Company", ordering="source__company__name")
    def company(self, obj: Snapshot) -> str:
        return link(obj.source.company)

    @admin.display(description="Source", ordering="source__url")
    def source_link(self, obj: Snapshot) -> str:
        return link(obj.source)

    @admin.display(description="Processors")
    def processor_count(self, obj: Snapshot) -> int:
        return len(obj.processors or ())

    @admin.display(description="Bytes", ordering="body__size")
    def body_size(self, obj: Snapshot) -> int:
        return obj.body.size

    @admin.display(description="Final URL")
    def final_url_link(self, obj: Snapshot) -> str:
        return external(obj.final_url)

    @admin.display(description="Stored body")
    def body_link(self, obj: Snapshot) -> str:
        url = reverse("admin:registry_snapshot_body", args=[obj.pk])
        return format_html(
            '<a href="{}">View the page as fetched</a> ({} bytes, sha256 {})',
            url,
            obj.body.size,
            obj.body.sha256[:16],
        )

    @admin.display(description="Extracted processors")
    def processors_table(self, obj: Snapshot) -> str:
        return processors_table(obj.processors or [])

    @admin.display(description="Warnings")
    def warnings_list(self, obj: Snapshot) -> str:
        items = [(str(warning),) for warning in obj.warnings or ()]
        return format_html_join("", "<li>{}</li>", items) if items else "-"

    @admin.display(description="Related")
    def related_links(self, obj: Snapshot) -> str:
        rows = [
            (changelist_url(Check, snapshot__id__exact=obj.pk), "Checks that stored it"),
            (
                changelist_url(Change, new_snapshot__id__exact=obj.pk, review="all"),
                "Changes it caused",
            ),
            (changelist_url(Snapshot, source__id__exact=obj.source_id), "Other snapshots"),
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', rows)


def processors_table(processors: list[dict[str, Any]]) -> str:
    """The extraction as an escaped HTML table (names come from the scraped page)."""
    if not processors:
        return "None found"
    rows = [
        (
            item.get("name", ""),
            item.get("vendor") or "-",
            item.get("purpose") or "-",
            ", ".join(str(code) for code in item.get("locations") or ()) or "-",
            item.get("website") or "-",
            item.get("found_in") or "-",
        )
        for item in processors
    ]
    body = format_html_join(
        "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows
    )
    return format_html(
        "<table><thead><tr><th>Name as written</th><th>Vendor</th><th>Purpose</th>"
        "<th>Locations</th><th>Website</th><th>Found in</th></tr></thead><tbody>{}</tbody></table>",
        body,
    )


@admin.register(Check)
class CheckAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "source_link",
        "outcome",
        "http_status",
        "error_kind",
        "duration_ms",
        "message_excerpt",
        "snapshot_link",
    )
    list_select_related = ("source",)
    list_filter = ("outcome", "error_kind", ("source__company", admin.RelatedOnlyFieldListFilter))
    search_fields = ("source__url", "message", "error_kind")
    date_hierarchy = "started_at"
    fields = (
        "source_link",
        "started_at",
        "duration_ms",
        "outcome",
        "http_status",
        "error_kind",
        "message",
        "snapshot_link",
        "changes_link",
    )
    readonly_fields = fields

    @admin.display(description="Source", ordering="source__url")
    def source_link(self, obj: Check) -> str:
        return link(obj.source)

    @admin.display(description="Message")
    def message_excerpt(self, obj: Check) -> str:
        return obj.message[:120] or "-"

    @admin.display(description="Snapshot")
    def snapshot_link(self, obj: Check) -> str:
        if obj.snapshot_id is None:
            return "-"
        url = reverse("admin:registry_snapshot_change", args=[obj.snapshot_id])
        return format_html('<a href="{}">Snapshot #{}</a>', url, obj.snapshot_id)

    @admin.display(description="Changes caused")
    def changes_link(self, obj: Check) -> str:
        if obj.snapshot_id is None:
            return "-"
        url = changelist_url(Change, new_snapshot__id__exact=obj.snapshot_id, review="all")
        return format_html('<a href="{}">Changes from this snapshot</a>', url)


@admin.register(SnapshotBody)
class SnapshotBodyAdmin(ReadOnlyAdmin):
    list_display = ("sha256", "size", "created_at")
    search_fields = ("sha256",)
    date_hierarchy = "created_at"
    fields = ("sha256", "size", "created_at", "snapshots_link")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[SnapshotBody]:
        return super().get_queryset(request).defer("compressed")

    @admin.display(description="Snapshots")
    def snapshots_link(self, obj: SnapshotBody) -> str:
        url = changelist_url(Snapshot, body__id__exact=obj.pk)
        return format_html('<a href="{}">Snapshots with this body</a>', url)
