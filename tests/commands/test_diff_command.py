"""`manage.py diff OLD NEW --json`: the command-line contract evaluate.sh relies on."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parent.parent.parent

ROWS = {
    "aws": "| Amazon Web Services, Inc. | Cloud hosting | United States |",
    "stripe": "| Stripe, Inc. | Payment processing | United States |",
    "mailgun": "| Mailgun Technologies, Inc. | Email delivery | United States |",
    "zendesk": "| Zendesk, Inc. | Customer support | United States |",
    "sentry": "| Functional Software, Inc. (Sentry) | Error monitoring | United States |",
}


def page(*rows: str, updated: str = "1 March 2024") -> str:
    lines = [ROWS[r] for r in rows]
    return (
        f"# Sub-processors\n\n_Updated: {updated}_\n\nWe use these sub-processors.\n\n"
        "| Sub-processor | Purpose | Location |\n| --- | --- | --- |\n" + "\n".join(lines) + "\n"
    )


def run(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("diff", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def write(tmp_path: Path, name: str, text: str) -> str:
    target = tmp_path / name
    target.write_text(text, encoding="utf-8")
    return str(target)


def test_it_prints_added_removed_changed_and_warnings(tmp_path: Path) -> None:
    old = write(tmp_path, "old.md", page("aws", "stripe", "mailgun", "zendesk"))
    new = write(tmp_path, "new.md", page("aws", "stripe", "zendesk", "sentry"))
    report = run(old, new)
    assert {"added", "removed", "changed", "warnings"} <= report.keys()
    assert [x["vendor"] for x in report["added"]] == ["Sentry"]
    assert [x["name"] for x in report["removed"]] == ["Mailgun Technologies, Inc."]
    assert report["changed"] == []


def test_added_items_are_shaped_like_extracted_processors(tmp_path: Path) -> None:
    old = write(tmp_path, "old.md", page("aws", "stripe", "zendesk"))
    new = write(tmp_path, "new.md", page("aws", "stripe", "zendesk", "mailgun"))
    (added,) = run(old, new)["added"]
    assert set(added) == {"name", "vendor", "purpose", "locations", "website", "found_in"}
    assert added["locations"] == ["US"]


def test_a_changed_item_carries_the_before_processor_and_the_changed_fields(
    tmp_path: Path,
) -> None:
    old = write(tmp_path, "old.md", page("aws", "stripe", "zendesk"))
    moved = page("aws", "stripe", "zendesk").replace(
        "Payment processing | United States", "Payment processing | United States, Ireland"
    )
    (changed,) = run(old, write(tmp_path, "new.md", moved))["changed"]
    assert changed["fields"] == ["locations"]
    assert changed["before"]["locations"] == ["US"]
    assert sorted(changed["locations"]) == ["IE", "US"]


def test_a_new_date_and_reordered_rows_report_nothing(tmp_path: Path) -> None:
    old = write(tmp_path, "old.md", page("aws", "stripe", "mailgun", "zendesk"))
    new = write(tmp_path, "new.md", page("zendesk", "mailgun", "aws", "stripe", updated="2 May"))
    report = run(old, new)
    assert (report["added"], report["removed"], report["changed"]) == ([], [], [])


def test_an_error_page_as_new_reports_nothing_removed_and_says_why(tmp_path: Path) -> None:
    old = write(tmp_path, "old.md", page("aws", "stripe", "mailgun", "zendesk"))
    challenge = "<html><head><title>Just a moment...</title></head><body></body></html>"
    report = run(old, write(tmp_path, "new.html", challenge))
    assert (report["added"], report["removed"]) == ([], [])
    assert any("bot check" in w for w in report["warnings"])


def test_a_collapsed_list_reports_nothing_removed_and_says_why(tmp_path: Path) -> None:
    old = write(tmp_path, "old.md", page("aws", "stripe", "mailgun", "zendesk"))
    gone = "# Sub-processors\n\nOur list moved to the trust center.\n"
    report = run(old, write(tmp_path, "new.md", gone))
    assert report["removed"] == []
    assert any("found 0 of 4" in w.lower() for w in report["warnings"])


def test_an_error_page_as_old_reports_nothing_added(tmp_path: Path) -> None:
    challenge = "<html><head><title>Just a moment...</title></head><body></body></html>"
    new = write(tmp_path, "new.md", page("aws", "stripe", "mailgun", "zendesk"))
    report = run(write(tmp_path, "old.html", challenge), new)
    assert (report["added"], report["removed"]) == ([], [])
    assert any(w.startswith("OLD is not usable") for w in report["warnings"])


def test_it_reads_urls_through_the_fetcher(tmp_path: Path, page_server: Any) -> None:
    page_server.set("/old", page("aws", "stripe"), headers={"Content-Type": "text/markdown"})
    page_server.set("/new", page("aws", "stripe", "zendesk"))
    report = run(page_server.url("/old"), page_server.url("/new"))
    assert [x["vendor"] for x in report["added"]] == ["Zendesk"]


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    new = write(tmp_path, "new.md", page("aws"))
    with pytest.raises(CommandError, match=r"no-such\.md: no such file"):
        run(str(tmp_path / "no-such.md"), new)


def test_a_url_that_cannot_be_fetched_is_a_clear_error(tmp_path: Path, page_server: Any) -> None:
    page_server.set("/gone", "gone", status=410)
    old = write(tmp_path, "old.md", page("aws"))
    with pytest.raises(CommandError, match="/gone"):
        run(old, page_server.url("/gone"))


def test_the_command_exits_non_zero_for_an_unreadable_input(tmp_path: Path) -> None:
    new = write(tmp_path, "new.md", page("aws"))
    done = subprocess.run(
        [sys.executable, "manage.py", "diff", str(tmp_path / "missing.md"), new, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "missing.md: no such file" in done.stderr
    assert done.stdout == ""


def test_without_json_it_prints_one_line_per_change(tmp_path: Path) -> None:
    old = write(tmp_path, "old.md", page("aws", "stripe"))
    new = write(tmp_path, "new.md", page("aws", "zendesk"))
    out = io.StringIO()
    call_command("diff", old, new, stdout=out)
    assert out.getvalue().splitlines() == [
        "+ Zendesk (Zendesk, Inc.)",
        "- Stripe (Stripe, Inc.)",
    ]


def test_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    new = write(tmp_path, "new.md", page("aws"))
    with pytest.raises(CommandError, match="not a regular file"):
        run(str(tmp_path), new)


def test_a_file_over_the_size_cap_is_refused_naming_the_cap(tmp_path: Path, settings: Any) -> None:
    settings.SCRAPER_MAX_BYTES = 1000
    old = write(tmp_path, "old.md", page("aws") + " " * 2000)
    with pytest.raises(CommandError, match="SCRAPER_MAX_BYTES"):
        run(old, write(tmp_path, "new.md", page("aws")))
