"""track URL --company NAME: start watching a page for a company (created when new)."""

from __future__ import annotations

import importlib
import importlib.util
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.text import slugify

from registry.models import Company, Source


class Command(BaseCommand):
    help = "Watch URL for a company's sub-processor list (the company is created if needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url")
        parser.add_argument("--company", required=True, help="Company name (created if new).")
        parser.add_argument("--selector", default="", help="CSS selector narrowing the page.")
        parser.add_argument("--interval", type=int, help="Minutes between checks.")

    def handle(self, *args: Any, **options: Any) -> None:
        url = _validated(options["url"].strip())
        name = options["company"].strip()
        if not name or not slugify(name):
            raise CommandError("--company needs a name with at least one letter or digit.")
        interval = options["interval"]
        if interval is not None and interval < 1:
            raise CommandError("--interval is in minutes and must be at least 1.")
        with transaction.atomic():
            company, created = _company(name)
            if Source.objects.filter(company=company, url=url).exists():
                raise CommandError(f"{company} already tracks {url}.")
            source = Source(company=company, url=url, selector=options["selector"].strip())
            if interval is not None:
                source.check_interval = timedelta(minutes=interval)
            source.save()
        made = "new company " if created else ""
        self.stdout.write(f"Tracking {url} for {made}{company} (source {source.pk}).")


def _validated(url: str) -> str:
    """The validators module when present (save-time rules), else the fetcher's own guard."""
    try:
        if importlib.util.find_spec("registry.validators") is not None:
            validators = importlib.import_module("registry.validators")
            result = validators.validate_source_url(url)
            return result if isinstance(result, str) and result else url
        import netguard

        return netguard.validate_url(url)
    except ValidationError as error:
        raise CommandError(f"Cannot track {url}: {' '.join(error.messages)}") from error
    except Exception as error:
        if type(error).__name__ in {"InvalidURL", "BlockedAddress"} or hasattr(error, "kind"):
            raise CommandError(f"Cannot track {url}: {error}") from error
        raise


def _company(name: str) -> tuple[Company, bool]:
    existing = Company.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing, False
    base = slugify(name)[:190]
    slug, n = base, 1
    while Company.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return Company.objects.create(name=name, slug=slug), True
