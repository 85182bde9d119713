"""The `manage.py extract` and `manage.py evaluate` command-line contracts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fixtures" / "pages" / "seeds"
PAGE = b"<h2>Sub-processors</h2><ul><li><b>Stripe</b>: payments</li></ul>"


def run_extract(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run the command as evaluate.sh does: a fresh process and an empty, unmigrated database."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    return subprocess.run(
        [sys.executable, "manage.py", "extract", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_extract_prints_one_json_line_per_input_on_an_unmigrated_database(
    tmp_path: Path,
) -> None:
    page = tmp_path / "vendors.html"
    page.write_bytes(PAGE)
    done = run_extract(
        str(page), str(SEEDS / "004_75376a1d54c4a577.txt"), "--json", tmp_path=tmp_path
    )
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["input"] == str(page)
    assert first["processors"] == [
        {
            "name": "Stripe",
            "vendor": "Stripe",
            "purpose": "payments",
            "locations": [],
            "website": "",
            "found_in": "list under 'Sub-processors', item 1",
        }
    ]
    assert [p["vendor"] for p in second["processors"]] == ["Stripe", "Google Analytics"]


def test_a_page_without_processors_exits_zero_with_a_warning(tmp_path: Path) -> None:
    page = tmp_path / "terms.md"
    page.write_text("# Terms\n\nBe nice.\n")
    done = run_extract(str(page), "--json", tmp_path=tmp_path)
    assert done.returncode == 0
    assert json.loads(done.stdout)["warnings"] == ["no sub-processors found on this page"]


def test_an_unreadable_input_fails_clearly_but_the_others_are_still_printed(
    tmp_path: Path,
) -> None:
    page = tmp_path / "vendors.html"
    page.write_bytes(PAGE)
    missing = tmp_path / "missing.html"
    done = run_extract(str(missing), str(page), "--json", tmp_path=tmp_path)
    assert done.returncode != 0
    assert f"{missing}: no such file" in done.stderr
    assert [json.loads(line)["input"] for line in done.stdout.splitlines()] == [str(page)]


@pytest.mark.django_db
def test_extract_reads_a_url_through_the_fetcher(page_server: Any) -> None:
    page_server.set("/subprocessors", PAGE, headers={"Content-Type": "text/html"})
    out = StringIO()
    call_command("extract", page_server.url("/subprocessors"), "--json", stdout=out)
    assert [p["vendor"] for p in json.loads(out.getvalue())["processors"]] == ["Stripe"]


def test_evaluate_prints_misses_extras_precision_and_recall(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("## Vendors\n\n- **Stripe**: pay\n- **Zebra Widgets Ltd**: x\n")
    labels = {"documents": {"a.md": {"required": [{"name": "Stripe"}, {"name": "Mailgun"}]}}}
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    out = StringIO()
    call_command("evaluate", str(tmp_path / "labels.json"), str(tmp_path), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "a.md: missed ['Mailgun'] extra ['Zebra Widgets Ltd']"
    assert lines[1].endswith("tp=1 fp=1 fn=1 precision=0.500 recall=0.500")


def test_evaluate_rejects_a_file_that_is_not_labels(tmp_path: Path) -> None:
    (tmp_path / "labels.json").write_text("[]")
    with pytest.raises(CommandError, match="not a labels file"):
        call_command("evaluate", str(tmp_path / "labels.json"), str(tmp_path))
