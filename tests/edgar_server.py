"""A local EDGAR-shaped HTTP server for tests: Tesla's submissions, filing indexes and exhibits.

One port serves both EDGAR hosts' paths (point ``EDGAR_DATA_URL`` and ``EDGAR_ARCHIVES_URL`` at
``server.url``; :meth:`EdgarServer.environ` gives the whole environment), each with the header
set the real host sends (recorded responses, see ``tests/edgar_filings.py`` for the bodies):

- ``/submissions/CIK0001318605.json`` (data.sec.gov): ``filings.recent`` column arrays, newest
  first, and ``filings.files`` naming ``CIK0001318605-submissions-001.json`` for older filings.
  Like data.sec.gov it sends ``Cache-Control: max-age=0, no-cache, no-store`` and no validators
  (no ETag, no Last-Modified), so a client cannot ask conditionally; ``conditional=True`` makes
  it send an ETag and Last-Modified and answer a matching request with 304, as a mirror might;
- ``/Archives/edgar/data/1318605/<folder>/<accession>-index.htm`` (and ``-index.html``), the
  filing's detail page: ``Cache-Control: no-cache``, ``Last-Modified``, no ETag;
- ``.../index.json`` (the folder listing), ``.../<accession>.txt`` (the complete submission)
  and every document: static files with ``Accept-Ranges``, an ETag and ``x-amz-*`` headers.

:meth:`EdgarServer.add_filing` / :meth:`EdgarServer.add_release` add filings;
:meth:`EdgarServer.queue` serves given responses (429, 5xx, a dropped connection, malformed JSON)
before the normal one; a path in a filing's ``unserved`` set answers 404; ``requests`` records
every request with the status and the body bytes sent.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .edgar_filings import (
    CIK,
    GRAPHIC,
    TOPPAN,
    Agent,
    Document,
    Filing,
    accepted_at,
    agent_for,
    cover_document,
    data_files,
    release_items,
    update_letter,
)
from .edgar_filings import release_exhibit as _release_exhibit
from .edgar_headers import SECURITY, api_headers, index_headers, static_headers
from .edgar_history import REAL_RECENT_ROWS, older_rows
from .edgar_indexes import full_text, index_json, index_page

FIXTURES = Path(__file__).parent / "fixtures" / "edgar"
AGENT = "Test Runner tests@example.com"
SUBMISSIONS_PATH = f"/submissions/CIK{CIK}.json"
EXTRA_FILE = f"CIK{CIK}-submissions-001.json"
LAST_MODIFIED = "Fri, 02 Jan 2026 14:05:09 GMT"  # the conditional mode's submissions date
DROP = -1  # a queued status that closes the connection without an answer
RELEASE_FIXTURE = "release-2025Q4.htm"  # Tesla's 2025Q4 release, in the shape Workiva files

# Model lines of the generated releases (name, produced, delivered); totals are the sums.
_LINES_BY_QUARTER = {
    "2024Q4": [("Model 3/Y", 436718, 471930), ("Other Models", 22727, 23640)],
    "2025Q1": [("Model 3/Y", 345454, 323800), ("Other Models", 17161, 12881)],
    "2025Q2": [("Model 3/Y", 396835, 373728), ("Other Models", 13409, 10394)],
    "2025Q3": [("Model 3/Y", 435826, 481166), ("Other Models", 11624, 15933)],
    "2025Q4": [("Model 3/Y", 422652, 406585), ("Other Models", 11706, 11642)],
    "2026Q1": [("Model 3/Y", 401234, 389876), ("Other Models", 12345, 11987)],
    "2026Q4": [("Model 3/Y", 471802, 452417), ("Other Models", 9310, 10486)],  # a new quarter
}
# Tesla's 2026 releases as filed (the figures, accession numbers and exhibit names in
# data/production_deliveries.csv): filing date, model lines, accession, exhibit name;
# ``EdgarServer(through_2026q3=True)`` serves them after the standard filings.
# The energy storage each 2026 release deployed, as data/storage.csv has it.
STORAGE_2026 = {"2026Q1": "8.8 GWh", "2026Q2": "13.5 GWh", "2026Q3": "13.7 GWh"}
RELEASES_2026 = {
    "2026Q1": (
        date(2026, 4, 2),
        [("Model 3/Y", 394611, 341893), ("Other Models", 13775, 16130)],
        "0001628280-26-022956",
        "exhibit9911111.htm",
    ),
    "2026Q2": (
        date(2026, 7, 2),
        [("Model 3/Y", 442936, 467762), ("Other Models", 8822, 12364)],
        "0001628280-26-046717",
        "exhibit99111111.htm",
    ),
    "2026Q3": (
        date(2026, 10, 2),
        [("Model 3/Y", 457387, 478237), ("Other Models", 7004, 8295)],
        "0001628280-26-064366",
        "exhibit991.htm",
    ),
}
NEW_QUARTER = "2026Q4"  # the quarter after the data's last one, filed early January 2027
NEW_QUARTER_FILED = date(2027, 1, 2)


def lines_of(quarter: str) -> list[tuple[str, int, int]]:
    """The model lines the server's release of ``quarter`` gives."""
    if quarter in RELEASES_2026:
        return RELEASES_2026[quarter][1]
    return _LINES_BY_QUARTER[quarter]


