"""The arithmetic on figures every analysis module shares: rounding, growth, gaps and records."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from ..data import quarters
from ..data.dataset import total_count


def round_half_up(value: Fraction | float) -> int:
    """Round to the nearest integer, halves away from zero (not banker's rounding)."""
    value = Fraction(value)
    sign = -1 if value < 0 else 1
    return sign * int(abs(value) + Fraction(1, 2))


def growth(current: int | None, earlier: int | None) -> float | None:
    """Fractional change from ``earlier`` to ``current``; None when either is unknown or zero."""
    if current is None or earlier is None or earlier == 0:
        return None
    return current / earlier - 1


def percent(fraction: float | None) -> float | None:
    """A fraction as unrounded percent (0.042 -> 4.2), as ``deliveries metrics --json`` gives it."""
    return None if fraction is None else fraction * 100


def gap(produced: int | None, delivered: int | None) -> int | None:
    """Produced minus delivered: positive when inventory grew, negative when it was drawn down."""
    if produced is None or delivered is None:
        return None
    return produced - delivered


@dataclass(frozen=True)
class Record:
    """Whether a quarter set a record, and who held it before."""

    is_record: bool | None
    previous_quarter: str | None
    previous_value: int | None


def record(rows: dict[pd.Period, dict], period: pd.Period, column: str) -> Record:
    """Is ``period``'s figure strictly above every earlier known figure in ``column``?

    ``rows``: :attr:`Dataset.total_rows`. None when the quarter's figure is unknown or no
    earlier quarter has one to compare with; a tie for the best goes to the later quarter.
    """
    best = holder = None
    for earlier in rows:  # oldest first
        if earlier >= period:
            break
        value = total_count(rows, earlier, column)
        if value is not None and (best is None or value >= best):
            best, holder = value, earlier
    if best is None:
        return Record(None, None, None)
    current = total_count(rows, period, column)
    is_record = None if current is None else current > best
    return Record(is_record, quarters.label(holder), best)
