"""Pure functions from the validated tables to a quarter's figures.

Growth is a fraction inside the code; it becomes a percentage only at the edges
(``QuarterSummary.to_dict`` and display). Unknown inputs give ``None``, never zero.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fractions import Fraction

import pandas as pd

from ..data import quarters
from ..data.consensus import Estimate, consensus_fields
from ..data.dataset import Dataset, total_count
from ..data.goals import YearToDate, quarter_goal, year_to_date
from ..data.validation import cell_count, cell_number
from .arithmetic import Record, gap, growth, percent, record, round_half_up
from .facts import Facts, facts_for
from .storage import Storage, storage_fields, storage_for

# Tesla: "final numbers could vary by up to 0.5%" for its preliminary (approximate) counts.
UNCERTAINTY = Fraction(5, 1000)


def shortfall(delivered: int | None, goal: int | None) -> int | None:
    """Vehicles short of ``goal``; negative when the goal was beaten."""
    if delivered is None or goal is None:
        return None
    return goal - delivered


def uncertainty_band(value: int, approximate: bool) -> tuple[int, int]:
    """The range Tesla's +-0.5% caveat allows around an approximate figure (rounded)."""
    if not approximate:
        return value, value
    return round_half_up(value * (1 - UNCERTAINTY)), round_half_up(value * (1 + UNCERTAINTY))


def leased_estimate(delivered: int | None, lease_pct: float | None) -> int | None:
    """Deliveries subject to lease accounting, estimated as delivered x lease % (rounded)."""
    if delivered is None or lease_pct is None:
        return None
    return round_half_up(Fraction(delivered) * Fraction(str(lease_pct)) / 100)


def flag(rows: dict[pd.Period, dict], period: pd.Period) -> bool:
    """Whether ``period``'s deliveries are approximate (False for a quarter not in ``rows``)."""
    row = rows.get(period)
    return bool(row["delivered_approx"]) if row is not None else False


def cumulative_gap(rows: dict[pd.Period, dict], period: pd.Period) -> tuple[int | None, str | None]:
    """Sum of the known quarterly gaps up to ``period`` and the first quarter it includes
    (``rows``: :attr:`Dataset.total_rows`); None unless ``period``'s own gap is known."""
    if gap(total_count(rows, period, "produced"), total_count(rows, period, "delivered")) is None:
        return None, None
    total, first = 0, None
    for earlier in rows:  # oldest first
        if earlier > period:
            break
        known = gap(total_count(rows, earlier, "produced"), total_count(rows, earlier, "delivered"))
        if known is not None:
            total += known
            first = earlier if first is None else first
    return total, quarters.label(first)


@dataclass(frozen=True)
class ModelLine:
    """One model line of the quarter as the release grouped it."""

    model_line: str
    produced: int | None
    delivered: int | None
    gap: int | None
    delivered_share_pct: float | None
    lease_pct: float | None
    leased_estimate: int | None
    row: int
    delivered_yoy_pct: float | None = None  # against the line of the same name a year before


def model_lines(dataset: Dataset, period: pd.Period) -> list[ModelLine]:
    """The quarter's model lines with their share of total deliveries."""
    total_delivered = total_count(dataset.total_rows, period, "delivered")
    year_ago = {r["model_line"]: cell_count(r["delivered"]) for r in dataset.line_rows(period - 4)}
    result = []
    for row in dataset.line_rows(period):
        produced, delivered = cell_count(row["produced"]), cell_count(row["delivered"])
        lease = cell_number(row["lease_pct"])
        share = (
            None if delivered is None or not total_delivered else delivered / total_delivered * 100
        )
        result.append(
            ModelLine(
                row["model_line"],
                produced,
                delivered,
                gap(produced, delivered),
                share,
                lease,
                leased_estimate(delivered, lease),
                int(row["row"]),
                percent(growth(delivered, year_ago.get(row["model_line"]))),
            )
        )
    return result


@dataclass(frozen=True)
class Revision:
    """A later restatement of a figure used in the report."""

    quarter: str
    model_line: str
    metric: str
    first_announced: int
    revised: int
    source: str


def revisions_for(dataset: Dataset, periods: list[pd.Period]) -> list[Revision]:
    """Known restatements of the Total figures of ``periods``."""
    labels = {quarters.label(p) for p in periods}
    return [
        Revision(
            r["quarter"],
            r["model_line"],
            r["metric"],
            int(r["first_announced"]),
            int(r["revised"]),
            r["source"],
        )
        for r in dataset.total_revision_rows
        if r["quarter"] in labels
    ]


