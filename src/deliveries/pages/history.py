"""The history report's HTML blocks: title, summary paragraph, annual and quarterly tables, and
deliveries against the analysts' consensus (how often Tesla beat, the largest misses).

Figures are written by :mod:`..writing.wording`; footnotes live in ``writing/prose/notes.j2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

import pandas as pd

from ..writing import templates
from ..writing import wording as say
from . import plots
from .elements import Html, chart, row, section, table


def history_title(start: str, end: str, rendered_on: date | None = None) -> Html:
    """Title block of the history report."""
    return Html(
        templates.render(
            "title_block.html.j2",
            start=say.quarter_name(start),
            end=say.quarter_name(end),
            rendered_on=(rendered_on or date.today()).isoformat(),
        )
    )


def history_summary(view) -> Html:
    """A paragraph summing up the range: totals, peaks and the latest cumulative gap."""
    quarterly = view.table
    delivered = quarterly["delivered"].astype("Int64")
    peak = delivered.idxmax()
    produced = quarterly["produced"].dropna()
    text = (
        f"From {say.quarter_name(view.start)} to {say.quarter_name(view.end)} Tesla delivered "
        f"{int(delivered.sum()):,} vehicles in {len(quarterly)} quarters"
    )
    if not produced.empty:
        text += (
            f" and produced {int(produced.sum()):,} in the {len(produced)} quarters with a figure"
        )
    text += f". Deliveries peaked at {say.count(int(delivered.max()))} in {say.quarter_name(peak)}."
    cumulative = quarterly["cumulative_gap"].dropna()
    if not cumulative.empty:
        text += (
            f" By {say.quarter_name(cumulative.index[-1])} production had exceeded "
            f"deliveries by {say.count(int(cumulative.iloc[-1]))} in total since the first "
            "quarter with both figures (an inventory proxy)."
        )
    return Html(f'<p class="headline">{escape(text)}</p>')


def history_table(annual: pd.DataFrame) -> Html:
    """Annual totals against annual goals: met or missed, and by how much.

    A goal derived from a growth statement (the ``goal_derived_from`` column that
    ``history.build`` adds) is marked ``(derived)`` and explained in a footnote.
    """
    notes_text = templates.notes()
    header = [
        "Year",
        "Produced",
        "Delivered",
        "Goal",
        "Measured on",
        "Actual",
        "Met?",
        "Difference",
    ]
    rows = []
    derived_goals = {}
    for r in annual.itertuples():
        derived = getattr(r, "goal_derived_from", None)
        derived = derived if isinstance(derived, str) else None
        if derived:
            derived_goals[str(r.year)] = derived
        goal = (
            "none"
            if pd.isna(r.goal)
            # the range stays on one line on screen; "(derived)" may wrap below it
            else f'<span class="nowrap">{escape(say.goal_range(r.goal, r.goal_high))}</span>'
            + (say.DERIVED_MARK if derived else "")
        )
        measure = (
            ""
            if not isinstance(r.goal_metric, str)
            else (f"{r.goal_metric}{'' if r.goal_scope == 'all' else ', ' + r.goal_scope}")
        )
        met = "" if r.met is None or pd.isna(r.met) else ("met" if r.met else "missed")
        if not r.complete:
            met = f"({r.quarters} of 4 quarters)"
        difference = "" if pd.isna(r.difference) else say.count(int(r.difference), signed=True)
        actual = "" if pd.isna(r.actual_for_goal) else say.count(int(r.actual_for_goal))
        rows.append(
            row(
                [
                    str(r.year),
                    say.optional(r.produced),
                    say.count(int(r.delivered)),
                    goal,
                    escape(measure),
                    actual,
                    met,
                    difference,
                ]
            )
        )
    notes = [notes_text.annual_goal, notes_text.annual_no_production]
    if derived_goals:
        notes.insert(1, say.derived_goal_note(derived_goals))
    widths = [7, 12, 12, 20, 13, 12, 11, 13]  # no cell breaks inside a word
    return table("Annual totals against stated goals", header, rows, notes, "annual", widths)


def quarters_table(quarterly: pd.DataFrame) -> Html:
    """Every quarter: produced, delivered, growth and gap."""
    notes_text = templates.notes()
    header = ["Quarter", "Produced", "Delivered", "QoQ", "YoY", "Gap", "Cumulative gap"]
    rows = []
    for period, r in quarterly.iterrows():
        rows.append(
            row(
                [
                    say.quarter_name(period),
                    say.optional(r["produced"]),
                    say.optional(r["delivered"], approx=bool(r["delivered_approx"])),
                    say.optional(r["delivered_qoq"], say.percent),
                    say.optional(r["delivered_yoy"], say.percent),
                    say.optional(r["gap"], signed=True),
                    say.optional(r["cumulative_gap"], signed=True),
                ]
            )
        )
    notes = [notes_text.quarters_growth + notes_text.approximate, notes_text.not_available]
    return table("Every quarter as first announced", header, rows, notes, "quarters", first=16)


# --- deliveries against the analysts' consensus ----------------------------------------------

LARGEST_MISSES = 5


@dataclass(frozen=True)
class ConsensusRecord:
    """How often deliveries beat the headline consensus over a range of quarters."""

    quarters: int  # quarters with a headline consensus
    beats: int
    misses: int
    matches: int
    within_band: list[str]  # quarters whose beat or miss is within Tesla's +-0.5% caveat
    first: str | None
    last: str | None


def consensus_record(consensus: pd.DataFrame) -> ConsensusRecord:
    """Beats, misses and matches in ``consensus`` (a ``metrics.consensus_table`` cut)."""
    compared = _compared(consensus)
    surprise = compared["vs_consensus"].astype(int)
    low = compared["vs_consensus_low"].astype(int)
    high = compared["vs_consensus_high"].astype(int)
    within = compared.index[(low != high) & (low <= 0) & (high >= 0)]
    return ConsensusRecord(
        quarters=len(compared),
        beats=int((surprise > 0).sum()),
        misses=int((surprise < 0).sum()),
        matches=int((surprise == 0).sum()),
        within_band=[compared.at[p, "quarter"] for p in within],
        first=compared["quarter"].iloc[0] if len(compared) else None,
        last=compared["quarter"].iloc[-1] if len(compared) else None,
    )


def _compared(consensus: pd.DataFrame) -> pd.DataFrame:
    """The quarters with a headline consensus and known deliveries."""
    if consensus.empty:
        return consensus
    return consensus[consensus["vs_consensus"].notna()]


def consensus_summary(view) -> Html:
    """A paragraph: how often Tesla beat the consensus, its largest miss and largest beat."""
    record = consensus_record(view.consensus)
    if record.quarters == 0:
        return Html(
            '<p class="ytd">No analysts\' consensus is available for the quarters in this '
            "report.</p>"
        )
    compared = _compared(view.consensus)
    fraction = compared["vs_consensus_fraction"].astype(float)
    span = say.quarter_span(record.first, record.last)
    text = (
        f"Against the analysts' headline consensus, Tesla beat in {record.beats} of "
        f"{record.quarters} quarters with a consensus ({span}) and missed in {record.misses}"
    )
    text += f"; it matched in {record.matches}." if record.matches else "."
    if record.within_band:
        names = ", ".join(say.quarter_name(q) for q in record.within_band)
        text += (
            f" In {names} the margin is within Tesla's {say.PLUS_MINUS_HALF} caveat, so the "
            "verdict is not certain."
        )
    worst, best = fraction.idxmin(), fraction.idxmax()
    text += f" The median surprise was {say.percent(float(fraction.median()))}"
    if fraction.min() < 0:
        text += f"; the largest miss {say.quarter_name(worst)} ({say.percent(fraction.min())})"
    if fraction.max() > 0:
        text += f"; the largest beat {say.quarter_name(best)} ({say.percent(fraction.max())})"
    return Html(f'<p class="ytd">{escape(text)}.</p>')


def largest_misses(consensus: pd.DataFrame, limit: int = LARGEST_MISSES) -> Html:
    """The quarters that fell furthest short of the consensus, in % of it (a small table)."""
    compared = _compared(consensus)
    misses = compared[compared["vs_consensus"] < 0]
    misses = misses.sort_values("vs_consensus_fraction", kind="stable").head(limit)
    header = ["Quarter", "Delivered", "Consensus", "Provider", "Delivered \u2212 consensus", "%"]
    rows = [
        row(
            [
                say.quarter_name(period),
                say.count(int(r["delivered"]), bool(r["delivered_approx"])),
                say.count(int(r["consensus"])),
                escape(say.provider_name(r["consensus_provider"])),
                say.count(int(r["vs_consensus"]), bool(r["delivered_approx"]), signed=True),
                say.percent(float(r["vs_consensus_fraction"])),
            ]
        )
        for period, r in misses.iterrows()
    ]
    if not rows:
        rows = [row(["none", "", "", "", "", ""])]
    notes = [templates.notes().consensus_history]
    widths = [14, 15, 15, 22, 20, 14]
    caption = "Largest misses against the consensus"
    return table(caption, header, rows, notes, "misses", widths)


def consensus_section(view) -> Html:
    """The section on the consensus: how often Tesla beat, the surprise chart, largest misses.

    Without a consensus in the range, only the line saying so.
    """
    body = consensus_summary(view)
    if not _compared(view.consensus).empty:
        body += chart(plots.consensus_surprise_chart(view.consensus))
        body += largest_misses(view.consensus)
    return section("Deliveries against the analysts' consensus", body)


# --- energy storage, YoY runs and inventory builds --------------------------------------------

LARGEST_GAPS = 5


def storage_section(view) -> Html:
    """Storage deployed per quarter (a chart and a table) and per year, with the year so far."""
    shown = view.storage[view.storage["storage_mwh"].notna()]
    if shown.empty:
        line = "Energy storage deployments are not in the data for the quarters in this report."
        return section("Energy storage deployed", f'<p class="ytd">{escape(line)}</p>')
    best = shown["storage_mwh"].astype(int).idxmax()
    total = int(shown["storage_mwh"].astype(int).sum())
    text = (
        f"From {say.quarter_name(shown.index[0])} to {say.quarter_name(shown.index[-1])} Tesla "
        f"deployed {say.storage_amount(total)} of energy storage in {len(shown)} quarters; the "
        f"largest quarter was {say.quarter_name(best)} "
        f"({say.storage_amount(None, shown.at[best, 'as_stated'])})."
    )
    view_rows = view.storage[view.storage.index >= shown.index[0]]
    body = f'<p class="ytd">{escape(text)}</p>' + chart(plots.storage_chart(view_rows, window=None))
    opening = section("Energy storage deployed", body)  # the paragraph stays with its chart
    quarterly = section("Storage every quarter", _storage_quarters_table(view_rows), False)
    return Html(opening + _storage_years_table(view.storage_annual) + quarterly)


def _storage_years_table(years: pd.DataFrame) -> Html:
    notes_text = templates.notes()
    header = ["Year", "Deployed, MWh", "GWh", "Change on a year before"]
    rows = []
    for r in years.itertuples():
        year = str(r.year) if r.quarters == 4 else f"{r.year} ({r.quarters} of 4 quarters)"
        change = say.NOT_AVAILABLE if pd.isna(r.change) else say.percent(float(r.change))
        mwh = int(r.storage_mwh)
        rows.append(row([year, say.count(mwh), f"{mwh / 1000:.1f}", change]))
    notes = [notes_text.storage_years]
    return table(
        "Storage deployed per year", header, rows, notes, "storage-years", [34, 22, 16, 28]
    )


def _storage_quarters_table(storage: pd.DataFrame) -> Html:
    notes_text = templates.notes()
    header = ["Quarter", "As stated", "MWh", "QoQ", "YoY"]
    rows = []
    for period, r in storage.iterrows():
        if pd.isna(r["storage_mwh"]):
            rows.append(row([say.quarter_name(period), "not in the data", "", "", ""]))
            continue
        mark = "*" if r["stated_in"] == "update" else ""
        rows.append(
            row(
                [
                    say.quarter_name(period),
                    escape(say.storage_amount(None, r["as_stated"]) + mark),
                    say.count(int(r["storage_mwh"])),
                    say.optional(r["storage_qoq"], say.percent),
                    say.optional(r["storage_yoy"], say.percent),
                ]
            )
        )
    notes = [notes_text.storage_history, notes_text.not_available]
    caption = "Storage deployed per quarter, as stated"
    return table(caption, header, rows, notes, "storage-quarters", first=20)


def runs_section(view) -> Html:
    """The runs of year-over-year rises and falls of deliveries, and the largest inventory
    builds and draws, in the quarters of the report."""
    notes_text = templates.notes()
    rows = []
    for first, last, length in reversed(view.runs):
        span = say.quarter_name(first) if first == last else say.quarter_span(first, last)
        noun = "rise" if length > 0 else "fall" if length < 0 else "unchanged quarter"
        size = abs(length) or 1
        rows.append(row([span, f"{size} {noun}{'s' if size > 1 else ''}"]))
    if not rows:
        rows = [row(["none: no quarter has a year-earlier figure", ""])]
    runs = table(
        "Year-over-year runs of deliveries",
        ["Quarters", "Run"],
        rows,
        [notes_text.runs],
        "runs",
        [60, 40],
    )
    gaps = view.table["gap"].dropna().astype(int)
    builds = gaps[gaps > 0].sort_values(ascending=False, kind="stable").head(LARGEST_GAPS)
    draws = gaps[gaps < 0].sort_values(kind="stable").head(LARGEST_GAPS)
    header = ["Rank", "Largest builds", "Gap", "Largest draws", "Gap"]
    ranked = []
    for rank in range(max(len(builds), len(draws))):
        cells = [str(rank + 1)]
        for chosen in (builds, draws):
            if rank < len(chosen):
                period = chosen.index[rank]
                cells += [say.quarter_name(period), say.count(int(chosen.iloc[rank]), signed=True)]
            else:
                cells += ["", ""]
        ranked.append(row(cells))
    widths = [10, 25, 20, 25, 20]
    gap_table = table(
        "Largest inventory builds and draws", header, ranked, [notes_text.builds], "builds", widths
    )
    return section("Runs and inventory records", runs + gap_table, keep_together=False)
