"""Find Tesla's production & deliveries release on EDGAR, keep it in data/releases/, say so.

Tesla files each release as exhibit 99.1 of an 8-K. The 8-Ks are walked newest first (for
``--quarter Q``: those filed in the weeks after Q ended, reaching into the older submissions
files only when the recent list does not go back that far). For each, the filing index gives
the EX-99.1 document, which is downloaded and read: a production & deliveries release has a
headline naming deliveries and parses (``ingest.parse_release``) to figures and a quarter;
earnings releases, votes and financing 8-Ks do not, and are passed over. The exhibit is kept as
``data/releases/<Q>.htm`` (the bytes as filed) beside a sidecar ``<Q>.json`` (accession number,
filing date, form, exhibit URL), both written atomically and only when they change.
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config
from ..atomic import make_folder, publish, staging_folder
from ..errors import FetchError, IngestError, ParameterError
from ..ingest import parse_release
from ..paths import display_path
from .client import EdgarClient
from .filings import (
    Filing,
    newest_first,
    read_extra_file,
    read_index_json,
    read_index_page,
    read_submissions,
    release_exhibit,
)
from .settings import TESLA_CIK, EdgarSettings

if TYPE_CHECKING:
    from ..ingest import ParsedRelease

RELEASE_FORMS = ("8-K",)
RELEASES_FOLDER = "releases"
LATEST_LOOKBACK = 20  # 8-Ks examined for --latest: Tesla files a release every quarter
RELEASE_WINDOW = timedelta(days=100)  # a quarter's release is filed in the weeks after it ends
HEADLINE_CHARS = 400  # the headline of a release names deliveries within this much text
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_DELIVERIES = re.compile(r"\bdeliver(?:ies|y)\b", re.IGNORECASE)
_HIDDEN = re.compile(r"<(head|script|style|title)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class FoundRelease:
    """A production & deliveries release found on EDGAR, not yet kept."""

    quarter: str
    accession: str
    filing_date: date
    form: str
    exhibit_url: str
    index_url: str
    content: bytes
    text: str
    parsed: ParsedRelease

    def sidecar_record(self) -> dict:
        """What the sidecar ``<Q>.json`` holds."""
        return {
            "quarter": self.quarter,
            "cik": TESLA_CIK,
            "accession": self.accession,
            "filing_date": self.filing_date.isoformat(),
            "form": self.form,
            "exhibit_url": self.exhibit_url,
            "filing_index_url": self.index_url,
        }


@dataclass(frozen=True)
class FetchedRelease:
    """A release kept in ``data/releases/``: where it came from, the files, the parsed text."""

    quarter: str
    accession: str
    filing_date: date
    form: str
    exhibit_url: str
    path: Path
    sidecar: Path
    text: str
    parsed: ParsedRelease
    changed: bool = True  # False when the files already held exactly this release

    def to_dict(self) -> dict:
        """A JSON-ready summary (for ``--json``)."""
        return {
            "quarter": self.quarter,
            "accession": self.accession,
            "filing_date": self.filing_date.isoformat(),
            "form": self.form,
            "exhibit_url": self.exhibit_url,
            "path": str(self.path),
            "sidecar": str(self.sidecar),
            "changed": self.changed,
            "release": self.parsed.to_dict(),
        }


def quarter_label(value: str) -> str:
    """``value`` as a quarter label (``2024Q4``), or a ParameterError."""
    label = value.strip().upper()
    if not _QUARTER.match(label):
        raise ParameterError(
            f"--quarter {value}: not a quarter label (expected YYYYQn, e.g. 2024Q4)"
        )
    return label


def quarter_end(label: str) -> date:
    """The last day of quarter ``label``."""
    year, number = (int(part) for part in _QUARTER.match(label).groups())
    first_of_next = date(year + number // 4, number % 4 * 3 + 1, 1)
    return first_of_next - timedelta(days=1)


def names_deliveries(text: str) -> bool:
    """Whether the exhibit's headline (its first visible text) speaks of deliveries."""
    visible = html.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", text)))
    return bool(_DELIVERIES.search(" ".join(visible.split())[:HEADLINE_CHARS]))


