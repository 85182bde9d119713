"""Build each outbox row's message: multipart text + HTML from templates/emails/."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from registry import subscriptions
from registry.alerts import links
from registry.alerts.headers import header_safe, new_message_id
from registry.models import Alert, Change, Subscription

# Rendered once per batch for a change, then this marker is swapped for each subscriber's link.
UNSUBSCRIBE_MARKER = "https://subwatch.invalid/unsubscribe-marker"
SCRAPED_LIMIT = 300


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(name: str, context: dict[str, Any]) -> Rendered:
    subject = render_to_string(f"emails/{name}_subject.txt", context)
    return Rendered(
        subject=header_safe(subject),
        text=render_to_string(f"emails/{name}_body.txt", context),
        html=render_to_string(f"emails/{name}_body.html", context),
    )


def describe_change(change: Change) -> dict[str, Any]:
    """The facts a reader needs about one change, in plain values for templates.

    Scraped text is cleaned like a header (no control or bidi characters) and
    capped, so a hostile page can neither disguise nor bloat the mail.
    """
    current = change.current
    before = change.before or {}
    return {
        "change": change,
        "company": change.company,
        "vendor": _scraped(change.vendor.name),
        "name_as_written": _scraped(current.get("name") or change.vendor.name),
        "kind": change.kind,
        "kind_label": change.get_kind_display().lower(),
        "purpose": _scraped(current.get("purpose", "")),
        "locations": _scraped(", ".join(current.get("locations") or ())),
        "before_purpose": _scraped(before.get("purpose", "")),
        "before_locations": _scraped(", ".join(before.get("locations") or ())),
        "fields_changed": ", ".join(change.fields_changed or ()),
        "effective_date": change.effective_date,
        "objection_deadline": change.objection_deadline,
        "company_url": links.company_url(change.company),
        "evidence_url": links.evidence_url(change),
    }


def _scraped(value: object) -> str:
    return header_safe(str(value or ""), limit=SCRAPED_LIMIT)


def _context(alert: Alert) -> tuple[str, dict[str, Any]]:
    kind = alert.kind
    if kind == Alert.Kind.CHANGE:
        return "change", {"item": describe_change(alert.change)}
    if kind in (Alert.Kind.DIGEST, Alert.Kind.DETECTED):
        changes = [describe_change(c) for c in _changes_of(alert)]
        company = alert.subscription.company if alert.subscription_id else None
        return str(kind), {
            "changes": changes,
            "company": company,
            "admin_url": links.admin_changes_url(),
        }
    if kind == Alert.Kind.CONFIRM_SUBSCRIPTION:
        return "confirm", {
            "subscription": alert.subscription,
            "company": alert.subscription.company,
            "confirm_url": subscriptions.confirm_url(alert.subscription),
            "max_age_days": settings.SUBSCRIPTION_TOKEN_MAX_AGE_DAYS,
        }
    source = alert.source
    return str(kind), {
        "source": source,
        "company": source.company,
        "admin_url": links.admin_source_url(source.pk),
    }


def _changes_of(alert: Alert) -> list[Change]:
    return list(
        alert.changes.select_related("company", "vendor").order_by(
            "reviewed_at", "detected_at", "id"
        )
    )


def _cache_key(alert: Alert) -> tuple[str, int] | None:
    # Change alerts differ between subscribers only by the unsubscribe link.
    return ("change", alert.change_id) if alert.kind == Alert.Kind.CHANGE else None


def build(alert: Alert, *, cache: dict[Any, Rendered] | None = None) -> EmailMultiAlternatives:
    """The message for one outbox row; subscriber mail carries RFC 8058 one-click unsubscribe."""
    key = _cache_key(alert)
    rendered = cache.get(key) if cache is not None and key else None
    if rendered is None:
        name, context = _context(alert)
        context["unsubscribe_url"] = UNSUBSCRIBE_MARKER
        rendered = render(name, context)
        if cache is not None and key:
            cache[key] = rendered
    headers = {
        "Message-ID": alert.message_id or new_message_id(),
        "Auto-Submitted": "auto-generated",
    }
    text, html = rendered.text, rendered.html
    if _is_subscriber_mail(alert):
        url = subscriptions.unsubscribe_url(alert.subscription)
        text, html = text.replace(UNSUBSCRIBE_MARKER, url), html.replace(UNSUBSCRIBE_MARKER, url)
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[alert.recipient],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def _is_subscriber_mail(alert: Alert) -> bool:
    return alert.subscription_id is not None and alert.kind != Alert.Kind.CONFIRM_SUBSCRIPTION


def is_deliverable(alert: Alert) -> bool:
    """False when the subscriber left (or confirmed already) after the row was queued."""
    if alert.subscription_id is None:
        return True
    status = alert.subscription.status
    if alert.kind == Alert.Kind.CONFIRM_SUBSCRIPTION:
        return status == Subscription.Status.PENDING
    return status == Subscription.Status.ACTIVE
