"""Find Tesla's production & deliveries release among its 8-K filings on EDGAR.

The 8-Ks are walked newest first (for a given quarter: those filed in the weeks after it ended,
reaching into the older submissions files only when the recent list does not go back that far).
For each, the filing index gives the EX-99.1 document, which is downloaded and read: a production
& deliveries release has a headline naming deliveries and parses (``ingest.parse_release``) to
figures and a quarter; earnings releases, votes and financing 8-Ks do not, and are passed over.
Filings are never changed once made, so those passed over are remembered in the cache folder
(``passed-over-v1.json``) and a release already kept in ``data/releases/`` is read from there:
a poll that finds nothing new costs one conditional request.
"""

from __future__ import annotations

import html
import json
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ...data.quarters import QUARTER_PATTERN, Quarter
from ...errors import DeliveriesError, FetchError, IngestError, ParameterError
from ...files import make_folder, write_atomically
from ..ingest import parse_release
from ..ingest.text import decode_text
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
from .settings import TESLA_CIK

if TYPE_CHECKING:
    from ..ingest import ParsedRelease

RELEASE_FORMS = ("8-K",)
LATEST_LOOKBACK = 20  # 8-Ks examined for the latest release: Tesla files one every quarter
RELEASE_WINDOW = timedelta(days=100)  # a quarter's release is filed in the weeks after it ends
HEADLINE_CHARS = 400  # the headline of a release names deliveries within this much text
PASSED_OVER_FILE = "passed-over-v1.json"  # a new name when the test of a release changes
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


def quarter_label(value: str) -> str:
    """``value`` as a quarter label (``2024Q4``), or a ParameterError."""
    label = value.strip().upper()
    if not QUARTER_PATTERN.match(label):
        raise ParameterError(
            f"--quarter {value}: not a quarter label (expected YYYYQn, e.g. 2024Q4)"
        )
    return label


def quarter_end(label: str) -> date:
    """The last day of quarter ``label``."""
    return Quarter.parse(label).last_day


def names_deliveries(text: str) -> bool:
    """Whether the exhibit's headline (its first visible text) speaks of deliveries."""
    visible = html.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", text)))
    return bool(_DELIVERIES.search(" ".join(visible.split())[:HEADLINE_CHARS]))


class ReleaseFinder:
    """Walks Tesla's 8-Ks on EDGAR and reads their exhibits; one per run (shares the client)."""

    def __init__(self, client: EdgarClient, known: Mapping[str, tuple[dict, Path]] | None = None):
        self.client = client
        self.settings = client.settings
        self.known = dict(known or {})
        self.passed_over: list[str] = []
        self.memory = PassedOver(self.settings.cache_dir / PASSED_OVER_FILE)

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
        try:
            for filing in self.candidates(quarter):
                checked += 1
                found = self.examine(filing, quarter)
                if found is not None:
                    return found
        finally:
            self.memory.save()
        raise FetchError(self._nothing_found(quarter, checked))

    def _pass_over(self, filing: Filing, reason: str) -> None:
        self.passed_over.append(reason)
        self.memory.remember(filing.accession, reason)

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
            documents = read_index_page(decode_text(page), index_url)
        else:  # no detail page: the folder listing, typed by file name
            index_url = f"{self.folder_url(filing)}/index.json"
            listing = self.client.get_json(index_url)
            documents = read_index_json(listing, index_url)
        exhibit = release_exhibit(documents)
        return (exhibit.url if exhibit else None), index_url

    def _kept_exhibit(self, filing: Filing) -> tuple[bytes, str, str] | None:
        """The exhibit of ``filing`` as kept in data/releases/ (content, URL, index URL)."""
        if filing.accession not in self.known:
            return None
        record, path = self.known[filing.accession]
        try:
            content = path.read_bytes()
        except OSError:
            return None
        index_url = record.get("filing_index_url") or self.documents_url(filing)
        return content, str(record.get("exhibit_url", "")), str(index_url)

    def examine(self, filing: Filing, quarter: str | None) -> FoundRelease | None:
        """``filing`` read as a release of ``quarter`` (any when None), or None if it is not."""
        remembered = self.memory.reason(filing.accession)
        if remembered is not None:
            self.passed_over.append(remembered)
            return None
        kept = self._kept_exhibit(filing)
        if kept is not None:
            content, exhibit_url, index_url = kept
        else:
            exhibit_url, index_url = self.exhibit_of(filing)
            if exhibit_url is None:
                self._pass_over(filing, f"{index_url}: no EX-99.1 exhibit")
                return None
            content = self.client.get_bytes(exhibit_url, missing_ok=True)
            if content is None:
                raise FetchError(
                    f"GET {exhibit_url}: HTTP 404 Not Found (the EX-99.1 exhibit listed in "
                    f"{index_url} is missing)"
                )
        text = decode_text(content)  # UTF-8, else Windows-1252 (older EDGAR documents)
        if not names_deliveries(text):
            self._pass_over(filing, f"{exhibit_url}: not a production & deliveries release")
            return None
        try:
            parsed = parse_release(text)
        except IngestError as exc:
            problem = "; ".join(str(exc).splitlines())
            raise FetchError(
                f"{exhibit_url}: a production & deliveries release that cannot be read: {problem}"
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


class PassedOver:
    """Accession numbers of 8-Ks known not to be releases, with the reason, kept between runs."""

    def __init__(self, path: Path):
        self.path = path
        self._reasons: dict[str, str] = {}
        self._changed = False
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(stored, dict):
            self._reasons = {k: v for k, v in stored.items() if isinstance(v, str)}

    def reason(self, accession: str) -> str | None:
        """Why ``accession`` was passed over before, or None."""
        return self._reasons.get(accession)

    def remember(self, accession: str, reason: str) -> None:
        self._reasons[accession] = reason
        self._changed = True

    def save(self) -> None:
        """Write the memory if it grew; a failure only warns (it is a cache)."""
        if not self._changed:
            return
        try:
            make_folder(self.path.parent)
            write_atomically(self.path, json.dumps(self._reasons, indent=1, sort_keys=True) + "\n")
        except DeliveriesError as exc:
            warnings.warn(f"EDGAR cache not updated: {exc}", UserWarning, stacklevel=2)
        self._changed = False
