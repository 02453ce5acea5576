"""Turn Tesla's quarterly production & deliveries press release into rows of the data table.

:func:`parse_release` is pure: the release's text (plain or HTML) in, a :class:`ParsedRelease` out,
or an :class:`IngestError` naming what is missing. :func:`run` is ``deliveries ingest``: it reads
the release, parses it and adds the rows to ``production_deliveries.csv``, atomically and only
after the new file has passed :func:`dataset.load_deliveries`.

Two layouts are understood, however the copy flattened them:

* a table (2019Q2 on): a row label (``Model S/X``, ``Model 3/Y``, ``Other Models``, ``Total``...)
  directly followed by its production and delivery counts and an optional lease %, with the cells
  on lines of their own, between ``|`` lines or blank lines, in one paragraph or in HTML cells;
* sentences (2016-2019Q1): counts tied to a model line ("12,420 Model S", "Model 3 production
  totaled 2,425") or to the whole quarter ("delivered 14,820 vehicles"), production or delivery
  being the nearest verb before the number. Numbers with units, dates, years, in-transit counts,
  weekly rates, full-year and other quarters' figures are left out; when several candidates
  remain, the combination whose model lines add up to the stated total wins.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from . import dataset, quarters
from .errors import DataError, IngestError
from .paths import read_input

MAX_RELEASE_BYTES = 10 * 1024 * 1024
RELEASE_WINDOW_DAYS = 100  # a release (or a copy's date line) follows its quarter's end by weeks
EXACT_COUNTS_FROM = pd.Period("2022Q1", freq="Q")  # SOURCES.md: exact counts (not approximate)
APPROX_CLOSE = 0.01  # a qualified lead figure this close to the total describes the deliveries
MAX_CHOICES = 4  # candidates per figure tried when looking for the combination that adds up

PRODUCED, DELIVERED = "produced", "delivered"
S_X, THREE_Y = "Model S/X", "Model 3/Y"
LINE_ORDER = ["Model S", "Model X", S_X, "Model 3", THREE_Y, "Model Y", "Other Models"]
COMBINED_LINES = {S_X: ("Model S", "Model X"), THREE_Y: ("Model 3", "Model Y")}

# --- the lexicon -----------------------------------------------------------------------------

_MONTH = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?i:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)"
_MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}


def _date_pattern(tag: str) -> str:
    """A calendar date with named groups suffixed by ``tag`` (so several fit in one regex)."""
    return (
        rf"\b{_WEEKDAY}?(?P<mon{tag}>{_MONTH})\s+(?P<day{tag}>\d{{1,2}})(?:st|nd|rd|th)?"
        rf"(?:,\s*|\s+)(?P<year{tag}>\d{{4}})\b"
        rf"|\b(?P<dday{tag}>\d{{1,2}})\s+(?P<dmon{tag}>{_MONTH}),?\s+(?P<dyear{tag}>\d{{4}})\b"
        rf"|\b(?P<iso{tag}>\d{{4}}-\d{{2}}-\d{{2}})\b"
    )


_LABEL_PATTERNS = [
    (
        S_X,
        r"Models?\s*S\s*(?:/|&|\+|and)\s*(?:Model\s*)?X|Models?\s*X\s*(?:/|&|\+|and)\s*"
        r"(?:Model\s*)?S|(?<![\w/])S\s*/\s*X",
    ),
    (THREE_Y, r"Models?\s*3\s*(?:/|&|\+|and)\s*(?:Model\s*)?Y|(?<![\w/])3\s*/\s*Y"),
    ("Other Models", r"Other\s+Models"),
    ("Model S", r"Model\s*S"),
    ("Model X", r"Model\s*X"),
    ("Model 3", r"Model\s*3"),
    ("Model Y", r"Model\s*Y"),
]
_LABEL_NAMES = {f"label{index}": name for index, (name, _) in enumerate(_LABEL_PATTERNS)}

_TOKEN = re.compile(
    r"(?P<brk>\n[ \t|]*\n)"
    rf"|(?P<date>{_date_pattern('')}|\b(?P<mday>{_MONTH})\s+\d{{1,2}}(?:st|nd|rd|th)?(?![\d%])"
    rf"(?!,\d)|\b{_MONTH}\s+(?:19|20)\d\d\b)"
    r"|(?P<time>\b\d{1,2}(?::\d{2})?\s*[ap]\.?\s?m\.?(?!\w)|\b\d{1,2}:\d{2}\b)"
    r"|(?P<quarter>\b(?:Q(?P<qn>[1-4])|(?P<qord>first|second|third|fourth|1st|2nd|3rd|4th)"
    r"[\s-]+quarter)(?:(?:\s+of|\s*,)?\s*(?:FY\s*)?(?P<qyear>(?:19|20)\d\d)\b|\s*'(?P<qyy>\d\d)\b)?"
    r"|\b(?P<yq>(?:19|20)\d\d)\s*-?\s*Q(?P<qn2>[1-4])\b)"
    + "".join(
        rf"|(?P<label{index}>\b(?:{pattern})(?:s|'s)?(?![A-Za-z_/]))"
        for index, (_, pattern) in enumerate(_LABEL_PATTERNS)
    )
    + r"|(?P<num>\$?\d+(?:,\d{3})*(?:\.\d+)?)(?P<numtail>[A-Za-z]\w*)?"
    r"|(?P<word>(?:[A-Za-z]\.){2,}|Total(?=\d)|[A-Za-z][A-Za-z0-9_'&-]*)"
    r"|(?P<tilde>[~≈])"
    r"|(?P<dash>(?<![^\s|])[-–—−]+(?![^\s|]))"
    r"|(?P<punct>[.,;:!?()])",
    re.IGNORECASE,
)

_UNIT_AFTER = re.compile(
    r"\s*(?:(?P<pct>%|percent\b|per\s*cent\b)"
    r"|(?P<other>[kMG]Wh?\b|million\b|billion\b|thousand\b"
    r"|(?:per|a|an|each|every|/)\s*(?:week|wk|day|month|hour|year|quarter)s?\b"
    r"|-?(?:weeks?|days?|months?|years?|hours?|minutes?|times|x)\b))",
    re.IGNORECASE,
)

_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
}
_DELIVERY_WORDS = re.compile(r"^deliver")
_PRODUCTION_WORDS = re.compile(r"^(?:produc|manufactur|built$|build$|builds$)")
_CLAUSE_WORDS = {"and", "while", "but", "whereas", "plus"}
_LINKING_WORDS = {
    "were",
    "was",
    "are",
    "is",
    "of",
    "units",
    "the",
    "for",
    "new",
    "them",
    "being",
    "those",
    "these",
    "which",
    "as",
}
_WHOLE_WORDS = {"total", "overall", "combined", "all", "vehicles", "cars", "altogether"}
# a clause with one of these is about something else than the quarter's production or deliveries
_DISTRACTOR_WORDS = {
    "transit",
    "week",
    "weeks",
    "weekly",
    "day",
    "days",
    "daily",
    "rate",
    "rates",
    "annualized",
    "annualised",
    "annual",
    "annually",
    "yearly",
    "half",
    "h1",
    "h2",
    "cumulative",
    "cumulatively",
    "guidance",
    "expect",
    "expects",
    "expecting",
    "forecast",
    "target",
    "targets",
    "outlook",
    "reservations",
    "orders",
    "backlog",
    "since",
    "inventory",
    "compared",
    "versus",
    "vs",
    "prior",
    "previous",
    "ago",
    "earlier",
    "ytd",
    "estimate",
    "estimated",
    "lifetime",
    "month",
    "months",
    "last",
    "next",
    "following",
    "future",
}
_QUALIFIERS = {
    "approximately",
    "about",
    "around",
    "roughly",
    "nearly",
    "almost",
    "over",
    "approx",
    "circa",
}
_TWO_WORD_QUALIFIERS = {("more", "than"), ("just", "under"), ("close", "to"), ("upwards", "of")}
_CONTINUING_WORDS = {
    "and",
    "or",
    "of",
    "the",
    "to",
    "by",
    "in",
    "for",
    "with",
    "a",
    "an",
    "were",
    "was",
    "which",
    "at",
    "from",
    "on",
    "model",
    "models",
}
_ABBREVIATIONS = {
    "calif",
    "inc",
    "corp",
    "co",
    "ltd",
    "mr",
    "ms",
    "dr",
    "st",
    "vs",
    "approx",
    "no",
    "nos",
    "fig",
    "est",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
}


@dataclass(frozen=True)
class Token:
    """A piece of the release: a word, a number with what it counts, a label, a date..."""

    kind: str  # brk date time quarter label count year pct number dash tilde word punct
    text: str
    value: object = None


def tokenize(text: str) -> list[Token]:
    """Split normalized release text into tokens; separators (spaces, ``|``) are dropped."""
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = _group_kind(match)
        raw = match.group(0)
        if kind == "brk":
            if tokens and tokens[-1].kind != "brk":
                tokens.append(Token("brk", raw))
        elif kind == "quarter":
            tokens.append(Token("quarter", raw, _quarter_value(match)))
        elif kind in _LABEL_NAMES:
            tokens.append(Token("label", raw, _LABEL_NAMES[kind]))
        elif kind == "num":
            tokens.append(_number_token(match, text))
        elif kind == "word":
            tokens.append(Token("word", raw, raw.lower().rstrip(".")))
        else:
            tokens.append(Token(kind, raw))
    return tokens


def _group_kind(match: re.Match) -> str:
    """The outermost named group that matched (``lastgroup`` can name an inner one)."""
    for name in (
        "brk",
        "date",
        "time",
        "quarter",
        *_LABEL_NAMES,
        "num",
        "word",
        "tilde",
        "dash",
        "punct",
    ):
        if match.group(name) is not None:
            return name
    return ""


def _quarter_value(match: re.Match) -> tuple[int, int | None]:
    """``(quarter number, year or None)`` of a quarter mention."""
    if match.group("yq"):
        return int(match.group("qn2")), int(match.group("yq"))
    number = int(match.group("qn")) if match.group("qn") else _ORDINALS[match.group("qord").lower()]
    if match.group("qyear"):
        return number, int(match.group("qyear"))
    if match.group("qyy"):
        return number, 2000 + int(match.group("qyy"))
    return number, None


def _number_token(match: re.Match, text: str) -> Token:
    """Classify a number: a count of vehicles, a percentage, a year, or something else."""
    raw = match.group("num")
    if match.group("numtail") or raw.startswith("$") or "." in raw:
        unit = _UNIT_AFTER.match(text, match.end())
        if unit and unit.group("pct") and not match.group("numtail") and not raw.startswith("$"):
            return Token("pct", raw, float(raw.replace(",", "")))
        return Token("number", match.group(0))
    value = int(raw.replace(",", ""))
    unit = _UNIT_AFTER.match(text, match.end())
    if unit and unit.group("pct"):
        return Token("pct", raw, float(value))
    if unit and unit.group("other"):
        return Token("number", raw)
    if "," not in raw and len(raw) == 4 and 1900 <= value <= 2099:
        return Token("year", raw, value)
    return Token("count", raw, value)


# --- reading the input -----------------------------------------------------------------------


def read_release(source: str) -> tuple[str, str]:
    """The release text and the name to credit it to; ``-`` reads standard input."""
    if source == "-":
        text = sys.stdin.read()
        if not text.strip():
            raise IngestError("standard input is empty (expected the release's text)")
        return text, "standard input"
    path = Path(source)
    where = dataset.display_path(path)
    raw = read_input(
        path, limit=MAX_RELEASE_BYTES, expected="a press release (text or HTML)", error=IngestError
    )
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if not text.strip():
        raise IngestError(f"{where}: file is empty (expected the release's text)")
    return text, path.name


class _HtmlText(HTMLParser):
    """HTML to text: cells and lines on lines of their own, blocks as paragraphs."""

    BLOCKS = {
        "p",
        "div",
        "tr",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "title",
        "dl",
        "dt",
        "dd",
        "pre",
        "caption",
        "figure",
        "main",
        "nav",
        "aside",
    }
    LINES = {"td", "th", "br", "hr"}
    SKIPPED = {"script", "style", "noscript", "template"}
    HEADINGS = {"title", "h1", "h2"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.in_sup = False
        self.heading: str | None = None
        self.headings: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag == "sup":
            self.in_sup = True
        self._break(tag)
        if tag in self.HEADINGS:
            self.heading = tag
            self.headings.setdefault(tag, []).append("")

    def handle_startendtag(self, tag: str, attrs) -> None:
        self._break(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1
        elif tag == "sup":
            self.in_sup = False
        if tag == self.heading:
            self.heading = None
        self._break(tag)

    def _break(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag in self.LINES:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skipping or (self.in_sup and re.fullmatch(r"\s*[\d*†]+\s*", data)):
            return
        text = re.sub(r"\s+", " ", data)
        self.parts.append(text)
        if self.heading:
            self.headings[self.heading][-1] += text

    def title(self) -> str | None:
        """The release title: the first heading that names a production or delivery figure."""
        for tag in ("h1", "h2", "title"):
            for heading in self.headings.get(tag, []):
                heading = re.split(r"\s+[|–—]\s+", heading.strip())[0].strip()
                if _looks_like_title(heading):
                    return heading
        return None


def looks_like_html(text: str) -> bool:
    """True when the text has HTML markup (tags such as ``<p>``, ``<td>`` or ``<br>``)."""
    return (
        re.search(r"<(?:html|body|p|div|td|tr|table|br|span|h[1-6])\b[^>]*>", text, re.IGNORECASE)
        is not None
    )


def html_to_text(markup: str) -> tuple[str, str | None]:
    """Plain text of an HTML page (cells and lines on their own lines) and its title."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip(), parser.title()


