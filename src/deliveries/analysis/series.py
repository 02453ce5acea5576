"""Series over many quarters: one row per quarter or per year, and the history report's view.

Growth is a fraction here too (see :mod:`.metrics`); missing inputs are NA, never zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..data import quarters
from ..data.consensus import SUMMARY_FIELDS, consensus_fields
from ..data.dataset import Dataset, total_count
from ..data.goals import annual_goal, derived_goal, scoped_total
from ..errors import ParameterError
from .facts import delivered_yoy, runs
from .metrics import flag, uncertainty_band


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
    storage: pd.DataFrame = field(default_factory=pd.DataFrame)  # storage_table, cut
    storage_annual: pd.DataFrame = field(default_factory=pd.DataFrame)  # storage_years, cut
    runs: list = field(default_factory=list)  # facts.runs of YoY deliveries in the range


def build(dataset: Dataset, start: str | None = None, end: str | None = None) -> HistoryView:
    """The history from ``start`` to ``end`` (default: every quarter in the data)."""
    first = dataset.require_quarter(start) if start else dataset.totals.index[0]
    last = dataset.require_quarter(end) if end else dataset.totals.index[-1]
    if first > last:
        raise ParameterError(f"start {quarters.label(first)} is after end {quarters.label(last)}")
    # Growth and cumulative gap are computed over the whole series, then cut, so the first
    # quarter of a range still compares with the quarter before it.
    table = quarterly_table(dataset)
    table = table[(table.index >= first) & (table.index <= last)]
    lines = dataset.lines[(dataset.lines["period"] >= first) & (dataset.lines["period"] <= last)]
    annual = annual_table(dataset)
    annual = annual[(annual["year"] >= first.year) & (annual["year"] <= last.year)].copy()
    # A goal derived from a growth statement ("50% growth") rather than a unit count Tesla gave.
    annual["goal_derived_from"] = [derived_goal(dataset.goals, row) for row in annual["goal_row"]]
    consensus = consensus_table(dataset)
    if not consensus.empty:  # an empty table (no consensus.csv) has no quarterly index
        consensus = consensus[(consensus.index >= first) & (consensus.index <= last)]
    storage = storage_table(dataset)
    storage = storage[(storage.index >= first) & (storage.index <= last)]
    years = storage_years(dataset)
    years = years[(years["year"] >= first.year) & (years["year"] <= last.year)]
    found = [r for r in runs(delivered_yoy(dataset)) if r[1] >= first and r[0] <= last]
    return HistoryView(
        quarters.label(first),
        quarters.label(last),
        table,
        lines,
        annual.reset_index(drop=True),
        consensus,
        storage,
        years.reset_index(drop=True),
        found,
    )


def quarterly_table(dataset: Dataset) -> pd.DataFrame:
    """Per quarter: produced, delivered, approx flag, QoQ/YoY growth (fractions), gap, cumulative.

    Growth compares with the calendar quarter before (or a year before); when that quarter is
    missing from the data the growth is NA rather than a comparison with an older quarter.
    """
    totals = dataset.totals
    frame = totals[["produced", "delivered", "delivered_approx"]].copy()
    full = frame.reindex(pd.period_range(totals.index[0], totals.index[-1], freq="Q"))
    for column in ("produced", "delivered"):
        values = full[column].astype("Float64")
        earlier_q, earlier_y = values.shift(1), values.shift(4)
        full[f"{column}_qoq"] = values / earlier_q.where(earlier_q != 0) - 1
        full[f"{column}_yoy"] = values / earlier_y.where(earlier_y != 0) - 1
    full["gap"] = full["produced"] - full["delivered"]
    full["cumulative_gap"] = full["gap"].fillna(0).cumsum().where(full["gap"].notna())
    full = full.loc[totals.index]
    full["quarter"] = [quarters.label(p) for p in full.index]
    return full


def annual_table(dataset: Dataset) -> pd.DataFrame:
    """Per calendar year: production and deliveries, quarters covered, and the annual goal."""
    totals = dataset.totals
    rows = []
    for year in sorted({p.year for p in totals.index}):
        in_year = [p for p in totals.index if p.year == year]
        goal = annual_goal(dataset, year, as_of=f"{year}-12-31")
        actual = None
        if goal:
            values = [scoped_total(dataset, p, goal.metric, goal.scope) for p in in_year]
            actual = None if None in values else sum(values)
        produced = totals.loc[in_year, "produced"]
        complete = len(in_year) == 4
        rows.append(
            {
                "year": year,
                "quarters": len(in_year),
                "complete": complete,
                "produced": int(produced.sum()) if produced.notna().all() else None,
                "delivered": int(totals.loc[in_year, "delivered"].sum()),
                "goal": goal.value if goal else None,
                "goal_high": goal.high if goal else None,
                "goal_metric": goal.metric if goal else None,
                "goal_scope": goal.scope if goal else None,
                "goal_description": goal.description if goal else None,
                "goal_row": goal.row if goal else None,
                "actual_for_goal": actual,
                "met": (actual >= goal.value) if goal and actual is not None and complete else None,
                "difference": (actual - goal.value) if goal and actual is not None else None,
            }
        )
    counts = [
        "produced",
        "delivered",
        "goal",
        "goal_high",
        "goal_row",
        "actual_for_goal",
        "difference",
    ]
    return pd.DataFrame(rows).astype({c: "Int64" for c in counts} | {"met": "boolean"})


def consensus_table(dataset: Dataset) -> pd.DataFrame:
    """Per quarter with consensus figures: the headline, its spread and deliveries against it.

    Indexed by quarterly period, oldest first, with the columns of the same names in
    :meth:`QuarterSummary.to_dict` (``consensus``, ``consensus_provider``, ..., ``vs_consensus``,
    ``vs_consensus_low``/``_high``) plus ``delivered``, ``delivered_approx`` and
    ``vs_consensus_fraction`` (a fraction, like the growth in :func:`quarterly_table`).
    """
    totals = dataset.total_rows
    rows = {}
    for label in sorted(set(dataset.consensus["quarter"]) & set(dataset.quarters)):
        period = quarters.parse_quarter(label)
        delivered = total_count(totals, period, "delivered")
        approx = flag(totals, period)
        band = (None, None) if delivered is None else uncertainty_band(delivered, approx)
        fields = consensus_fields(dataset.consensus_rows(label), delivered, band)
        fields.pop("consensus_figures")
        rows[period] = {"quarter": label, "delivered": delivered, "delivered_approx": approx}
        rows[period] |= fields
    columns = ["quarter", "delivered", "delivered_approx", *SUMMARY_FIELDS]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    counts = ["delivered", "consensus", "consensus_low", "consensus_high", "consensus_count"]
    counts += ["consensus_row", "vs_consensus", "vs_consensus_low", "vs_consensus_high"]
    types = {c: "Int64" for c in counts} | {"vs_consensus_fraction": "Float64"}
    return frame.astype(types | {"delivered_approx": bool})


def storage_table(dataset: Dataset) -> pd.DataFrame:
    """Per quarter of the deliveries data: storage deployed (MWh, NA where none), as stated,
    where stated, and its QoQ / YoY growth (fractions; NA without the earlier quarter)."""
    totals = dataset.totals
    full = pd.period_range(totals.index[0], totals.index[-1], freq="Q")
    rows = dataset.storage_rows
    frame = pd.DataFrame(
        {
            "storage_mwh": [rows[p]["storage_mwh"] if p in rows else pd.NA for p in full],
            "as_stated": [rows[p]["as_stated"] if p in rows else None for p in full],
            "stated_in": [rows[p]["stated_in"] if p in rows else None for p in full],
        },
        index=full,
    ).astype({"storage_mwh": "Int64"})
    values = frame["storage_mwh"].astype("Float64")
    frame["storage_qoq"] = values / values.shift(1) - 1
    frame["storage_yoy"] = values / values.shift(4) - 1
    frame = frame.loc[totals.index]
    frame["quarter"] = [quarters.label(p) for p in frame.index]
    return frame


def storage_years(dataset: Dataset) -> pd.DataFrame:
    """Per calendar year with storage figures: the MWh deployed, the quarters it covers, and
    the change on the year before over the same quarters (a fraction; NA when one is missing)."""
    rows = dataset.storage_rows
    result = []
    for year in sorted({p.year for p in rows}):
        covered = [p for p in rows if p.year == year]
        total = sum(int(rows[p]["storage_mwh"]) for p in covered)
        before = [p - 4 for p in covered]
        prior = (
            sum(int(rows[p]["storage_mwh"]) for p in before) if set(before) <= set(rows) else None
        )
        result.append(
            {
                "year": year,
                "quarters": len(covered),
                "last": quarters.label(covered[-1]),
                "storage_mwh": total,
                "prior_mwh": prior,
                "change": None if not prior else total / prior - 1,
            }
        )
    frame = pd.DataFrame(
        result, columns=["year", "quarters", "last", "storage_mwh", "prior_mwh", "change"]
    )
    return frame.astype({"storage_mwh": "Int64", "prior_mwh": "Int64", "change": "Float64"})
