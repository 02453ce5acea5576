"""The history report's HTML blocks: title, summary paragraph, annual and quarterly tables.

Figures are written by :mod:`deliveries.wording`; footnotes live in ``templates/prose/notes.j2``.
"""

from __future__ import annotations

from datetime import date
from html import escape

import pandas as pd

from . import templates
from . import wording as say
from .blocks import Html, row, table


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
    widths = [7, 12, 12, 22, 13, 12, 9, 13]  # the goal column fits a range on one line
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
