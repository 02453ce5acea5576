"""Dates in a release: its datelines, the release date, and which quarter it reports.

A release is dated by its dateline ("PALO ALTO, Calif., Oct. 2, 2019 --"), at the start of a line
or, in copies that ran the text together, inside a paragraph; else by a line holding only a date.
Only a date in the weeks after the quarter's end counts, so webcast dates never do.
"""

from __future__ import annotations

import re
import warnings
from datetime import date, timedelta

from ...data import quarters
from ...data.quarters import Quarter
from ...errors import IngestError
from .vocabulary import MONTH_NUMBERS, WEEKDAY, Token, date_pattern, tokenize

RELEASE_WINDOW_DAYS = 100  # a release (or a copy's date line) follows its quarter's end by weeks

DATELINE = re.compile(
    rf"^[\s\"'*_>-]*(?!{WEEKDAY})[A-Z][A-Za-z.'-]*(?:\s+[A-Z][A-Za-z.'-]*){{0,3}}\s*,\s*"
    rf"(?:[A-Z][A-Za-z.]*(?:\s+[A-Z][A-Za-z.]*)?\s*[,-]+\s*)?(?:\(?[A-Z ]*WIRE\)?\s*[-–—]*\s*)?"
    rf"(?P<date>{date_pattern('')})",
    re.MULTILINE,
)
# inside a paragraph: "... & Deliveries PALO ALTO, Calif., October 2, 2019 - In the third quarter"
# (a city in capitals, an optional region, the date, a newswire's name, then a dash of any kind)
INLINE_DATELINE = re.compile(
    r"(?<![\w.'-])[A-Z][A-Z.'-]*[A-Z.](?:\s+[A-Z][A-Z.'-]*[A-Z.]){0,3}\s*,\s*"
    r"(?:[A-Z][A-Za-z.]*(?:\s+[A-Z][A-Za-z.]*)?\s*,\s*)?"
    rf"(?P<date>{date_pattern('')})"
    r"\s*(?:\(?(?i:GLOBE\s*NEWSWIRE|BUSINESS\s*WIRE|/?\s*PR\s*NEWSWIRE\s*/?)\)?\s*)?[-–—−]+"
)
_WIRE_DATE = re.compile(
    rf"(?P<date>{date_pattern('')})\s*[-–—/(]*\s*"
    r"(?:GLOBE\s*NEWSWIRE|BUSINESS\s*WIRE|PR\s*NEWSWIRE)",
    re.IGNORECASE,
)
_DATE_LINE = re.compile(
    rf"^[\s*_#>|-]*(?i:(?:date|dated|published|released)\s*:?\s*)?"
    rf"(?P<date>{date_pattern('')})[\s*_.|]*$",
    re.MULTILINE,
)


def _date_from(match: re.Match) -> date | None:
    """The ``date`` of a match of :func:`date_pattern` ('' tag), or None if impossible."""
    try:
        if match.group("iso"):
            return date.fromisoformat(match.group("iso"))
        if match.group("mon"):
            month, day, year = match.group("mon"), match.group("day"), match.group("year")
        else:
            month, day, year = match.group("dmon"), match.group("dday"), match.group("dyear")
        return date(int(year), MONTH_NUMBERS[month[:3].lower()], int(day))
    except ValueError:
        return None


def release_date_candidates(text: str) -> list[list[date]]:
    """Dates that may be the release's: datelines first, then lines holding only a date."""
    datelines = [_date_from(m) for m in DATELINE.finditer(text)]
    datelines += [_date_from(m) for m in INLINE_DATELINE.finditer(text)]
    datelines += [_date_from(m) for m in _WIRE_DATE.finditer(text)]
    lines = [_date_from(m) for m in _DATE_LINE.finditer(text)]
    return [[d for d in datelines if d], [d for d in lines if d]]


def _quarter_before(day: date) -> Quarter:
    """The last quarter that ended before ``day`` (a release reports the quarter just ended)."""
    return Quarter.containing(day) - 1


def choose_release_date(candidates: list[list[date]], period: Quarter) -> date | None:
    """The earliest candidate (datelines first) that falls in the weeks after ``period``."""
    end = period.last_day
    for tier in candidates:
        fitting = [d for d in tier if end < d <= end + timedelta(days=RELEASE_WINDOW_DAYS)]
        if fitting:
            return min(fitting)
    return None


def _resolve_mention(number: int, year: int | None, around: date | None) -> Quarter | None:
    if year is not None:
        return Quarter(year, number)
    if around is None:
        return None
    for candidate_year in (around.year, around.year - 1):
        period = Quarter(candidate_year, number)
        if period.last_day < around:
            return period
    return None


def determine_quarter(
    given: str | None, title: str | None, tokens: list[Token], dates: list[list[date]]
) -> Quarter:
    """The release's quarter: ``given``, else the title's, else the text's (checked by date).

    ``title`` is normalized text (see :func:`~deliveries.ingest.text.normalize`).
    """
    earliest = next((min(tier) for tier in dates if tier), None)
    found = _quarter_from_text(title, tokens, earliest)
    if given:
        label = given if quarters.is_quarter(given) else quarters.suggest(given)
        if not label or not quarters.is_quarter(label):
            raise IngestError(f"--quarter: {quarters.describe_bad_label(given)}")
        period = Quarter.parse(label)
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
) -> Quarter | None:
    if title:
        for token in tokenize(title):
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
