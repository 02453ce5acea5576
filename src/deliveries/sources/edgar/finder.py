"""Find Tesla's production & deliveries release among its 8-K filings on EDGAR.

The 8-Ks are walked newest first (for a given quarter: those filed in the weeks after it ended,
reaching into the older submissions files only when the recent list does not go back that far).
For each, the EX-99.1 is found (:mod:`.locate`) and read (:mod:`.classify`): a release is
returned, anything else (earnings Update letters, votes, financing) passed over. A filing that
cannot be told apart stops the walk for the latest release, as a newer release may hide behind
it; for a given quarter it is named when no release is found:

- an exhibit certainly a release but unreadable (figures that do not add up, a table the parser
  cannot read): :class:`~deliveries.errors.FetchError`, which waiting will not mend;
- one that only looked like a release in part: :class:`~deliveries.errors.UnclassifiedFiling`;
- no source could tell whether it has an EX-99.1, or a listed exhibit is missing:
  :class:`~deliveries.errors.EdgarUnavailable` (EDGAR answered in part: try again later).

Findings are kept in the cache folder (:mod:`.memory`) and a release already kept in
``data/releases/`` is read from there: a poll that finds nothing new asks for the submissions
document only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ...data.quarters import QUARTER_PATTERN, Quarter
from ...errors import EdgarUnavailable, FetchError, ParameterError, UnclassifiedFiling
from ..ingest.dates import RELEASE_WINDOW_DAYS
from ..ingest.text import decode_text
from .classify import RELEASE, UNREADABLE, Verdict, classify
from .client import Cost, EdgarClient
from .filings import Filing, newest_first, read_extra_file, read_submissions
from .locate import locate_exhibit
from .memory import NO_EXHIBIT, VerdictCache, digest
from .settings import TESLA_CIK

if TYPE_CHECKING:
    from ..ingest import ParsedRelease

RELEASE_FORMS = ("8-K",)
LATEST_LOOKBACK = 20  # 8-Ks examined for the latest release: Tesla files one every quarter
RELEASE_WINDOW = timedelta(days=RELEASE_WINDOW_DAYS)  # a release follows its quarter by weeks


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
    cost: Cost = field(default=Cost(), compare=False)  # what finding it asked of EDGAR

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
            "exhibit_bytes": len(self.content),
            "exhibit_sha256": digest(self.content),  # the kept exhibit is the one filed, whole
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


@dataclass(frozen=True)
class Unresolved:
    """A filing that could not be told a release or not: what was found, and the error it
    makes (FetchError, UnclassifiedFiling or EdgarUnavailable: see the module docstring)."""

    filing: Filing
    description: str
    error: type[FetchError]


def _unresolved(filing: Filing, verdict: Verdict) -> Unresolved:
    return Unresolved(filing, verdict.reason, FetchError if verdict.certain else UnclassifiedFiling)


_SEVERITY = (FetchError, EdgarUnavailable, UnclassifiedFiling)  # the first one present is raised


class ReleaseFinder:
    """Walks Tesla's 8-Ks on EDGAR and reads their exhibits; one per run (shares the client)."""

    def __init__(self, client: EdgarClient, known: Mapping[str, tuple[dict, Path]] | None = None):
        self.client = client
        self.settings = client.settings
        self.known = dict(known or {})
        self.passed_over: list[str] = []
        self.memory = VerdictCache(self.settings.cache_dir, self.settings.archives_url)

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
        unresolved: list[Unresolved] = []
        try:
            for filing in self.candidates(quarter):
                checked += 1
                found = self.examine(filing)
                if isinstance(found, Unresolved):
                    if quarter is None:  # a newer release may hide behind it
                        raise found.error(
                            f"8-K {filing.accession} filed {filing.filing_date.isoformat()}: "
                            f"{found.description}"
                        )
                    unresolved.append(found)
                elif found is not None:
                    if quarter is None or found.quarter == quarter:
                        return found
                    self.passed_over.append(f"{found.exhibit_url}: the {found.quarter} release")
        finally:
            self.memory.save()
        message = self._nothing_found(quarter, checked, unresolved)
        kinds = {u.error for u in unresolved}
        raise next((kind for kind in _SEVERITY if kind in kinds), FetchError)(message)

    def _nothing_found(
        self, quarter: str | None, checked: int, unresolved: list[Unresolved]
    ) -> str:
        if quarter is None:
            where = f"among Tesla's {checked} newest 8-K filings"
        else:
            start = quarter_end(quarter)
            where = (
                f"for {quarter} among Tesla's {checked} 8-K filings from "
                f"{start + timedelta(days=1)} to {start + RELEASE_WINDOW}"
            )
        message = f"no production & deliveries release found {where} in {self.submissions_url}"
        if unresolved:
            message += ": " + "; ".join(u.description for u in unresolved)
        if self.passed_over:
            shown = "; ".join(self.passed_over[:3])
            more = f"; and {len(self.passed_over) - 3} more" if len(self.passed_over) > 3 else ""
            message += f" (passed over: {shown}{more})"
        if any(u.error is EdgarUnavailable for u in unresolved):
            message += "; try again later"
        return message

    def _kept_exhibit(self, filing: Filing) -> tuple[bytes, str, str] | None:
        """The exhibit of ``filing`` as kept in data/releases/ (content, URL, index URL); None
        when there is none, or it is not the one its sidecar names (edited, cut short)."""
        if filing.accession not in self.known:
            return None
        record, path = self.known[filing.accession]
        try:
            content = path.read_bytes()
        except OSError:
            return None
        if record.get("exhibit_sha256", digest(content)) != digest(content):
            return None
        index_url = record.get("filing_index_url") or (
            f"{self.folder_url(filing)}/{filing.accession}-index.htm"
        )
        return content, str(record.get("exhibit_url", "")), str(index_url)

    def examine(self, filing: Filing) -> FoundRelease | Unresolved | None:
        """``filing`` read: its release, what could not be told, or None (passed over)."""
        remembered = self.memory.recall(filing)
        if remembered is not None and remembered.content is None:
            self.passed_over.append(remembered.reason)
            return None
        if remembered is not None:
            content, exhibit_url, index_url = (
                remembered.content,
                remembered.exhibit_url,
                remembered.index_url,
            )
        elif (kept := self._kept_exhibit(filing)) is not None:
            content, exhibit_url, index_url = kept
        else:
            fetched = self._download(filing)
            if not isinstance(fetched, tuple):
                return fetched
            content, exhibit_url, index_url = fetched
        assert content is not None
        text = decode_text(content)  # UTF-8, else Windows-1252 (older EDGAR documents)
        verdict = classify(text, filing, exhibit_url)
        if verdict.kind == UNREADABLE:
            return _unresolved(filing, verdict)
        if remembered is None and content.strip():  # an empty answer proves nothing
            self.memory.remember(
                filing, verdict.kind, verdict.reason, index_url, exhibit_url, content
            )
        if verdict.kind != RELEASE:
            self.passed_over.append(verdict.reason)
            return None
        assert verdict.parsed is not None
        return FoundRelease(
            quarter=verdict.parsed.quarter,
            accession=filing.accession,
            filing_date=filing.filing_date,
            form=filing.form,
            exhibit_url=exhibit_url,
            index_url=index_url,
            content=content,
            text=text,
            parsed=verdict.parsed,
        )

    def _download(self, filing: Filing) -> tuple[bytes, str, str] | Unresolved | None:
        """The exhibit of ``filing`` from EDGAR (content, URL, index URL), or what stood in the
        way: None when it has no EX-99.1 (passed over), an Unresolved when that is not known."""
        folder = self.folder_url(filing)
        located = locate_exhibit(self.client, filing, folder)
        if located.could_not_tell:
            tried = "; ".join(located.tried)
            return Unresolved(
                filing,
                f"{located.source_url}: could not tell whether it has an EX-99.1 exhibit ({tried})",
                EdgarUnavailable,
            )
        if located.exhibit is None:
            reason = f"{located.source_url}: no EX-99.1 exhibit"
            self.memory.remember(filing, NO_EXHIBIT, reason, located.source_url)
            self.passed_over.append(reason)
            return None
        url = located.exhibit.url
        content = self.client.get_bytes(url, missing_ok=True)
        if content is None:
            return Unresolved(
                filing,
                f"GET {url}: HTTP 404 Not Found (the EX-99.1 exhibit listed in "
                f"{located.source_url} is missing)",
                EdgarUnavailable,
            )
        return content, url, located.source_url