@dataclass(frozen=True)
class QuarterSummary:
    """Everything the report says about one quarter, computed from ``data/``."""

    quarter: str
    release_date: str | None
    produced: int | None
    delivered: int
    delivered_approx: bool
    delivered_low: int
    delivered_high: int
    previous_quarter: str
    year_ago_quarter: str
    produced_previous: int | None
    delivered_previous: int | None
    produced_year_ago: int | None
    delivered_year_ago: int | None
    previous_approx: bool
    year_ago_approx: bool
    produced_qoq: float | None
    delivered_qoq: float | None
    produced_yoy: float | None
    delivered_yoy: float | None
    gap: int | None
    cumulative_gap: int | None
    cumulative_gap_from: str | None
    goal: int | None
    goal_description: str | None
    goal_source: str | None
    goal_row: int | None
    shortfall: int | None
    shortfall_low: int | None
    shortfall_high: int | None
    lease_pct: float | None
    leased_estimate: int | None
    record_produced: Record
    record_delivered: Record
    models: list[ModelLine]
    year_to_date: YearToDate
    revisions: list[Revision]
    source: str
    source_url: str
    row: int
    # The analysts' consensus (see deliveries.consensus); all None when the quarter has none.
    consensus: int | None = None
    consensus_provider: str | None = None
    consensus_statistic: str | None = None
    consensus_when: str | None = None
    consensus_source: str | None = None
    consensus_row: int | None = None
    consensus_low: int | None = None
    consensus_high: int | None = None
    consensus_count: int | None = None
    vs_consensus: int | None = None
    vs_consensus_fraction: float | None = None
    vs_consensus_low: int | None = None
    vs_consensus_high: int | None = None
    consensus_figures: list[Estimate] = field(default_factory=list)
    storage: Storage = field(default_factory=Storage)  # energy storage deployed (None: no figure)
    facts: Facts = field(default_factory=Facts)  # YoY runs, inventory rank, year to date

    @property
    def consensus_headline(self) -> Estimate | None:
        """The figure the headline consensus came from (None for a range-only quarter)."""
        if self.consensus is None:
            return None
        for figure in self.consensus_figures:
            if figure.row == self.consensus_row and figure.provider == self.consensus_provider:
                return figure
        return None

    @property
    def quarter_period(self) -> pd.Period:
        return quarters.parse_quarter(self.quarter)

    @property
    def shortfall_fraction(self) -> float | None:
        """Shortfall as a fraction of the goal (negative when beaten)."""
        if self.shortfall is None or not self.goal:
            return None
        return self.shortfall / self.goal

    def to_dict(self) -> dict:
        """The JSON form: counts as integers, percentages (``*_pct``) as unrounded floats."""
        data = {
            "quarter": self.quarter,
            "release_date": self.release_date,
            "produced": self.produced,
            "delivered": self.delivered,
            "delivered_approx": self.delivered_approx,
            "delivered_low": self.delivered_low,
            "delivered_high": self.delivered_high,
            "previous_quarter": self.previous_quarter,
            "year_ago_quarter": self.year_ago_quarter,
            "produced_qoq_pct": percent(self.produced_qoq),
            "delivered_qoq_pct": percent(self.delivered_qoq),
            "produced_yoy_pct": percent(self.produced_yoy),
            "delivered_yoy_pct": percent(self.delivered_yoy),
            "gap": self.gap,
            "cumulative_gap": self.cumulative_gap,
            "cumulative_gap_from": self.cumulative_gap_from,
            "goal": self.goal,
            "goal_description": self.goal_description,
            "shortfall": self.shortfall,
            "shortfall_pct": percent(self.shortfall_fraction),
            "shortfall_low": self.shortfall_low,
            "shortfall_high": self.shortfall_high,
            "record_produced": self.record_produced.is_record,
            "record_delivered": self.record_delivered.is_record,
            "previous_record_produced": asdict(self.record_produced),
            "previous_record_delivered": asdict(self.record_delivered),
            "lease_pct": self.lease_pct,
            "leased_estimate": self.leased_estimate,
            "models": [asdict(m) for m in self.models],
            "year_to_date": asdict(self.year_to_date),
            "revisions": [asdict(r) for r in self.revisions],
            "source": self.source,
            "source_url": self.source_url,
            "row": self.row,
            "consensus": self.consensus,
            "consensus_provider": self.consensus_provider,
            "consensus_statistic": self.consensus_statistic,
            "consensus_when": self.consensus_when,
            "consensus_source": self.consensus_source,
            "consensus_row": self.consensus_row,
            "consensus_low": self.consensus_low,
            "consensus_high": self.consensus_high,
            "consensus_count": self.consensus_count,
            "vs_consensus": self.vs_consensus,
            "vs_consensus_pct": percent(self.vs_consensus_fraction),
            "vs_consensus_low": self.vs_consensus_low,
            "vs_consensus_high": self.vs_consensus_high,
            "consensus_figures": [asdict(f) for f in self.consensus_figures],
        }
        for key in ("previous_record_produced", "previous_record_delivered"):
            data[key].pop("is_record")
        return data | storage_fields(self.storage) | self.facts.to_dict()