def decode(content: bytes) -> str:
    """An exhibit's text: UTF-8 if it is, else Windows-1252 (what older EDGAR documents use)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


class ReleaseFinder:
    """Walks Tesla's 8-Ks on EDGAR and reads their exhibits; one per run (shares the client)."""

    def __init__(self, client: EdgarClient, known: Mapping[str, tuple[dict, Path]] | None = None):
        self.client = client
        self.settings = client.settings
        self.known = dict(known or {})
        self.passed_over: list[str] = []

    @property
    def submissions_url(self) -> str:
        return f"{self.settings.data_url}/submissions/CIK{TESLA_CIK}.json"

    def folder_url(self, filing: Filing) -> str:
        archives = self.settings.archives_url
        return f"{archives}/Archives/edgar/data/{int(TESLA_CIK)}/{filing.folder_name}"

    def candidates(self, quarter: str | None) -> Iterator[Filing]:
        """8-Ks newest first: the latest few, or those filed in the weeks after ``quarter``."""
        url = self.submissions_url
        recent, extras = read_submissions(self.client.get_json(url, conditional=True), url)
        eight_ks = newest_first([f for f in recent if f.form in RELEASE_FORMS])
        if quarter is None:
            yield from eight_ks[:LATEST_LOOKBACK]
            return
        start = quarter_end(quarter)
        end = start + RELEASE_WINDOW
        yield from (f for f in eight_ks if start < f.filing_date <= end)
        oldest = min((f.filing_date for f in recent), default=None)
        if oldest is not None and oldest <= start:
            return  # the recent list reaches back past the window
        for extra in extras:
            if extra.filing_to and extra.filing_to <= start:
                continue
            if extra.filing_from and extra.filing_from > end:
                continue
            extra_url = f"{self.settings.data_url}/submissions/{extra.name}"
            older = read_extra_file(self.client.get_json(extra_url, conditional=True), extra_url)
            yield from newest_first(
                [f for f in older if f.form in RELEASE_FORMS and start < f.filing_date <= end]
            )

    def find(self, quarter: str | None = None) -> FoundRelease:
        """The newest production & deliveries release (of ``quarter`` when given)."""
        checked = 0
        for filing in self.candidates(quarter):
            checked += 1
            found = self.examine(filing, quarter)
            if found is not None:
                return found
        raise FetchError(self._nothing_found(quarter, checked))

    def _nothing_found(self, quarter: str | None, checked: int) -> str:
        if quarter is None:
            where = f"among Tesla's {checked} newest 8-K filings"
        else:
            start = quarter_end(quarter)
            where = (
                f"for {quarter} among Tesla's {checked} 8-K filings from "
                f"{start + timedelta(days=1)} to {start + RELEASE_WINDOW}"
            )
        message = f"no production & deliveries release found {where} in {self.submissions_url}"
        if self.passed_over:
            shown = "; ".join(self.passed_over[:3])
            more = f"; and {len(self.passed_over) - 3} more" if len(self.passed_over) > 3 else ""
            message += f" ({shown}{more})"
        return message

    def documents_url(self, filing: Filing) -> str:
        return f"{self.folder_url(filing)}/{filing.accession}-index.htm"

    def exhibit_of(self, filing: Filing) -> tuple[str | None, str]:
        """The EX-99.1 URL of ``filing`` (None if it has none) and the index URL read."""
        index_url = self.documents_url(filing)
        page = self.client.get_bytes(index_url, missing_ok=True)
        if page is not None:
            documents = read_index_page(decode(page), index_url)
        else:  # no detail page: the folder listing, typed by file name
            index_url = f"{self.folder_url(filing)}/index.json"
            listing = self.client.get_json(index_url)
            documents = read_index_json(listing, index_url)
        exhibit = release_exhibit(documents)
        return (exhibit.url if exhibit else None), index_url

    def examine(self, filing: Filing, quarter: str | None) -> FoundRelease | None:
        """``filing`` read as a release of ``quarter`` (any when None), or None if it is not."""
        if filing.accession in self.known:
            record, path = self.known[filing.accession]
            content = path.read_bytes()
            exhibit_url = record.get("exhibit_url", "")
            index_url = record.get("filing_index_url", self.documents_url(filing))
        else:
            exhibit_url, index_url = self.exhibit_of(filing)
            if exhibit_url is None:
                self.passed_over.append(f"{index_url}: no {'EX-99.1'} exhibit")
                return None
            content = self.client.get_bytes(exhibit_url, missing_ok=True)
            if content is None:
                raise FetchError(
                    f"GET {exhibit_url}: HTTP 404 Not Found (the EX-99.1 exhibit listed in "
                    f"{index_url} is missing)"
                )
        text = decode(content)
        if not names_deliveries(text):
            self.passed_over.append(f"{exhibit_url}: not a production & deliveries release")
            return None
        try:
            parsed = parse_release(text)
        except IngestError as exc:
            raise FetchError(
                f"{exhibit_url}: a production & deliveries release that cannot be read: {exc}"
            ) from None
        if quarter is not None and parsed.quarter != quarter:
            self.passed_over.append(f"{exhibit_url}: the {parsed.quarter} release")
            return None
        return FoundRelease(
            quarter=parsed.quarter,
            accession=filing.accession,
            filing_date=filing.filing_date,
            form=filing.form,
            exhibit_url=exhibit_url,
            index_url=index_url,
            content=content,
            text=text,
            parsed=parsed,
        )


