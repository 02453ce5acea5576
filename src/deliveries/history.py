"""The history report's view of the data: every quarter in a range, annual totals, consensus."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import metrics, quarters, wording
from .dataset import Dataset


@dataclass(frozen=True)
class HistoryView:
    """Quarterly and annual tables for the quarters from ``start`` to ``end``."""

    start: str
    end: str
    table: pd.DataFrame
    lines: pd.DataFrame
    annual: pd.DataFrame  # metrics.annual_table plus goal_derived_from (statement or None)
    # metrics.consensus_table for the quarters in the range that have consensus figures
    consensus: pd.DataFrame = field(default_factory=pd.DataFrame)


def build(dataset: Dataset, start: str | None = None, end: str | None = None) -> HistoryView:
    """The history from ``start`` to ``end`` (default: every quarter in the data)."""
    first = dataset.require_quarter(start) if start else dataset.totals.index[0]
    last = dataset.require_quarter(end) if end else dataset.totals.index[-1]
    if first > last:
        from .errors import ParameterError

        raise ParameterError(f"start {quarters.label(first)} is after end {quarters.label(last)}")
    # Growth and cumulative gap are computed over the whole series, then cut, so the first
    # quarter of a range still compares with the quarter before it.
    table = metrics.quarterly_table(dataset)
    table = table[(table.index >= first) & (table.index <= last)]
    lines = dataset.lines[(dataset.lines["period"] >= first) & (dataset.lines["period"] <= last)]
    annual = metrics.annual_table(dataset)
    annual = annual[(annual["year"] >= first.year) & (annual["year"] <= last.year)].copy()
    # A goal derived from a growth statement ("50% growth") rather than a unit count Tesla gave.
    annual["goal_derived_from"] = [
        wording.derived_goal(dataset.goals, row) for row in annual["goal_row"]
    ]
    consensus = metrics.consensus_table(dataset)
    if not consensus.empty:  # an empty table (no consensus.csv) has no quarterly index
        consensus = consensus[(consensus.index >= first) & (consensus.index <= last)]
    return HistoryView(
        quarters.label(first),
        quarters.label(last),
        table,
        lines,
        annual.reset_index(drop=True),
        consensus,
    )
