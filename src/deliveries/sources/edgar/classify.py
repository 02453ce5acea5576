"""What an 8-K's EX-99.1 is: Tesla's production & deliveries release, or something else.

Item codes alone cannot tell: Tesla's releases carry 2.02,9.01 (2.02,7.01,9.01 to 2022,
2.02,8.01,9.01 in January 2023), as its earnings 8-Ks do. What tells is the exhibit itself and
when it was filed:

- the **headline**, the text before the dateline (or the first short line): a release's names
  production and deliveries ("Tesla Fourth Quarter 2025 Production, Deliveries & Deployments");
- the **dateline** ("AUSTIN, Texas, January 2, 2026 -");
- the **filing date**: releases are filed 1-7 days after a quarter ends, earnings 3-4 weeks after;
- **vehicle figures**: a Production/Deliveries table of model lines or a sentence such as
  "we produced 434,358 vehicles".

An exhibit *looks like a release* when it has a release headline, or when it was filed within
:data:`RELEASE_DAYS` of a quarter's end in an 8-K with Item 2.02 (every release has had it, no
earnings 8-K came that soon), or with vehicle figures (or no text at all) in an 8-K whose items a
release has had (2.02, 7.01 or 8.01: not a vote's 5.07 alone). It is then read with ``ingest``'s
parser: it is the release when it parses, otherwise it is *unreadable*, and never passed over in
silence. Any other exhibit (an earnings Update letter that speaks of deliveries in its first
sentence, a vote, a financing) is *not a release*.

:data:`READER_VERSION` names this logic and the parser's reading: a verdict kept in the cache is
used only by the same version (bump it when either changes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ...data.quarters import Quarter
from ...errors import IngestError
from ..ingest import parse_release
from ..ingest.dates import DATELINE, INLINE_DATELINE, RELEASE_WINDOW_DAYS
from ..ingest.table import find_table
from ..ingest.text import html_to_text, looks_like_html, mark_paragraphs, normalize
from ..ingest.vocabulary import tokenize

if TYPE_CHECKING:
    from ..ingest import ParsedRelease
    from .filings import Filing

READER_VERSION = 2  # 1: passed-over-v1.json, a headline naming deliveries and a parse
RELEASE_DAYS = 10  # Tesla's releases were filed 1-7 days after their quarter ended (2013-2025)
LEAD_CHARS = 1000  # the headline and dateline come within this much visible text
HEADLINE_CHARS = 200  # a first line longer than this is a paragraph, not a headline

RELEASE_ITEMS = frozenset({"2.02", "7.01", "8.01"})  # one of them in every release 8-K since 2013
RELEASE, OTHER, UNREADABLE = "release", "other", "unreadable"
# "Tesla Fourth Quarter 2025 Production, Deliveries & Deployments", "Tesla Q4 2018 Vehicle
# Deliveries and Production", "Tesla Reports First Quarter 2016 Deliveries"
_RELEASE_HEADLINE = re.compile(
    r"\bproduction\b.{0,80}\bdeliver|\bdeliveries\b.{0,80}\bproduction\b|\bvehicle\s+deliveries\b"
    r"|\b(?:quarter|q[1-4])\b.{0,60}\bdeliveries\b",
    re.IGNORECASE,
)
_HEAD = re.compile(r"<head\b.*?</head\s*>", re.IGNORECASE | re.DOTALL)
_EXHIBIT_LABEL = re.compile(r"^\W*exhibit\s+99(?:\.0?1)?\W*$", re.IGNORECASE)
_FIGURES_SENTENCE = re.compile(
    r"\b(?:produc|deliver)\w*\b[^.]{0,60}?\b\d{1,3}(?:,\d{3})+\s+(?:vehicles|cars)\b",
    re.IGNORECASE,
)
_FINANCIAL = re.compile(
    r"\b(?:total revenues|income from operations|gross margin|net income|operating cash flow)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Verdict:
    """What an exhibit is: ``kind`` (RELEASE, OTHER, UNREADABLE), a sentence naming the exhibit
    and why, the parsed release, and whether an unreadable one is certainly a release (its
    headline says so and it was filed in the days after a quarter ended)."""

    kind: str
    reason: str
    parsed: ParsedRelease | None = None
    certain: bool = False


def quarter_ended_before(day: date) -> Quarter:
    """The last quarter that ended before ``day``."""
    return Quarter.containing(day) - 1


def days_after_quarter(day: date) -> int:
    """Days from the end of the last quarter before ``day`` to ``day``."""
    return (day - quarter_ended_before(day).last_day).days


def visible_text(text: str) -> str:
    """The exhibit's text as a reader sees it: HTML made plain, without its head (whose title
    is no text on the page), spaces and quotes unified."""
    if looks_like_html(text):
        text = html_to_text(_HEAD.sub(" ", text))[0]
    return normalize(text)


def _lead_lines(visible: str) -> list[str]:
    lines = [" ".join(line.split()) for line in visible[:LEAD_CHARS].splitlines()]
    lines = [line for line in lines if line]
    while lines and _EXHIBIT_LABEL.match(lines[0]):
        lines.pop(0)
    return lines


def headline_and_dateline(visible: str) -> tuple[str, bool]:
    """The headline (the text before the dateline, else a short first line) and whether the
    opening has a release's dateline."""
    lines = _lead_lines(visible)
    for number, line in enumerate(lines):
        match = DATELINE.match(line) or INLINE_DATELINE.search(line)
        if match is not None:
            before = " ".join([*lines[:number], line[: match.start()]]).strip()
            return before[-HEADLINE_CHARS:], True
    first = lines[0] if lines else ""
    return (first if len(first) <= HEADLINE_CHARS else ""), False


