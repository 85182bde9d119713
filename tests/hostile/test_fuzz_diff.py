"""Properties of diff and of the reading path, checked on generated inputs (hypothesis).

diff(a, a) is empty; diff(b, a) is diff(a, b) mirrored; parse + extract + judge never crash on
arbitrary bytes, text or tag soup.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.catalogue import load
from scraper.diff import Changed, Diff, diff
from scraper.documents import parse
from scraper.extract import Extraction, Processor, extract
from scraper.sanity import judge, looks_like_error_page

WORDS = ["Acme", "acme", "ACME", "Stripe", "Mailgun", "Twilio", "SendGrid", "Microsoft", "Azure",
         "Clarity", "Miscrosoft", "Amazon", "Web", "Services", "Google", "Cloud", "Data", "Inc.",
         "Inc", "LLC", "GmbH", ",", "(", ")", "aka", "dba", "/", "&", "The", "Ünïcödé", "\u200b",
         "1", "2", "Ltd", "AWS", "GCP"]  # fmt: skip
PURPOSES = ["", "Hosting", "Cloud hosting", "Payments", "Email delivery", "Customer support",
            "Widget frobnication", "AI inference", "hosting, email"]  # fmt: skip
CODES = ["US", "EU", "IE", "DE", "GB", "SG", "JP"]

names = st.lists(st.sampled_from(WORDS), min_size=0, max_size=5).map(" ".join)
processors = st.builds(
    Processor,
    name=names,
    vendor=st.one_of(st.just(""), names),
    purpose=st.sampled_from(PURPOSES),
    locations=st.lists(st.sampled_from(CODES), max_size=3, unique=True).map(tuple),
    found_in=st.sampled_from(["", "table 1, row 2", "list 1"]),
)
lists = st.lists(processors, max_size=12)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def mirrored(change: Changed) -> Changed:
    return Changed(before=change.after, after=change.before, fields=change.fields)


@FUZZ
@given(lists)
def test_a_list_compared_with_itself_has_no_change(a: list[Processor]) -> None:
    assert diff(a, a).is_empty


@FUZZ
@given(lists, st.randoms(use_true_random=False))
def test_a_reordered_list_has_no_change(a: list[Processor], rng: object) -> None:
    shuffled = list(a)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    result = diff(a, shuffled)
    assert (result.added, result.removed) == ((), ())


@FUZZ
@given(lists, lists)
def test_diff_backwards_is_diff_forwards_mirrored(a: list[Processor], b: list[Processor]) -> None:
    forwards, backwards = diff(a, b), diff(b, a)
    assert backwards.added == forwards.removed
    assert backwards.removed == forwards.added
    assert backwards.changed == tuple(mirrored(c) for c in forwards.changed)


@FUZZ
@given(lists, lists)
def test_diff_is_deterministic(a: list[Processor], b: list[Processor]) -> None:
    assert diff(a, b) == diff(list(a), list(b))


@FUZZ
@given(lists, lists)
def test_nothing_is_both_added_and_removed(a: list[Processor], b: list[Processor]) -> None:
    result: Diff = diff(a, b)
    assert not {id(x) for x in result.added} & {id(x) for x in result.removed}
    assert all(c.fields for c in result.changed)


TAGS = ["<html>", "</html>", "<body>", "<table>", "</table>", "<tr>", "<td>", "</td>", "<th>",
        "<ul>", "<li>", "</ul>", "<h2>", "</h2>", "<p>", "<script>", "</script>", "<div id=root>",
        "</div>", "<!--", "-->", "<title>", "</title>", "| a | b |", "|---|---|", "# ", "\n",
        "- ", "**", "Sub-processors", "Stripe, Inc.", "AWS", "United States", "captcha",
        "Just a moment", "&amp;", "&#0;", "\x00", "\ufeff", "<![CDATA[", "<?xml ?>"]  # fmt: skip
tag_soup = st.lists(st.one_of(st.sampled_from(TAGS), st.text(max_size=20)), max_size=60).map(
    "".join
)


def read_everything(body: bytes | str) -> None:
    document = parse(body)
    extraction: Extraction = extract(document, catalogue=load())
    looks_like_error_page(document, body=body)
    previous = [Processor(name="Stripe", vendor="Stripe")] * 5
    judge(previous, extraction, document=document, body=body)
    for processor in extraction.processors:
        assert isinstance(processor.name, str)
        assert isinstance(processor.locations, tuple)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_reading_arbitrary_bytes_never_crashes(body: bytes) -> None:
    read_everything(body)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=2000))
def test_reading_arbitrary_text_never_crashes(body: str) -> None:
    read_everything(body)


@settings(max_examples=200, deadline=None)
@given(tag_soup, st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_reading_tag_soup_in_any_encoding_never_crashes(soup: str, encoding: str) -> None:
    read_everything(soup)
    read_everything(soup.encode(encoding, errors="replace"))
