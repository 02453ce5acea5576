"""How a release's table is parsed (2019Q2 on): rows of a label, two counts and a lease %.

A row is a label (``Model S/X``, ``Model 3/Y``, ``Other Models``, ``Total``...) directly followed
by its production and delivery counts and an optional lease %, however the copy flattened the
cells: on lines of their own, between ``|`` lines or blank lines, in one paragraph or in HTML
cells. The header decides which count is which; the model lines must add up to the Total row.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...data.validation import TOTAL
from ...errors import IngestError
from .vocabulary import DELIVERED, PRODUCED, Token, totals_mismatch


def parse_table(tokens: list[Token]) -> tuple[dict[str, dict], dict] | None:
    """The table's model lines and its total (summed when it has no Total row), or None.

    Each figure is ``{"produced", "delivered", "lease_pct"}``; raises IngestError when the
    lines do not add up to the Total row or a row's counts cannot be told apart.
    """
    table = find_table(tokens)
    if table is None:
        return None
    figures = table.figures()
    _check_table(figures)
    total = figures.pop(TOTAL, None)
    if total is None:
        total = {
            metric: sum(f[metric] for f in figures.values()) for metric in (PRODUCED, DELIVERED)
        } | {"lease_pct": None}
    return figures, total


@dataclass
class _TableRow:
    label: str
    counts: list[int]  # one count only when a copy dropped an empty cell ("Model S/X 2,020 6%")
    lease_pct: float | None
    end: int  # index of the token after the row


def _row_label(token: Token) -> str | None:
    if token.kind == "label":
        return token.value
    if token.kind == "word" and token.text in ("Total", "TOTAL", "Totals", "TOTALS"):
        return TOTAL
    return None


def _table_row(tokens: list[Token], start: int) -> _TableRow | None:
    """The row whose label is at ``start``: the label, its counts, then an optional %."""
    label = _row_label(tokens[start]) if start < len(tokens) else None
    if label is None:
        return None
    counts: list[int] = []
    lease = None
    index = start + 1
    while index < len(tokens):
        token = tokens[index]
        if token.kind in ("count", "year") and lease is None:
            counts.append(token.value)
        elif token.kind == "dash" and lease is None:
            counts.append(0)  # "-" in a count cell: none built (2021Q1 Model S/X)
        elif token.kind == "pct" and lease is None and counts:
            lease = token.value
        else:
            break
        index += 1
    following = tokens[index] if index < len(tokens) else None
    one_cell_dropped = len(counts) == 1 and (
        lease is not None or (following is not None and _row_label(following) is not None)
    )
    if len(counts) < 2 and not one_cell_dropped:
        return None
    return _TableRow(label, counts, lease, index)


@dataclass
class _Table:
    rows: list[_TableRow]
    delivered_first: bool

    def figures(self) -> dict[str, dict]:
        """Per row label: produced, delivered and lease %, in the table's order."""
        result: dict[str, dict] = {}
        partial = []
        for row in self.rows:
            if row.label in result:
                continue
            if len(row.counts) == 1:
                partial.append(row)
                result[row.label] = {PRODUCED: None, DELIVERED: None, "lease_pct": row.lease_pct}
                continue
            produced, delivered = row.counts[:2]
            if self.delivered_first:
                produced, delivered = delivered, produced
            result[row.label] = {
                PRODUCED: produced,
                DELIVERED: delivered,
                "lease_pct": row.lease_pct,
            }
        for row in partial:
            result[row.label].update(_fill_dropped_cell(row, result))
        return result


def _fill_dropped_cell(row: _TableRow, figures: dict[str, dict]) -> dict[str, int]:
    """The row's two counts when a copy dropped an empty ("-") cell, told by the Total row."""
    total = figures.get(TOTAL)
    others = [f for label, f in figures.items() if label not in (row.label, TOTAL)]
    value = row.counts[0]
    if total is not None and row.label != TOTAL and all(f[PRODUCED] is not None for f in others):
        for present, missing in ((DELIVERED, PRODUCED), (PRODUCED, DELIVERED)):
            rest = {
                metric: total[metric] - sum(f[metric] for f in others)
                for metric in (PRODUCED, DELIVERED)
            }
            if rest[present] == value and rest[missing] == 0:
                return {present: value, missing: 0}
    raise IngestError(
        f"the {row.label} row of the table has one count ({value:,}) where two "
        "are expected (production and deliveries), and the Total row does not "
        "tell which one it is"
    )


def find_table(tokens: list[Token]) -> _Table | None:
    """The first run of consecutive table rows with a model line (one with a Total preferred)."""
    cells = [t for t in tokens if t.kind != "brk"]
    runs: list[tuple[int, list[_TableRow]]] = []
    index = 0
    while index < len(cells):
        row = _table_row(cells, index)
        if row is None:
            index += 1
            continue
        start, run = index, [row]
        while (following := _table_row(cells, run[-1].end)) is not None:
            run.append(following)
        runs.append((start, run))
        index = run[-1].end
    usable = [
        (start, run)
        for start, run in runs
        if len(run) >= 2
        and any(r.label != TOTAL for r in run)
        and any(len(r.counts) >= 2 for r in run)
    ]
    if not usable:
        return None
    start, run = next(((s, r) for s, r in usable if any(x.label == TOTAL for x in r)), usable[0])
    positions = {word: i for i, word in enumerate(_header_words(cells, start))}
    delivered_first = (
        "deliveries" in positions
        and "production" in positions
        and positions["deliveries"] < positions["production"]
    )
    return _Table(run, delivered_first)


def _header_words(cells: list[Token], start: int) -> list[str]:
    """The words between the previous sentence (or number) and the first row of the table."""
    words: list[str] = []
    for token in reversed(cells[max(0, start - 30) : start]):
        if token.kind in ("count", "pct") or (token.kind == "punct" and token.text in ".!?:"):
            break
        if token.kind == "word":
            words.insert(0, token.value)
    return words


def _check_table(figures: dict[str, dict]) -> None:
    total = figures.get(TOTAL)
    lines = [f for label, f in figures.items() if label != TOTAL]
    if total is None:
        return
    for metric in (PRODUCED, DELIVERED):
        line_sum = sum(f[metric] for f in lines)
        if line_sum != total[metric]:
            raise IngestError(totals_mismatch(metric, line_sum, total[metric]))
