"""The data table's rewrite: a release's rows added to (or replacing a quarter in) the CSV.

Untouched rows are written back byte for byte (line ends, BOM, order). :func:`prepare_addition`
builds the new file in memory and checks it loads; :func:`write_addition` puts it in place
atomically, checking the written file once more before the rename.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from ...data import dataset
from ...data.validation import TRUE_WORDS
from ...errors import DataError, IngestError
from ...files import display_path, output_error, write_atomically
from .results import ParsedRelease, csv_rows

_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_COMPARED = ["produced", "delivered", "lease_pct", "delivered_approx", "release_date"]


@dataclass(frozen=True)
class Addition:
    """A release's rows ready to go into the data table, and what they change there."""

    quarter: str
    rows: list[dict[str, str]]  # the new CSV rows
    existing: list[dict[str, str]]  # the quarter's rows already in the file ([] if none)
    differences: list[str]  # "Model S/X: delivered 17,400 -> 17,500"; [] if identical or new
    content: bytes  # the whole new CSV
    data_path: Path

    def comparison(self) -> list[str]:
        """Per model line, old -> new, unchanged lines included ([] when the quarter is new)."""
        if not self.existing:
            return []
        changes = _changes(self.existing, self.rows)
        return [f"{line}: {change or 'unchanged'}" for line, change in changes]


