"""Loading and validating the tables in ``data/``: deliveries, goals, revisions, consensus, storage.

Each loader collects every problem in its file and raises them together as one
:class:`DataError`, one line per problem naming the file, the row and the column (the reading
and cell parsing are in :mod:`.validation`, the consensus table in
:mod:`.consensus`, the storage table in :mod:`.storage`).
:func:`load` puts the tables together into a :class:`Dataset`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import ParameterError
from ..files import display_path
from . import quarters
from .consensus import empty_consensus, load_consensus
from .storage import empty_storage, load_storage
from .validation import TOTAL, Cells, cell_count, parse_vehicle_count, raise_if, read_rows

DELIVERY_COLUMNS = [
    "quarter",
    "model_line",
    "produced",
    "delivered",
    "lease_pct",
    "delivered_approx",
    "release_date",
    "source",
]
DELIVERY_OPTIONAL = ["source_url", "verified"]
GOAL_COLUMNS = ["period", "metric", "goal"]
GOAL_OPTIONAL = [
    "scope",
    "goal_high",
    "kind",
    "stated_on",
    "stated_by",
    "quote",
    "source",
    "verified",
]
REVISION_COLUMNS = ["quarter", "model_line", "metric", "first_announced", "revised"]
REVISION_OPTIONAL = ["source"]

GOAL_METRICS = {"deliveries", "production"}
REVISION_METRICS = {"produced", "delivered"}


# --- production & deliveries -----------------------------------------------------------------


def load_deliveries(path: Path | str) -> pd.DataFrame:
    """Load ``production_deliveries.csv``.

    Returns one row per quarter x model line as in the file, including each quarter's ``Total``
    row (added from the model lines when the file has none and every line is known), with columns
    ``quarter`` (str), ``period`` (quarterly Period), ``model_line``, ``produced`` and ``delivered``
    (nullable Int64: empty means unknown, never zero), ``lease_pct`` (Float64), ``delivered_approx``
    (bool), ``release_date``, ``source``, ``source_url``, ``verified`` and ``row`` (the row in the
    file, for tracing a figure back to its source).
    """
    path = Path(path)
    where = display_path(path)
    problems: list[str] = []
    records = []
    seen: dict[tuple[str, str], int] = {}
    for row in read_rows(path, DELIVERY_COLUMNS, DELIVERY_OPTIONAL):
        cells = Cells(where, row, problems)
        record = {
            "quarter": cells.quarter("quarter"),
            "model_line": cells.text("model_line", required=True),
            "produced": cells.count("produced"),
            "delivered": cells.count("delivered"),
            "lease_pct": cells.percent("lease_pct"),
            "delivered_approx": cells.flag("delivered_approx"),
            "release_date": cells.day("release_date"),
            "source": cells.text("source"),
            "source_url": cells.text("source_url"),
            "verified": cells.text("verified"),
            "row": row["_row"],
        }
        if row.get("produced", "") == "" and row.get("delivered", "") == "":
            cells.fail(
                "produced/delivered",
                f'model line "{record["model_line"]}" has neither a '
                "produced nor a delivered figure",
            )
        key = (record["quarter"], record["model_line"])
        if record["quarter"] and record["model_line"]:
            if key in seen:
                cells.fail("model_line", f'duplicate of row {seen[key]} ({key[0]}, "{key[1]}")')
            else:
                seen[key] = row["_row"]
        records.append(record)
    if not records:
        problems.append(f"{where}: has a header but no data rows")
    raise_if(problems)
    _check_quarters(where, records, problems)
    raise_if(problems)
    frame = pd.DataFrame(records + _derived_totals(records))
    frame["period"] = pd.PeriodIndex(frame["quarter"], freq="Q")
    frame = frame.astype(
        {
            "produced": "Int64",
            "delivered": "Int64",
            "lease_pct": "Float64",
            "delivered_approx": bool,
        }
    )
    frame["is_total"] = frame["model_line"] == TOTAL
    return frame.sort_values(["period", "is_total"], kind="stable").reset_index(drop=True)


def _check_quarters(where: str, records: list[dict], problems: list[str]) -> None:
    """Per quarter: one release date, and model lines that add up to the Total row."""
    by_quarter: dict[str, list[dict]] = {}
    for record in records:
        by_quarter.setdefault(record["quarter"], []).append(record)
    for quarter, rows in by_quarter.items():
        dates = {r["release_date"] for r in rows if r["release_date"]}
        if len(dates) > 1:
            problems.append(
                f"{where}, rows {_rows(rows)}, release_date: {quarter} rows disagree "
                f"({', '.join(sorted(dates))})"
            )
        totals = [r for r in rows if r["model_line"] == TOTAL]
        lines = [r for r in rows if r["model_line"] != TOTAL]
        if not totals or not lines:
            continue
        total = totals[0]
        for column in ("produced", "delivered"):
            known = [r[column] for r in lines if r[column] is not None]
            if total[column] is None or not known:
                continue
            line_sum = sum(known)
            if len(known) == len(lines) and line_sum != total[column] or line_sum > total[column]:
                problems.append(
                    f"{where}, row {total['row']}, {column}: {quarter} Total is "
                    f"{total[column]:,} but the model lines (rows {_rows(lines)}) add up to "
                    f"{line_sum:,}"
                )


def _rows(records: list[dict]) -> str:
    return ", ".join(str(r["row"]) for r in records)


def _derived_totals(records: list[dict]) -> list[dict]:
    """Total rows for quarters whose file has none: the sum of the lines, unknown if any is."""
    quarters_with_total = {r["quarter"] for r in records if r["model_line"] == TOTAL}
    derived = []
    for quarter in dict.fromkeys(r["quarter"] for r in records):
        if quarter in quarters_with_total:
            continue
        lines = [r for r in records if r["quarter"] == quarter]
        total = dict(
            lines[0],
            model_line=TOTAL,
            lease_pct=None,
            verified="derived: sum of the model lines (the file has no Total row)",
        )
        for column in ("produced", "delivered"):
            values = [r[column] for r in lines]
            total[column] = None if None in values else sum(values)
        total["delivered_approx"] = any(r["delivered_approx"] for r in lines)
        total["row"] = min(r["row"] for r in lines)
        derived.append(total)
    return derived


# --- goals ----------------------------------------------------------------------------------


def load_goals(path: Path | str) -> pd.DataFrame:
    """Load ``goals.csv``: one row per stated goal.

    Columns: ``period`` (``2019Q3`` or ``2019``), ``is_annual``, ``metric`` (deliveries or
    production), ``scope`` (``all`` or the model lines it covers, e.g. ``Model S/X``), ``goal`` and
    ``goal_high`` (Int64, the range's ends; ``goal_high`` empty for a single figure), ``stated_on``
    and the provenance columns, plus ``row``.
    """
    path = Path(path)
    where = display_path(path)
    problems: list[str] = []
    records = []
    seen: dict[tuple, dict] = {}
    for row in read_rows(path, GOAL_COLUMNS, GOAL_OPTIONAL):
        cells = Cells(where, row, problems)
        period = row["period"]
        if not (quarters.is_quarter(period) or re.match(r"^\d{4}$", period)):
            cells.fail("period", f'"{period}" is neither a quarter (YYYYQn) nor a year (YYYY)')
        metric = row["metric"].lower()
        if metric not in GOAL_METRICS:
            cells.fail(
                "metric", f'"{row["metric"]}" is not one of {", ".join(sorted(GOAL_METRICS))}'
            )
        goal = cells.count("goal")
        if row["goal"] and goal == 0:
            cells.fail("goal", "is zero; a goal must be a positive number of vehicles")
        elif row["goal"] == "":
            cells.fail("goal", "is empty")
        goal_high = cells.count("goal_high")
        if goal and goal_high is not None and goal_high < goal:
            cells.fail("goal_high", f"{goal_high:,} is below goal {goal:,}")
        record = {
            "period": period,
            "is_annual": len(period) == 4,
            "metric": metric,
            "scope": row.get("scope") or "all",
            "goal": goal,
            "goal_high": goal_high,
            "kind": cells.text("kind"),
            "stated_on": cells.day("stated_on", allow_month=True),
            "stated_by": cells.text("stated_by"),
            "quote": cells.text("quote"),
            "source": cells.text("source"),
            "verified": cells.text("verified"),
            "row": row["_row"],
        }
        key = (period, metric, record["scope"], record["stated_on"])
        if key in seen:
            other = seen[key]
            what = "duplicate of" if other["goal"] == goal else "conflicts with"
            cells.fail(
                "goal",
                f"{what} row {other['row']}: both give a {metric} goal for {period} "
                f"stated on {record['stated_on'] or '(no date)'} ({other['goal']:,} vs "
                f"{goal or 0:,}); keep one, or give each its own stated_on",
            )
        else:
            seen[key] = record
        records.append(record)
    raise_if(problems)
    frame = pd.DataFrame(
        records,
        columns=["period", "is_annual", "metric", "scope", "goal", *GOAL_OPTIONAL[1:], "row"],
    )
    return frame.astype({"goal": "Int64", "goal_high": "Int64", "is_annual": bool})


# --- revisions ------------------------------------------------------------------------------


def load_revisions(path: Path | str) -> pd.DataFrame:
    """Load ``revisions.csv``: later restatements of first-announced figures.

    Columns: ``quarter``, ``model_line``, ``metric`` (produced or delivered), ``first_announced``,
    ``revised`` (Int64), ``source`` and ``row``.
    """
    path = Path(path)
    where = display_path(path)
    problems: list[str] = []
    records = []
    for row in read_rows(path, REVISION_COLUMNS, REVISION_OPTIONAL):
        cells = Cells(where, row, problems)
        metric = row["metric"]
        if metric not in REVISION_METRICS:
            cells.fail("metric", f'"{metric}" is not one of produced, delivered')
        records.append(
            {
                "quarter": cells.quarter("quarter"),
                "model_line": cells.text("model_line") or TOTAL,
                "metric": metric,
                "first_announced": cells.count("first_announced"),
                "revised": cells.count("revised"),
                "source": cells.text("source"),
                "row": row["_row"],
            }
        )
    raise_if(problems)
    frame = pd.DataFrame(
        records,
        columns=["quarter", "model_line", "metric", "first_announced", "revised", "source", "row"],
    )
    return frame.astype({"first_announced": "Int64", "revised": "Int64"})


# --- the whole data set ---------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """The validated tables a report is computed from, with the files they came from.

    ``consensus`` holds the analysts' consensus figures (see :mod:`deliveries.consensus`); it is
    empty when the data set has no ``consensus.csv``; ``storage`` (energy storage deployed, see
    :mod:`deliveries.data.storage`) likewise without ``storage.csv``.
    """

    deliveries: pd.DataFrame
    goals: pd.DataFrame
    revisions: pd.DataFrame
    paths: dict[str, Path | None] = field(default_factory=dict)
    consensus: pd.DataFrame = field(default_factory=empty_consensus)
    storage: pd.DataFrame = field(default_factory=empty_storage)

    @cached_property
    def totals(self) -> pd.DataFrame:
        """One row per quarter (the Total rows), indexed by quarterly period, in order."""
        frame = self.deliveries[self.deliveries["is_total"]].set_index("period").sort_index()
        return frame

    @cached_property
    def lines(self) -> pd.DataFrame:
        """The model-line rows (no Total rows)."""
        return self.deliveries[~self.deliveries["is_total"]]

    # The same rows as plain dicts, built once. A report, the history and the index read one
    # quarter's cells hundreds of times; a mask, ``.at`` or ``itertuples`` per lookup was most of
    # that work. Missing cells are None or NaN/NA, as in the tables (test with ``pd.isna``).
    @cached_property
    def total_rows(self) -> dict[pd.Period, dict]:
        """Each quarter's Total row, by period, oldest first."""
        return self.totals.to_dict("index")

    @cached_property
    def _line_rows(self) -> dict[pd.Period, list[dict]]:
        return _records_by(self.lines, "period")

    @cached_property
    def _goal_rows(self) -> dict[str, list[dict]]:
        return _records_by(self.goals, "period")

    @cached_property
    def _consensus_rows(self) -> dict[str, list[dict]]:
        return _records_by(self.consensus, "quarter")

    @cached_property
    def storage_rows(self) -> dict[pd.Period, dict]:
        """Each quarter's storage row as a dict, by period, oldest first."""
        rows = sorted(self.storage.to_dict("records"), key=lambda r: r["quarter"])
        return {quarters.parse_quarter(r["quarter"]): r for r in rows}

    @cached_property
    def total_revision_rows(self) -> list[dict]:
        """The restatements of Total figures, in file order."""
        return self.revisions[self.revisions["model_line"] == TOTAL].to_dict("records")

    def line_rows(self, period: pd.Period) -> list[dict]:
        """The model-line rows of ``period``, in file order."""
        return self._line_rows.get(period, [])

    def goal_rows(self, period: str) -> list[dict]:
        """The goals stated for ``period`` (``"2019Q3"`` or ``"2019"``), in file order."""
        return self._goal_rows.get(period, [])

    def consensus_rows(self, quarter: str) -> list[dict]:
        """The consensus figures of ``quarter`` (``"2019Q3"``), in file order."""
        return self._consensus_rows.get(quarter, [])

    @property
    def quarters(self) -> list[str]:
        """Every quarter in the data, oldest first."""
        return [quarters.label(p) for p in self.totals.index]

    @property
    def coverage(self) -> str:
        """The first and last quarter in the data, e.g. ``2016Q1-2026Q3``."""
        available = self.totals.index
        return f"{quarters.label(available[0])}-{quarters.label(available[-1])}"

    def require_quarter(self, quarter: object) -> pd.Period:
        """The period for ``quarter``; ParameterError naming the nearest quarters if absent.

        ``"latest"`` (any case; :data:`deliveries.config.LATEST`) means the newest quarter in
        the data.
        """
        if isinstance(quarter, str) and quarter.strip().lower() == config.LATEST:
            return self.totals.index[-1]
        period = quarters.parse_quarter(quarter)
        if period in self.totals.index:
            return period
        available = self.totals.index
        nearest = sorted(available, key=lambda p: abs((p - period).n))[:3]
        near = ", ".join(quarters.label(p) for p in sorted(nearest))
        where = self.paths.get("deliveries")
        source = f" in {display_path(where)}" if where else ""
        raise ParameterError(
            f"no data for {quarter}{source} (data covers {self.coverage}; nearest: {near})"
        )


def total_count(rows: dict[pd.Period, dict], period: pd.Period, column: str) -> int | None:
    """A count from :attr:`Dataset.total_rows`; None for an unknown quarter or an empty cell."""
    row = rows.get(period)
    return None if row is None else cell_count(row[column])


def _records_by(frame: pd.DataFrame, column: str) -> dict:
    """``frame``'s rows as dicts, grouped by their value in ``column``, each group in file order."""
    groups: dict = {}
    for record in frame.to_dict("records"):
        groups.setdefault(record[column], []).append(record)
    return groups


def resolve_paths(
    data_dir: Path | str | None = None,
    *,
    deliveries: Path | str | None = None,
    goals: Path | str | None = None,
    revisions: Path | str | None = None,
    consensus: Path | str | None = None,
    storage: Path | str | None = None,
) -> dict[str, Path | None]:
    """The table paths: explicit ones win, the rest come from ``data_dir``.

    An explicit deliveries file elsewhere looks for ``revisions.csv``, ``consensus.csv`` and
    ``storage.csv`` beside itself. All three are optional: absent, their path is None
    (revisions only feed the vintage notes; without a consensus or storage figures the report
    says they are not available). An explicit path
    that does not exist is an error when loading.
    """
    base = Path(data_dir) if data_dir else config.data_dir()
    if data_dir and not base.is_dir():
        raise ParameterError(f"data folder {display_path(base)} does not exist")
    deliveries_path = Path(deliveries) if deliveries else base / config.DELIVERIES_FILE
    goals_path = Path(goals) if goals else base / config.GOALS_FILE
    return {
        "deliveries": deliveries_path,
        "goals": goals_path,
        "revisions": _optional_beside(deliveries_path, revisions, config.REVISIONS_FILE),
        "consensus": _optional_beside(deliveries_path, consensus, config.CONSENSUS_FILE),
        "storage": _optional_beside(deliveries_path, storage, config.STORAGE_FILE),
    }


def _optional_beside(deliveries: Path, explicit: Path | str | None, name: str) -> Path | None:
    """``explicit`` if given, else ``name`` beside the deliveries file if it exists, else None."""
    if explicit:
        return Path(explicit)
    beside = deliveries.with_name(name)
    return beside if beside.exists() else None


def load(
    data_dir: Path | str | None = None,
    *,
    deliveries: Path | str | None = None,
    goals: Path | str | None = None,
    revisions: Path | str | None = None,
    consensus: Path | str | None = None,
    storage: Path | str | None = None,
) -> Dataset:
    """Load and validate every table; see :func:`resolve_paths` for where they are looked for."""
    paths = resolve_paths(
        data_dir,
        deliveries=deliveries,
        goals=goals,
        revisions=revisions,
        consensus=consensus,
        storage=storage,
    )
    revisions_frame = (
        load_revisions(paths["revisions"]) if paths["revisions"] else load_revisions_empty()
    )
    consensus_frame = (
        load_consensus(paths["consensus"]) if paths["consensus"] else empty_consensus()
    )
    return Dataset(
        deliveries=load_deliveries(paths["deliveries"]),
        goals=load_goals(paths["goals"]),
        revisions=revisions_frame,
        paths=paths,
        consensus=consensus_frame,
        storage=load_storage(paths["storage"]) if paths["storage"] else empty_storage(),
    )


def load_revisions_empty() -> pd.DataFrame:
    """A revisions table with no rows, for data sets that have no ``revisions.csv``."""
    frame = pd.DataFrame(
        columns=["quarter", "model_line", "metric", "first_announced", "revised", "source", "row"]
    )
    return frame.astype({"first_announced": "Int64", "revised": "Int64"})


def parse_goal(value: object) -> int | None:
    """A goal given as a parameter: a positive whole number of vehicles, or None for the default."""
    return parse_vehicle_count(value, "goal")
