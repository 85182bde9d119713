"""`manage.py extract INPUT... --json`: print the sub-processors each page names."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from registry.catalogue import load
from scraper.documents import parse
from scraper.extract import extract
from scraper.inputs import InputError, read_input


class Command(BaseCommand):
    help = "Extract the sub-processors named by files or URLs (one JSON object per input)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("inputs", nargs="+", metavar="INPUT", help="file path or http(s) URL")
        parser.add_argument("--json", action="store_true", help="one JSON object per line")
        parser.add_argument("--selector", default=None, help="CSS selector narrowing HTML pages")
        parser.add_argument("--self-name", action="append", default=[], help="the page's company")

    def handle(self, *args: Any, **options: Any) -> None:
        catalogue = load()
        failed = []
        for item in options["inputs"]:
            try:
                body, content_type = read_input(item)
            except InputError as exc:
                failed.append(item)
                self.stderr.write(f"extract: {exc}")
                continue
            document = parse(body, content_type=content_type)
            result = extract(
                document,
                catalogue=catalogue,
                selector=options["selector"],
                self_names=options["self_name"],
            )
            self._print(item, result, as_json=options["json"])
        sys.stdout.flush()
        if failed:
            raise CommandError(f"{len(failed)} input(s) could not be read: {', '.join(failed)}")

    def _print(self, item: str, result: Any, *, as_json: bool) -> None:
        processors = [p.to_dict() for p in result.processors]
        if as_json:
            line = {"input": item, "processors": processors, "warnings": list(result.warnings)}
            self.stdout.write(json.dumps(line, ensure_ascii=False))
            return
        self.stdout.write(f"{item}: {len(processors)} processor(s)")
        for p in result.processors:
            where = ", ".join(p.locations)
            self.stdout.write(f"  {p.vendor} ({p.name}) - {p.purpose[:60]} [{where}] {p.found_in}")
        for warning in result.warnings:
            self.stdout.write(f"  warning: {warning}")