_SPACES = dict.fromkeys(map(ord, "\u00a0\u2002\u2003\u2007\u2009\u200a\u202f\t"), " ")
_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u200b": None, "\ufeff": None}
)


def normalize(text: str) -> str:
    """Unify line ends, spaces and quotes; drop footnote marks such as ``Total(1)``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_SPACES).translate(_QUOTES)
    return re.sub(r"(?<=[\w%])\s?\(\d\)", "", text)


def mark_paragraphs(text: str) -> str:
    """A blank line after each line that ends a block (heading, date line, cell, sentence).

    Copies from SEC exhibits and web pages put each paragraph, heading and table cell on a line
    of its own, without blank lines between; a line wrapped mid-sentence stays joined.
    """
    lines = text.split("\n")
    marked = []
    for line, following in itertools.zip_longest(lines, lines[1:], fillvalue=""):
        marked.append(line)
        if following.strip() and _ends_block(line, following):
            marked.append("")
    return "\n".join(marked)


def _ends_block(line: str, following: str) -> bool:
    """True when ``line`` is a heading, a cell or ends a sentence, not a wrapped line."""
    bare = line.strip(" |*#>-\u2022")
    if not bare or bare[-1] in ",;:(&/-":
        return False
    last_word = re.search(r"([A-Za-z]+)\.?$", bare)
    if last_word and (
        last_word.group(1).lower() in _CONTINUING_WORDS
        or last_word.group(1).lower() in _ABBREVIATIONS
    ):
        return False
    if bare[-1] in ".!?":
        return True
    following = following.strip(" |*#>-\u2022")
    if not following or following[0].islower():
        return False
    if not re.search(r"[a-z]", bare) or _is_heading(bare):
        return True
    return (
        len(bare) <= 60
        and not bare[-1].isdigit()
        and re.match(r"(?i)(?:other\s+)?models?\b", following) is None
    )


def _is_heading(line: str) -> bool:
    """Title Case text such as "Tesla Q3 2019 Vehicle Production & Deliveries"."""
    words = re.findall(r"[A-Za-z]{4,}", line)
    capitalized = sum(word[0].isupper() for word in words)
    return bool(words) and capitalized >= 0.7 * len(words)


def _looks_like_title(line: str) -> bool:
    line = line.strip()
    return (
        5 < len(line) <= 200
        and re.search(r"tesla", line, re.IGNORECASE) is not None
        and re.search(r"produc|deliver|deploy", line, re.IGNORECASE) is not None
        and not re.search(r"newswire|business wire|^\W*exhibit", line, re.IGNORECASE)
        and _DATELINE.match(line) is None
        and not line.endswith((".", ":"))
    )


def find_title(text: str) -> str | None:
    """The release title: an early short line naming Tesla and production or deliveries."""
    lines = [line.strip(" \t|#*_") for line in text.splitlines() if line.strip(" \t|#*_")]
    for line in lines[:10]:
        if _looks_like_title(line):
            return re.sub(r"\s+", " ", line)
    return None


# --- quarter and release date ------------------------------------------------------------------

_DATELINE = re.compile(
    rf"^[\s\"'*_>-]*(?!{_WEEKDAY})[A-Z][A-Za-z.'-]*(?:\s+[A-Z][A-Za-z.'-]*){{0,3}}\s*,\s*"
    rf"(?:[A-Z][A-Za-z.]*(?:\s+[A-Z][A-Za-z.]*)?\s*[,-]+\s*)?(?:\(?[A-Z ]*WIRE\)?\s*[-–—]*\s*)?"
    rf"(?P<date>{_date_pattern('')})",
    re.MULTILINE,
)
_WIRE_DATE = re.compile(
    rf"(?P<date>{_date_pattern('')})\s*[-–—/(]*\s*"
    r"(?:GLOBE\s*NEWSWIRE|BUSINESS\s*WIRE|PR\s*NEWSWIRE)",
    re.IGNORECASE,
)
_DATE_LINE = re.compile(
    rf"^[\s*_#>|-]*(?i:(?:date|dated|published|released)\s*:?\s*)?"
    rf"(?P<date>{_date_pattern('')})[\s*_.|]*$",
    re.MULTILINE,
)


def _date_from(match: re.Match) -> date | None:
    """The ``date`` of a match of :func:`_date_pattern` ('' tag), or None if impossible."""
    try:
        if match.group("iso"):
            return date.fromisoformat(match.group("iso"))
        if match.group("mon"):
            month, day, year = match.group("mon"), match.group("day"), match.group("year")
        else:
            month, day, year = match.group("dmon"), match.group("dday"), match.group("dyear")
        return date(int(year), _MONTHS[month[:3].lower()], int(day))
    except ValueError:
        return None


def release_date_candidates(text: str) -> list[list[date]]:
    """Dates that may be the release's: datelines first, then lines holding only a date."""
    datelines = [_date_from(m) for m in _DATELINE.finditer(text)]
    datelines += [_date_from(m) for m in _WIRE_DATE.finditer(text)]
    lines = [_date_from(m) for m in _DATE_LINE.finditer(text)]
    return [[d for d in datelines if d], [d for d in lines if d]]


