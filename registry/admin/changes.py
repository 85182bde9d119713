"""The review queue: flagged changes, pending first, confirmed or dismissed by the DPO."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from registry.admin.base import SubwatchAdmin
from registry.admin.links import before_after, external, link
from registry.models import Change

ALL = "all"


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
        "source_link",
        "evidence",
    )
    list_display_links = ("detected_at",)
    list_select_related = ("company", "vendor", "source")
    list_filter = (
        ReviewStateFilter,
        "kind",
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
        "review",
        "reviewed_at",
        "reviewed_by",
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

    @admin.action(description="Confirm selected changes", permissions=["change"])
    def confirm_selected(self, request: HttpRequest, queryset: QuerySet[Change]) -> None:
        apply_review(request, queryset, verb="confirmed", decide=review_module().confirm)

    @admin.action(description="Dismiss selected changes", permissions=["change"])
    def dismiss_selected(self, request: HttpRequest, queryset: QuerySet[Change]) -> None:
        apply_review(request, queryset, verb="dismissed", decide=review_module().dismiss)

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
        return format_html("{} ({})", link(obj.source, "source"), external(obj.source.url))

    @admin.display(description="Evidence")
    def evidence(self, obj: Change) -> str:
        parts = [
            (label, reverse("admin:registry_snapshot_change", args=[pk]))
            for label, pk in (("old", obj.old_snapshot_id), ("new", obj.new_snapshot_id))
            if pk is not None
        ]
        if not parts:
            return "-"
        links = [format_html('<a href="{}">{} snapshot</a>', url, label) for label, url in parts]
        return format_html(" · ".join(["{}"] * len(links)), *links)

    @admin.display(description="Company")
    def company_link(self, obj: Change) -> str:
        return link(obj.company)

    @admin.display(description="Vendor")
    def vendor_link(self, obj: Change) -> str:
        return link(obj.vendor)

    @admin.display(description="Engagement")
    def engagement_link(self, obj: Change) -> str:
        return link(obj.engagement)
