"""Loading and validating the tables in ``data/``.

Every loader reads the file itself (not ``pandas.read_csv``) so that each problem can be reported
with the file, the spreadsheet row (the header is row 1) and the column. All problems in a file are
collected and raised together as one :class:`DataError`, one line per problem.
"""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import pandas as pd

from . import quarters
from .errors import DataError, ParameterError
from .paths import REPO_ROOT, display_path, read_input

TOTAL = "Total"
MAX_FILE_BYTES = 5 * 1024 * 1024  # the real table is ~30 KB; anything this big is not ours
MAX_PROBLEMS_SHOWN = 20

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
TRUE_WORDS = {"true", "yes", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "0", "n", "f", ""}
_GROUPED_DIGITS = re.compile(r"^\d{1,3}(?:[, ]\d{3})+$")
_PLAIN_DIGITS = re.compile(r"^\d+$")


class DataWarning(UserWarning):
    """Something in a data file was unusual but could be handled (e.g. an unknown column)."""


def default_data_dir() -> Path:
    """``$DELIVERIES_DATA_DIR`` if set, else the repository's ``data/`` folder."""
    return Path(os.environ.get("DELIVERIES_DATA_DIR") or REPO_ROOT / "data")


# --- reading ---------------------------------------------------------------------------------


def read_rows(path: Path, required: list[str], optional: list[str]) -> list[dict[str, str]]:
    """Read a CSV as dicts, checking encoding, size and header; each dict gets a ``_row`` number."""
    path = Path(path)
    where = display_path(path)
    raw = read_input(path, limit=MAX_FILE_BYTES, expected="a CSV table", error=DataError)
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark from Excel is fine
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{where}, row {line}: byte 0x{raw[exc.start]:02x} is not valid UTF-8 "
            "(save the file as UTF-8)"
        ) from None
    if not text.strip():
        raise DataError(f"{where}: file is empty (expected a header row: {','.join(required)})")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise DataError(f"{where}, row {reader.line_num}: cannot be read as CSV ({exc})") from None
    header = [name.strip() for name in records[0]]
    missing = [name for name in required if name not in header]
    if missing:
        raise DataError(
            [
                f"{where}, row 1: missing column {name!r} (header is: {','.join(header)})"
                for name in missing
            ]
        )
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise DataError(f"{where}, row 1: column {duplicated[0]!r} appears more than once")
    unknown = [name for name in header if name not in required + optional]
    if unknown:
        warnings.warn(
            f"{where}: ignoring unknown column(s) {', '.join(map(repr, unknown))}",
            DataWarning,
            stacklevel=3,
        )
    rows = []
    problems = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank lines are harmless
        if len(record) != len(header):
            problems.append(
                f"{where}, row {number}: has {len(record)} fields, the header has {len(header)}"
            )
            continue
        row = {name: cell.strip() for name, cell in zip(header, record, strict=True)}
        row["_row"] = number
        rows.append(row)
    _raise_if(problems)
    return rows