def _quarter_before(day: date) -> pd.Period:
    """The last quarter that ended before ``day`` (a release reports the quarter just ended)."""
    return pd.Period(day, freq="Q") - 1


def _release_date(candidates: list[list[date]], period: pd.Period) -> date | None:
    """The earliest candidate (datelines first) that falls in the weeks after ``period``."""
    end = period.end_time.date()
    for tier in candidates:
        fitting = [d for d in tier if end < d <= end + timedelta(days=RELEASE_WINDOW_DAYS)]
        if fitting:
            return min(fitting)
    return None


def _resolve_mention(number: int, year: int | None, around: date | None) -> pd.Period | None:
    if year is not None:
        return pd.Period(f"{year}Q{number}", freq="Q")
    if around is None:
        return None
    for candidate_year in (around.year, around.year - 1):
        period = pd.Period(f"{candidate_year}Q{number}", freq="Q")
        if period.end_time.date() < around:
            return period
    return None


def determine_quarter(
    given: str | None, title: str | None, tokens: list[Token], dates: list[list[date]]
) -> pd.Period:
    """The release's quarter: ``given``, else the title's, else the text's (checked by date)."""
    earliest = next((min(tier) for tier in dates if tier), None)
    found = _quarter_from_text(title, tokens, earliest)
    if given:
        label = given if quarters.is_quarter(given) else quarters.suggest(given)
        if not label or not quarters.is_quarter(label):
            raise IngestError(f"--quarter: {quarters.describe_bad_label(given)}")
        period = pd.Period(label, freq="Q")
        if found is not None and found != period:
            warnings.warn(
                f"--quarter {label} differs from the quarter the release names "
                f"({quarters.label(found)}); using {label}",
                UserWarning,
                stacklevel=2,
            )
        return period
    if found is None:
        raise IngestError(
            "cannot tell which quarter the release is about (no 'Q3 2019', "
            "'third quarter of 2019' or quarter with a release date found); "
            "pass --quarter, e.g. --quarter 2019Q3"
        )
    return found