def prepare_addition(
    parsed: ParsedRelease,
    data_path: Path | str,
    *,
    source: str,
    verified: str,
    release_date: datetime.date | None = None,
    source_url: str = "",
) -> Addition:
    """The data table at ``data_path`` with ``parsed``'s quarter added or replaced; nothing written.

    ``source``, ``source_url`` and ``verified`` fill those columns; ``release_date`` is used only
    when the release gives none (e.g. an SEC exhibit's filing date). Raises IngestError, one line
    per problem, when the file is missing or the new table would not load (figures that do not
    add up...).
    """
    data_path = Path(data_path)
    where = display_path(data_path)
    if data_path.is_dir():
        raise IngestError(f"{where}: is a folder, expected the production & deliveries CSV")
    if not data_path.is_file():
        raise IngestError(f"{where}: data file not found (pass --data CSV)")
    dataset.load_deliveries(data_path)  # the file as it is must be valid before we add to it
    try:
        table = CsvFile.read(data_path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise IngestError(f"{where}: cannot be read ({exc})") from None
    released = parsed.release_date or (release_date.isoformat() if release_date else "")
    rows = csv_rows(parsed, source, verified, released, source_url)
    content = table.with_quarter(parsed.quarter, rows)
    try:
        with tempfile.TemporaryDirectory(prefix="deliveries-ingest-") as folder:
            candidate = Path(folder) / data_path.name
            candidate.write_bytes(content)
            check_table(candidate, data_path)
    except OSError as exc:  # the system's temporary folder is full or read-only
        raise output_error(tempfile.gettempdir(), exc, "cannot write a trial copy in") from None
    existing = table.records_for(parsed.quarter)
    differences = [
        f"{line}: {change}" for line, change in _changes(existing, rows) if existing and change
    ]
    return Addition(parsed.quarter, rows, existing, differences, content, data_path)


def write_addition(addition: Addition) -> None:
    """Replace the data file by ``addition.content``, atomically, after checking it loads.

    A full disk or read-only folder is an OutputError naming the path; the old file stays.
    """
    write_atomically(
        addition.data_path,
        addition.content,
        check=lambda written: check_table(written, addition.data_path),
        mode=None,
    )


def check_table(path: Path, shown_as: Path) -> None:
    """IngestError, one line per problem, when the table at ``path`` does not load."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dataset.load_deliveries(path)
    except DataError as exc:
        temporary, target = display_path(path), display_path(shown_as)
        raise IngestError(
            "\n".join(
                f"the new rows would make the data invalid: {p.replace(temporary, target)}"
                for p in exc.problems
            )
        ) from None


@dataclass
class CsvFile:
    """The data CSV as raw records, so that untouched rows are written back byte for byte."""

    path: Path
    bom: bool
    eol: str
    header: list[str]
    header_raw: str
    records: list[tuple[str, list[str]]]  # (raw text incl. line end, fields)

    @classmethod
    def read(cls, path: Path) -> CsvFile:
        """The file's records; raises OSError, UnicodeDecodeError or csv.Error."""
        raw = path.read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8-sig")
        buffer: list[str] = []

        def lines():
            for match in _PHYSICAL_LINE.finditer(text):
                buffer.append(match.group(0))
                yield match.group(0)

        records = []
        for fields in csv.reader(lines()):
            records.append(("".join(buffer), fields))
            buffer.clear()
        header_raw, header = records[0]
        eol = re.search(r"(\r\n|\r|\n)$", header_raw)
        return cls(
            path,
            bom,
            eol.group(1) if eol else "\n",
            [h.strip() for h in header],
            header_raw,
            records[1:],
        )

    def quarter_of(self, fields: list[str]) -> str | None:
        if "quarter" not in self.header or len(fields) != len(self.header):
            return None
        return fields[self.header.index("quarter")].strip()

    def records_for(self, quarter: str) -> list[dict[str, str]]:
        return [
            dict(zip(self.header, fields, strict=True))
            for _, fields in self.records
            if self.quarter_of(fields) == quarter
        ]

    def with_quarter(self, quarter: str, rows: list[dict[str, str]]) -> bytes:
        """The file's bytes with ``quarter``'s rows replaced by (or ``rows`` inserted in order)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator=self.eol)
        for row in rows:
            writer.writerow([row.get(name, "") for name in self.header])
        new_text = buffer.getvalue()
        kept = [(raw, fields) for raw, fields in self.records if self.quarter_of(fields) != quarter]
        old_at = next(
            (i for i, (_, f) in enumerate(self.records) if self.quarter_of(f) == quarter), None
        )
        if old_at is not None:
            at = sum(1 for _, f in self.records[:old_at] if self.quarter_of(f) != quarter)
        else:
            at = next(
                (i for i, (_, f) in enumerate(kept) if (self.quarter_of(f) or "") > quarter),
                len(kept),
            )
            while at > 0 and not kept[at - 1][1]:  # keep trailing blank lines at the end
                at -= 1
        parts = [self.header_raw] + [raw for raw, _ in kept[:at]]
        if not parts[-1].endswith(("\n", "\r")):
            parts[-1] += self.eol
        parts += [new_text] + [raw for raw, _ in kept[at:]]
        return (b"\xef\xbb\xbf" if self.bom else b"") + "".join(parts).encode("utf-8")


def _changes(old: list[dict[str, str]], new: list[dict[str, str]]) -> list[tuple[str, str | None]]:
    """Per model line, old or new: what changes ("new row", "removed", ...), None if nothing."""
    old_by_line = {row.get("model_line", "").strip(): row for row in old}
    new_by_line = {row["model_line"]: row for row in new}
    changes: list[tuple[str, str | None]] = []
    for line in dict.fromkeys([*new_by_line, *old_by_line]):
        before, after = old_by_line.get(line), new_by_line.get(line)
        if before is None:
            changes.append((line, "new row"))
        elif after is None:
            changes.append((line, "removed"))
        else:
            changed = [
                f"{name} {_shown(before.get(name, ''))} -> {_shown(after[name])}"
                for name in _COMPARED
                if _comparable(name, before.get(name, "")) != _comparable(name, after[name])
            ]
            changes.append((line, "; ".join(changed) or None))
    return changes


def _comparable(name: str, text: str) -> object:
    text = text.strip()
    if name in ("produced", "delivered") and text:
        return int(text.replace(",", "").replace(" ", ""))
    if name == "lease_pct" and text:
        return float(text.rstrip("%"))
    if name == "delivered_approx":
        return text.lower() in TRUE_WORDS
    return text


def _shown(text: str) -> str:
    text = text.strip()
    if not text:
        return "(empty)"
    return f"{int(text):,}" if text.isdigit() else text
