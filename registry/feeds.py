"""Atom and RSS feeds of a company's confirmed changes; links built from SITE_URL."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from registry.models import Change, Company

FEED_LENGTH = 50


class CompanyChangesFeed(Feed):
    feed_type = Atom1Feed
    author_name = "Subwatch"

    def get_object(self, request: HttpRequest, slug: str) -> Company:
        return get_object_or_404(Company, slug=slug)

    def title(self, company: Company) -> str:
        return f"{company.name}: sub-processor changes"

    def subtitle(self, company: Company) -> str:
        return f"Confirmed changes to the sub-processors of {company.name}."

    description = subtitle

    def link(self, company: Company) -> str:
        return settings.SITE_URL + reverse("company-changes", kwargs={"slug": company.slug})

    def feed_url(self, company: Company) -> str:
        return settings.SITE_URL + reverse("company-feed-atom", kwargs={"slug": company.slug})

    def feed_guid(self, company: Company) -> str:
        return self.feed_url(company)

    def items(self, company: Company) -> list[Change]:
        return list(
            Change.objects.select_related("vendor", "company")
            .filter(company=company, review=Change.Review.CONFIRMED)
            .order_by("-detected_at", "-id")[:FEED_LENGTH]
        )

    def item_title(self, change: Change) -> str:
        return change.describe()

    def item_description(self, change: Change) -> str:
        # The feed generator escapes this text; it is never rendered as a template.
        parts = [change.describe() + "."]
        if change.effective_date:
            parts.append(f"Effective {change.effective_date:%Y-%m-%d}.")
        if change.objection_deadline:
            parts.append(f"Objections until {change.objection_deadline:%Y-%m-%d}.")
        return " ".join(parts)

    def item_link(self, change: Change) -> str:
        changes = reverse("company-changes", kwargs={"slug": change.company.slug})
        return f"{settings.SITE_URL}{changes}#change-{change.pk}"

    def item_guid(self, change: Change) -> str:
        return self.item_link(change)

    def item_pubdate(self, change: Change) -> datetime:
        return change.detected_at

    def item_updateddate(self, change: Change) -> datetime:
        return change.reviewed_at or change.detected_at


class CompanyChangesRss(CompanyChangesFeed):
    feed_type = Rss201rev2Feed

    def feed_url(self, company: Company) -> str:
        return settings.SITE_URL + reverse("company-feed-rss", kwargs={"slug": company.slug})