def _quarter_from_text(
    title: str | None, tokens: list[Token], earliest: date | None
) -> pd.Period | None:
    if title:
        for token in tokenize(normalize(title)):
            if token.kind == "quarter":
                period = _resolve_mention(*token.value, earliest)
                if period is not None:
                    return period
    mentions = [_resolve_mention(*t.value, earliest) for t in tokens if t.kind == "quarter"]
    mentions = [m for m in mentions if m is not None]
    if not mentions:
        return None
    if earliest is not None and _quarter_before(earliest) in mentions:
        return _quarter_before(earliest)
    counts = {m: mentions.count(m) for m in mentions}
    return max(counts, key=lambda m: (counts[m], -mentions.index(m)))


# --- tables --------------------------------------------------------------------------------


@dataclass
class _TableRow:
    label: str
    counts: list[int]  # one count only when a copy dropped an empty cell ("Model S/X 2,020 6%")
    lease_pct: float | None
    end: int  # index of the token after the row


def _row_label(token: Token) -> str | None:
    if token.kind == "label":
        return token.value
    if token.kind == "word" and token.text in ("Total", "TOTAL", "Totals", "TOTALS"):
        return dataset.TOTAL
    return None


def _table_row(tokens: list[Token], start: int) -> _TableRow | None:
    """The row whose label is at ``start``: the label, its counts, then an optional %."""
    label = _row_label(tokens[start]) if start < len(tokens) else None
    if label is None:
        return None
    counts: list[int] = []
    lease = None
    index = start + 1
    while index < len(tokens):
        token = tokens[index]
        if token.kind in ("count", "year") and lease is None:
            counts.append(token.value)
        elif token.kind == "dash" and lease is None:
            counts.append(0)  # "-" in a count cell: none built (2021Q1 Model S/X)
        elif token.kind == "pct" and lease is None and counts:
            lease = token.value
        else:
            break
        index += 1
    following = tokens[index] if index < len(tokens) else None
    one_cell_dropped = len(counts) == 1 and (
        lease is not None or (following is not None and _row_label(following) is not None)
    )
    if len(counts) < 2 and not one_cell_dropped:
        return None
    return _TableRow(label, counts, lease, index)


@dataclass
class _Table:
    rows: list[_TableRow]
    delivered_first: bool

    def figures(self) -> dict[str, dict]:
        """Per row label: produced, delivered and lease %, in the table's order."""
        result: dict[str, dict] = {}
        partial = []
        for row in self.rows:
            if row.label in result:
                continue
            if len(row.counts) == 1:
                partial.append(row)
                result[row.label] = {PRODUCED: None, DELIVERED: None, "lease_pct": row.lease_pct}
                continue
            produced, delivered = row.counts[:2]
            if self.delivered_first:
                produced, delivered = delivered, produced
            result[row.label] = {
                PRODUCED: produced,
                DELIVERED: delivered,
                "lease_pct": row.lease_pct,
            }
        for row in partial:
            result[row.label].update(_fill_dropped_cell(row, result))
        return result


def _fill_dropped_cell(row: _TableRow, figures: dict[str, dict]) -> dict[str, int]:
    """The row's two counts when a copy dropped an empty ("-") cell, told by the Total row."""
    total = figures.get(dataset.TOTAL)
    others = [f for label, f in figures.items() if label not in (row.label, dataset.TOTAL)]
    value = row.counts[0]
    if (
        total is not None
        and row.label != dataset.TOTAL
        and all(f[PRODUCED] is not None for f in others)
    ):
        for present, missing in ((DELIVERED, PRODUCED), (PRODUCED, DELIVERED)):
            rest = {
                metric: total[metric] - sum(f[metric] for f in others)
                for metric in (PRODUCED, DELIVERED)
            }
            if rest[present] == value and rest[missing] == 0:
                return {present: value, missing: 0}
    raise IngestError(
        f"the {row.label} row of the table has one count ({value:,}) where two "
        "are expected (production and deliveries), and the Total row does not "
        "tell which one it is"
    )


