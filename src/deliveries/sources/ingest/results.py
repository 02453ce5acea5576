"""What a release says, as rows for the data table: :func:`parse_release` and its result types.

:func:`parse_release` is pure: the release's text (plain or HTML) in, a :class:`ParsedRelease`
out, or an IngestError naming what is missing. The table parser (:mod:`.table`) is tried first,
the sentence parser (:mod:`.prose`) otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...data import quarters
from ...data.validation import TOTAL
from ...errors import IngestError
from .dates import choose_release_date, determine_quarter, release_date_candidates
from .prose import deliveries_approximate, parse_prose
from .storage import find_storage
from .table import parse_table
from .text import (
    find_title,
    html_to_text,
    looks_like_html,
    mark_paragraphs,
    normalize,
    title_before_dateline,
)
from .vocabulary import DELIVERED, PRODUCED, tokenize


@dataclass
class ReleaseRow:
    """One row for the data table: a model line (or ``Total``) of the quarter."""

    quarter: str
    model_line: str
    produced: int | None
    delivered: int | None
    lease_pct: float | None
    delivered_approx: bool

    def to_dict(self) -> dict:
        """The JSON form (lease % as an int when whole)."""
        return {
            "quarter": self.quarter,
            "model_line": self.model_line,
            "produced": self.produced,
            "delivered": self.delivered,
            "lease_pct": plain_number(self.lease_pct),
            "delivered_approx": self.delivered_approx,
        }


@dataclass
class ParsedRelease:
    """What a release says: quarter, release date, title, the rows (model lines + Total) and the
    energy storage deployed (None before 2024: the releases did not state it)."""

    quarter: str
    release_date: str | None
    title: str | None
    rows: list[ReleaseRow]
    totals: dict[str, float | int | None] = field(default_factory=dict)
    storage_mwh: int | None = None
    storage_as_stated: str | None = None

    @property
    def delivered_approx(self) -> bool:
        """Whether the release calls its deliveries approximate."""
        return any(row.delivered_approx for row in self.rows)

    def to_dict(self) -> dict:
        """``{"quarter", "release_date", "rows", "totals", "storage_mwh", ...}`` for ``--json``."""
        return {
            "quarter": self.quarter,
            "release_date": self.release_date,
            "rows": [row.to_dict() for row in self.rows],
            "totals": {
                "produced": self.totals.get(PRODUCED),
                "delivered": self.totals.get(DELIVERED),
                "lease_pct": plain_number(self.totals.get("lease_pct")),
            },
            "storage_mwh": self.storage_mwh,
            "storage_as_stated": self.storage_as_stated,
        }


def plain_number(value: float | int | None) -> float | int | None:
    """``4.0`` as ``4``; other values unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def parse_release(
    text: str, quarter: str | None = None, source_name: str | None = None
) -> ParsedRelease:
    """Parse a production & deliveries release (plain text or HTML) into rows.

    ``quarter`` (``"2019Q3"``) overrides the quarter named in the text. Raises IngestError, one
    line naming what is missing, when the quarter, the figures or matching totals are not found.
    """
    prefix = f"{source_name}: " if source_name else ""
    try:
        return _parse(text, quarter)
    except IngestError as exc:
        raise IngestError(f"{prefix}{exc}") from None


def _parse(text: str, quarter: str | None) -> ParsedRelease:
    title = None
    if looks_like_html(text):
        text, title = html_to_text(text)
    text = normalize(text)
    title = title or title_before_dateline(text) or find_title(text)
    tokens = tokenize(mark_paragraphs(text))
    if not any(t.kind == "count" for t in tokens):
        raise IngestError(
            "no vehicle counts found: expected a Production/Deliveries table or "
            "sentences such as 'delivered 24,500 vehicles'"
        )
    dates = release_date_candidates(text)
    period = determine_quarter(quarter, normalize(title) if title else None, tokens, dates)
    released = choose_release_date(dates, period)
    from_table = parse_table(tokens)
    figures, total = from_table if from_table is not None else parse_prose(tokens, period)
    if not figures or total.get(DELIVERED) is None:
        what = "model lines" if not figures else "total deliveries"
        raise IngestError(
            f"no {what} found for {quarters.label(period)}: expected a "
            "Production/Deliveries table or sentences such as 'delivered 24,500 "
            "vehicles, of which 15,800 were Model S'"
        )
    delivered = [f[DELIVERED] for f in figures.values() if f[DELIVERED] is not None]
    approx = deliveries_approximate(
        tokens, period, delivered + [total[DELIVERED]], total[DELIVERED]
    )
    label = quarters.label(period)
    rows = [
        ReleaseRow(label, line, f[PRODUCED], f[DELIVERED], f["lease_pct"], approx)
        for line, f in figures.items()
    ]
    rows.append(
        ReleaseRow(label, TOTAL, total[PRODUCED], total[DELIVERED], total["lease_pct"], approx)
    )
    storage = find_storage(text)
    return ParsedRelease(
        label,
        released.isoformat() if released else None,
        title,
        rows,
        {PRODUCED: total[PRODUCED], DELIVERED: total[DELIVERED], "lease_pct": total["lease_pct"]},
        *(storage or (None, None)),
    )


def storage_disagreement(parsed: ParsedRelease, stated: str, other: str) -> str | None:
    """``"storage: data 13.5 GWh, <other> 13.7 GWh"`` when the data's figure (``stated``, as in
    storage.csv) is not the release's; None when they agree or the release states none."""
    from ...data.storage import stated_mwh

    if parsed.storage_mwh is None or stated_mwh(stated) == parsed.storage_mwh:
        return None
    return f"storage: data {stated}, {other} {parsed.storage_as_stated}"


def storage_row(parsed: ParsedRelease, source_url: str, note: str) -> dict[str, str] | None:
    """The release's storage figure as a ``storage.csv`` row (None when it states none)."""
    if parsed.storage_mwh is None:
        return None
    return {
        "quarter": parsed.quarter,
        "storage_mwh": str(parsed.storage_mwh),
        "as_stated": parsed.storage_as_stated,
        "stated_in": "release",
        "source_url": source_url,
        "confidence": "high",
        "note": note,
    }


def _format_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def csv_rows(
    parsed: ParsedRelease, source: str, verified: str, release_date: str, source_url: str = ""
) -> list[dict[str, str]]:
    """The parsed rows as CSV cells (same columns as ``data/production_deliveries.csv``)."""
    return [
        {
            "quarter": row.quarter,
            "model_line": row.model_line,
            "produced": _format_value(row.produced),
            "delivered": _format_value(row.delivered),
            "lease_pct": _format_value(row.lease_pct),
            "delivered_approx": _format_value(row.delivered_approx),
            "release_date": release_date,
            "source": source,
            "source_url": source_url,
            "verified": verified,
        }
        for row in parsed.rows
    ]
