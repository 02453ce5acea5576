"""How every figure is written for people: the one place to change a figure's wording.

Counts (``~97,000``, ``+1,200``), percentages, quarter names (``Q3 2019``), goals and goal
ranges (marked when derived from a growth statement), the shortfall and its +-0.5% band,
records, and the analysts' consensus (provider, beat or miss, spread, when it was reported).
The report's blocks (``sections``), its sentences (``narrative``), the index page, the e-mail and
the explorer all write figures through these functions, so a figure reads the same everywhere.
"""

from __future__ import annotations

import pandas as pd

from ..analysis.metrics import QuarterSummary, Record, uncertainty_band
from ..data import quarters
from ..data.consensus import GIVEN, NAMED_PROVIDERS, WHEN_MEANING, Estimate

NOT_AVAILABLE = "n/a"
MINUS = "\u2212"
RANGE_DASH = "\u2013"
PLUS_MINUS_HALF = "\u00b10.5%"


# --- numbers ---------------------------------------------------------------------------------


def count(value: int | None, approx: bool = False, signed: bool = False) -> str:
    """``97000`` -> ``97,000`` (``~97,000`` when approximate, ``+97,000`` signed); None -> n/a."""
    if value is None:
        return NOT_AVAILABLE
    text = f"{value:+,}" if signed else f"{value:,}"
    if signed:
        text = text.replace("-", MINUS)
    return f"~{text}" if approx else text


def percent(fraction: float | None, signed: bool = True, digits: int = 1) -> str:
    """``0.10462`` -> ``+10.5%``; None -> ``n/a``."""
    if fraction is None:
        return NOT_AVAILABLE
    value = fraction * 100
    if round(value, digits) == 0:
        value = 0.0
    text = f"{value:+.{digits}f}%" if signed else f"{value:.{digits}f}%"
    return text.replace("-", MINUS)


def plain_percent(value: float | None, digits: int = 0) -> str:
    """A percentage already in percent units: ``15.0`` -> ``15%``."""
    if value is None:
        return NOT_AVAILABLE
    return f"{value:.{digits}f}%"


def share(value: float | None) -> str:
    """A share of deliveries in percent units: ``62.34`` -> ``62.3%``."""
    return NOT_AVAILABLE if value is None else f"{value:.1f}%"


def change(fraction: float | None) -> str:
    """Growth as words: ``0.12`` -> ``up 12.0%``, ``-0.05`` -> ``down 5.0%``."""
    if fraction is None:
        return NOT_AVAILABLE
    word = "up" if fraction >= 0 else "down"
    return f"{word} {percent(abs(fraction), signed=False)}"


def optional(value, writer=count, **options) -> str:
    """``writer(value)`` for a value from a table cell, where NaN/NA means n/a."""
    if value is None or pd.isna(value):
        return NOT_AVAILABLE
    return writer(int(value) if writer is count else value, **options)


# --- quarters --------------------------------------------------------------------------------


def quarter_name(quarter: str | pd.Period | None) -> str:
    """``2019Q3`` (or its Period) -> ``Q3 2019``; None -> ``n/a``."""
    if quarter is None:
        return NOT_AVAILABLE
    return quarters.display(quarters.parse_quarter(quarter))


def quarter_span(first: str | pd.Period, last: str | pd.Period) -> str:
    """``Q1 2019–Q3 2019``."""
    return f"{quarter_name(first)}{RANGE_DASH}{quarter_name(last)}"


def tick_label(quarter: str | pd.Period, short_year: bool = False) -> str:
    """A chart's axis label for a quarter, on two lines: ``Q3\n2019`` (``Q3\n19`` short)."""
    period = quarters.parse_quarter(quarter)
    year = str(period.year)[2:] if short_year else str(period.year)
    return f"Q{period.quarter}\n{year}"


# --- goals -----------------------------------------------------------------------------------


def goal_range(goal: int | None, high: int | None = None) -> str:
    """``360,000–400,000`` for a range, ``100,000`` for a single figure; None -> ``n/a``."""
    if goal is None or pd.isna(goal):
        return NOT_AVAILABLE
    if high is None or pd.isna(high):
        return f"{int(goal):,}"
    return f"{int(goal):,}{RANGE_DASH}{int(high):,}"


DERIVED_MARK = " (derived)"


def goal_cell(goal: int | None, high: int | None = None, derived: str | None = None) -> str:
    """A goal in a table cell: ``749,325 (derived)`` when it was derived from a statement."""
    text = goal_range(goal, high)
    return text + DERIVED_MARK if derived else text