def release_exhibit(
    quarter: str,
    filed: date,
    lines: list[tuple[str, int, int]] | None = None,
    totals: tuple[int, int] | None = None,
    **layout,
) -> bytes:
    """A production & deliveries release of ``quarter`` (see ``edgar_filings.release_exhibit``)."""
    return _release_exhibit(quarter, filed, lines or lines_of(quarter), totals, **layout)


def _quarter_before(quarter: str, back: int) -> str:
    index = int(quarter[:4]) * 4 + int(quarter[-1]) - 1 - back
    return f"{index // 4}Q{index % 4 + 1}"


def letter_history(quarter: str) -> list[tuple[str, int, int]]:
    """Five quarters of total production and deliveries to ``quarter``, for an Update letter."""
    history = []
    for back in range(4, -1, -1):
        label = _quarter_before(quarter, back)
        try:
            lines = lines_of(label)
        except KeyError:
            lines = [("Model 3/Y", 400000, 390000)]
        history.append((label, sum(p for _, p, _ in lines), sum(d for _, _, d in lines)))
    return history


@dataclass
class Recorded:
    """A request the server received, and what it answered."""

    at: float
    path: str
    headers: dict[str, str]
    status: int = 0
    sent: int = 0  # body bytes


@dataclass
class Queued:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class EdgarServer:
    """The server; use as a context manager (or ``start`` / ``stop``)."""

    def __init__(
        self,
        *,
        standard: bool = True,
        through_2026q3: bool = False,
        conditional: bool = False,
        real_size: bool = False,
    ):
        self.filings: list[Filing] = []
        self.requests: list[Recorded] = []
        self.queues: dict[str, deque[Queued]] = defaultdict(deque)
        self.extra_path = f"/submissions/{EXTRA_FILE}"
        self.conditional = conditional
        self.real_size = real_size  # older rows make the recent list as long as Tesla's
        self._serial = 0
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        if standard:
            self.add_standard_filings()
        if through_2026q3:
            self.add_2026_filings()

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> EdgarServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.edgar = self  # type: ignore[attr-defined]
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> EdgarServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "start the server first"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def environ(self, **extra: str) -> dict[str, str]:
        """Environment for a fetch against this server: User-Agent, endpoints, fast retries."""
        values = {
            "SEC_USER_AGENT": AGENT,
            "EDGAR_DATA_URL": self.url,
            "EDGAR_ARCHIVES_URL": self.url,
            "EDGAR_RETRIES": "3",
            "EDGAR_BACKOFF": "0.01",
        }
        values.update(extra)
        return values

    # --- content ---------------------------------------------------------------------------

    def next_accession(self, filed: date, agent: Agent) -> str:
        self._serial += 1
        return f"{agent.prefix}-{filed.year % 100:02d}-{self._serial:06d}"

    def add_filing(
        self,
        filed: date,
        *,
        form: str = "8-K",
        items: str = "8.01,9.01",
        exhibit: bytes | None = None,
        exhibit_name: str | None = None,
        exhibit_type: str = "EX-99.1",
        accession: str | None = None,
        agent: Agent | None = None,
        reported: date | None = None,
        hour: int = 20,
        graphic: bool = False,
        old: bool = False,
    ) -> Filing:
        """Add a filing: its primary document, the exhibit when given, its XBRL data files."""
        agent = agent or agent_for(filed)
        accession = accession or self.next_accession(filed, agent)
        reported = reported or filed
        job = self._serial + 30000
        if form == "8-K":
            primary = agent.primary.format(day=reported, job=job)
            documents = [Document(primary, form, agent.description, b"")]
            documents[0].content = cover_document(form, primary, reported, items)
        else:
            primary = f"xslF345X05/wk-form4_{job}.xml"
            documents = [Document(primary, form, "OWNERSHIP DOCUMENT", b"<ownershipDocument/>")]
        if exhibit is not None:
            name = exhibit_name or agent.exhibit.format(day=reported, job=job % 100)
            documents.append(Document(name, exhibit_type, exhibit_type, exhibit))
        if graphic:
            documents.append(Document(f"tsla-{reported:%Y%m%d}_g1.jpg", "GRAPHIC", "", GRAPHIC))
        if form == "8-K":
            documents += data_files(primary.rsplit(".", 1)[0])
        filing = Filing(
            accession=accession,
            form=form,
            filing_date=filed,
            items=items,
            documents=documents,
            accepted=accepted_at(filed, hour),
            report_date=reported,
            description=agent.description if form == "8-K" else "OWNERSHIP DOCUMENT",
            old=old,
        )
        with self._lock:
            self.filings.append(filing)
        return filing

    def add_release(
        self,
        quarter: str,
        filed: date,
        exhibit: bytes | None = None,
        *,
        old: bool = False,
        exhibit_name: str | None = None,
        accession: str | None = None,
        **figures,
    ) -> Filing:
        """Add a quarter's production & deliveries 8-K (a generated exhibit unless given): the
        items of its day, accepted early afternoon UTC, as Tesla's releases are."""
        content = exhibit if exhibit is not None else release_exhibit(quarter, filed, **figures)
        return self.add_filing(
            filed,
            items=release_items(filed),
            exhibit=content,
            exhibit_name=exhibit_name,
            accession=accession,
            hour=13,
            old=old,
        )

    def add_earnings(self, quarter: str, filed: date, *, old: bool = False) -> Filing:
        """Add an earnings 8-K (items 2.02,9.01, after market close) whose EX-99.1 is the
        quarter's Update letter, which speaks of vehicle deliveries in its first sentence."""
        letter = update_letter(quarter, letter_history(quarter))
        return self.add_filing(
            filed, items="2.02,9.01", exhibit=letter, hour=21, graphic=True, old=old
        )

    def add_vote(self, filed: date, reported: date, *, old: bool = False) -> Filing:
        """Add an annual meeting's 8-K (items 5.02,5.07,9.01), filed by Toppan Merrill, with an
        EX-10.1 (a plan) but no EX-99.1."""
        return self.add_filing(
            filed,
            items="5.02,5.07,9.01",
            exhibit=b"<html><body><p>Amended and Restated 2019 Equity Incentive Plan</p></body>"
            b"</html>",
            exhibit_name=f"tm{reported:%y}30590d1_ex10-1.htm",
            exhibit_type="EX-10.1",
            agent=TOPPAN,
            reported=reported,
            old=old,
        )

    def add_standard_filings(self) -> None:
        """Tesla's filings from December 2024 to January 2026, the older half in the extra file.

        Recent: the 2026-01-28 earnings 8-K (newest), the 2025Q4 release (2026-01-02), a vote
        8-K without EX-99.1 (2025-11-07), the 2025Q3 earnings and release, the 2025Q2 release,
        and forms that are not 8-Ks. Extra file: the 2025Q1 and 2024Q4 releases and an earnings.
        """
        self.add_earnings("2025Q4", date(2026, 1, 28))
        self.add_filing(date(2026, 1, 27), form="4", items="", agent=TOPPAN)
        self.add_release(
            "2025Q4",
            date(2026, 1, 2),
            (FIXTURES / RELEASE_FIXTURE).read_bytes(),
            accession="0001628280-26-000016",
        )
        self.add_vote(date(2025, 11, 7), date(2025, 11, 6))
        self.add_filing(date(2025, 10, 23), form="10-Q", items="")
        self.add_earnings("2025Q3", date(2025, 10, 22))
        self.add_release("2025Q3", date(2025, 10, 2))
        self.add_filing(date(2025, 7, 24), form="10-Q", items="")
        self.add_release("2025Q2", date(2025, 7, 2), exhibit_name="exhibit9911111.htm")
        self.add_release("2025Q1", date(2025, 4, 2), old=True)
        self.add_earnings("2024Q4", date(2025, 1, 29), old=True)
        self.add_release("2024Q4", date(2025, 1, 2), old=True)
        self.add_filing(date(2024, 12, 20), items="1.01", old=True)

    def add_2026_filings(self) -> None:
        """Tesla's 2026 filings through October: the 2026Q1-Q3 releases as in ``data/``, the
        earnings 8-Ks between them and a 10-Q, so that the latest release is 2026Q3's."""
        for quarter, (filed, lines, accession, name) in RELEASES_2026.items():
            self.add_release(
                quarter,
                filed,
                lines=lines,
                accession=accession,
                exhibit_name=name,
                storage=STORAGE_2026[quarter],
            )
            self.add_earnings(quarter, date(filed.year, filed.month, 22))
            self.add_filing(date(filed.year, filed.month, 23), form="10-Q", items="")

    def add_new_quarter(self, **figures) -> Filing:
        """The release of the quarter after the data's last one (``NEW_QUARTER``)."""
        return self.add_release(NEW_QUARTER, NEW_QUARTER_FILED, **figures)

    def filing(self, filed: date) -> Filing:
        """The (first) filing made on ``filed``."""
        return next(f for f in self.filings if f.filing_date == filed)

    def queue(self, path: str, *responses: Queued | int) -> None:
        """Serve these responses (or statuses; ``DROP`` closes the connection) to ``path`` first."""
        with self._lock:
            for response in responses:
                self.queues[path].append(
                    response if isinstance(response, Queued) else Queued(response)
                )

    def requested(self, path: str) -> list[Recorded]:
        """The requests made for ``path``."""
        return [r for r in self.requests if r.path == path]

    # --- documents -------------------------------------------------------------------------

    def _older(self) -> list[Filing]:
        """The filings of the extra file (none with ``real_size``: the older rows fill the
        recent list, and the extra file holds what came before them, nothing we look for)."""
        return [] if self.real_size else [f for f in self.filings if f.old]

    def submissions(self) -> bytes:
        older = self._older()
        columns = _columns([f for f in self.filings if f not in older])
        if self.real_size:
            before = min(f.filing_date for f in self.filings)
            for name, values in older_rows(REAL_RECENT_ROWS - len(self.filings), before).items():
                columns[name] += values
        dates = [f.filing_date.isoformat() for f in older] or ["2005-02-17", "2018-02-11"]
        files = [] if not (older or self.real_size) else [
            {"name": EXTRA_FILE, "filingCount": len(older), "filingFrom": min(dates),
             "filingTo": max(dates)}
        ]  # fmt: skip
        document = json.loads((FIXTURES / "submissions-company.json").read_text())
        document["filings"] = {"recent": columns, "files": files}
        return json.dumps(document, separators=(",", ":")).encode()

    def extra_submissions(self) -> bytes:
        return json.dumps(_columns(self._older()), separators=(",", ":"))

    def respond(self, path: str) -> tuple[int, bytes, dict[str, str]]:
        """Status, body and headers for ``path`` (queued responses aside)."""
        if path == SUBMISSIONS_PATH:
            return 200, self.submissions(), api_headers()
        if path == self.extra_path:
            return 200, self.extra_submissions().encode(), api_headers()
        for filing in self.filings:
            if not path.startswith(filing.folder + "/"):
                continue
            name = path[len(filing.folder) + 1 :]
            if name in filing.unserved:
                break
            text = full_text(filing)
            if name in (f"{filing.accession}-index.htm", f"{filing.accession}-index.html"):
                return 200, index_page(filing, len(text)), index_headers(filing, "text/html")
            if name == "index.json":
                listing = index_json(filing, len(text))
                return 200, listing, index_headers(filing, "application/json")
            if name == f"{filing.accession}.txt":
                return 200, text, static_headers(filing, text, "text/plain")
            for document in filing.documents:
                if document.name == name and not document.missing:
                    kind = "image/jpeg" if name.endswith(".jpg") else "text/html"
                    return 200, document.content, static_headers(filing, document.content, kind)
        body = b"<html><body><h1>Not Found</h1></body></html>"
        return 404, body, {"Content-Type": "text/html", **SECURITY}


