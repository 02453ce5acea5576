"""Energy storage deployed in a quarter: the figure, its growth, record and year to date.

Every figure is None where ``storage.csv`` has none (no file, or a quarter it does not cover).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..data import quarters
from ..data.dataset import Dataset, total_count
from .arithmetic import Record, growth, percent, record

COLUMN = "storage_mwh"


@dataclass(frozen=True)
class Storage:
    """A quarter's storage deployment and what it compares with (MWh; growth as fractions)."""

    mwh: int | None = None
    as_stated: str | None = None
    stated_in: str | None = None
    source: str | None = None
    row: int | None = None
    previous_mwh: int | None = None
    previous_as_stated: str | None = None
    year_ago_mwh: int | None = None
    year_ago_as_stated: str | None = None
    qoq: float | None = None
    yoy: float | None = None
    record: Record = Record(None, None, None)
    record_as_stated: str | None = None  # the previous record's figure as Tesla stated it
    rank: int | None = None  # 1 + the earlier quarters with more storage deployed
    larger_last: str | None = None  # the latest earlier quarter with more
    first_quarter: str | None = None  # the first quarter of the storage data
    ytd_mwh: int | None = None
    ytd_prior_mwh: int | None = None

    @property
    def ytd_change(self) -> float | None:
        return growth(self.ytd_mwh, self.ytd_prior_mwh)


def _stated(rows: dict[pd.Period, dict], period: pd.Period | None) -> str | None:
    row = rows.get(period) if period is not None else None
    return None if row is None else row["as_stated"]


def year_so_far(rows: dict[pd.Period, dict], period: pd.Period, column: str) -> int | None:
    """The sum of ``column`` over ``period``'s year up to it; None when a quarter lacks it."""
    values = [total_count(rows, period - back, column) for back in range(period.quarter)]
    return None if None in values else sum(values)


def storage_for(dataset: Dataset, period: pd.Period) -> Storage:
    """The storage figures of ``period`` (all None when the data has no figure for it)."""
    rows = dataset.storage_rows
    first = quarters.label(next(iter(rows))) if rows else None
    if period not in rows:
        return Storage(first_quarter=first)
    row = rows[period]
    mwh = int(row[COLUMN])
    before, year_before = quarters.previous(period), quarters.year_ago(period)
    previous, year_ago = (total_count(rows, p, COLUMN) for p in (before, year_before))
    best = record(rows, period, COLUMN)
    earlier = [(p, int(r[COLUMN])) for p, r in rows.items() if p < period]
    larger = [p for p, value in earlier if value > mwh]
    holder = quarters.parse_quarter(best.previous_quarter) if best.previous_quarter else None
    return Storage(
        mwh=mwh,
        as_stated=row["as_stated"],
        stated_in=row["stated_in"],
        source=row["source_url"],
        row=int(row["row"]),
        previous_mwh=previous,
        previous_as_stated=_stated(rows, before),
        year_ago_mwh=year_ago,
        year_ago_as_stated=_stated(rows, year_before),
        qoq=growth(mwh, previous),
        yoy=growth(mwh, year_ago),
        record=best,
        record_as_stated=_stated(rows, holder),
        rank=1 + len(larger),
        larger_last=quarters.label(larger[-1]) if larger else None,
        first_quarter=first,
        ytd_mwh=year_so_far(rows, period, COLUMN),
        ytd_prior_mwh=year_so_far(rows, year_before, COLUMN),
    )


def storage_fields(storage: Storage) -> dict:
    """The ``storage_*`` keys of ``deliveries metrics --json`` (percentages unrounded)."""
    previous = storage.record
    return {
        "storage_mwh": storage.mwh,
        "storage_as_stated": storage.as_stated,
        "storage_stated_in": storage.stated_in,
        "storage_source": storage.source,
        "storage_row": storage.row,
        "storage_qoq_pct": percent(storage.qoq),
        "storage_yoy_pct": percent(storage.yoy),
        "record_storage": previous.is_record,
        "previous_record_storage": {
            "previous_quarter": previous.previous_quarter,
            "previous_value": previous.previous_value,
        },
        "storage_rank": storage.rank,
        "storage_ytd_mwh": storage.ytd_mwh,
        "storage_ytd_prior_mwh": storage.ytd_prior_mwh,
        "storage_ytd_change_pct": percent(storage.ytd_change),
    }
