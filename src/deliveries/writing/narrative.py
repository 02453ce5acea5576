"""Sentences generated from a quarter's summary: the headline paragraph and its parts.

The figures in them are written by :mod:`deliveries.wording`; this module only builds sentences.
"""

from __future__ import annotations

import pandas as pd

from ..analysis.metrics import QuarterSummary, growth
from ..data.goals import derived_goal
from . import facts as fact
from . import templates
from . import wording as say


def _about(summary: QuarterSummary) -> str:
    return "approximately " if summary.delivered_approx else ""


def deliveries_sentence(summary: QuarterSummary) -> str:
    """What was delivered and produced, and whether either was a record."""
    quarter = say.quarter_name(summary.quarter)
    text = f"Tesla delivered {_about(summary)}{say.count(summary.delivered)} vehicles in {quarter}"
    clause = say.record_clause(summary.record_delivered, "delivery")
    text += f", {clause}" if clause else ""
    if summary.produced is None:
        return text + "; the release gave no production figure."
    text += f", and produced {say.count(summary.produced)}"
    clause = say.record_clause(summary.record_produced, "production")
    return text + (f", {clause}." if clause else ".")


def goal_sentence(summary: QuarterSummary) -> str:
    """Shortfall or beat against the goal, with the +-0.5% band for approximate deliveries."""
    if summary.goal is None:
        return "No deliveries goal was stated for the quarter."
    goal = say.count(summary.goal)
    share = say.percent(abs(summary.shortfall_fraction), signed=False)
    band = say.shortfall_band_clause(summary)
    if summary.shortfall > 0:
        return (
            f"That is {say.count(summary.shortfall)} short of the {goal} goal "
            f"({share} of the goal{band})."
        )
    if summary.shortfall == 0:
        return f"That exactly meets the {goal} goal{band}."
    return (
        f"That beats the {goal} goal by {say.count(-summary.shortfall)} "
        f"({share} of the goal{band})."
    )


def consensus_sentence(summary: QuarterSummary) -> str:
    """Deliveries against the analysts' headline consensus, naming the provider, and the spread.

    ``Deliveries missed the FactSet consensus of 99,000 by ~2,000 (2.0%); reported estimates
    ranged from 94,422 to 99,000.`` A quarter with only ranges reported compares with the
    spread; one with no figures says so in a short line.
    """
    quarter = say.quarter_name(summary.quarter)
    if summary.consensus_count is None:
        return f"No analysts' consensus is available for {quarter}."
    if summary.consensus is None:
        return _range_only_sentence(summary)
    phrase = say.consensus_phrase(summary.consensus, summary.consensus_provider)
    spread = say.spread_clause(summary)
    if summary.vs_consensus is None:
        return f"Analysts expected {say.count(summary.consensus)} deliveries{spread}."
    band = say.consensus_band_clause(summary)
    verb = say.consensus_verb(summary)
    if verb == "matched":
        return f"Deliveries matched {phrase}{band}{spread}."
    margin = say.count(abs(summary.vs_consensus), summary.delivered_approx)
    share = say.percent(abs(summary.vs_consensus_fraction), signed=False)
    return f"Deliveries {verb} {phrase} by {margin} ({share}){band}{spread}."


def _range_only_sentence(summary: QuarterSummary) -> str:
    """Only ranges were reported: no headline figure, so deliveries are set against the spread."""
    low, high = summary.consensus_low, summary.consensus_high
    figures = "a range" if summary.consensus_count == 1 else "ranges"
    text = (
        f"Analysts' estimates were reported only as {figures}, {say.count(low)} to "
        f"{say.count(high)}, so there is no single consensus figure to compare with"
    )
    if summary.delivered_high < low:
        return text + "; deliveries came in below the whole range."
    if summary.delivered_low > high:
        return text + "; deliveries came in above the whole range."
    return text + "; deliveries fell within it."


def growth_sentence(summary: QuarterSummary) -> str:
    """Quarter-over-quarter and year-over-year growth of production and deliveries."""
    previous = say.quarter_name(summary.previous_quarter)
    year_ago = say.quarter_name(summary.year_ago_quarter)
    clauses = []
    for noun, qoq, yoy in (
        ("production", summary.produced_qoq, summary.produced_yoy),
        ("deliveries", summary.delivered_qoq, summary.delivered_yoy),
    ):
        changes = [
            f"{say.change(value)} on {name}"
            for value, name in ((qoq, previous), (yoy, year_ago))
            if value is not None
        ]
        if changes:
            verb = "was" if noun == "production" else "were"
            clauses.append(f"{noun} {verb} {' and '.join(changes)}")
    if not clauses:
        quarter = say.quarter_name(summary.quarter)
        return f"There is no earlier quarter in the data to compare {quarter} with."
    sentence = "; ".join(clauses)
    return sentence[0].upper() + sentence[1:] + "."