def find_table(tokens: list[Token]) -> _Table | None:
    """The first run of consecutive table rows with a model line (one with a Total preferred)."""
    cells = [t for t in tokens if t.kind != "brk"]
    runs: list[tuple[int, list[_TableRow]]] = []
    index = 0
    while index < len(cells):
        row = _table_row(cells, index)
        if row is None:
            index += 1
            continue
        start, run = index, [row]
        while (following := _table_row(cells, run[-1].end)) is not None:
            run.append(following)
        runs.append((start, run))
        index = run[-1].end
    usable = [
        (start, run)
        for start, run in runs
        if len(run) >= 2
        and any(r.label != dataset.TOTAL for r in run)
        and any(len(r.counts) >= 2 for r in run)
    ]
    if not usable:
        return None
    start, run = next(
        ((s, r) for s, r in usable if any(x.label == dataset.TOTAL for x in r)), usable[0]
    )
    positions = {word: i for i, word in enumerate(_header_words(cells, start))}
    delivered_first = (
        "deliveries" in positions
        and "production" in positions
        and positions["deliveries"] < positions["production"]
    )
    return _Table(run, delivered_first)


def _header_words(cells: list[Token], start: int) -> list[str]:
    """The words between the previous sentence (or number) and the first row of the table."""
    words: list[str] = []
    for token in reversed(cells[max(0, start - 30) : start]):
        if token.kind in ("count", "pct") or (token.kind == "punct" and token.text in ".!?:"):
            break
        if token.kind == "word":
            words.insert(0, token.value)
    return words


def _check_table(figures: dict[str, dict]) -> None:
    total = figures.get(dataset.TOTAL)
    lines = [f for label, f in figures.items() if label != dataset.TOTAL]
    if total is None:
        return
    for metric in (PRODUCED, DELIVERED):
        line_sum = sum(f[metric] for f in lines)
        if line_sum != total[metric]:
            raise IngestError(_mismatch(metric, line_sum, total[metric]))


def _mismatch(metric: str, line_sum: int, total: int) -> str:
    noun = "production" if metric == PRODUCED else "deliveries"
    return (
        f"totals do not add up: the model lines' {noun} add up to {line_sum:,} but the "
        f"release's total is {total:,}"
    )


# --- sentences -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    metric: str
    label: str | None  # None: the whole quarter (Total)
    value: int
    position: int
    penalty: int


def _sentences(tokens: list[Token]) -> list[list[Token]]:
    """Tokens grouped into sentences (ended by . ! ? or a paragraph break)."""
    sentences: list[list[Token]] = [[]]
    for index, token in enumerate(tokens):
        previous = tokens[index - 1] if index else None
        ends = token.kind == "brk" or (
            token.kind == "punct"
            and token.text in ".!?"
            and not (
                token.text == "."
                and previous is not None
                and previous.kind == "word"
                and previous.value in _ABBREVIATIONS
            )
        )
        if ends:
            if sentences[-1]:
                sentences.append([])
        else:
            sentences[-1].append(token)
    return [s for s in sentences if s]


def _splits_segment(sentence: list[Token], index: int) -> bool:
    """True at , ; : ( ), dashes and dates, except round a lone count: "production (28,578)"."""
    token = sentence[index]
    if token.kind in ("dash", "date"):
        return True
    if token.kind != "punct":
        return False
    if token.text == "(":
        return not (
            index + 2 < len(sentence)
            and sentence[index + 1].kind == "count"
            and sentence[index + 2].text == ")"
        )
    if token.text == ")":
        return not (
            index >= 2 and sentence[index - 1].kind == "count" and sentence[index - 2].text == "("
        )
    return True


def _segments(sentence: list[Token]) -> list[list[int]]:
    """Indexes into ``sentence`` grouped into segments (split at punctuation and dashes)."""
    segments: list[list[int]] = [[]]
    for index in range(len(sentence)):
        if _splits_segment(sentence, index):
            if segments[-1]:
                segments.append([])
        else:
            segments[-1].append(index)
    return [s for s in segments if s]


def _clauses(sentence: list[Token], segment: list[int]) -> list[list[int]]:
    """A segment split at 'and', 'while', 'but'...: "53,239 Model 3 and 26,903 Model S and X"."""
    clauses: list[list[int]] = [[]]
    for index in segment:
        token = sentence[index]
        if token.kind == "word" and token.value in _CLAUSE_WORDS:
            if clauses[-1]:
                clauses.append([])
        else:
            clauses[-1].append(index)
    return [c for c in clauses if c]


def _metric_word(token: Token) -> str | None:
    if token.kind != "word":
        return None
    if _DELIVERY_WORDS.match(token.value):
        return DELIVERED
    if _PRODUCTION_WORDS.match(token.value):
        return PRODUCED
    return None


def _metric_for(sentence: list[Token], index: int, clause: list[int]) -> str | None:
    """Production or delivery: the nearest such word before the number, else after it."""
    for token in reversed(sentence[:index]):
        if (metric := _metric_word(token)) is not None:
            return metric
    for position in clause:
        if position > index and (metric := _metric_word(sentence[position])) is not None:
            return metric
    return None


def _is_distractor(tokens: list[Token], period: pd.Period) -> bool:
    """True for text about something else: in transit, rates, years, other quarters..."""
    for token in tokens:
        if token.kind == "year":
            return True
        if token.kind == "word" and (
            token.value in _DISTRACTOR_WORDS
            or ("year" in token.value and token.value not in ("year-over-year", "yoy"))
        ):
            return True
        if token.kind == "quarter":
            number, year = token.value
            if number != period.quarter or (year is not None and year != period.year):
                return True
    return False


def _label_after(sentence: list[Token], index: int, clause: list[int]) -> str | None:
    """ "12,420 Model S", "15,200 were Model S": the label right after the number."""
    for position in clause:
        if position <= index:
            continue
        token = sentence[position]
        if token.kind == "label":
            return token.value
        if not (token.kind == "word" and token.value in _LINKING_WORDS):
            return None
    return None


def _label_before(sentence: list[Token], index: int, clause: list[int]) -> str | None:
    """ "Model 3 production totaled 2,425": a label earlier in the clause, words between."""
    for position in reversed(clause):
        if position >= index:
            continue
        token = sentence[position]
        if token.kind == "label":
            return token.value
        if token.kind in ("count", "pct"):
            return None
    return None


