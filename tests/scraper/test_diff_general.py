"""The diff on new before/after pairs, modelled on how companies edit sub-processor pages.

Each pair goes through what `manage.py diff OLD NEW --json` runs (read_input -> parse ->
extract -> judge -> diff) and must report exactly the vendors a careful DPO comparing the two
versions by hand would: cosmetic edits report nothing, a real change hidden in a redesign is
reported alone, and an after page that is not the policy (maintenance, 404, cookie wall,
half-loaded, cut short) reports nothing and says why.
"""

from __future__ import annotations

import json
import re
import unicodedata
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

PAIRS = Path(__file__).parent / "pairs_general"
LABELS: list[dict[str, Any]] = json.loads((PAIRS / "pairs.json").read_text())["pairs"]

# Name matching mirrors the pair scorer: legal forms dropped, then equal keys, or one name's
# words containing the other's when they share a word that is not generic.
_SUFFIX_WORDS = """inc incorporated llc ltd limited gmbh ag sa sas sarl bv nv plc corp corporation
co company sro s r o oy ab as aps pty pte kk spa srl lp llp the se kft zoo sp ou pbc"""
_GENERIC_WORDS = """technologies technology software services service systems group holdings
international global cloud web data labs by and of"""
SUFFIXES = frozenset(_SUFFIX_WORDS.split())
GENERIC = frozenset(_GENERIC_WORDS.split())

# Pairs the extractor is known to read wrongly: {pair id: why, and the general fix}.
EXTRACTOR_GAPS: dict[str, str] = {
    "G28": "documents/html keeps a <sup> footnote marker in the cell text, so 'Sentry<sup>1</sup>' "
    "is read as the name 'Sentry 1', which the catalogue does not resolve; renumbered markers "
    "then make 'Sentry 1' and 'Sentry 2' different vendors (the diff cannot strip a bare trailing "
    "number: 'Datacenter Provider 1' and '2' are different vendors). Fix: drop a <sup>/<a "
    "href='#fn..'> holding only a 1-2 digit number, '*' or a dagger from name text, or retry the "
    "catalogue without a trailing 1-2 digit number when the full name does not resolve",
    "G36": "two readings of the German page are wrong: extract/tables takes the <thead> row "
    "'Unterauftragsverarbeiter | Zweck | Standort' for data (header words are English only), "
    "so 'Unterauftragsverarbeiter' is reported added; and registry.purposes knows English "
    "only, so 'Zahlungsabwicklung' and 'Kundensupport' map to no slug while 'Payment "
    "processing' and 'Customer support' do, and the purposes are compared as changed. Fix: "
    "never read a <th>-only row as data, and add German/French purpose words to the vocabulary",
    "G39": "documents/text reads un-bulleted 'Name - Purpose - Location' lines as paragraphs, "
    "and neither lists (bullets only) nor prose (needs a processing verb) reads them, so both "
    "versions give no processor and the added OpenAI line is never seen; the same lines with "
    "'- ' bullets are read. Fix: a run of 3+ consecutive lines of one 'X - Y - Z' shape after "
    "a sub-processor heading or intro is a list",
}


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace(".com", " ").replace(".io", " ")
    return [t for t in re.split(r"[^a-z0-9]+", text) if t and t not in SUFFIXES]


def matches(item: dict[str, Any], label: str) -> bool:
    wanted = " ".join(words(label))
    wanted_words = set(wanted.split())
    for written in (item["name"], item["vendor"]):
        got = " ".join(words(written))
        if got == wanted:
            return True
        got_words = set(got.split())
        shared = got_words & wanted_words
        if shared - GENERIC and (got_words <= wanted_words or wanted_words <= got_words):
            return True
    return False


def unmatched(reported: list[dict[str, Any]], expected: list[str]) -> tuple[list, list]:
    """Return (expected names nobody reported, reported names nobody expected), each used once."""
    left = list(reported)
    missed = []
    for label in expected:
        hit = next((item for item in left if matches(item, label)), None)
        if hit is None:
            missed.append(label)
        else:
            left.remove(hit)
    return missed, [item["name"] for item in left]


def run_diff(pair: dict[str, Any]) -> dict[str, Any]:
    out = StringIO()
    before, after = PAIRS / pair["before"]["file"], PAIRS / pair["after"]["file"]
    call_command("diff", str(before), str(after), "--json", stdout=out)
    return json.loads(out.getvalue())


def pair_cases() -> list[object]:
    return [
        pytest.param(
            pair,
            id=f"{pair['id']}-{pair['slug']}",
            marks=[pytest.mark.xfail(reason=EXTRACTOR_GAPS[pair["id"]], strict=True)]
            if pair["id"] in EXTRACTOR_GAPS
            else [],
        )
        for pair in LABELS
    ]


@pytest.mark.parametrize("pair", pair_cases())
def test_each_pair_reports_exactly_what_a_dpo_would(pair: dict[str, Any]) -> None:
    report = run_diff(pair)

    found = {
        "added": unmatched(report["added"], pair["expected_added"]),
        "removed": unmatched(report["removed"], pair["expected_removed"]),
    }
    if "expected_changed" in pair:
        wanted = {c["name"]: sorted(c["fields"]) for c in pair["expected_changed"]}
        got = {c["name"]: sorted(c["fields"]) for c in report["changed"]}
        missed, extra = unmatched(report["changed"], list(wanted))
        found["changed"] = (missed, extra)
        for name, fields in wanted.items():
            item = next((c for c in report["changed"] if matches(c, name)), None)
            if item is not None and sorted(item["fields"]) != fields:
                found["changed"] = ([f"{name}: {fields}"], [f"{item['name']}: {got[item['name']]}"])
    assert found == {kind: ([], []) for kind in found}


@pytest.mark.parametrize(
    "pair", [p for p in LABELS if p["category"] == "special_error_page"], ids=lambda p: p["id"]
)
def test_a_page_that_is_not_the_policy_is_held_and_the_dpo_told_why(pair: dict[str, Any]) -> None:
    report = run_diff(pair)

    assert report["guard"]["ok"] is False
    assert report["guard"]["kind"] == pair["expected_guard"]
    assert report["warnings"][0].startswith(report["guard"]["reason"])


def test_every_pair_has_both_files_and_a_label() -> None:
    on_disk = {d.name for d in PAIRS.iterdir() if d.is_dir()}
    labelled = {Path(p["before"]["file"]).parent.name for p in LABELS}
    files = [PAIRS / p[side]["file"] for p in LABELS for side in ("before", "after")]

    assert on_disk == labelled
    assert all(f.is_file() for f in files)