def goal_in_prose(goal: int | None, high: int | None = None, derived: str | None = None) -> str:
    """A goal in a sentence, with the statement it was derived from."""
    text = goal_range(goal, high)
    if derived:
        text += f" (derived from a statement of {derived}; Tesla gave no unit count)"
    return text


def derived_goal_note(statements: dict[str, str]) -> str:
    """The footnote for a table's derived goals: ``{"2021": "50% growth"}`` -> one sentence."""
    parts = "; ".join(f"{who}: {what}" for who, what in statements.items())
    return (
        "(derived): Tesla stated a growth rate, not a unit count; the goal is worked out from "
        f"that rate and the year before ({parts})."
    )


# --- shortfall and the +-0.5% band -----------------------------------------------------------


def shortfall_word(summary: QuarterSummary) -> str:
    """``Shortfall`` or, when the goal was beaten, ``Beat by``."""
    return "Shortfall" if summary.shortfall >= 0 else "Beat by"


def shortfall_value(summary: QuarterSummary) -> str:
    """``~3,000 (3.0%)``: the shortfall (or beat) and its share of the goal."""
    return count(abs(summary.shortfall), summary.delivered_approx) + (
        f" ({percent(abs(summary.shortfall_fraction), signed=False)})"
    )


def shortfall_range(summary: QuarterSummary) -> str | None:
    """The shortfall at both ends of Tesla's +-0.5% band (``2,515 to 3,485``); None if exact."""
    low, high = summary.shortfall_low, summary.shortfall_high
    if summary.goal is None or low == high:
        return None
    ends = sorted((low, high), key=abs) if summary.shortfall < 0 else (low, high)
    if ends[0] * ends[1] > 0:
        return f"{count(abs(ends[0]))} to {count(abs(ends[1]))}"
    return f"{count(ends[0], signed=True)} to {count(ends[1], signed=True)}"


def shortfall_band_clause(summary: QuarterSummary) -> str:
    """The band as a clause of the goal sentence ('' for exact deliveries)."""
    low, high = summary.shortfall_low, summary.shortfall_high
    if low == high:
        return ""
    if low <= 0 <= high:
        return (
            f"; within Tesla's {PLUS_MINUS_HALF} caveat ({count(summary.delivered_low)} to "
            f"{count(summary.delivered_high)} delivered) it may have gone either way"
        )
    ends = sorted((abs(low), abs(high)))
    noun = "shortfall" if summary.shortfall > 0 else "margin"
    return (
        f"; allowing for Tesla's {PLUS_MINUS_HALF} caveat the {noun} is "
        f"{count(ends[0])} to {count(ends[1])}"
    )


# --- records ---------------------------------------------------------------------------------


def previous_record(record: Record) -> str:
    """``96,155 in Q3 2019``: the record a quarter is measured against."""
    return f"{count(record.previous_value)} in {quarter_name(record.previous_quarter)}"


def record_clause(record: Record, noun: str) -> str:
    """``a delivery record (previous high: ...)`` / ``below the delivery record of ...``."""
    if record.is_record is None:
        return ""
    if record.is_record:
        return f"a {noun} record (previous high: {previous_record(record)})"
    return f"below the {noun} record of {previous_record(record)}"


def record_status(record: Record) -> str:
    """Short form for the metrics table: ``yes (previous: 2019Q2, 95,200)``."""
    if record.is_record is None:
        return NOT_AVAILABLE
    previous = f"{record.previous_quarter}, {record.previous_value:,}"
    return f"yes (previous: {previous})" if record.is_record else f"no (record: {previous})"


def records_set(summary: QuarterSummary) -> list[str]:
    """The records a quarter set: ``["production", "deliveries"]``, either, or none."""
    return [
        name
        for name, record in (
            ("production", summary.record_produced),
            ("deliveries", summary.record_delivered),
        )
        if record.is_record
    ]


