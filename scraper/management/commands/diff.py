"""`manage.py diff OLD NEW --json`: what a check would report between two versions of a page."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from registry.catalogue import load
from scraper.diff import Diff, diff
from scraper.documents import parse
from scraper.extract import Extraction, extract
from scraper.inputs import InputError, read_input
from scraper.sanity import Verdict, guarded_diff, looks_like_error_page


class Command(BaseCommand):
    help = "Compare the sub-processors two versions of a page name (files or URLs)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("old", metavar="OLD", help="file path or http(s) URL")
        parser.add_argument("new", metavar="NEW", help="file path or http(s) URL")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--selector", default=None, help="CSS selector narrowing HTML pages")
        parser.add_argument("--self-name", action="append", default=[], help="the page's company")

    def handle(self, *args: Any, **options: Any) -> None:
        old_body, old = self._read(options["old"], options)
        new_body, new = self._read(options["new"], options)
        report = compare_versions(old_body, old, new_body, new)
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        else:
            self.stdout.write("\n".join(_lines(report)))

    def _read(self, item: str, options: dict[str, Any]) -> tuple[bytes, Any]:
        try:
            body, content_type = read_input(item)
        except InputError as exc:
            raise CommandError(f"diff: {exc}") from exc
        document = parse(body, content_type=content_type)
        found = extract(
            document,
            catalogue=load(),
            selector=options["selector"],
            self_names=options["self_name"],
        )
        return body, (document, found)


def compare_versions(
    old_body: bytes, old: tuple[Any, Extraction], new_body: bytes, new: tuple[Any, Extraction]
) -> dict[str, Any]:
    """Return the command's report: the guarded diff plus every warning, as JSON-ready data."""
    (old_doc, old_found), (new_doc, new_found) = old, new
    warnings = []
    if reason := looks_like_error_page(old_doc, body=old_body):
        result, verdict = Diff(), Verdict(False, "error_page", f"OLD is not usable: {reason}")
    else:
        result, verdict = guarded_diff(
            old_found.processors, new_found, document=new_doc, body=new_body
        )
    if not verdict.ok:
        warnings.append(
            f"{verdict.reason} {_held(diff(old_found.processors, new_found.processors))}"
        )
    warnings += [f"OLD: {w}" for w in old_found.warnings]
    warnings += [f"NEW: {w}" for w in new_found.warnings]
    return {
        "added": [p.to_dict() for p in result.added],
        "removed": [p.to_dict() for p in result.removed],
        "changed": [
            {**c.after.to_dict(), "before": c.before.to_dict(), "fields": list(c.fields)}
            for c in result.changed
        ],
        "warnings": warnings,
        "guard": {"ok": verdict.ok, "kind": verdict.kind, "reason": verdict.reason},
    }


def _held(result: Diff) -> str:
    counts = (
        f"{len(result.added)} added, {len(result.removed)} removed, {len(result.changed)} changed"
    )
    return f"Nothing is reported (held: {counts})."


def _lines(report: dict[str, Any]) -> list[str]:
    lines = [f"+ {p['vendor']} ({p['name']})" for p in report["added"]]
    lines += [f"- {p['vendor']} ({p['name']})" for p in report["removed"]]
    for c in report["changed"]:
        lines.append(f"~ {c['vendor']}: {', '.join(c['fields'])} changed")
        for field in c["fields"]:
            lines.append(f"    {field}: {c['before'][field]!r} -> {c[field]!r}")
    lines += [f"warning: {w}" for w in report["warnings"]]
    return lines or ["no change"]