def _raise_if(problems: list[str]) -> None:
    if not problems:
        return
    shown = problems[:MAX_PROBLEMS_SHOWN]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        shown.append(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more problems")
    raise DataError(shown)


class _Cells:
    """Parses the cells of one row, collecting problems instead of stopping at the first."""

    def __init__(self, where: str, row: dict[str, str], problems: list[str]):
        self.where, self.row, self.problems = where, row, problems

    def fail(self, column: str, message: str) -> None:
        self.problems.append(f"{self.where}, row {self.row['_row']}, {column}: {message}")

    def count(self, column: str) -> int | None:
        """A whole, non-negative number of vehicles; empty means unknown (None)."""
        text = self.row.get(column, "")
        if text == "":
            return None
        digits = text.replace("_", "")
        if _GROUPED_DIGITS.match(digits):  # "96,155" or "96 155": accepted, separators dropped
            digits = digits.replace(",", "").replace(" ", "")
        if _PLAIN_DIGITS.match(digits):
            return int(digits)
        if re.match(r"^-\s*\d", text):
            self.fail(column, f'"{text}" is negative; a count of vehicles cannot be')
        elif re.match(r"^\d+[.,]\d+$", text):
            self.fail(column, f'"{text}" is not a whole number of vehicles')
        else:
            self.fail(column, f'"{text}" is not a number of vehicles (leave it empty if unknown)')
        return None

    def percent(self, column: str) -> float | None:
        """A percentage from 0 to 100 (a trailing % is allowed); empty means unknown."""
        text = self.row.get(column, "").rstrip("%").strip()
        if text == "":
            return None
        try:
            value = float(text)
        except ValueError:
            self.fail(column, f'"{self.row[column]}" is not a percentage')
            return None
        if not 0 <= value <= 100:
            self.fail(column, f"{self.row[column]} is outside 0-100")
            return None
        return value

    def flag(self, column: str) -> bool:
        text = self.row.get(column, "").lower()
        if text in TRUE_WORDS:
            return True
        if text not in FALSE_WORDS:
            self.fail(column, f'"{self.row[column]}" is not true or false')
        return False

    def quarter(self, column: str) -> str | None:
        text = self.row.get(column, "")
        if not quarters.is_quarter(text):
            self.fail(column, quarters.describe_bad_label(text))
            return None
        return text

    def day(self, column: str, *, allow_month: bool = False) -> str | None:
        """An ISO date (``YYYY-MM-DD``; ``YYYY-MM`` too when ``allow_month``); empty is None."""
        text = self.row.get(column, "")
        if text == "":
            return None
        try:
            if allow_month and re.match(r"^\d{4}-\d{2}$", text):
                date.fromisoformat(text + "-01")
            else:
                date.fromisoformat(text)
                if not re.match(r"^\d{4}-\d{2}-\d{2}$", text):
                    raise ValueError
        except ValueError:
            wanted = "YYYY-MM-DD or YYYY-MM" if allow_month else "YYYY-MM-DD"
            self.fail(column, f'"{text}" is not a date ({wanted})')
            return None
        return text

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.row.get(column, "")
        if required and not value:
            self.fail(column, "is empty")
        return value


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
        cells = _Cells(where, row, problems)
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
    _raise_if(problems)
    _check_quarters(where, records, problems)
    _raise_if(problems)
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
        cells = _Cells(where, row, problems)
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
    _raise_if(problems)
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
        cells = _Cells(where, row, problems)
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
    _raise_if(problems)
    frame = pd.DataFrame(
        records,
        columns=["quarter", "model_line", "metric", "first_announced", "revised", "source", "row"],
    )
    return frame.astype({"first_announced": "Int64", "revised": "Int64"})


# --- the whole data set ---------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """The validated tables a report is computed from, with the files they came from."""

    deliveries: pd.DataFrame
    goals: pd.DataFrame
    revisions: pd.DataFrame
    paths: dict[str, Path] = field(default_factory=dict)

    @cached_property
    def totals(self) -> pd.DataFrame:
        """One row per quarter (the Total rows), indexed by quarterly period, in order."""
        frame = self.deliveries[self.deliveries["is_total"]].set_index("period").sort_index()
        return frame

    @cached_property
    def lines(self) -> pd.DataFrame:
        """The model-line rows (no Total rows)."""
        return self.deliveries[~self.deliveries["is_total"]]

    @property
    def quarters(self) -> list[str]:
        """Every quarter in the data, oldest first."""
        return [quarters.label(p) for p in self.totals.index]

    def require_quarter(self, quarter: str) -> pd.Period:
        """The period for ``quarter``; ParameterError naming the nearest quarters if absent."""
        period = quarters.parse_quarter(quarter)
        if period in self.totals.index:
            return period
        available = self.totals.index
        first, last = quarters.label(available[0]), quarters.label(available[-1])
        nearest = sorted(available, key=lambda p: abs((p - period).n))[:3]
        near = ", ".join(quarters.label(p) for p in sorted(nearest))
        raise ParameterError(
            f"no data for {quarter} in {display_path(self.paths['deliveries'])} "
            f"(data covers {first}-{last}; nearest: {near})"
        )


def resolve_paths(
    data_dir: Path | str | None = None,
    *,
    deliveries: Path | str | None = None,
    goals: Path | str | None = None,
    revisions: Path | str | None = None,
) -> dict[str, Path | None]:
    """The three table paths: explicit ones win, the rest come from ``data_dir``.

    An explicit deliveries file elsewhere looks for ``revisions.csv`` beside itself; revisions
    are optional (only the vintage notes use them).
    """
    base = Path(data_dir) if data_dir else default_data_dir()
    if data_dir and not base.is_dir():
        raise ParameterError(f"data folder {display_path(base)} does not exist")
    deliveries_path = Path(deliveries) if deliveries else base / "production_deliveries.csv"
    goals_path = Path(goals) if goals else base / "goals.csv"
    if revisions:
        revisions_path: Path | None = Path(revisions)
    else:
        revisions_path = deliveries_path.with_name("revisions.csv")
        if not revisions_path.exists():
            revisions_path = None
    return {"deliveries": deliveries_path, "goals": goals_path, "revisions": revisions_path}


def load(
    data_dir: Path | str | None = None,
    *,
    deliveries: Path | str | None = None,
    goals: Path | str | None = None,
    revisions: Path | str | None = None,
) -> Dataset:
    """Load and validate every table; see :func:`resolve_paths` for where they are looked for."""
    paths = resolve_paths(data_dir, deliveries=deliveries, goals=goals, revisions=revisions)
    revisions_frame = (
        load_revisions(paths["revisions"]) if paths["revisions"] else load_revisions_empty()
    )
    return Dataset(
        deliveries=load_deliveries(paths["deliveries"]),
        goals=load_goals(paths["goals"]),
        revisions=revisions_frame,
        paths=paths,
    )


def load_revisions_empty() -> pd.DataFrame:
    """A revisions table with no rows, for data sets that have no ``revisions.csv``."""
    frame = pd.DataFrame(
        columns=["quarter", "model_line", "metric", "first_announced", "revised", "source", "row"]
    )
    return frame.astype({"first_announced": "Int64", "revised": "Int64"})


def parse_goal(value: object) -> int | None:
    """A goal given as a parameter: a positive whole number of vehicles, or None for the default."""
    if value is None or (isinstance(value, str) and value.strip().lower() in {"", "none"}):
        return None
    if isinstance(value, bool):
        raise ParameterError(f"goal {value!r} is not a number of vehicles")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        if _GROUPED_DIGITS.match(text):
            text = text.replace(",", "").replace(" ", "")
        if not re.match(r"^-?\d+$", text):
            raise ParameterError(f'goal "{value}" is not a whole number of vehicles')
        value = int(text)
    if not isinstance(value, int):
        raise ParameterError(f"goal {value!r} is not a whole number of vehicles")
    if value <= 0:
        raise ParameterError(f"goal {value} must be a positive number of vehicles")
    return value
