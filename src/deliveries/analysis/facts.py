"""The facts a delivery-day story computes: year-over-year runs, the inventory build's rank and
deliveries year to date against the year before (Total rows, as first announced)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..data import quarters
from ..data.dataset import Dataset, total_count
from .arithmetic import gap, growth, percent
from .storage import year_so_far


@dataclass(frozen=True)
class Facts:
    """One quarter's facts; None where the data cannot tell (growth as fractions)."""

    delivered_yoy_streak: int | None = None  # +N: rose in this and the N-1 quarters before
    delivered_yoy_prior_streak: int | None = None  # the signed length of the run before it
    last_delivered_yoy_decline: str | None = None  # the latest earlier quarter that fell
    last_delivered_yoy_rise: str | None = None  # the latest earlier quarter that rose
    delivered_yoy_lowest: bool | None = None  # below every earlier quarter's YoY change
    yoy_first: str | None = None  # the first quarter with a YoY figure
    gap_rank: int | None = None  # 1 + the quarters up to this one with a larger gap
    gap_larger_last: str | None = None  # the latest earlier quarter with a larger gap
    gap_draw_rank: int | None = None  # 1 + the quarters up to this one with a smaller gap
    gap_smaller_last: str | None = None  # the latest earlier quarter with a smaller gap
    gap_quarters: int | None = None  # quarters up to this one with both figures
    gap_first: str | None = None  # the first of them
    delivered_ytd: int | None = None
    delivered_ytd_prior: int | None = None
    delivered_ytd_approx: bool = False

    @property
    def delivered_ytd_change(self) -> float | None:
        return growth(self.delivered_ytd, self.delivered_ytd_prior)

    def to_dict(self) -> dict:
        """The keys of ``deliveries metrics --json`` (the change in unrounded percent)."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        del data["delivered_ytd_approx"], data["yoy_first"], data["gap_first"]
        data["delivered_ytd_change_pct"] = percent(self.delivered_ytd_change)
        return data


def delivered_yoy(dataset: Dataset) -> dict[pd.Period, float | None]:
    """Every quarter's YoY change in deliveries (None without the quarter a year before)."""
    rows = dataset.total_rows
    return {
        p: growth(total_count(rows, p, "delivered"), total_count(rows, p - 4, "delivered"))
        for p in rows
    }


def _sign(value: float | None) -> int | None:
    return None if value is None else (value > 0) - (value < 0)


def runs(yoy: dict[pd.Period, float | None]) -> list[tuple[pd.Period, pd.Period, int]]:
    """The runs of consecutive quarters whose deliveries rose (+N) or fell (-N) year over year:
    ``(first, last, signed length)``, oldest first; a quarter without a YoY figure ends a run,
    and so does an unchanged one (a run of its own, length 0)."""
    found: list[list] = []
    for period, value in yoy.items():
        sign = _sign(value)
        if sign is None:
            continue
        last = found[-1] if found else None
        if (
            last
            and sign != 0
            and last[2] != 0
            and last[1] == period - 1
            and (last[2] > 0) == (sign > 0)
        ):
            last[1], last[2] = period, last[2] + sign
        else:
            found.append([period, period, sign])
    return [tuple(run) for run in found]


def _rank(gaps: dict[pd.Period, int], period: pd.Period, larger) -> tuple[int, str | None]:
    """1 + the quarters whose gap is ``larger`` than ``period``'s, and the latest earlier one."""
    own = gaps[period]
    beaten = [p for p, value in gaps.items() if larger(value, own)]
    earlier = [p for p in beaten if p < period]
    return 1 + len(beaten), quarters.label(earlier[-1]) if earlier else None


def facts_for(dataset: Dataset, period: pd.Period) -> Facts:
    """The facts of ``period``, from the quarters up to it."""
    rows = dataset.total_rows
    yoy = {p: v for p, v in delivered_yoy(dataset).items() if p <= period}
    fields: dict = {}
    known = [p for p, v in yoy.items() if v is not None]
    fields["yoy_first"] = quarters.label(known[0]) if known else None
    declines = [p for p in known if p < period and yoy[p] < 0]
    rises = [p for p in known if p < period and yoy[p] > 0]
    fields["last_delivered_yoy_decline"] = quarters.label(declines[-1]) if declines else None
    fields["last_delivered_yoy_rise"] = quarters.label(rises[-1]) if rises else None
    if yoy.get(period) is not None:
        found = runs(yoy)
        current = found[-1]
        fields["delivered_yoy_streak"] = current[2]
        before = found[-2] if len(found) > 1 else None
        if before is not None and before[1] == current[0] - 1:
            fields["delivered_yoy_prior_streak"] = before[2]
        earlier = [yoy[p] for p in known if p < period]
        fields["delivered_yoy_lowest"] = yoy[period] < min(earlier) if earlier else None
    gaps = {}
    for p in rows:
        if p > period:
            break
        value = gap(total_count(rows, p, "produced"), total_count(rows, p, "delivered"))
        if value is not None:
            gaps[p] = value
    if period in gaps:
        fields["gap_rank"], fields["gap_larger_last"] = _rank(gaps, period, int.__gt__)
        fields["gap_draw_rank"], fields["gap_smaller_last"] = _rank(gaps, period, int.__lt__)
        fields["gap_quarters"], fields["gap_first"] = len(gaps), quarters.label(next(iter(gaps)))
    so_far = [period - back for back in range(period.quarter)]
    fields["delivered_ytd"] = year_so_far(rows, period, "delivered")
    fields["delivered_ytd_prior"] = year_so_far(rows, period - 4, "delivered")
    fields["delivered_ytd_approx"] = any(
        bool(rows[p]["delivered_approx"]) for p in so_far if p in rows
    )
    return Facts(**fields)
