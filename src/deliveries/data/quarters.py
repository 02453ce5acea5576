"""Quarter labels: the only place a label like ``2019Q3`` is parsed.

The reports work with pandas' quarterly ``Period``; reading a release (ingest, EDGAR) uses the
light :class:`Quarter` instead, so that ``deliveries update`` can look at EDGAR without importing
pandas (most of a no-op poll's time otherwise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ..errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd

QUARTER_PATTERN = re.compile(r"^(\d{4})Q([1-4])$")
_LOOSE_PATTERN = re.compile(
    r"^\s*(?:(\d{4})\s*[-_ /]?\s*[Qq]\s*([1-4])|[Qq]\s*([1-4])\s*[-_ /]?\s*(\d{4}))\s*$"
)


def is_quarter(label: object) -> bool:
    """True when ``label`` is a well-formed quarter label such as ``2019Q3``."""
    return isinstance(label, str) and QUARTER_PATTERN.match(label) is not None


def suggest(label: str) -> str | None:
    """The canonical label a near-miss such as ``Q3 2019`` or ``2019-q3`` probably meant."""
    match = _LOOSE_PATTERN.match(label or "")
    if not match:
        return None
    year = match.group(1) or match.group(4)
    number = match.group(2) or match.group(3)
    return f"{year}Q{number}"


def describe_bad_label(label: object) -> str:
    """One phrase explaining why ``label`` is not a quarter, with a suggestion when one fits."""
    text = str(label)
    hint = suggest(text)
    if hint and hint != text:
        return f'"{text}" is not a quarter label (expected YYYYQn, did you mean {hint}?)'
    return f'"{text}" is not a quarter label (expected YYYYQn with n from 1 to 4, e.g. 2019Q3)'


def parse_quarter(label: object) -> pd.Period:
    """Parse ``"2019Q3"`` into a quarterly ``pd.Period``; raise ParameterError otherwise."""
    import pandas as pd

    if isinstance(label, pd.Period):
        return label
    if not is_quarter(label):
        raise ParameterError(describe_bad_label(label))
    return pd.Period(label, freq="Q")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter without pandas: ordered, ``quarter - 1`` is the one before."""

    year: int
    quarter: int

    @classmethod
    def parse(cls, label: str) -> Quarter:
        """``"2019Q3"`` -> Quarter(2019, 3); a ParameterError for anything else."""
        match = QUARTER_PATTERN.match(label) if isinstance(label, str) else None
        if match is None:
            raise ParameterError(describe_bad_label(label))
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        """The quarter ``day`` falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __sub__(self, quarters: int) -> Quarter:
        index = self.year * 4 + self.quarter - 1 - quarters
        return Quarter(index // 4, index % 4 + 1)

    @property
    def last_day(self) -> date:
        """The quarter's last day (e.g. 2019-09-30 for 2019Q3)."""
        after = date(self.year + (self.quarter == 4), self.quarter % 4 * 3 + 1, 1)
        return after - timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"


def label(period: pd.Period | Quarter) -> str:
    """The canonical label of a quarterly period, e.g. ``2019Q3``."""
    return f"{period.year}Q{period.quarter}"


def previous(period: pd.Period) -> pd.Period:
    """The quarter before ``period``."""
    return period - 1


def year_ago(period: pd.Period) -> pd.Period:
    """The same quarter one year earlier."""
    return period - 4


def display(period: pd.Period) -> str:
    """Human form used in prose and titles: ``Q3 2019``."""
    return f"Q{period.quarter} {period.year}"