def summarize(
    dataset: Dataset, quarter: str, goal: int | None = None, consensus: int | None = None
) -> QuarterSummary:
    """All figures for ``quarter`` (``"2019Q3"`` or ``"latest"``).

    Deliveries are measured against ``goal`` or else the stated goal, and against ``consensus``
    (the user's own figure, provider "given") or else the headline of the quarter's consensus
    figures (see :func:`deliveries.consensus.select_headline`).
    """
    period = dataset.require_quarter(quarter)
    totals = dataset.total_rows
    row = totals[period]
    produced = total_count(totals, period, "produced")
    delivered = total_count(totals, period, "delivered")
    approx = bool(row["delivered_approx"])
    before, year_before = quarters.previous(period), quarters.year_ago(period)
    produced_prev, delivered_prev = (
        total_count(totals, before, "produced"),
        total_count(totals, before, "delivered"),
    )
    produced_ya, delivered_ya = (
        total_count(totals, year_before, "produced"),
        total_count(totals, year_before, "delivered"),
    )
    low, high = uncertainty_band(delivered, approx)
    chosen_goal = quarter_goal(dataset, period, goal)
    goal_value = chosen_goal.value if chosen_goal else None
    lines = model_lines(dataset, period)
    total_lease = cell_number(row["lease_pct"])
    line_leases = [m.leased_estimate for m in lines if m.delivered is not None]
    if line_leases and None not in line_leases:
        leased = sum(line_leases)
    else:
        leased = leased_estimate(delivered, total_lease)
    cumulative, cumulative_from = cumulative_gap(totals, period)
    return QuarterSummary(
        quarter=quarters.label(period),
        release_date=row["release_date"],
        produced=produced,
        delivered=delivered,
        delivered_approx=approx,
        delivered_low=low,
        delivered_high=high,
        previous_quarter=quarters.label(before),
        year_ago_quarter=quarters.label(year_before),
        produced_previous=produced_prev,
        delivered_previous=delivered_prev,
        produced_year_ago=produced_ya,
        delivered_year_ago=delivered_ya,
        previous_approx=flag(totals, before),
        year_ago_approx=flag(totals, year_before),
        produced_qoq=growth(produced, produced_prev),
        delivered_qoq=growth(delivered, delivered_prev),
        produced_yoy=growth(produced, produced_ya),
        delivered_yoy=growth(delivered, delivered_ya),
        gap=gap(produced, delivered),
        cumulative_gap=cumulative,
        cumulative_gap_from=cumulative_from,
        goal=goal_value,
        goal_description=chosen_goal.description if chosen_goal else None,
        goal_source=chosen_goal.source if chosen_goal else None,
        goal_row=chosen_goal.row if chosen_goal else None,
        shortfall=shortfall(delivered, goal_value),
        shortfall_low=shortfall(high, goal_value),
        shortfall_high=shortfall(low, goal_value),
        lease_pct=total_lease,
        leased_estimate=leased,
        record_produced=record(totals, period, "produced"),
        record_delivered=record(totals, period, "delivered"),
        models=lines,
        year_to_date=year_to_date(dataset, period),
        revisions=revisions_for(dataset, [period, before, year_before]),
        source=row["source"],
        source_url=row["source_url"],
        row=int(row["row"]),
        **consensus_fields(
            dataset.consensus_rows(quarters.label(period)), delivered, (low, high), consensus
        ),
        storage=storage_for(dataset, period),
        facts=facts_for(dataset, period),
    )
