"""Absolute links for emails, always built from settings.SITE_URL, never from a request."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from registry.models import Change, Company


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def url_for(name: str, *, fallback: str, kwargs: dict[str, Any] | None = None) -> str:
    # The public pages are wired by another module; a missing name must not stop a mail.
    try:
        return absolute(reverse(name, kwargs=kwargs))
    except NoReverseMatch:
        return absolute(fallback)


def company_url(company: Company) -> str:
    return url_for("company", kwargs={"slug": company.slug}, fallback=f"/c/{company.slug}/")


def changes_url(company: Company) -> str:
    return url_for(
        "company-changes", kwargs={"slug": company.slug}, fallback=f"/c/{company.slug}/changes/"
    )


def evidence_url(change: Change) -> str:
    snapshot_id = change.new_snapshot_id or change.old_snapshot_id
    if snapshot_id is None:
        return changes_url(change.company)
    try:
        return absolute(reverse("snapshot", kwargs={"pk": snapshot_id}))
    except NoReverseMatch:
        return changes_url(change.company)


def admin_changes_url() -> str:
    return url_for("admin:registry_change_changelist", fallback="/admin/registry/change/")


def admin_source_url(source_id: int) -> str:
    return url_for(
        "admin:registry_source_change",
        kwargs={"object_id": source_id},
        fallback=f"/admin/registry/source/{source_id}/change/",
    )
