"""Stated goals: which goal a quarter or a year is measured against, whether it was derived from a
growth statement, and year-to-date progress."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from . import quarters
from .dataset import Dataset, total_count
from .validation import cell_count

SX_LINES = ("Model S", "Model X", "Model S/X")
# "20%-30%", "20-30%", "20 to 30%" (a range) or "50%" (one rate)
_GROWTH = re.compile(
    r"(\d+(?:\.\d+)?)\s*%?\s*(?:-|\u2013|to)\s*(\d+(?:\.\d+)?)\s*%|(\d+(?:\.\d+)?)\s*%"
)


@dataclass(frozen=True)
class Goal:
    """A stated goal as it applies to a report."""

    value: int
    high: int | None
    metric: str
    scope: str
    period: str
    description: str
    source: str
    row: int | None


def _applicable(
    rows: list[dict],
    release_date: str | None,
    metric: str | None = "deliveries",
    scope: str | None = "all",
) -> dict | None:
    """Among one period's goals (``rows``, in file order), the one in force at the release: the
    latest stated on or before it, else an undated one, else the earliest stated."""
    chosen = [
        r
        for r in rows
        if (not metric or r["metric"] == metric) and (not scope or r["scope"] == scope)
    ]
    if not chosen:
        return None
    dated, undated = [], []
    for r in chosen:
        (dated if isinstance(r["stated_on"], str) and r["stated_on"] else undated).append(r)
    if isinstance(release_date, str) and release_date:
        before = [r for r in dated if r["stated_on"] <= release_date]
        if before:
            latest = max(r["stated_on"] for r in before)
            return [r for r in before if r["stated_on"] == latest][-1]
    if undated:
        return undated[0]
    earliest = min(r["stated_on"] for r in dated)
    return next(r for r in dated if r["stated_on"] == earliest)


def _goal_from_row(row: dict) -> Goal:
    high = cell_count(row["goal_high"])
    who = row["stated_by"] or "stated goal"
    return Goal(
        int(row["goal"]),
        high,
        row["metric"],
        row["scope"],
        row["period"],
        f"{row['kind'] or 'goal'}: {who}".strip(),
        row["source"],
        int(row["row"]),
    )


def quarter_goal(dataset: Dataset, period: pd.Period, override: int | None = None) -> Goal | None:
    """The deliveries goal a quarter is measured against: ``override`` or the stated one."""
    if override is not None:
        return Goal(
            override,
            None,
            "deliveries",
            "all",
            quarters.label(period),
            "goal given as a parameter",
            "report parameter",
            None,
        )
    release = dataset.total_rows[period]["release_date"]
    row = _applicable(dataset.goal_rows(quarters.label(period)), release)
    return None if row is None else _goal_from_row(row)


def annual_goal(dataset: Dataset, year: int, as_of: str | None = None) -> Goal | None:
    """The annual goal in force on ``as_of`` (deliveries for all models preferred)."""
    for metric, scope in (("deliveries", "all"), (None, None)):
        row = _applicable(dataset.goal_rows(str(year)), as_of, metric=metric, scope=scope)
        if row is not None:
            return _goal_from_row(row)
    return None


def scoped_total(dataset: Dataset, period: pd.Period, metric: str, scope: str) -> int | None:
    """A quarter's produced or delivered figure for all models or for the S/X lines only."""
    column = "produced" if metric == "production" else "delivered"
    if scope == "all":
        return total_count(dataset.total_rows, period, column)
    wanted = SX_LINES if scope == "Model S/X" else (scope,)
    values = [
        int(r[column])
        for r in dataset.line_rows(period)
        if r["model_line"] in wanted and not pd.isna(r[column])
    ]
    return sum(values) if values else None


@dataclass(frozen=True)
class YearToDate:
    """Progress through a year against its annual goal."""

    year: int
    quarters: list[str]
    metric: str
    scope: str
    so_far: int | None
    so_far_approx: bool
    goal: int | None
    goal_high: int | None
    goal_description: str | None
    goal_row: int | None
    quarters_left: int
    needed_low: int | None
    needed_high: int | None
    met: bool | None


def year_to_date(dataset: Dataset, period: pd.Period) -> YearToDate:
    """Deliveries (or the goal's metric) so far in ``period``'s year against the annual goal."""
    release = dataset.total_rows[period]["release_date"]
    goal = annual_goal(dataset, period.year, as_of=release)
    metric = goal.metric if goal else "deliveries"
    scope = goal.scope if goal else "all"
    in_year = [p for p in dataset.totals.index if p.year == period.year and p <= period]
    values = [scoped_total(dataset, p, metric, scope) for p in in_year]
    so_far = None if None in values or len(in_year) != period.quarter else sum(values)
    approx = any(bool(dataset.total_rows[p]["delivered_approx"]) for p in in_year)
    quarters_left = 4 - period.quarter
    needed_low = needed_high = met = None
    if goal and so_far is not None:
        needed_low = max(goal.value - so_far, 0)
        needed_high = max((goal.high or goal.value) - so_far, 0)
        met = so_far >= goal.value if quarters_left == 0 else None
    return YearToDate(
        period.year,
        [quarters.label(p) for p in in_year],
        metric,
        scope,
        so_far,
        approx,
        goal.value if goal else None,
        goal.high if goal else None,
        goal.description if goal else None,
        goal.row if goal else None,
        quarters_left,
        needed_low,
        needed_high,
        met,
    )


def derived_statement(quote: str | None) -> str | None:
    """The growth statement a goal was derived from (``50% growth``), or None when it was stated.

    goals.csv marks such rows with a quote starting ``derived:``; Tesla gave a growth rate, and
    the unit count is that rate applied to the year before.
    """
    text = (quote or "").strip()
    if not text.lower().startswith("derived"):
        return None
    match = _GROWTH.search(text)
    if not match:
        return "a growth statement"
    if match.group(3):
        return f"{match.group(3)}% growth"
    return f"{match.group(1)}\u2013{match.group(2)}% growth"


def derived_goal(goals: pd.DataFrame | None, row: int | None) -> str | None:
    """:func:`derived_statement` of goals.csv row ``row`` (None when unknown or stated)."""
    if goals is None or row is None or pd.isna(row):
        return None
    found = goals[goals["row"] == int(row)]
    return None if found.empty else derived_statement(found.iloc[0]["quote"])