def inventory_sentence(summary: QuarterSummary) -> str:
    """Whether deliveries exceeded production and what that did to the inventory proxy."""
    if summary.gap is None:
        return ""
    since = say.quarter_name(summary.cumulative_gap_from) if summary.cumulative_gap_from else ""
    total = summary.cumulative_gap
    if total is None:
        cumulative = ""
    elif total >= 0:
        cumulative = (
            f"; production has exceeded deliveries by {say.count(total)} in total since {since}"
        )
    else:
        cumulative = (
            f"; deliveries have exceeded production by {say.count(-total)} in total since {since}"
        )
    if summary.gap < 0:
        return (
            f"Deliveries exceeded production by {say.count(-summary.gap)} vehicles, drawing "
            f"inventory down{cumulative}."
        )
    if summary.gap == 0:
        return f"Production matched deliveries exactly{cumulative}."
    return (
        f"Production exceeded deliveries by {say.count(summary.gap)} vehicles, adding to "
        f"inventory{cumulative}."
    )


def headline(summary: QuarterSummary) -> str:
    """The headline paragraph of a quarterly report, as plain text."""
    sentences = [
        deliveries_sentence(summary),
        goal_sentence(summary),
        consensus_sentence(summary),
        growth_sentence(summary),
        inventory_sentence(summary),
        say.storage_sentence(summary),
    ]
    return " ".join(s for s in sentences if s)


MAX_FACTS = 5


def facts(summary: QuarterSummary) -> list[str]:
    """The delivery-day facts, by the rule in Methods: in this order, the year-over-year run,
    the steepest decline (when it is one), the inventory build's rank, the year so far (not in
    Q1: it would repeat the YoY change), a model line that stands out, storage; at most five."""
    chosen = [
        fact.yoy_run_fact(summary),
        fact.steepest_fact(summary),
        fact.inventory_fact(summary),
        fact.year_to_date_fact(summary),
        fact.model_line_fact(summary),
        fact.storage_fact(summary),
    ]
    return [text for text in chosen if text][:MAX_FACTS]


def year_to_date_sentence(summary: QuarterSummary, goals: pd.DataFrame | None = None) -> str:
    """Progress against the annual goal and what the rest of the year needs.

    With ``goals`` (the dataset's goals table) a goal derived from a growth statement says so.
    """
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
    text += f" ({', '.join(say.quarter_name(q) for q in ytd.quarters)})."
    if ytd.goal is None:
        return text + f" No annual goal for {ytd.year} is recorded."
    derived = derived_goal(goals, ytd.goal_row)
    text += f" The annual goal is {say.goal_in_prose(ytd.goal, ytd.goal_high, derived)}."
    if ytd.quarters_left == 0:
        verdict = "met" if ytd.met else "missed"
        diff = ytd.so_far - ytd.goal
        margin = say.count(diff, signed=True)
        return text + f" The goal was {verdict} ({margin} against its low end)."
    rest = (
        "Q4 needs" if ytd.quarters_left == 1 else f"The remaining {ytd.quarters_left} quarters need"
    )
    if ytd.needed_low == 0:
        return text + " The low end is already reached."
    needed = f"at least {approx}{ytd.needed_low:,}"
    if ytd.goal_high:
        needed += f" ({approx}{ytd.needed_high:,} for the high end)"
    return text + f" {rest} {needed}."


def vintage_notes(summary: QuarterSummary) -> list[str]:
    """Which figures the growth rates use, and the restated alternative where one is known."""
    notes = [templates.notes().first_announced_only]
    revised = {(r.quarter, r.metric): r for r in summary.revisions}
    for r in summary.revisions:
        what = "deliveries" if r.metric == "delivered" else "production"
        notes.append(
            f"{say.quarter_name(r.quarter)} {what} were first announced as "
            f"{r.first_announced:,} and later restated as {r.revised:,} (source: {r.source})."
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
                f"{noun} {name}: {say.percent(first_growth)} on first-announced figures "
                f"(used in this report); {say.percent(restated)} on restated figures."
            )
    if len(notes) == 1:
        notes.append(templates.notes().no_restatement)
    return notes
