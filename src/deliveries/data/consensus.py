"""What analysts expected: the ``consensus.csv`` table and the rule that picks a headline figure.

News reports give several consensus figures per quarter (providers disagree, and the same
provider is quoted with different numbers on different days). All are kept; :func:`select_headline`
picks the one a report compares deliveries with, and every figure, range ends included, makes up
the spread. Kept free of :mod:`deliveries.dataset` so that the loader can use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..files import display_path
from .validation import Cells, cell_count, parse_vehicle_count, raise_if, read_rows

PROVIDERS = (
    "FactSet",
    "FactSet StreetAccount",
    "Bloomberg",
    "Refinitiv/LSEG",
    "Visible Alpha",
    "company-compiled",
    "other",
    "unspecified",
)
# Providers a report names in a sentence ("the FactSet consensus"); the others are described.
UNNAMED_PROVIDERS = ("other", "unspecified")
NAMED_PROVIDERS = tuple(p for p in PROVIDERS if p not in UNNAMED_PROVIDERS)
GIVEN = "given"  # the provider of a figure given as a report parameter (--consensus N)
STATISTICS = ("mean", "median", "range")
POINT_STATISTICS = ("mean", "median")
# When the figure was reported relative to the release, best first (see select_headline).
WHEN_CODES = ("R", "R+1", "R+2", "R+", "P", "L")
WHEN_MEANING = {
    "R": "reported with the release",
    "R+1": "reported a day after the release",
    "R+2": "reported two days after the release",
    "R+": "reported a few days after the release (day not stated)",
    "P": "a preview, reported before the release",
    "L": "reported later",
}

CONSENSUS_COLUMNS = ["quarter", "provider", "statistic", "deliveries", "when", "url"]
CONSENSUS_OPTIONAL = ["low", "high", "approx", "analysts", "provider_as_reported", "note"]
FRAME_COLUMNS = [
    "quarter",
    "provider",
    "statistic",
    "deliveries",
    "low",
    "high",
    "approx",
    "analysts",
    "when",
    "provider_as_reported",
    "url",
    "note",
    "row",
]
_COUNTS = {"deliveries": "Int64", "low": "Int64", "high": "Int64", "analysts": "Int64"}


# --- the table -------------------------------------------------------------------------------


def load_consensus(path: Path | str) -> pd.DataFrame:
    """Load ``consensus.csv``: one row per consensus figure as a news report gave it.

    Columns (see ``data/README.md``): ``quarter``, ``provider`` and ``statistic`` (spelled as in
    :data:`PROVIDERS` and :data:`STATISTICS`), ``deliveries`` (a mean or median) or ``low`` and
    ``high`` (a range), all Int64; ``approx`` (bool), ``analysts`` (Int64, empty if not said),
    ``when`` (one of :data:`WHEN_CODES`), ``provider_as_reported``, ``url``, ``note`` and ``row``.
    """
    path = Path(path)
    where = display_path(path)
    problems: list[str] = []
    records = []
    for row in read_rows(path, CONSENSUS_COLUMNS, CONSENSUS_OPTIONAL):
        cells = Cells(where, row, problems)
        provider = row["provider"]
        if provider.casefold() == GIVEN:
            cells.fail("provider", f'"{provider}" is kept for a figure given as a parameter')
            provider = None
        else:
            provider = cells.choice("provider", PROVIDERS)
        statistic = cells.choice("statistic", STATISTICS)
        figure = cells.count("deliveries")
        low, high = cells.count("low"), cells.count("high")
        if statistic in POINT_STATISTICS:
            _check_point(cells, statistic, figure)
        elif statistic == "range":
            _check_range(cells, low, high)
        records.append(
            {
                "quarter": cells.quarter("quarter"),
                "provider": provider,
                "statistic": statistic,
                "deliveries": figure,
                "low": low,
                "high": high,
                "approx": cells.flag("approx"),
                "analysts": cells.count("analysts", unit="analysts"),
                "when": cells.choice("when", WHEN_CODES),
                "provider_as_reported": cells.text("provider_as_reported"),
                "url": cells.url("url"),
                "note": cells.text("note"),
                "row": row["_row"],
            }
        )
    raise_if(problems)
    return pd.DataFrame(records, columns=FRAME_COLUMNS).astype(_COUNTS | {"approx": bool})


def _check_point(cells: Cells, statistic: str, figure: int | None) -> None:
    """A mean or median: one positive ``deliveries`` figure and no range ends."""
    if cells.row.get("deliveries", "") == "":
        cells.fail("deliveries", f"is empty; a {statistic} figure needs deliveries")
    elif figure == 0:
        cells.fail("deliveries", "is zero; a consensus must be a positive number of vehicles")
    for end in ("low", "high"):
        if cells.row.get(end, ""):
            cells.fail(end, f"a {statistic} figure has no {end} (give a range its own row)")


def _check_range(cells: Cells, low: int | None, high: int | None) -> None:
    """A range: both ends, ``low <= high``, and no single ``deliveries`` figure."""
    for end in ("low", "high"):
        if cells.row.get(end, "") == "":
            cells.fail(end, "is empty; a range needs low and high")
    if low is not None and high is not None and low > high:
        cells.fail("high", f"{high:,} is below low {low:,}")
    if cells.row.get("deliveries", ""):
        cells.fail("deliveries", "a range has no single figure (leave deliveries empty)")


def empty_consensus() -> pd.DataFrame:
    """A consensus table with no rows, for data sets that have no ``consensus.csv``."""
    return pd.DataFrame(columns=FRAME_COLUMNS).astype(_COUNTS | {"approx": bool})


def parse_consensus(value: object) -> int | None:
    """A consensus given as a parameter (``--consensus N``): a positive whole number, or None."""
    return parse_vehicle_count(value, "consensus")


# --- a quarter's figures ---------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """One analyst consensus estimate as news reported it: a point (``value``, mean or median)
    or a range (``low``-``high``).

    A figure given as a parameter has provider and statistic ``"given"`` and no row or URL.
    """

    provider: str
    statistic: str
    value: int | None
    low: int | None
    high: int | None
    approx: bool
    analysts: int | None
    when: str | None
    url: str | None
    row: int | None
    provider_as_reported: str = ""

    @property
    def is_point(self) -> bool:
        return self.value is not None

    @property
    def ends(self) -> tuple[int, int]:
        """The lowest and highest number the figure stands for."""
        if self.is_point:
            return self.value, self.value
        return self.low, self.high


def given_estimate(value: int) -> Estimate:
    """The figure a user gave as a parameter."""
    return Estimate(GIVEN, GIVEN, value, None, None, False, None, None, None, None, "given")


def estimates_for(rows: list[dict]) -> list[Estimate]:
    """One quarter's figures, in file order, from its rows of the consensus table as dicts
    (:meth:`deliveries.dataset.Dataset.consensus_rows`)."""
    return [
        Estimate(
            provider=r["provider"],
            statistic=r["statistic"],
            value=cell_count(r["deliveries"]),
            low=cell_count(r["low"]),
            high=cell_count(r["high"]),
            approx=bool(r["approx"]),
            analysts=cell_count(r["analysts"]),
            when=r["when"],
            url=r["url"],
            row=int(r["row"]),
            provider_as_reported=r["provider_as_reported"],
        )
        for r in rows  # in file order already, as the table was read
    ]


def select_headline(figures: Sequence[Estimate]) -> Estimate | None:
    """The headline consensus among a quarter's ``figures`` (in file order), by a fixed rule.

    1. A figure given as a parameter (provider ``"given"``) wins outright.
    2. Only point figures (mean or median) compete; a range only widens the spread.
    3. When it was reported: with the release (R), then a day later (R+1), two days later (R+2),
       a few days later with the day not stated (R+, after both dated codes because it may be
       later than either), then a preview before the release (P), then a later article (L).
    4. Provider in the order of :data:`PROVIDERS` (FactSet first, unspecified last).
    5. A mean before a median.
    6. The first in the file.

    None when there is no point figure.
    """
    for figure in figures:
        if figure.provider == GIVEN:
            return figure
    candidates = [(position, f) for position, f in enumerate(figures) if f.is_point]
    if not candidates:
        return None

    def rank(candidate: tuple[int, Estimate]) -> tuple[int, int, int, int]:
        position, figure = candidate
        return (
            WHEN_CODES.index(figure.when),
            PROVIDERS.index(figure.provider),
            POINT_STATISTICS.index(figure.statistic),
            position,
        )

    return min(candidates, key=rank)[1]


@dataclass(frozen=True)
class QuarterConsensus:
    """A quarter's consensus: the headline figure and every figure behind the spread.

    A figure given as a parameter is the headline and counts as one of the ``figures`` (listed
    first): the spread then covers it as well, so the headline always lies inside the spread.
    """

    headline: Estimate | None
    figures: list[Estimate]

    @property
    def low(self) -> int | None:
        return min(f.ends[0] for f in self.figures) if self.figures else None

    @property
    def high(self) -> int | None:
        return max(f.ends[1] for f in self.figures) if self.figures else None

    @property
    def count(self) -> int | None:
        return len(self.figures) if self.figures else None


def for_quarter(rows: list[dict], given: int | None = None) -> QuarterConsensus:
    """A quarter's consensus from its ``rows`` of the table (see :func:`estimates_for`), with
    ``given`` (the user's figure) first."""
    figures = estimates_for(rows)
    if given is not None:
        figures = [given_estimate(given), *figures]
    return QuarterConsensus(select_headline(figures), figures)


@dataclass(frozen=True)
class Surprise:
    """Deliveries against the consensus: ``delivered - consensus`` (positive: a beat)."""

    difference: int
    fraction: float
    low: int
    high: int


def surprise(delivered: int, delivered_low: int, delivered_high: int, consensus: int) -> Surprise:
    """The difference, as a fraction of the consensus too, and its band.

    ``delivered_low``/``delivered_high`` are the ends of the +-0.5% band of approximate
    deliveries (both equal to ``delivered`` when the count is exact).
    """
    difference = delivered - consensus
    return Surprise(
        difference,
        difference / consensus,
        delivered_low - consensus,
        delivered_high - consensus,
    )


SUMMARY_FIELDS = [
    "consensus",
    "consensus_provider",
    "consensus_statistic",
    "consensus_when",
    "consensus_source",
    "consensus_row",
    "consensus_low",
    "consensus_high",
    "consensus_count",
    "vs_consensus",
    "vs_consensus_fraction",
    "vs_consensus_low",
    "vs_consensus_high",
]


def consensus_fields(
    rows: list[dict],
    delivered: int | None,
    band: tuple[int | None, int | None],
    given: int | None = None,
) -> dict:
    """A quarter's consensus as ``QuarterSummary`` fields; all None when it has no figures.

    ``rows``: the quarter's rows of the table (:meth:`deliveries.dataset.Dataset.consensus_rows`).
    The keys are :data:`SUMMARY_FIELDS` and ``consensus_figures``. ``band`` is the low and
    high end of the deliveries (both ``delivered`` when the count is exact). When only ranges
    were reported there is a spread but no headline: ``consensus`` and the ``vs_consensus``
    fields stay None; unknown deliveries leave the ``vs_consensus`` fields None.
    """
    found = for_quarter(rows, given)
    fields = dict.fromkeys(SUMMARY_FIELDS) | {
        "consensus_low": found.low,
        "consensus_high": found.high,
        "consensus_count": found.count,
        "consensus_figures": found.figures,
    }
    headline = found.headline
    if headline is None:
        return fields
    fields |= {
        "consensus": headline.value,
        "consensus_provider": headline.provider,
        "consensus_statistic": headline.statistic,
        "consensus_when": headline.when,
        "consensus_source": headline.url,
        "consensus_row": headline.row,
    }
    if delivered is None:  # deliveries unknown: nothing to compare
        return fields
    result = surprise(delivered, *band, headline.value)
    return fields | {
        "vs_consensus": result.difference,
        "vs_consensus_fraction": result.fraction,
        "vs_consensus_low": result.low,
        "vs_consensus_high": result.high,
    }
