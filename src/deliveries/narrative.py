"""Sentences generated from a quarter's summary: the headline paragraph and its parts."""

from __future__ import annotations

from . import formatting as fmt
from . import quarters
from .metrics import QuarterSummary, Record, growth, uncertainty_band


def _q(label: str) -> str:
    return quarters.display(quarters.parse_quarter(label))


def _about(summary: QuarterSummary) -> str:
    return "approximately " if summary.delivered_approx else ""


def _record_clause(record: Record, noun: str, value_approx: bool = False) -> str:
    if record.is_record is None:
        return ""
    previous = f"{fmt.count(record.previous_value)} in {_q(record.previous_quarter)}"
    if record.is_record:
        return f"a {noun} record (previous high: {previous})"
    return f"below the {noun} record of {previous}"


def deliveries_sentence(summary: QuarterSummary) -> str:
    """What was delivered and produced, and whether either was a record."""
    quarter = _q(summary.quarter)
    text = f"Tesla delivered {_about(summary)}{fmt.count(summary.delivered)} vehicles in {quarter}"
    clause = _record_clause(summary.record_delivered, "delivery")
    text += f", {clause}" if clause else ""
    if summary.produced is None:
        return text + "; the release gave no production figure."
    text += f", and produced {fmt.count(summary.produced)}"
    clause = _record_clause(summary.record_produced, "production")
    return text + (f", {clause}." if clause else ".")


def goal_sentence(summary: QuarterSummary) -> str:
    """Shortfall or beat against the goal, with the +-0.5% band for approximate deliveries."""
    if summary.goal is None:
        return "No deliveries goal was stated for the quarter."
    goal = fmt.count(summary.goal)
    share = fmt.percent(abs(summary.shortfall_fraction), signed=False)
    band = ""
    low, high = summary.shortfall_low, summary.shortfall_high
    if low != high:
        if low <= 0 <= high:
            band = (
                f"; within Tesla's \u00b10.5% caveat ({fmt.count(summary.delivered_low)} to "
                f"{fmt.count(summary.delivered_high)} delivered) it may have gone either way"
            )
        else:
            ends = sorted((abs(low), abs(high)))
            noun = "shortfall" if summary.shortfall > 0 else "margin"
            band = (
                f"; allowing for Tesla's \u00b10.5% caveat the {noun} is "
                f"{fmt.count(ends[0])} to {fmt.count(ends[1])}"
            )
    if summary.shortfall > 0:
        return (
            f"That is {fmt.count(summary.shortfall)} short of the {goal} goal "
            f"({share} of the goal{band})."
        )
    if summary.shortfall == 0:
        return f"That exactly meets the {goal} goal{band}."
    return (
        f"That beats the {goal} goal by {fmt.count(-summary.shortfall)} "
        f"({share} of the goal{band})."
    )


def _change(fraction: float | None) -> str:
    if fraction is None:
        return "n/a"
    word = "up" if fraction >= 0 else "down"
    return f"{word} {fmt.percent(abs(fraction), signed=False)}"


def growth_sentence(summary: QuarterSummary) -> str:
    """Quarter-over-quarter and year-over-year growth of production and deliveries."""
    previous, year_ago = _q(summary.previous_quarter), _q(summary.year_ago_quarter)
    clauses = []
    for noun, qoq, yoy in (
        ("production", summary.produced_qoq, summary.produced_yoy),
        ("deliveries", summary.delivered_qoq, summary.delivered_yoy),
    ):
        changes = [
            f"{_change(value)} on {name}"
            for value, name in ((qoq, previous), (yoy, year_ago))
            if value is not None
        ]
        if changes:
            verb = "was" if noun == "production" else "were"
            clauses.append(f"{noun} {verb} {' and '.join(changes)}")
    if not clauses:
        return f"There is no earlier quarter in the data to compare {_q(summary.quarter)} with."
    sentence = "; ".join(clauses)
    return sentence[0].upper() + sentence[1:] + "."


def inventory_sentence(summary: QuarterSummary) -> str:
    """Whether deliveries exceeded production and what that did to the inventory proxy."""
    if summary.gap is None:
        return ""
    since = _q(summary.cumulative_gap_from) if summary.cumulative_gap_from else ""
    cumulative = (
        f"; production has exceeded deliveries by {fmt.count(summary.cumulative_gap)} "
        f"in total since {since}"
        if summary.cumulative_gap is not None and summary.cumulative_gap >= 0
        else f"; deliveries have exceeded production by {fmt.count(-summary.cumulative_gap)}"
        f" in total since {since}"
        if summary.cumulative_gap is not None
        else ""
    )
    if summary.gap < 0:
        return (
            f"Deliveries exceeded production by {fmt.count(-summary.gap)} vehicles, drawing "
            f"inventory down{cumulative}."
        )
    if summary.gap == 0:
        return f"Production matched deliveries exactly{cumulative}."
    return (
        f"Production exceeded deliveries by {fmt.count(summary.gap)} vehicles, adding to "
        f"inventory{cumulative}."
    )