def prose_candidates(tokens: list[Token], period: pd.Period) -> list[_Candidate]:
    """Every count in the sentences that may be a production or delivery figure."""
    candidates: list[_Candidate] = []
    carried: str | None = None  # "Production totaled 34,494. 24,728 were Model S and X."
    carried_age = 0
    for sentence in _sentences(tokens):
        own_metrics = [m for t in sentence if (m := _metric_word(t)) is not None]
        fallback = None if own_metrics else carried
        _sentence_candidates(sentence, period, fallback, candidates)
        if own_metrics:
            carried, carried_age = own_metrics[-1], 0
        else:
            carried_age += 1
            carried = carried if carried_age < 3 else None
    return candidates


def _sentence_candidates(
    sentence: list[Token], period: pd.Period, fallback: str | None, candidates: list[_Candidate]
) -> None:
    segments = _segments(sentence)
    penalty = int(_is_distractor(sentence, period))
    intro_noisy = False
    for segment in segments:  # "In the last seven days of the quarter, ..." colours the rest
        if any(sentence[i].kind == "count" for i in segment):
            break
        intro_noisy = intro_noisy or _is_distractor([sentence[i] for i in segment], period)
    subject: str | None = None
    for segment in segments:
        if intro_noisy or _is_distractor([sentence[i] for i in segment], period):
            subject = None
            continue
        for clause in _clauses(sentence, segment):
            clause_tokens = [sentence[i] for i in clause]
            whole = any(t.kind == "word" and t.value in _WHOLE_WORDS for t in clause_tokens)
            for index in clause:
                if sentence[index].kind != "count":
                    continue
                metric = _metric_for(sentence, index, clause)
                label = _label_after(sentence, index, clause)
                if metric is None and label is not None:
                    metric = fallback  # "24,728 were Model S and X" after "Production was..."
                if label is None:
                    label = _label_before(sentence, index, clause)
                    if label is not None:
                        subject = label
                    elif subject is not None and not whole:
                        label = subject  # "Model 3 production totaled 260 and deliveries 220"
                if metric is not None:
                    candidates.append(
                        _Candidate(metric, label, sentence[index].value, len(candidates), penalty)
                    )
            if whole and not any(t.kind == "label" for t in clause_tokens):
                subject = None


def _expand(labels: set[str]) -> set[str]:
    """The model lines ``labels`` account for (``Model S/X`` covers S and X, and vice versa)."""
    covered = set(labels)
    for combined, parts in COMBINED_LINES.items():
        if combined in labels:
            covered.update(parts)
        if all(part in labels for part in parts):
            covered.add(combined)
    return covered


def choose_figures(candidates: list[_Candidate]) -> tuple[dict[str, dict], dict[str, int | None]]:
    """Pick one value per model line and metric, and the totals, preferring sums that match."""
    options: dict[str, dict[str | None, list[_Candidate]]] = {PRODUCED: {}, DELIVERED: {}}
    for candidate in sorted(candidates, key=lambda c: (c.penalty, c.position)):
        found = options[candidate.metric].setdefault(candidate.label, [])
        if candidate.value not in [c.value for c in found] and len(found) < MAX_CHOICES:
            found.append(candidate)
    for by_label in options.values():
        for combined, parts in COMBINED_LINES.items():
            if combined in by_label and all(part in by_label for part in parts):
                del by_label[combined]  # the sum of lines also given one by one
    all_lines = {label for by_label in options.values() for label in by_label if label}
    lines: dict[str, dict] = {}
    totals: dict[str, int | None] = {}
    for metric, by_label in options.items():
        line_labels = [label for label in by_label if label]
        complete = bool(line_labels) and _expand(set(line_labels)) >= all_lines
        best: tuple | None = None
        total_options = by_label.get(None) or [None]
        for choice in itertools.product(*(by_label[label] for label in line_labels), total_options):
            *picked, total = choice
            line_sum = sum(c.value for c in picked)
            if total is None:
                consistent = True
            else:
                consistent = line_sum == total.value if complete else line_sum <= total.value
            chosen = [c for c in choice if c is not None]
            score = (
                not consistent,
                sum(c.penalty for c in chosen),
                sum(c.position for c in chosen),
            )
            if best is None or score < best[0]:
                best = (score, picked, total, line_sum)
        (inconsistent, *_), picked, total, line_sum = best
        if inconsistent:
            raise IngestError(_mismatch(metric, line_sum, total.value))
        for label, candidate in zip(line_labels, picked, strict=True):
            lines.setdefault(label, {PRODUCED: None, DELIVERED: None, "lease_pct": None})
            lines[label][metric] = candidate.value
        if total is not None:
            totals[metric] = total.value
        else:
            totals[metric] = line_sum if complete else None
    return lines, totals


# --- approximate deliveries ------------------------------------------------------------------


def _qualified(sentence: list[Token], index: int) -> bool:
    """True when the number at ``index`` is preceded by "approximately", "~", "just over"..."""
    before = sentence[max(0, index - 2) : index]
    if before and before[-1].kind == "tilde":
        return True
    words = [t.value if t.kind == "word" else None for t in before]
    return bool(words and words[-1] in _QUALIFIERS) or tuple(words) in _TWO_WORD_QUALIFIERS


def deliveries_approximate(
    tokens: list[Token], period: pd.Period, delivered: list[int], total_delivered: int | None
) -> bool:
    """Whether the release's deliveries are approximate (preliminary-era rule of SOURCES.md).

    From 2022 Tesla gives exact counts. Before, deliveries are approximate when a delivery figure
    is qualified ("approximately 97,000", "delivered over 241,000") or when every delivery figure
    is a round multiple of ten.
    """
    if period >= EXACT_COUNTS_FROM or not delivered:
        return False
    if all(value % 10 == 0 for value in delivered):
        return True
    for sentence in _sentences(tokens):
        for index, token in enumerate(sentence):
            if token.kind != "count" or not _qualified(sentence, index):
                continue
            if token.value in delivered:
                return True
            near_total = (
                total_delivered
                and abs(token.value - total_delivered) <= APPROX_CLOSE * total_delivered
            )
            if near_total and _metric_for(sentence, index, [index]) == DELIVERED:
                return True
    return False


# --- the result ----------------------------------------------------------------------------