def releases_folder(data_dir: Path | None = None) -> Path:
    """``data/releases/`` (under ``data_dir`` when given)."""
    return Path(data_dir if data_dir is not None else config.data_dir()) / RELEASES_FOLDER


def known_releases(folder: Path) -> dict[str, tuple[dict, Path]]:
    """Releases already kept, by accession number: their sidecar record and exhibit file."""
    known: dict[str, tuple[dict, Path]] = {}
    if not folder.is_dir():
        return known
    for sidecar in sorted(folder.glob("*.json")):
        exhibit = sidecar.with_suffix(".htm")
        try:
            record = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        accession = record.get("accession") if isinstance(record, dict) else None
        if isinstance(accession, str) and exhibit.is_file():
            known[accession] = (record, exhibit)
    return known


def keep_release(found: FoundRelease, data_dir: Path | None = None) -> FetchedRelease:
    """Write the exhibit and its sidecar into ``data/releases/`` (atomically, when changed)."""
    folder = releases_folder(data_dir)
    path = folder / f"{found.quarter}.htm"
    sidecar = folder / f"{found.quarter}.json"
    record = (json.dumps(found.sidecar_record(), indent=2) + "\n").encode("utf-8")
    changed = not (_holds(path, found.content) and _holds(sidecar, record))
    if changed:
        make_folder(folder)
        with staging_folder(folder) as staging:
            (staging / path.name).write_bytes(found.content)
            (staging / sidecar.name).write_bytes(record)
            publish(staging / path.name, path)
            publish(staging / sidecar.name, sidecar)
    return FetchedRelease(
        quarter=found.quarter,
        accession=found.accession,
        filing_date=found.filing_date,
        form=found.form,
        exhibit_url=found.exhibit_url,
        path=path,
        sidecar=sidecar,
        text=found.text,
        parsed=found.parsed,
        changed=changed,
    )


def _holds(path: Path, content: bytes) -> bool:
    try:
        return path.read_bytes() == content
    except OSError:
        return False


def find_release(
    *,
    quarter: str | None = None,
    data_dir: Path | None = None,
    client: EdgarClient | None = None,
    environ: Mapping[str, str] | None = None,
    cache_dir: Path | None = None,
) -> FoundRelease:
    """The release of ``quarter`` (the newest when None) on EDGAR, without writing anything."""
    label = quarter_label(quarter) if quarter else None
    own_client = client is None
    if client is None:
        client = EdgarClient(EdgarSettings.from_environment(environ, cache_dir))
    try:
        finder = ReleaseFinder(client, known_releases(releases_folder(data_dir)))
        return finder.find(label)
    finally:
        if own_client:
            client.close()


def fetch_release(
    *,
    quarter: str | None = None,
    latest: bool = False,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    client: EdgarClient | None = None,
) -> FetchedRelease:
    """Find the release (``quarter``'s, else the newest) and keep it in ``data/releases/``."""
    if quarter and latest:
        raise ParameterError("--quarter and --latest exclude each other: give one")
    found = find_release(
        quarter=quarter, data_dir=data_dir, client=client, environ=environ, cache_dir=cache_dir
    )
    return keep_release(found, data_dir)


def summary_lines(fetched: FetchedRelease) -> list[str]:
    """What ``deliveries fetch`` prints: the release, its figures, where it was kept."""
    totals = fetched.parsed.to_dict()["totals"]
    figures = ", ".join(
        f"{name} {value:,}"
        for name, value in (("produced", totals["produced"]), ("delivered", totals["delivered"]))
        if isinstance(value, int)
    )
    kept = "kept" if fetched.changed else "already kept"
    return [
        f"fetch: {fetched.quarter} production & deliveries release ({figures}), "
        f"{fetched.form} filed {fetched.filing_date.isoformat()}, accession {fetched.accession}",
        f"fetch: exhibit {fetched.exhibit_url}",
        f"fetch: {kept} {display_path(fetched.path)} and {display_path(fetched.sidecar)}",
    ]


def fetch_command(
    *,
    quarter: str | None = None,
    latest: bool = False,
    as_json: bool = False,
    data_dir: Path | None = None,
) -> int:
    """``deliveries fetch``: fetch and keep the release, print what was found; exit code 0.

    Failures raise a DeliveriesError (one line) for the CLI to print with exit code 2.
    """
    fetched = fetch_release(quarter=quarter, latest=latest, data_dir=data_dir)
    if as_json:
        sys.stdout.write(json.dumps(fetched.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(summary_lines(fetched)) + "\n")
    return 0


__all__ = [
    "FetchedRelease",
    "FoundRelease",
    "ReleaseFinder",
    "fetch_command",
    "fetch_release",
    "find_release",
    "keep_release",
]
