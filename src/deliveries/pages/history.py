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