def record_check(noun: str, value: int | None, record: Record, approx: bool) -> str:
    """One sentence verifying a record claim against every earlier quarter in the data."""
    if value is None:
        return f"{noun}: no figure for the quarter, so no record can be checked."
    if record.is_record is None:
        return f"{noun} {count(value, approx)}: the first quarter in the data; nothing to compare."
    margin = count(value - record.previous_value, signed=True)
    if not record.is_record:
        return (
            f"{noun} {count(value, approx)}: not a record; the record is "
            f"{previous_record(record)} ({margin})."
        )
    text = (
        f"{noun} {count(value, approx)}: a record, above every earlier quarter in the data;"
        f" the previous record was {previous_record(record)} ({margin})."
    )
    low, _ = uncertainty_band(value, approx)
    if approx and low <= record.previous_value:
        text += (
            f" The margin is within Tesla's {PLUS_MINUS_HALF} caveat, so the record is not certain."
        )
    return text


# --- the analysts' consensus -----------------------------------------------------------------

# A provider in NAMED_PROVIDERS reads as "the FactSet consensus of 99,000"; the others read as
# "the consensus of 98,250 (compiled by ...)".
_UNNAMED_PROVIDERS = {
    "other": "compiled by a news outlet",
    "unspecified": "compiler not named",
}
NO_CONSENSUS = "none reported"


def consensus_phrase(value: int, provider: str) -> str:
    """``the FactSet consensus of 99,000``; a given figure: ``the consensus of N you gave``."""
    if provider == GIVEN:
        return f"the consensus of {count(value)} you gave"
    if provider in NAMED_PROVIDERS:
        return f"the {provider} consensus of {count(value)}"
    how = _UNNAMED_PROVIDERS.get(provider, provider)
    return f"the consensus of {count(value)} ({how})"


def provider_name(provider: str | None) -> str:
    """A provider in a table cell: ``FactSet``, ``given (report parameter)``, ``other compiler``."""
    if provider is None:
        return NOT_AVAILABLE
    if provider == GIVEN:
        return "given (report parameter)"
    return {"other": "other compiler", "unspecified": "unnamed compiler"}.get(provider, provider)


def consensus_label(provider: str) -> str:
    """The KPI table's label: ``Consensus (FactSet)``, or ``Consensus you gave``."""
    return "Consensus you gave" if provider == GIVEN else f"Consensus ({provider_name(provider)})"


def consensus_verb(summary: QuarterSummary) -> str:
    """``beat``, ``missed`` or ``matched``: deliveries against the headline consensus."""
    if summary.vs_consensus > 0:
        return "beat"
    return "missed" if summary.vs_consensus < 0 else "matched"


def consensus_spread(low: int | None, high: int | None) -> str:
    """``94,422–99,000``, or one figure when all estimates agreed; None -> n/a."""
    if low is None or high is None:
        return NOT_AVAILABLE
    return count(low) if low == high else f"{count(low)}{RANGE_DASH}{count(high)}"


def spread_clause(summary: QuarterSummary) -> str:
    """``; reported estimates ranged from 94,422 to 99,000`` ('' when they all agreed)."""
    low, high = summary.consensus_low, summary.consensus_high
    if low is None or low == high:
        return ""
    who = "estimates (yours included)" if summary.consensus_provider == GIVEN else "estimates"
    return f"; reported {who} ranged from {count(low)} to {count(high)}"


def vs_consensus_value(summary: QuarterSummary) -> str:
    """``~−2,000 (−2.0%)``: delivered − consensus, signed, with its share of the consensus."""
    if summary.vs_consensus is None:
        return NOT_AVAILABLE
    difference = count(summary.vs_consensus, summary.delivered_approx, signed=True)
    return f"{difference} ({percent(summary.vs_consensus_fraction)})"


def vs_consensus_range(summary: QuarterSummary) -> str | None:
    """The difference at both ends of Tesla's +-0.5% band (``−2,485 to −1,515``); None if exact."""
    low, high = summary.vs_consensus_low, summary.vs_consensus_high
    if summary.vs_consensus is None or low == high:
        return None
    return f"{count(low, signed=True)} to {count(high, signed=True)}"


def consensus_band_clause(summary: QuarterSummary) -> str:
    """Where the band matters (it spans zero: a beat or a miss): a clause saying so; else ''."""
    low, high = summary.vs_consensus_low, summary.vs_consensus_high
    if low is None or low == high or not (low <= 0 <= high):
        return ""
    return (
        f"; within Tesla's {PLUS_MINUS_HALF} caveat ({count(summary.delivered_low)} to "
        f"{count(summary.delivered_high)} delivered) it may have gone either way"
    )


def vs_consensus_cell(fraction: float | None) -> str:
    """The index page's cell: ``−2.0%``, blank when the quarter has no consensus."""
    if fraction is None or pd.isna(fraction):
        return ""
    return percent(float(fraction))


def statistic_value(figure: Estimate) -> str:
    """A figure as reported: ``99,000`` for a mean or median, ``23,000–24,000`` for a range."""
    if figure.is_point:
        return count(figure.value, figure.approx)
    approx = "~" if figure.approx else ""
    return f"{approx}{count(figure.low)}{RANGE_DASH}{count(figure.high)}"


def when_words(when: str | None) -> str:
    """``R`` -> ``reported with the release``; a given figure (no code) -> ``given for this
    report``."""
    if when is None:
        return "given for this report"
    return WHEN_MEANING.get(when, when)


def consensus_subject(summary: QuarterSummary) -> str:
    """The e-mail subject's part: ``missed consensus (99,000)``; '' without a headline."""
    if summary.vs_consensus is None:
        return ""
    return f"{consensus_verb(summary)} consensus ({count(summary.consensus)})"


def consensus_figure_detail(figure: Estimate, is_headline: bool = False) -> str:
    """One consensus figure for the sources table.

    ``FactSet mean 99,000 (the headline); reported with the release; 12 analysts``.
    """
    if figure.provider == GIVEN:
        return f"{count(figure.value)}, given for this report (the headline)"
    what = "range" if not figure.is_point else figure.statistic
    text = f"{provider_name(figure.provider)} {what} {statistic_value(figure)}"
    if is_headline:
        text += " (the headline)"
    text += f"; {when_words(figure.when)}"
    analysts = figure.analysts
    if analysts:
        text += f"; {analysts} analyst{'s' if analysts != 1 else ''}"
    elif figure.provider != GIVEN:
        text += "; number of analysts not stated"
    return text


# --- energy storage --------------------------------------------------------------------------

STORAGE_STATED_IN = {
    "release": "the production and deliveries release",
    "update": "the quarterly Update letter (not the production and deliveries release)",
}


def storage_amount(mwh: int | None, as_stated: str | None = None) -> str:
    """A storage figure as Tesla stated it (``9.4 GWh``, ``4,053 MWh``); else (a sum) from MWh:
    GWh to one decimal from 1,000 MWh on, whole MWh below; None -> n/a."""
    if as_stated:
        return as_stated
    if mwh is None or pd.isna(mwh):
        return NOT_AVAILABLE
    return f"{int(mwh) / 1000:.1f} GWh" if mwh >= 1000 else f"{int(mwh):,} MWh"


def storage_missing(summary: QuarterSummary) -> str:
    """Why a quarter has no storage figure, as a sentence."""
    first = summary.storage.first_quarter
    since = f" (they start in {quarter_name(first)})" if first else ""
    quarter = quarter_name(summary.quarter)
    return f"Energy storage deployments for {quarter} are not in the data{since}."


def storage_sentence(summary: QuarterSummary) -> str:
    """``Tesla deployed 13.7 GWh of energy storage in Q3 2026, up 1.5% on Q2 2026 and up 9.6% on
    Q3 2025, below the record 14.2 GWh of Q4 2025.`` (the headline's storage sentence)."""
    s = summary.storage
    if s.mwh is None:
        return storage_missing(summary)
    text = f"Tesla deployed {storage_amount(s.mwh, s.as_stated)} of energy storage"
    text += f" in {quarter_name(summary.quarter)}"
    if s.stated_in == "update":
        text += " (as stated in the quarterly Update letter)"
    changes = [
        f"{change(value)} on {quarter_name(name)}"
        for value, name in ((s.qoq, summary.previous_quarter), (s.yoy, summary.year_ago_quarter))
        if value is not None
    ]
    text += f", {' and '.join(changes)}" if changes else ""
    best = s.record
    if best.is_record is not None:
        held = f"{storage_amount(best.previous_value, s.record_as_stated)} of "
        held += quarter_name(best.previous_quarter)
        text += f", a storage record (previous high: {held})" if best.is_record else ""
        text += "" if best.is_record else f", below the record {held}"
    return text + "."


def storage_record_status(summary: QuarterSummary) -> str:
    """The metrics table's storage record cell: ``yes (previous: 2023Q3, 3,980 MWh)``."""
    best = summary.storage.record
    if best.is_record is None:
        return NOT_AVAILABLE
    stated = summary.storage.record_as_stated
    held = f"{best.previous_quarter}, {storage_amount(best.previous_value, stated)}"
    return f"yes (previous: {held})" if best.is_record else f"no (record: {held})"
