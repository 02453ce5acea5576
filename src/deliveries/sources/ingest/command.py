"""``deliveries ingest``: read a release, show what it says, add its rows to the data table."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from ... import config
from ...errors import IngestError
from ...files import display_path
from .csvfile import prepare_addition, write_addition
from .results import ParsedRelease, parse_release, plain_number
from .text import read_release


def ingest_release(
    file: str,
    *,
    quarter: str | None = None,
    data: str | Path | None = None,
    dry_run: bool = False,
    as_json: bool = False,
    replace: bool = False,
    source_url: str = "",
) -> int:
    """Parse the release in ``file`` (``-``: standard input) and add its rows to the data table,
    and its storage figure, if it states one, to ``storage.csv`` beside it (``source_url``: the
    release's address, which a new storage row needs as its source).

    A quarter already in the table (or another storage figure for it) is replaced only with
    ``replace``; a dry run shows what was parsed and how it differs from the tables, and writes
    nothing. Returns the exit code (0).
    """
    text, name = read_release(file)
    parsed = parse_release(text, quarter=quarter, source_name=name)
    data_path = Path(data) if data else config.data_dir() / config.DELIVERIES_FILE
    where = display_path(data_path)
    verified = f"ingested from {name} on {date.today().isoformat()}"
    addition = prepare_addition(
        parsed,
        data_path,
        source=parsed.title or name,
        verified=verified,
        source_url=source_url,
    )
    old, new = len(addition.existing), len(addition.rows)
    if old and not replace and not dry_run:
        raise IngestError(
            f"{parsed.quarter} is already in {where} ({old} rows); pass --replace to replace "
            "it (--dry-run shows the differences)"
        )
    if addition.storage_unsourced and not dry_run:
        raise IngestError(f"{addition.storage_unsourced}; nothing written")
    if addition.storage_conflict and not replace and not dry_run:
        raise IngestError(
            f"{parsed.quarter}: {display_path(addition.storage_path)} holds another storage "
            f"figure ({addition.storage_conflict}); nothing written; pass --replace to replace it"
        )
    messages = sys.stderr if as_json else sys.stdout
    print(json.dumps(parsed.to_dict(), indent=2) if as_json else summary_text(parsed))
    if old:
        same = " (no differences)" if not addition.differences else ""
        print(f"{parsed.quarter} in {where}, old -> new{same}:", file=messages)
        print("\n".join(f"  {line}" for line in addition.comparison()), file=messages)
    if addition.storage_conflict and not old:
        print(f"{parsed.quarter}: {addition.storage_conflict}", file=messages)
    if dry_run:
        if old and not replace:
            plan = f"{parsed.quarter} is already in {where}; --replace would replace its {old} rows"
        else:
            plan = f"would {'replace' if old else 'add'} {new} rows for {parsed.quarter} in {where}"
        if addition.storage_unsourced:
            plan += f" (but {addition.storage_unsourced})"
        print(f"dry run: {plan}; nothing written", file=messages)
        return 0
    write_addition(addition)
    done = "replaced" if old else "added"
    also = ""
    if addition.storage_content is not None:
        also = f" and its storage row in {display_path(addition.storage_path)}"
    print(f"{done} {new} rows for {parsed.quarter} in {where}{also}", file=messages)
    return 0


def summary_text(parsed: ParsedRelease) -> str:
    """A short table of what was parsed, for the terminal."""
    released = f", released {parsed.release_date}" if parsed.release_date else ""
    lines = [
        f"{parsed.quarter}{released}: {parsed.title or '(no title found)'}",
        f"  {'model line':<14}{'produced':>10}{'delivered':>12}{'lease':>8}",
    ]
    for row in parsed.rows:
        delivered = "-" if row.delivered is None else f"{row.delivered:,}"
        if row.delivered is not None and row.delivered_approx:
            delivered = "~" + delivered
        produced = "-" if row.produced is None else f"{row.produced:,}"
        lease = "-" if row.lease_pct is None else f"{plain_number(row.lease_pct)}%"
        lines.append(f"  {row.model_line:<14}{produced:>10}{delivered:>12}{lease:>8}")
    if parsed.delivered_approx:
        lines.append("  (~ deliveries stated as approximate)")
    stated = parsed.storage_as_stated
    lines.append(f"  storage deployed: {stated or 'not stated in the release'}")
    return "\n".join(lines)
