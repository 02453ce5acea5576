"""The data tables' rewrite: a release's rows added to (or replacing a quarter in) the CSV, and
its storage figure to ``storage.csv`` beside it.

Untouched rows are written back byte for byte (line ends, BOM, order). :func:`prepare_addition`
builds the new files in memory and checks they load; :func:`write_addition` puts them in place
together (all or nothing), checking each written file once more before its rename.
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

from ... import config
from ...data import dataset, storage
from ...data.validation import TRUE_WORDS
from ...errors import DataError, IngestError
from ...files import display_path, output_error, write_together
from .results import ParsedRelease, csv_rows, storage_disagreement, storage_row

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
    storage_path: Path | None = None  # storage.csv beside the data table
    storage_content: bytes | None = None  # its new bytes; None: left as it is
    storage_conflict: str | None = None  # "storage: data 13,500 MWh, release 13.7 GWh"
    storage_unsourced: str | None = None  # why the storage row cannot be written (no source)

    def comparison(self) -> list[str]:
        """Per model line, old -> new, unchanged lines included ([] when the quarter is new),
        then storage when its figure differs."""
        if not self.existing:
            return []
        changes = _changes(self.existing, self.rows)
        lines = [f"{line}: {change or 'unchanged'}" for line, change in changes]
        return lines + ([self.storage_conflict] if self.storage_conflict else [])


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
    _check_trial(content, data_path, lambda candidate: check_table(candidate, data_path))
    existing = table.records_for(parsed.quarter)
    differences = [
        f"{line}: {change}" for line, change in _changes(existing, rows) if existing and change
    ]
    storage_path = data_path.with_name(config.STORAGE_FILE)
    new_storage, conflict, unsourced = _storage_addition(parsed, storage_path, source_url, verified)
    if conflict:
        differences.append(conflict)
    return Addition(
        parsed.quarter,
        rows,
        existing,
        differences,
        content,
        data_path,
        storage_path,
        new_storage,
        conflict,
        unsourced,
    )


def _storage_addition(
    parsed: ParsedRelease, path: Path, source_url: str, verified: str
) -> tuple[bytes | None, str | None, str | None]:
    """The new ``storage.csv`` (None: unchanged); when the table already holds another figure
    for the quarter, the difference naming both (the new bytes then replace it); and why a new
    row cannot be written when ``source_url`` is no http(s) address."""
    row = storage_row(parsed, source_url, verified)
    where = display_path(path)
    if row is None:
        return None, None, None
    if not path.exists():
        header = list(row)
        table = CsvFile(path, False, "\n", header, ",".join(header) + "\n", [])
    else:
        storage.load_storage(path)  # the file as it is must be valid before we add to it
        try:
            table = CsvFile.read(path)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise IngestError(f"{where}: cannot be read ({exc})") from None
    old = table.records_for(parsed.quarter)
    conflict = storage_disagreement(parsed, old[0].get("as_stated", ""), "release") if old else None
    if old and conflict is None:
        return None, None, None  # the same figure: the row and its source stay
    if not source_url.startswith(("http://", "https://")):
        wrong = f' ("{source_url}" is not an http(s) address)' if source_url else ""
        return (
            None,
            conflict,
            (
                f"the release states {parsed.storage_as_stated} of storage deployed, and a row of "
                f"{where} needs its source: give the release's address with --source-url URL"
                f"{wrong}"
            ),
        )
    content = table.with_quarter(parsed.quarter, [row])
    _check_trial(content, path, lambda candidate: check_storage(candidate, path))
    return content, conflict, None


def _check_trial(content: bytes, shown_as: Path, check) -> None:
    """Run ``check`` on a trial copy of ``content`` in the system's temporary folder."""
    try:
        with tempfile.TemporaryDirectory(prefix="deliveries-ingest-") as folder:
            candidate = Path(folder) / shown_as.name
            candidate.write_bytes(content)
            check(candidate)
    except OSError as exc:  # the system's temporary folder is full or read-only
        raise output_error(tempfile.gettempdir(), exc, "cannot write a trial copy in") from None


def write_addition(addition: Addition) -> None:
    """Replace the data file by ``addition.content`` (and ``storage.csv`` by its new bytes),
    each atomically after checking it loads; if either fails, both stay as they were.

    A full disk or read-only folder is an OutputError naming the path.
    """
    writes = [(addition.data_path, addition.content, lambda w: check_table(w, addition.data_path))]
    if addition.storage_content is not None:
        path = addition.storage_path
        writes.append((path, addition.storage_content, lambda w: check_storage(w, path)))
    write_together(writes)


def check_storage(path: Path, shown_as: Path) -> None:
    """IngestError, one line per problem, when the storage table at ``path`` does not load."""
    _check_loads(storage.load_storage, path, shown_as, "the new storage row")


def check_table(path: Path, shown_as: Path) -> None:
    """IngestError, one line per problem, when the table at ``path`` does not load."""
    _check_loads(dataset.load_deliveries, path, shown_as, "the new rows")


def _check_loads(loader, path: Path, shown_as: Path, what: str) -> None:
    """Load ``path`` with ``loader``; its problems, shown as ``shown_as``'s, as an IngestError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loader(path)
    except DataError as exc:
        temporary, target = display_path(path), display_path(shown_as)
        raise IngestError(
            "\n".join(
                f"{what} would make the data invalid: {p.replace(temporary, target)}"
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
