"""Mail in the admin: the alert outbox (read-only, retryable) and subscriptions."""

from __future__ import annotations

import importlib

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from registry.admin.base import ReadOnlyAdmin, SubwatchAdmin
from registry.admin.links import link
from registry.models import Alert, Subscription


def retry_failed(alerts: QuerySet[Alert], *, now: object) -> int:
    """Put failed alerts back in the queue, due now, with a fresh attempt budget."""
    return alerts.filter(status=Alert.Status.FAILED).update(
        status=Alert.Status.PENDING, attempts=0, next_attempt_at=now, claimed_until=None
    )


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "kind",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "change_link",
        "error_excerpt",
    )
    list_select_related = ("change__company", "change__vendor")
    list_filter = ("status", "kind", "sent_at")
    search_fields = ("recipient", "dedupe_key", "last_error", "message_id")
    date_hierarchy = "created_at"
    actions = ("retry_now",)
    fields = (
        "kind",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_until",
        "sent_at",
        "message_id",
        "last_error",
        "dedupe_key",
        "change_link",
        "source_link",
        "subscription_link",
        "created_at",
    )
    readonly_fields = fields

    @admin.action(description="Retry now (failed alerts)", permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        now = timezone.now()
        count = retry_failed(queryset, now=now)
        skipped = queryset.count() - count
        text = f"{count} failed alert(s) queued again."
        if skipped:
            text += f" {skipped} skipped (not failed)."
        sender = getattr(_alerts(), "send_pending", None)
        if count and sender is not None:
            report = sender(now=now)
            text += f" Sending run: {report}."
        messages.success(request, text)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("registry.change_alert")

    @admin.display(description="Change")
    def change_link(self, obj: Alert) -> str:
        return link(obj.change)

    @admin.display(description="Source")
    def source_link(self, obj: Alert) -> str:
        return link(obj.source)

    @admin.display(description="Subscription")
    def subscription_link(self, obj: Alert) -> str:
        return link(obj.subscription)

    @admin.display(description="Last error")
    def error_excerpt(self, obj: Alert) -> str:
        return obj.last_error[:120] or "-"


def _alerts() -> object | None:
    try:
        return importlib.import_module("registry.alerts")
    except ModuleNotFoundError:
        return None


@admin.register(Subscription)
class SubscriptionAdmin(SubwatchAdmin):
    list_display = ("email", "company", "status", "frequency", "created_at", "confirmed_at")
    list_select_related = ("company",)
    list_filter = ("status", "frequency", ("company", admin.RelatedOnlyFieldListFilter))
    search_fields = ("email", "company__name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("company",)
    readonly_fields = (
        "token_version",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
        "last_digest_at",
    )
