"""The review queue: flagged changes, pending first, confirmed or dismissed by the DPO."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html_join

from registry.admin.base import SubwatchAdmin
from registry.admin.links import before_after, link
from registry.evidence import snapshot_text, text_diff
from registry.models import Change

ALL = "all"
TITLES = {
    Change.Review.PENDING: "Review queue: changes pending review",
    Change.Review.CONFIRMED: "Confirmed changes",
    Change.Review.DISMISSED: "Dismissed changes",
    ALL: "All changes",
}


def evidence_diff(change: Change) -> list[tuple[str, str]]:
    """(css class, line) pairs of the unified diff between the change's two snapshots."""
    old, new = change.old_snapshot, change.new_snapshot
    if new is None:
        return []
    diff = text_diff(
        snapshot_text(old) if old else "",
        snapshot_text(new),
        old_label=f"before ({old.fetched_at:%Y-%m-%d %H:%M})" if old else "before (nothing)",
        new_label=f"after ({new.fetched_at:%Y-%m-%d %H:%M})",
    )
    kinds = {"+": "diff-added", "-": "diff-removed", "@": "diff-hunk"}
    return [
        ("diff-hunk" if line[:3] in ("---", "+++") else kinds.get(line[:1], "diff-same"), line)
        for line in diff
    ]


class ReviewStateFilter(admin.SimpleListFilter):
    """Review state, defaulting to pending so the changelist opens as the review queue."""

    title = "review state"
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [*Change.Review.choices, (ALL, "All")]

    def value(self) -> str:
        return super().value() or Change.Review.PENDING

    def queryset(self, request: HttpRequest, queryset: QuerySet[Change]) -> QuerySet[Change]:
        if self.value() == ALL:
            return queryset
        return queryset.filter(review=self.value())

    def choices(self, changelist: ChangeList) -> Iterator[dict[str, Any]]:
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


def review_module() -> Any:
    """registry.review, imported at call time so the admin loads while it is being written."""
    return importlib.import_module("registry.review")


def apply_review(
    request: HttpRequest, changes: Iterable[Change], *, verb: str, decide: Callable[..., Any]
) -> None:
    """Run decide(change, by=user) on each pending change and say how many were done/skipped."""
    done, skipped = 0, 0
    for change in changes:
        if change.review != Change.Review.PENDING:
            skipped += 1
            continue
        decide(change, by=request.user)
        done += 1
    text = f"{done} change(s) {verb}."
    if skipped:
        text += f" {skipped} skipped (already reviewed)."
    messages.success(request, text)


@admin.register(Change)
class ChangeAdmin(SubwatchAdmin):
    list_display = (
        "detected_at",
        "company",
        "vendor",
        "kind",
        "what_changed",
        "review",
        "flapping",
        "source_link",
        "evidence",
    )
    list_display_links = ("detected_at",)
    list_select_related = ("company", "vendor", "source")
    list_filter = (
        ReviewStateFilter,
        "kind",
        "flapping",
        ("company", admin.RelatedOnlyFieldListFilter),
        ("vendor", admin.RelatedOnlyFieldListFilter),
        "notified_at",
    )
    search_fields = ("company__name", "vendor__name", "review_note", "source__url")
    date_hierarchy = "detected_at"
    actions = ("confirm_selected", "dismiss_selected")
    autocomplete_fields = ("company", "vendor")
    change_form_template = "admin/registry/change/change_form.html"
    fields = (
        "company_link",
        "vendor_link",
        "kind",
        "what_changed",
        "detected_at",
        "source_link",
        "evidence",
        "engagement_link",
        "flapping",
        "review",
        "reviewed_at",
        "reviewed_by",
        "reverted_at",
        "effective_date",
        "objection_deadline",
        "notified_at",
        "review_note",
    )
    readonly_fields = tuple(
        name for name in fields if name not in ("effective_date", "review_note")
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        evidence = self.admin_site.admin_view(self.evidence_view)
        route = path("<int:pk>/evidence/", evidence, name="registry_change_evidence")
        return [route, *super().get_urls()]

    def evidence_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The page text before and after, as an escaped line diff."""
        related = ("company", "vendor", "old_snapshot__body", "new_snapshot__body")
        change = get_object_or_404(Change.objects.select_related(*related), pk=pk)
        if not self.has_view_permission(request, change):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": Change._meta,
            "change": change,
            "title": f"Evidence: {change.describe()}",
            "diff": evidence_diff(change),
        }
        return TemplateResponse(request, "admin/registry/change/evidence.html", context)

    @admin.action(description="Confirm selected changes", permissions=["change"])
    def confirm_selected(self, request: HttpRequest, queryset: QuerySet[Change]) -> None:
        apply_review(request, queryset, verb="confirmed", decide=review_module().confirm)

    @admin.action(description="Dismiss selected changes", permissions=["change"])
    def dismiss_selected(self, request: HttpRequest, queryset: QuerySet[Change]) -> None:
        apply_review(request, queryset, verb="dismissed", decide=review_module().dismiss)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        state = request.GET.get(ReviewStateFilter.parameter_name, Change.Review.PENDING)
        title = TITLES.get(state, "Changes")
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def response_change(self, request: HttpRequest, obj: Change) -> HttpResponse:
        decisions = {"_confirm": ("confirmed", "confirm"), "_dismiss": ("dismissed", "dismiss")}
        for button, (verb, function) in decisions.items():
            if button in request.POST:
                decide = getattr(review_module(), function)
                apply_review(request, [obj], verb=verb, decide=decide)
                return HttpResponseRedirect(reverse("admin:registry_change_changelist"))
        return super().response_change(request, obj)

    @admin.display(description="What changed")
    def what_changed(self, obj: Change) -> str:
        return before_after(obj.before or {}, obj.after or {}, obj.fields_changed or ())

    @admin.display(description="Source", ordering="source__url")
    def source_link(self, obj: Change) -> str:
        if obj.source is None:
            return "-"
        return link(obj.source, urlsplit(obj.source.url).netloc or obj.source.url)

    @admin.display(description="Evidence")
    def evidence(self, obj: Change) -> str:
        parts = [
            (reverse("admin:registry_snapshot_change", args=[pk]), f"{label} snapshot")
            for label, pk in (("old", obj.old_snapshot_id), ("new", obj.new_snapshot_id))
            if pk is not None
        ]
        if not parts:
            return "-"
        parts.append((reverse("admin:registry_change_evidence", args=[obj.pk]), "page diff"))
        return format_html_join(" · ", '<a href="{}">{}</a>', parts)

    @admin.display(description="Company")
    def company_link(self, obj: Change) -> str:
        return link(obj.company)

    @admin.display(description="Vendor")
    def vendor_link(self, obj: Change) -> str:
        return link(obj.vendor)

    @admin.display(description="Engagement")
    def engagement_link(self, obj: Change) -> str:
        return link(obj.engagement)