@dataclass
class ReleaseRow:
    """One row for the data table: a model line (or ``Total``) of the quarter."""

    quarter: str
    model_line: str
    produced: int | None
    delivered: int | None
    lease_pct: float | None
    delivered_approx: bool

    def __getitem__(self, key: str):
        return getattr(self, key)

    def to_dict(self) -> dict:
        """The JSON form (lease % as an int when whole)."""
        return {
            "quarter": self.quarter,
            "model_line": self.model_line,
            "produced": self.produced,
            "delivered": self.delivered,
            "lease_pct": _plain_number(self.lease_pct),
            "delivered_approx": self.delivered_approx,
        }


@dataclass
class ParsedRelease:
    """What a release says: quarter, release date, title and the rows (model lines + Total)."""

    quarter: str
    release_date: str | None
    title: str | None
    rows: list[ReleaseRow]
    totals: dict[str, float | int | None] = field(default_factory=dict)

    @property
    def delivered_approx(self) -> bool:
        """Whether the release calls its deliveries approximate."""
        return any(row.delivered_approx for row in self.rows)

    def to_dict(self) -> dict:
        """``{"quarter", "release_date", "rows": [...], "totals": {...}}`` for ``--json``."""
        return {
            "quarter": self.quarter,
            "release_date": self.release_date,
            "rows": [row.to_dict() for row in self.rows],
            "totals": {
                "produced": self.totals.get(PRODUCED),
                "delivered": self.totals.get(DELIVERED),
                "lease_pct": _plain_number(self.totals.get("lease_pct")),
            },
        }


def _plain_number(value: float | int | None) -> float | int | None:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def parse_release(
    text: str, quarter: str | None = None, source_name: str | None = None
) -> ParsedRelease:
    """Parse a production & deliveries release (plain text or HTML) into rows.

    ``quarter`` (``"2019Q3"``) overrides the quarter named in the text. Raises IngestError, one
    line naming what is missing, when the quarter, the figures or matching totals are not found.
    """
    prefix = f"{source_name}: " if source_name else ""
    try:
        return _parse(text, quarter)
    except IngestError as exc:
        raise IngestError(f"{prefix}{exc}") from None


def _parse(text: str, quarter: str | None) -> ParsedRelease:
    title = None
    if looks_like_html(text):
        text, title = html_to_text(text)
    text = normalize(text)
    title = title or find_title(text)
    tokens = tokenize(mark_paragraphs(text))
    if not any(t.kind == "count" for t in tokens):
        raise IngestError(
            "no vehicle counts found: expected a Production/Deliveries table or "
            "sentences such as 'delivered 24,500 vehicles'"
        )
    dates = release_date_candidates(text)
    period = determine_quarter(quarter, title, tokens, dates)
    released = _release_date(dates, period)
    table = find_table(tokens)
    if table is not None:
        figures = table.figures()
        _check_table(figures)
        total = figures.pop(dataset.TOTAL, None)
        if total is None:
            total = {
                metric: sum(f[metric] for f in figures.values()) for metric in (PRODUCED, DELIVERED)
            } | {"lease_pct": None}
    else:
        figures, sums = choose_figures(prose_candidates(tokens, period))
        figures = {label: figures[label] for label in LINE_ORDER if label in figures}
        total = dict(sums, lease_pct=None)
    if not figures or total.get(DELIVERED) is None:
        what = "model lines" if not figures else "total deliveries"
        raise IngestError(
            f"no {what} found for {quarters.label(period)}: expected a "
            "Production/Deliveries table or sentences such as 'delivered 24,500 "
            "vehicles, of which 15,800 were Model S'"
        )
    delivered = [f[DELIVERED] for f in figures.values() if f[DELIVERED] is not None]
    approx = deliveries_approximate(
        tokens, period, delivered + [total[DELIVERED]], total[DELIVERED]
    )
    label = quarters.label(period)
    rows = [
        ReleaseRow(label, line, f[PRODUCED], f[DELIVERED], f["lease_pct"], approx)
        for line, f in figures.items()
    ]
    rows.append(
        ReleaseRow(
            label, dataset.TOTAL, total[PRODUCED], total[DELIVERED], total["lease_pct"], approx
        )
    )
    return ParsedRelease(
        label,
        released.isoformat() if released else None,
        title,
        rows,
        {PRODUCED: total[PRODUCED], DELIVERED: total[DELIVERED], "lease_pct": total["lease_pct"]},
    )


# --- the data file ---------------------------------------------------------------------------