def headline(summary: QuarterSummary) -> str:
    """The headline paragraph of a quarterly report, as plain text."""
    sentences = [
        deliveries_sentence(summary),
        goal_sentence(summary),
        growth_sentence(summary),
        inventory_sentence(summary),
    ]
    return " ".join(s for s in sentences if s)


def year_to_date_sentence(summary: QuarterSummary) -> str:
    """Progress against the annual goal and what the rest of the year needs."""
    ytd = summary.year_to_date
    what = "production" if ytd.metric == "production" else "deliveries"
    scope = "" if ytd.scope == "all" else f" ({ytd.scope} only)"
    if ytd.so_far is None:
        return (
            f"Year-to-date {what} for {ytd.year} cannot be added up: the data lacks a quarter "
            "or a figure."
        )
    approx = "~" if ytd.so_far_approx else ""
    text = f"{what.capitalize()}{scope} in {ytd.year} so far: {approx}{ytd.so_far:,}"
    text += f" ({', '.join(_q(q) for q in ytd.quarters)})."
    if ytd.goal is None:
        return text + f" No annual goal for {ytd.year} is recorded."
    goal = f"{ytd.goal:,}" + (f"-{ytd.goal_high:,}" if ytd.goal_high else "")
    text += f" The annual goal is {goal}."
    if ytd.quarters_left == 0:
        verdict = "met" if ytd.met else "missed"
        diff = ytd.so_far - ytd.goal
        return (
            text + f" The goal was {verdict} ({fmt.count(diff, signed=True)} against its low end)."
        )
    rest = (
        "Q4 needs" if ytd.quarters_left == 1 else f"The remaining {ytd.quarters_left} quarters need"
    )
    if ytd.needed_low == 0:
        return text + " The low end is already reached."
    needed = f"at least {approx}{ytd.needed_low:,}"
    if ytd.goal_high:
        needed += f" ({approx}{ytd.needed_high:,} for the high end)"
    return text + f" {rest} {needed}."


def record_check(noun: str, value: int | None, record: Record, approx: bool) -> str:
    """One sentence verifying a record claim against every earlier quarter in the data."""
    if value is None:
        return f"{noun}: no figure for the quarter, so no record can be checked."
    if record.is_record is None:
        return (
            f"{noun} {fmt.count(value, approx)}: the first quarter in the data; nothing to compare."
        )
    previous = f"{fmt.count(record.previous_value)} in {_q(record.previous_quarter)}"
    if not record.is_record:
        return (
            f"{noun} {fmt.count(value, approx)}: not a record; the record is {previous} "
            f"({fmt.count(value - record.previous_value, signed=True)})."
        )
    text = (
        f"{noun} {fmt.count(value, approx)}: a record, above every earlier quarter in the data;"
        f" the previous record was {previous}"
        f" ({fmt.count(value - record.previous_value, signed=True)})."
    )
    low, _ = uncertainty_band(value, approx)
    if approx and low <= record.previous_value:
        text += " The margin is within Tesla's \u00b10.5% caveat, so the record is not certain."
    return text


def vintage_notes(summary: QuarterSummary) -> list[str]:
    """Which figures the growth rates use, and the restated alternative where one is known."""
    notes = [
        "Figures are as first announced in each quarter's release; growth rates compare "
        "first-announced figures."
    ]
    revised = {(r.quarter, r.metric): r for r in summary.revisions}
    for r in summary.revisions:
        what = "deliveries" if r.metric == "delivered" else "production"
        notes.append(
            f"{_q(r.quarter)} {what} were first announced as {r.first_announced:,} and "
            f"later restated as {r.revised:,} (source: {r.source})."
        )
    pairs = (
        (
            "produced",
            "Production",
            summary.produced,
            (
                (summary.previous_quarter, summary.produced_previous, "QoQ", summary.produced_qoq),
                (summary.year_ago_quarter, summary.produced_year_ago, "YoY", summary.produced_yoy),
            ),
        ),
        (
            "delivered",
            "Deliveries",
            summary.delivered,
            (
                (
                    summary.previous_quarter,
                    summary.delivered_previous,
                    "QoQ",
                    summary.delivered_qoq,
                ),
                (
                    summary.year_ago_quarter,
                    summary.delivered_year_ago,
                    "YoY",
                    summary.delivered_yoy,
                ),
            ),
        ),
    )
    for metric, noun, current, comparisons in pairs:
        for earlier_quarter, earlier, name, first_growth in comparisons:
            now_rev = revised.get((summary.quarter, metric))
            then_rev = revised.get((earlier_quarter, metric))
            if not (now_rev or then_rev) or first_growth is None:
                continue
            restated = growth(
                now_rev.revised if now_rev else current, then_rev.revised if then_rev else earlier
            )
            notes.append(
                f"{noun} {name}: {fmt.percent(first_growth)} on first-announced figures "
                f"(used in this report); {fmt.percent(restated)} on restated figures."
            )
    if len(notes) == 1:
        notes.append("No later restatement of these quarters is recorded in the data.")
    return notes
