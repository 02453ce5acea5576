"""The delivery-day facts, each a sentence a journalist could quote: the run of year-over-year
rises or falls, the steepest decline, the inventory build's rank, the year so far, storage, a
model line that stands out. Figures are written by :mod:`.wording`; :func:`.narrative.facts`
chooses which to show.
"""

from __future__ import annotations

from ..analysis.metrics import QuarterSummary
from .wording import (
    MINUS,
    change,
    count,
    percent,
    quarter_name,
    quarter_span,
    storage_amount,
    storage_missing,
)


def ordinal(number: int) -> str:
    """``1`` -> ``1st``, ``12`` -> ``12th``, ``23`` -> ``23rd``."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10)
    return f"{number}{suffix or 'th'}"


def _quarters(number: int) -> str:
    return f"{number} quarter{'s' if number != 1 else ''}"


def yoy_run_fact(summary: QuarterSummary) -> str:
    """The run of year-over-year rises or falls the quarter is part of, and since when."""
    f, quarter = summary.facts, quarter_name(summary.quarter)
    streak, prior = f.delivered_yoy_streak, f.delivered_yoy_prior_streak
    if streak is None:
        return (
            f"{quarter} has no year-over-year figure: {quarter_name(summary.year_ago_quarter)} "
            "is not in the data."
        )
    if streak == 0:
        return f"Deliveries were unchanged on {quarter_name(summary.year_ago_quarter)}."
    verb, noun = ("rose", "rise") if streak > 0 else ("fell", "fall")
    text = f"Deliveries {verb} {percent(abs(summary.delivered_yoy), signed=False)} year over year"
    if abs(streak) > 1:
        start = summary.quarter_period - (abs(streak) - 1)
        return text + f", the {ordinal(abs(streak))} {noun} in a row (since {quarter_name(start)})."
    if prior is None and f.yoy_first == summary.quarter:
        return text + " (the first year-over-year comparison in the data)."
    if prior is None:
        return text + " (the quarter before has no year-over-year figure)."
    last = f.last_delivered_yoy_rise if streak > 0 else f.last_delivered_yoy_decline
    since = f" since {quarter_name(last)}" if last else " in the data"
    other = "falls" if streak > 0 else "rises"
    return text + f", the first {noun}{since}, after {_quarters(abs(prior))} of {other}."


def steepest_fact(summary: QuarterSummary) -> str | None:
    """``The 8.5% fall is the steepest year-over-year decline in the data (from Q1 2017).``"""
    f = summary.facts
    if not f.delivered_yoy_lowest or summary.delivered_yoy >= 0:
        return None
    fall = percent(-summary.delivered_yoy, signed=False)
    return (
        f"The {fall} fall is the steepest year-over-year decline in the data (which has "
        f"year-over-year figures from {quarter_name(f.yoy_first)})."
    )


def inventory_fact(summary: QuarterSummary) -> str:
    """The rank of the quarter's inventory build (or draw) among the quarters up to it."""
    f, quarter = summary.facts, quarter_name(summary.quarter)
    if summary.gap is None:
        return f"The release gives no production figure for {quarter}: no inventory change to rank."
    if summary.gap == 0:
        return f"Production matched deliveries in {quarter}: no inventory build or draw."
    among = f"in the {f.gap_quarters} quarters with both figures since {quarter_name(f.gap_first)}"
    build = summary.gap > 0
    rank, last = (f.gap_rank, f.gap_larger_last) if build else (f.gap_draw_rank, f.gap_smaller_last)
    what = "build" if build else "draw"
    text = (
        f"The inventory {what} of {count(abs(summary.gap))} vehicles (produced {MINUS} delivered)"
    )
    place = "largest" if rank == 1 else f"{ordinal(rank)} largest"
    place = "smallest" if rank == f.gap_quarters > 1 else place
    text += f" is the {place} {among}"
    return text + (f"; the last larger one was in {quarter_name(last)}." if last else ".")


def year_to_date_fact(summary: QuarterSummary) -> str | None:
    """Deliveries so far this year against the same quarters a year before (None in Q1)."""
    f, period = summary.facts, summary.quarter_period
    if period.quarter == 1 or f.delivered_ytd is None:
        return None
    span = quarter_span(period - (period.quarter - 1), period)
    so_far = count(f.delivered_ytd, f.delivered_ytd_approx)
    text = f"Deliveries so far in {period.year} ({span}): {so_far}"
    if f.delivered_ytd_prior is None:
        return text + f"; the data lacks a quarter of {period.year - 1} to compare with."
    return text + (
        f", {change(f.delivered_ytd_change)} on the same quarters of {period.year - 1} "
        f"({count(f.delivered_ytd_prior)})."
    )


def storage_fact(summary: QuarterSummary) -> str:
    """The storage deployment's rank in the data, and the year so far against the year before."""
    s, period = summary.storage, summary.quarter_period
    if s.mwh is None:
        return storage_missing(summary)
    amount = storage_amount(s.mwh, s.as_stated)
    if s.record.is_record is None:
        text = f"Storage: {amount}, the first quarter of the storage data"
    else:
        place = "largest" if s.rank == 1 else f"{ordinal(s.rank)} largest"
        text = f"Storage: {amount} is the {place} quarterly deployment in the data (from "
        text += quarter_name(s.first_quarter) + ")"
        text += f" (the last larger: {quarter_name(s.larger_last)})" if s.larger_last else ""
    if period.quarter > 1 and s.ytd_mwh is not None and s.ytd_prior_mwh is not None:
        text += (
            f"; {storage_amount(s.ytd_mwh)} so far in {period.year}, {change(s.ytd_change)} on "
            f"the same quarters of {period.year - 1}"
        )
    return text + "."


STANDS_OUT = 10.0  # percentage points between a line's YoY change and the Total's


def model_line_fact(summary: QuarterSummary) -> str | None:
    """The model line whose YoY change differs most from the total's, when by STANDS_OUT points."""
    if summary.delivered_yoy is None:
        return None
    total = summary.delivered_yoy * 100
    lines = [m for m in summary.models if m.delivered_yoy_pct is not None]
    if not lines:
        return None
    line = max(lines, key=lambda m: abs(m.delivered_yoy_pct - total))
    if abs(line.delivered_yoy_pct - total) < STANDS_OUT:
        return None
    verb = "rose" if line.delivered_yoy_pct >= 0 else "fell"
    mine = percent(abs(line.delivered_yoy_pct) / 100, signed=False)
    return (
        f"{line.model_line} deliveries {verb} {mine} on {quarter_name(summary.year_ago_quarter)}, "
        f"against {percent(summary.delivered_yoy)} for all models."
    )