_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@dataclass
class _CsvFile:
    """The data CSV as raw records, so that untouched rows are written back byte for byte."""

    path: Path
    bom: bool
    eol: str
    header: list[str]
    header_raw: str
    records: list[tuple[str, list[str]]]  # (raw text incl. line end, fields)

    @classmethod
    def read(cls, path: Path) -> _CsvFile:
        raw = path.read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8-sig")
        buffer: list[str] = []

        def lines():
            for match in _PHYSICAL_LINE.finditer(text):
                buffer.append(match.group(0))
                yield match.group(0)

        records = []
        for fields in csv.reader(lines()):
            records.append(("".join(buffer), fields))
            buffer.clear()
        header_raw, header = records[0]
        eol = re.search(r"(\r\n|\r|\n)$", header_raw)
        return cls(
            path,
            bom,
            eol.group(1) if eol else "\n",
            [h.strip() for h in header],
            header_raw,
            records[1:],
        )

    def quarter_of(self, fields: list[str]) -> str | None:
        if "quarter" not in self.header or len(fields) != len(self.header):
            return None
        return fields[self.header.index("quarter")].strip()

    def records_for(self, quarter: str) -> list[dict[str, str]]:
        return [
            dict(zip(self.header, fields, strict=True))
            for _, fields in self.records
            if self.quarter_of(fields) == quarter
        ]

    def with_quarter(self, quarter: str, rows: list[dict[str, str]]) -> bytes:
        """The file's bytes with ``quarter``'s rows replaced by (or ``rows`` inserted in order)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator=self.eol)
        for row in rows:
            writer.writerow([row.get(name, "") for name in self.header])
        new_text = buffer.getvalue()
        kept = [(raw, fields) for raw, fields in self.records if self.quarter_of(fields) != quarter]
        old_at = next(
            (i for i, (_, f) in enumerate(self.records) if self.quarter_of(f) == quarter), None
        )
        if old_at is not None:
            at = sum(1 for _, f in self.records[:old_at] if self.quarter_of(f) != quarter)
        else:
            at = next(
                (i for i, (_, f) in enumerate(kept) if (self.quarter_of(f) or "") > quarter),
                len(kept),
            )
            while at > 0 and not kept[at - 1][1]:  # keep trailing blank lines at the end
                at -= 1
        parts = [self.header_raw] + [raw for raw, _ in kept[:at]]
        if not parts[-1].endswith(("\n", "\r")):
            parts[-1] += self.eol
        parts += [new_text] + [raw for raw, _ in kept[at:]]
        return (b"\xef\xbb\xbf" if self.bom else b"") + "".join(parts).encode("utf-8")


def _format_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def csv_rows(parsed: ParsedRelease, source: str, verified: str) -> list[dict[str, str]]:
    """The parsed rows as CSV cells (same columns as ``data/production_deliveries.csv``)."""
    return [
        {
            "quarter": row.quarter,
            "model_line": row.model_line,
            "produced": _format_value(row.produced),
            "delivered": _format_value(row.delivered),
            "lease_pct": _format_value(row.lease_pct),
            "delivered_approx": _format_value(row.delivered_approx),
            "release_date": parsed.release_date or "",
            "source": source,
            "source_url": "",
            "verified": verified,
        }
        for row in parsed.rows
    ]


def _differences(old: list[dict[str, str]], new: list[dict[str, str]]) -> list[str]:
    """Per model line: what changes from the rows in the file to the parsed ones."""
    fields = ["produced", "delivered", "lease_pct", "delivered_approx", "release_date"]
    old_by_line = {row.get("model_line", "").strip(): row for row in old}
    new_by_line = {row["model_line"]: row for row in new}
    lines = []
    for line in list(dict.fromkeys([*new_by_line, *old_by_line])):
        before, after = old_by_line.get(line), new_by_line.get(line)
        if before is None:
            lines.append(f"  {line}: new row")
        elif after is None:
            lines.append(f"  {line}: removed")
        else:
            changes = [
                f"{name} {_shown(before.get(name, ''))} -> {_shown(after[name])}"
                for name in fields
                if _comparable(name, before.get(name, "")) != _comparable(name, after[name])
            ]
            lines.append(f"  {line}: {'; '.join(changes) if changes else 'unchanged'}")
    return lines


def _comparable(name: str, text: str) -> object:
    text = text.strip()
    if name in ("produced", "delivered") and text:
        return int(text.replace(",", "").replace(" ", ""))
    if name == "lease_pct" and text:
        return float(text.rstrip("%"))
    if name == "delivered_approx":
        return text.lower() in dataset.TRUE_WORDS
    return text


def _shown(text: str) -> str:
    text = text.strip()
    if not text:
        return "(empty)"
    return f"{int(text):,}" if text.isdigit() else text


def summary_text(parsed: ParsedRelease) -> str:
    """A short table of what was parsed, for the terminal."""
    released = f", released {parsed.release_date}" if parsed.release_date else ""
    lines = [
        f"{parsed.quarter}{released}: {parsed.title or '(no title found)'}",
        f"  {'model line':<14}{'produced':>10}{'delivered':>12}{'lease':>8}",
    ]
    for row in parsed.rows:
        delivered = "-" if row.delivered is None else f"{row.delivered:,}"
        if row.delivered is not None and row.delivered_approx:
            delivered = "~" + delivered
        produced = "-" if row.produced is None else f"{row.produced:,}"
        lease = "-" if row.lease_pct is None else f"{_plain_number(row.lease_pct)}%"
        lines.append(f"  {row.model_line:<14}{produced:>10}{delivered:>12}{lease:>8}")
    if parsed.delivered_approx:
        lines.append("  (~ deliveries stated as approximate)")
    return "\n".join(lines)


# --- the command -----------------------------------------------------------------------------


def run(args) -> int:
    """``deliveries ingest``: parse the release and add its rows to the data table."""
    text, name = read_release(args.file)
    parsed = parse_release(text, quarter=args.quarter, source_name=name)
    data_path = (
        Path(args.data) if args.data else (dataset.default_data_dir() / "production_deliveries.csv")
    )
    where = dataset.display_path(data_path)
    if data_path.is_dir():
        raise IngestError(f"{where}: is a folder, expected the production & deliveries CSV")
    if not data_path.is_file():
        raise IngestError(f"{where}: data file not found (pass --data CSV)")
    dataset.load_deliveries(data_path)  # the file as it is must be valid before we add to it
    try:
        table = _CsvFile.read(data_path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise IngestError(f"{where}: cannot be read ({exc})") from None
    old = table.records_for(parsed.quarter)
    if old and not args.replace:
        raise IngestError(
            f"{parsed.quarter} is already in {where} ({len(old)} rows); pass "
            "--replace to replace it (the differences are shown)"
        )
    verified = f"ingested from {name} on {date.today().isoformat()}"
    rows = csv_rows(parsed, parsed.title or name, verified)
    content = table.with_quarter(parsed.quarter, rows)
    temporary = _validated_temporary(data_path, content)
    try:
        messages = sys.stderr if args.json else sys.stdout
        if args.json:
            print(json.dumps(parsed.to_dict(), indent=2))
        else:
            print(summary_text(parsed))
        if old:
            print(f"{parsed.quarter} in {where}, old -> new:", file=messages)
            print("\n".join(_differences(old, rows)), file=messages)
        verb = "replace" if old else "add"
        if args.dry_run:
            print(
                f"dry run: would {verb} {len(rows)} rows for {parsed.quarter} in {where}; "
                "nothing written",
                file=messages,
            )
            return 0
        os.replace(temporary, data_path)
        temporary = None
        done = "replaced" if old else "added"
        print(f"{done} {len(rows)} rows for {parsed.quarter} in {where}", file=messages)
        return 0
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def _validated_temporary(data_path: Path, content: bytes) -> Path:
    """Write ``content`` beside ``data_path`` and check it loads; the temporary file's path."""
    handle, name = tempfile.mkstemp(
        prefix=f".{data_path.name}.", suffix=".ingest", dir=data_path.parent
    )
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        shutil.copymode(data_path, temporary)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                dataset.load_deliveries(temporary)
        except DataError as exc:
            shown = dataset.display_path(temporary)
            problems = [p.replace(shown, dataset.display_path(data_path)) for p in exc.problems]
            raise IngestError(
                "\n".join(f"the new rows would make the data invalid: {p}" for p in problems)
            ) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary
