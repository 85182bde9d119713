"""The guard: decide whether a new extraction can be trusted before it is diffed and reported.

An error page, a login or cookie wall, a bot check or a list that suddenly collapses must never
become "every processor removed". `judge` says whether the result is fit to diff; when it is
not, the caller keeps the last good list and shows the reason to the DPO.

Error-page signals are weighed against the amount of text: a real policy page may well mention
a captcha, carry a cookie banner or a "Sign in" link, so weak signals only count on short pages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

from scraper.diff import Diff, diff, group
from scraper.documents import Document, decode
from scraper.extract import Extraction, Processor

# At fewer previous vendors than this, losing most of them can be a real edit.
MASS_REMOVAL_MIN_PREVIOUS = 4
# Word counts below which a page counts as short (weak signals) or nearly empty (JS shell).
SHORT_PAGE_WORDS = 120
TITLED_PAGE_WORDS = 400
SHELL_PAGE_WORDS = 30
_KEPT = "The last good list is kept."


@dataclass(frozen=True)
class Verdict:
    ok: bool
    kind: str  # "ok", "error_page", "empty" or "mass_removal"
    reason: str = ""


@dataclass(frozen=True)
class _Signal:
    where: str  # "title" (title or first heading), "text" or "markup" (the raw page)
    pattern: re.Pattern[str]
    max_words: int
    reason: str
    label: str  # what a match means, for markup a DPO would not read; "" quotes the match


def _signal(where: str, pattern: str, max_words: int, reason: str, label: str = "") -> _Signal:
    return _Signal(where, re.compile(pattern, re.IGNORECASE), max_words, reason, label)


_BOT = "The page is a bot check ({found}) instead of the policy, so nothing can be read from it."
_CAPTCHA = "The page asks to solve a captcha ({found}) instead of showing the policy."
_DENIED = "The site refused access ({found}): the page shown is an error, not the policy."
_NOT_FOUND = "The page says it was not found ({found}), although the server answered 200 OK."
_SERVER_ERROR = "The site answered with an error page ({found}) instead of the policy."
_MOVED = "The page only sends the reader elsewhere ({found}), so the list cannot be read here."
_LOGIN = "The page is a login form ({found}): the policy is behind a sign-in."
_COOKIE = "The page only shows a cookie consent wall ({found}); the policy is hidden behind it."
_CUT_SHORT = (
    "The page stops in the middle ({found}): the download was cut short, so the rows after "
    "the cut are missing, not removed."
)
_SHELL = (
    "The page is an empty shell that JavaScript fills in ({found}): there is no text to read "
    "without running it, so the list cannot be checked."
)

SIGNALS: tuple[_Signal, ...] = (
    _signal(
        "title",
        r"just a moment|attention required|checking your browser|ddos-guard"
        r"|verif\w* you are (a )?human|one more step|are you a (robot|human)",
        TITLED_PAGE_WORDS,
        _BOT,
    ),
    _signal(
        "markup",
        r"cf-chl|cf_chl_opt|challenge-platform|cf-browser-verification"
        r"|_incapsula_resource|px-captcha|captcha-delivery\.com|ddos-guard",
        SHORT_PAGE_WORDS,
        _BOT,
        "a challenge script in its code",
    ),
    _signal(
        "text",
        r"checking (if the site connection is secure|your browser)"
        r"|verif\w* you are (a )?human|enable javascript and cookies to continue"
        r"|review the security of your connection",
        SHORT_PAGE_WORDS,
        _BOT,
    ),
    _signal(
        "text",
        r"(complete|solve|fill in|enter)( the| a| this)? (security )?captcha"
        r"|captcha (verification|challenge|required)|i'?m not a robot"
        r"|prove you('re| are) (not a robot|human)",
        SHORT_PAGE_WORDS,
        _CAPTCHA,
    ),
    _signal(
        "markup",
        r"g-recaptcha|h-captcha|hcaptcha\.com|recaptcha/api",
        SHORT_PAGE_WORDS,
        _CAPTCHA,
        "a captcha widget",
    ),
    _signal(
        "title",
        r"access denied|forbidden|\b403\b|you have been blocked|request (was )?"
        r"(blocked|rejected)|error 1020|unauthori[sz]ed|too many requests|\b429\b|rate limit",
        TITLED_PAGE_WORDS,
        _DENIED,
    ),
    _signal(
        "text",
        r"access denied|you (don't|do not) have permission to access"
        r"|you have been blocked|requested url was rejected|request (was )?blocked"
        r"|too many requests|rate limit(ed)? exceeded",
        SHORT_PAGE_WORDS,
        _DENIED,
    ),
    _signal(
        "title",
        r"\b404\b|not found|could not be found|(does not|doesn't) exist"
        r"|no longer available",
        TITLED_PAGE_WORDS,
        _NOT_FOUND,
    ),
    _signal(
        "text",
        r"page (was )?not found|could not be found|(error )?404( error)?\b.{0,20}found"
        r"|page you('re| are) looking for|(page|content) has (been )?(moved|removed)"
        r"|no longer (exists|available)",
        SHORT_PAGE_WORDS,
        _NOT_FOUND,
    ),
    _signal(
        "title",
        r"\b50[0-4]\W+(error|bad|service|internal|gateway)|(error|http)\W+50[0-4]\b"
        r"|bad gateway|service unavailable|internal server error|gateway time-?out"
        r"|maintenance|temporarily unavailable|something went wrong|^\W*error\b",
        TITLED_PAGE_WORDS,
        _SERVER_ERROR,
    ),
    _signal(
        "text",
        r"internal server error|bad gateway|service (is )?(temporarily )?unavailable"
        r"|(down for|under) maintenance|something went wrong"
        r"|an (unexpected )?error (has )?occurred",
        SHORT_PAGE_WORDS,
        _SERVER_ERROR,
    ),
    _signal("markup", r"type\s*=\s*[\"']?password", SHORT_PAGE_WORDS, _LOGIN, "a password field"),
    _signal(
        "title", r"^\W*(sign|log) ?in\b|\b(sign|log) ?in\W*$|\blogin\b", SHORT_PAGE_WORDS, _LOGIN
    ),
    _signal(
        "text",
        r"(sign|log) ?in to (continue|your account|access)|forgot (your )?password"
        r"|session (has )?expired",
        SHORT_PAGE_WORDS,
        _LOGIN,
    ),
    _signal(
        "markup",
        r"<div[^>]*\bid\s*=\s*[\"']?(root|app|__next|__nuxt|svelte)\b[^>]*>\s*</div>"
        r"|you need to enable javascript to run this app",
        SHELL_PAGE_WORDS,
        _SHELL,
        "an empty app element and scripts",
    ),
    _signal(
        "text",
        r"(enable|turn on) (javascript|js)\b|javascript is (required|disabled)|requires javascript",
        SHORT_PAGE_WORDS,
        _SHELL,
    ),
    _signal("title", r"^\W*redirect", SHORT_PAGE_WORDS, _MOVED),
    _signal(
        "markup",
        r"<meta[^>]+http-equiv\s*=\s*[\"']?refresh",
        SHELL_PAGE_WORDS,
        _MOVED,
        "an automatic redirect",
    ),
)
_COOKIE_WORDS = re.compile(
    r"cookie|consent|accept all|reject all|manage (preferences|options|settings)"
    r"|privacy (choices|preferences)|we value your privacy",
    re.IGNORECASE,
)
# Containers HTML never lets a page leave open; an unclosed one before a missing </html> is a
# body cut short (a dropped connection, a proxy's size limit), however long the part that came.
_CONTAINERS = {"table": "a table", "ul": "a list", "ol": "a list", "dl": "a list"}
COOKIE_WALL_WORDS = 250
COOKIE_WALL_SHARE = 0.5


def looks_like_error_page(
    document: Document | None, *, body: bytes | str | None = None
) -> str | None:
    """Return why the page is not the policy it should be (a sentence for the DPO), or None.

    Markup signals (challenge scripts, password inputs, an empty JavaScript root element) are
    read from `body` when given, else from the document's source text.
    """
    markup = decode(body) if isinstance(body, bytes) else (body or "")
    if not markup and document is not None:
        markup = document.source
    text = document.text if document is not None else ""
    title = _title(document)
    words = _word_count(document)
    if not words and document is not None and document.warnings:
        return f"The document could not be read: {document.warnings[0]}."
    if not words and not title and not _has_script(markup):
        return "The page is empty: the server sent no text at all."
    for signal in SIGNALS:
        if words > signal.max_words:
            continue
        haystack = {"title": title, "text": text, "markup": markup}[signal.where]
        if haystack and (found := signal.pattern.search(haystack)):
            return signal.reason.format(found=signal.label or _quote(found.group(0)))
    if found := _cut_short(markup):
        return _CUT_SHORT.format(found=found)
    if reason := _cookie_wall(document, words):
        return reason
    if words == 0:
        found = "no text, only scripts" if _has_script(markup) else f"title {_quote(title)}"
        return _SHELL.format(found=found)
    return None


def _word_count(document: Document | None) -> int:
    """Words a reader sees, table cells included (Document.text leaves tables out)."""
    if document is None:
        return 0
    cells = sum(len(cell.split()) for b in document.blocks for row in b.rows for cell, _ in row)
    return len(document.text.split()) + cells


def _title(document: Document | None) -> str:
    if document is None:
        return ""
    heading = next((b.text for b in document.blocks if b.kind == "heading"), "")
    return " | ".join(part for part in (document.title, heading) if part)


def _has_script(markup: str) -> bool:
    return "<script" in markup.lower()


def _quote(found: str) -> str:
    return '"' + " ".join(found.split())[:60] + '"'


def _cut_short(markup: str) -> str | None:
    lower = markup.lower()
    is_html = "<html" in lower or "<body" in lower
    if not is_html or "</html" in lower or "</body" in lower:
        return None
    for tag, what in _CONTAINERS.items():
        if len(re.findall(rf"<{tag}[\s>]", lower)) > lower.count(f"</{tag}"):
            return f"{what} is never closed and the page has no end"
    return None


def _cookie_wall(document: Document | None, words: int) -> str | None:
    if document is None or words > COOKIE_WALL_WORDS:
        return None
    sizes = [
        (len(b.text) + sum(len(cell) for row in b.rows for cell, _ in row), _about_cookies(b.text))
        for b in document.blocks
    ]
    total = sum(size for size, _ in sizes)
    cookie = sum(size for size, about_cookies in sizes if about_cookies)
    if total and cookie / total >= COOKIE_WALL_SHARE:
        return _COOKIE.format(found=f"{cookie * 100 // total}% of the text is about cookies")
    return None


def _about_cookies(text: str) -> bool:
    return bool(_COOKIE_WORDS.search(text))


def judge(
    previous: Sequence[Processor],
    extraction: Extraction,
    *,
    document: Document | None = None,
    body: bytes | str | None = None,
) -> Verdict:
    """Say whether `extraction` may be diffed against `previous` (the last good list).

    Not ok when the page is an error page ("error_page"), when a non-empty list found nothing
    ("empty"), or when more than SCRAPER_MASS_REMOVAL_RATIO of at least
    MASS_REMOVAL_MIN_PREVIOUS vendors vanished at once, or every one of two or more vendors did
    while others appeared ("mass_removal": more likely another page than a real change).
    """
    checked = document is not None or body is not None
    if checked and (reason := looks_like_error_page(document, body=body)):
        return Verdict(False, "error_page", f"{reason} {_KEPT}")
    before = len(group(previous))
    if before and not extraction.processors:
        return Verdict(False, "empty", _empty_reason(before))
    gone = len(diff(previous, extraction.processors).removed)
    ratio = float(settings.SCRAPER_MASS_REMOVAL_RATIO)
    if before >= MASS_REMOVAL_MIN_PREVIOUS and gone / before > ratio:
        return Verdict(False, "mass_removal", _mass_reason(gone, before, ratio))
    if before >= 2 and gone == before:
        return Verdict(False, "mass_removal", _all_gone_reason(before))
    return Verdict(True, "ok", "")


def guarded_diff(
    previous: Sequence[Processor],
    extraction: Extraction,
    *,
    document: Document | None = None,
    body: bytes | str | None = None,
) -> tuple[Diff, Verdict]:
    """Diff `extraction` against `previous` as a scheduled check reports it, with the verdict.

    When the guard says no, nothing is reported at all, as a scheduled check records nothing:
    additions read from a broken or different page are no more trustworthy than its removals.
    """
    verdict = judge(previous, extraction, document=document, body=body)
    if not verdict.ok:
        return Diff(), verdict
    return diff(previous, extraction.processors), verdict


def _empty_reason(before: int) -> str:
    listed = "processor" if before == 1 else "processors"
    return (
        f"Found 0 of {before} previously listed {listed}: the list is gone from the page "
        f"(moved, redesigned or now drawn by JavaScript). {_KEPT}"
    )


def _all_gone_reason(before: int) -> str:
    return (
        f"All {before} previously listed processors disappeared at once while other names "
        f"appeared: this looks like a different page rather than a real change, so it is held "
        f"for confirmation. {_KEPT}"
    )


def _mass_reason(gone: int, before: int, ratio: float) -> str:
    return (
        f"{gone} of {before} previously listed processors disappeared at once (more than "
        f"{ratio:.0%}). This looks like a broken page rather than a real change, so it is held "
        f"for confirmation instead of being reported as removals. {_KEPT}"
    )
