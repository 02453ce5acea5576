"""Reading the CSV tables in ``data/`` and parsing their cells, one clear line per problem.

Every loader reads its file with :func:`read_rows` (not ``pandas.read_csv``) so that each problem
can be reported with the file, the spreadsheet row (the header is row 1) and the column. A
:class:`Cells` object parses one row and collects its problems; :func:`raise_if` raises them
together as one :class:`DataError`.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import DataError, DataWarning, ParameterError
from ..files import display_path, read_input
from . import quarters

TOTAL = "Total"  # the model_line of a quarter's total row
MAX_FILE_BYTES = 5 * 1024 * 1024  # the real tables are ~50 KB; anything this big is not ours
MAX_PROBLEMS_SHOWN = 20
TRUE_WORDS = {"true", "yes", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "0", "n", "f", ""}
GROUPED_DIGITS = re.compile(r"^\d{1,3}(?:[, ]\d{3})+$")
PLAIN_DIGITS = re.compile(r"^\d+$")


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
    raise_if(problems)
    return rows


def raise_if(problems: list[str]) -> None:
    """Raise the collected problems as one DataError (at most MAX_PROBLEMS_SHOWN lines)."""
    if not problems:
        return
    shown = problems[:MAX_PROBLEMS_SHOWN]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        shown.append(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more problems")
    raise DataError(shown)


class Cells:
    """Parses the cells of one row, collecting problems instead of stopping at the first."""

    def __init__(self, where: str, row: dict[str, str], problems: list[str]):
        self.where, self.row, self.problems = where, row, problems

    def fail(self, column: str, message: str) -> None:
        self.problems.append(f"{self.where}, row {self.row['_row']}, {column}: {message}")

    def count(self, column: str, unit: str = "vehicles") -> int | None:
        """A whole, non-negative number (of ``unit``); empty means unknown (None)."""
        text = self.row.get(column, "")
        if text == "":
            return None
        digits = text.replace("_", "")
        if GROUPED_DIGITS.match(digits):  # "96,155" or "96 155": accepted, separators dropped
            digits = digits.replace(",", "").replace(" ", "")
        if PLAIN_DIGITS.match(digits):
            return int(digits)
        if re.match(r"^-\s*\d", text):
            self.fail(column, f'"{text}" is negative; a count of {unit} cannot be')
        elif re.match(r"^\d+[.,]\d+$", text):
            self.fail(column, f'"{text}" is not a whole number of {unit}')
        else:
            self.fail(column, f'"{text}" is not a number of {unit} (leave it empty if unknown)')
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
        """True or false (also yes/no, 1/0); empty is false."""
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

    def choice(self, column: str, allowed: tuple[str, ...]) -> str | None:
        """One of ``allowed`` (matched ignoring case), in its spelling there; None otherwise."""
        text = self.row.get(column, "")
        by_folded = {name.casefold(): name for name in allowed}
        if text.casefold() in by_folded:
            return by_folded[text.casefold()]
        shown = f'"{text}" is not' if text else "is empty; expected"
        self.fail(column, f"{shown} one of {', '.join(allowed)}")
        return None

    def url(self, column: str) -> str | None:
        """An http(s) address with a host name."""
        text = self.row.get(column, "")
        parts = urlsplit(text) if text and not re.search(r"\s", text) else None
        if parts is None or parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
            self.fail(column, f'"{text}" is not an http(s) URL' if text else "is empty (a URL)")
            return None
        return text


def _empty_cell(value: object) -> bool:
    """None, NaN or NA: how a loaded table holds an empty cell."""
    import pandas as pd  # loaded already wherever tables are: this module itself does without

    return bool(pd.isna(value))


def cell_count(value: object) -> int | None:
    """A whole-number cell of a loaded table; None where it is empty."""
    return None if _empty_cell(value) else int(value)


def cell_number(value: object) -> float | None:
    """A decimal cell of a loaded table (a lease percentage); None where it is empty."""
    return None if _empty_cell(value) else float(value)


def parse_vehicle_count(value: object, what: str) -> int | None:
    """A parameter such as ``--goal``: a positive whole number of vehicles, or None if not given.

    Accepts ints, whole floats and strings with thousands separators (``"100,000"``); ``""`` and
    ``"none"`` mean not given. ``what`` names the parameter in the error message.
    """
    if value is None or (isinstance(value, str) and value.strip().lower() in {"", "none"}):
        return None
    if isinstance(value, bool):
        raise ParameterError(f"{what} {value!r} is not a number of vehicles")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        if GROUPED_DIGITS.match(text):
            text = text.replace(",", "").replace(" ", "")
        if not re.match(r"^-?\d+$", text):
            raise ParameterError(f'{what} "{value}" is not a whole number of vehicles')
        value = int(text)
    if not isinstance(value, int):
        raise ParameterError(f"{what} {value!r} is not a whole number of vehicles")
    if value <= 0:
        raise ParameterError(f"{what} {value} must be a positive number of vehicles")
    return value
