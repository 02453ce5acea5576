"""Energy storage deployed per quarter: the optional ``storage.csv`` table.

One row per quarter: ``storage_mwh`` (whole MWh), ``as_stated`` (the figure as Tesla wrote it,
``4,053 MWh`` or ``9.4 GWh``; the two must agree, 9.4 GWh being 9,400 MWh), ``stated_in``
(``release``: the production & deliveries release; ``update``: the quarterly Update letter),
``source_url``, ``confidence`` and ``note``. Kept free of :mod:`.dataset` so the loader can use it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from ..files import display_path
from .validation import Cells, raise_if, read_rows

if TYPE_CHECKING:  # reading a release (stated_mwh) needs no pandas
    import pandas as pd

STORAGE_COLUMNS = ["quarter", "storage_mwh", "as_stated", "stated_in", "source_url"]
STORAGE_OPTIONAL = ["confidence", "note"]
STATED_IN = ("release", "update")
FRAME_COLUMNS = [*STORAGE_COLUMNS, *STORAGE_OPTIONAL, "row"]
_STATED = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(MWh|GWh)$", re.IGNORECASE)


def stated_mwh(text: str) -> int | None:
    """``4,053 MWh`` -> 4053, ``9.4 GWh`` -> 9400; None when it is not such a figure."""
    match = _STATED.match((text or "").strip())
    if match is None:
        return None
    whole, decimals, unit = match.groups()
    value = Decimal(whole.replace(",", "") + (f".{decimals}" if decimals else ""))
    value *= 1000 if unit.lower() == "gwh" else 1
    return int(value) if value == value.to_integral_value() else None


def load_storage(path: Path | str) -> pd.DataFrame:
    """Load ``storage.csv``: one row per quarter, ``storage_mwh`` as Int64, plus ``row``."""
    import pandas as pd

    path = Path(path)
    where = display_path(path)
    problems: list[str] = []
    records = []
    seen: dict[str, int] = {}
    for row in read_rows(path, STORAGE_COLUMNS, STORAGE_OPTIONAL):
        cells = Cells(where, row, problems)
        quarter = cells.quarter("quarter")
        mwh = cells.count("storage_mwh", unit="MWh")
        if row["storage_mwh"] == "":
            cells.fail("storage_mwh", "is empty (leave out a quarter without a figure)")
        stated = row["as_stated"]
        if stated == "":
            cells.fail("as_stated", "is empty (the figure as Tesla stated it, e.g. 9.4 GWh)")
        elif stated_mwh(stated) is None:
            cells.fail("as_stated", f'"{stated}" is not a figure in MWh or GWh (e.g. 9.4 GWh)')
        elif mwh is not None and stated_mwh(stated) != mwh:
            cells.fail(
                "storage_mwh",
                f'{mwh:,} MWh disagrees with as_stated "{stated}" ({stated_mwh(stated):,} MWh)',
            )
        if quarter in seen:
            cells.fail("quarter", f"duplicate of row {seen[quarter]} ({quarter})")
        elif quarter:
            seen[quarter] = row["_row"]
        records.append(
            {
                "quarter": quarter,
                "storage_mwh": mwh,
                "as_stated": stated,
                "stated_in": cells.choice("stated_in", STATED_IN),
                "source_url": cells.url("source_url"),
                "confidence": cells.text("confidence"),
                "note": cells.text("note"),
                "row": row["_row"],
            }
        )
    raise_if(problems)
    return pd.DataFrame(records, columns=FRAME_COLUMNS).astype({"storage_mwh": "Int64"})


def empty_storage() -> pd.DataFrame:
    """A storage table with no rows, for data sets that have no ``storage.csv``."""
    import pandas as pd

    return pd.DataFrame(columns=FRAME_COLUMNS).astype({"storage_mwh": "Int64"})