def _columns(filings: list[Filing]) -> dict[str, list]:
    ordered = sorted(filings, key=lambda f: (f.filing_date, f.accepted), reverse=True)
    return {
        "accessionNumber": [f.accession for f in ordered],
        "filingDate": [f.filing_date.isoformat() for f in ordered],
        "reportDate": [(f.report_date or f.filing_date).isoformat() for f in ordered],
        "acceptanceDateTime": [f.acceptance for f in ordered],
        "act": ["34" if f.form != "4" else "" for f in ordered],
        "form": [f.form for f in ordered],
        "fileNumber": ["001-34756" if f.form != "4" else "" for f in ordered],
        "filmNumber": [str(26500000 + i) if f.form != "4" else "" for i, f in enumerate(ordered)],
        "items": [f.items for f in ordered],
        "core_type": [f.form for f in ordered],
        "size": [len(full_text(f)) for f in ordered],
        "isXBRL": [1 if f.form in ("8-K", "10-Q") else 0 for f in ordered],
        "isInlineXBRL": [1 if f.form in ("8-K", "10-Q") else 0 for f in ordered],
        "primaryDocument": [f.primary.name for f in ordered],
        "primaryDocDescription": [f.description for f in ordered],
    }


class _Handler(BaseHTTPRequestHandler):
    server_version = "EdgarTestServer/1.0"
    protocol_version = "HTTP/1.1"  # keep-alive, as EDGAR's servers
    # Headers and body go out in two writes; with Nagle's algorithm the body then waits for the
    # client's delayed ACK (~40 ms a response on loopback). Real servers send at once.
    disable_nagle_algorithm = True

    def log_message(self, format, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        edgar: EdgarServer = self.server.edgar  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        record = Recorded(time.monotonic(), path, dict(self.headers.items()))
        with edgar._lock:
            edgar.requests.append(record)
            queued = edgar.queues[path].popleft() if edgar.queues.get(path) else None
        if queued is not None:
            if queued.status == DROP:
                self.close_connection = True
                self.connection.close()
                return
            self._send(record, queued.status, queued.body, queued.headers)
            return
        status, body, headers = edgar.respond(path)
        if status == 200 and path == SUBMISSIONS_PATH and edgar.conditional:
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            headers = headers | {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        etag = headers.get("ETag")
        unchanged = etag is not None and (
            self.headers.get("If-None-Match") == etag
            or (
                "If-None-Match" not in self.headers
                and self.headers.get("If-Modified-Since") == headers.get("Last-Modified")
            )
        )
        if status == 200 and unchanged:
            self._send(record, 304, b"", {"ETag": etag, "Last-Modified": headers["Last-Modified"]})
            return
        self._send(record, status, body, headers)

    def _send(self, record: Recorded, status: int, body: bytes, headers: dict[str, str]) -> None:
        record.status = status
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
            record.sent = len(body)
        self.end_headers()
        if status != 304:
            self.wfile.write(body)
