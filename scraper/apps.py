"""The scraper app: fetch, snapshot, extract, diff and record."""

from __future__ import annotations

from django.apps import AppConfig


class ScraperConfig(AppConfig):
    name = "scraper"
    verbose_name = "Scraper"