def has_vehicle_figures(visible: str) -> bool:
    """Whether a table of model lines or a sentence of vehicle counts is there at all."""
    if _FIGURES_SENTENCE.search(visible):
        return True
    return find_table(tokenize(mark_paragraphs(visible))) is not None


def classify(text: str, filing: Filing, exhibit_url: str) -> Verdict:
    """What the EX-99.1 ``text`` of ``filing`` is (see the module's docstring)."""
    visible = visible_text(text)
    headline, dated = headline_and_dateline(visible)
    release_headline = _RELEASE_HEADLINE.search(headline) is not None
    days = days_after_quarter(filing.filing_date)
    after = quarter_ended_before(filing.filing_date)
    soon = days <= RELEASE_DAYS
    when = f"filed {days} day{'' if days == 1 else 's'} after {after} ended"
    blank = not visible.strip()
    # only asked without a release headline: the one case where the figures count or are named
    figures = not release_headline and not blank and has_vehicle_figures(visible)
    items = {code.strip() for code in filing.items.split(",") if code.strip()}
    release_items = not items or bool(items & RELEASE_ITEMS)  # unknown items: may be
    in_window = soon and "2.02" in items
    seen = figures or blank
    if not (release_headline or in_window or (soon and release_items and seen)):
        signs = [f"headline {headline[:60]!r}" if headline else "no headline"]
        signs.append("a dateline" if dated else "no dateline")
        if blank:
            signs = ["no text"]
        elif _FINANCIAL.search(visible):
            signs.append("financial statements")
        signs += [] if release_items else [f"items {filing.items}"]
        signs.append(when)
        return Verdict(
            OTHER, f"{exhibit_url}: not a production & deliveries release ({', '.join(signs)})"
        )
    signs = (["release headline"] if release_headline else []) + (["dateline"] if dated else [])
    signs += [f"items {filing.items}, {when}"] if in_window else [when] if soon else []
    signs += ["vehicle figures"] if figures else []
    looked = f"{exhibit_url} looked like a production & deliveries release ({', '.join(signs)})"
    certain = release_headline and soon
    if blank:
        problem = "no text (its pages as pictures only?)"
        return Verdict(UNREADABLE, f"{looked} but could not be read: {problem}", certain=certain)
    try:
        parsed = parse_release(text)
    except IngestError as exc:
        problem = "; ".join(str(exc).splitlines())
        return Verdict(UNREADABLE, f"{looked} but could not be read: {problem}", certain=certain)
    end = Quarter.parse(parsed.quarter).last_day
    if not 0 < (filing.filing_date - end).days <= RELEASE_WINDOW_DAYS:
        return Verdict(
            UNREADABLE,
            f"{looked} but reads as the {parsed.quarter} release, filed "
            f"{filing.filing_date.isoformat()}",
            certain=certain,
        )
    return Verdict(RELEASE, f"{exhibit_url}: the {parsed.quarter} release", parsed)
