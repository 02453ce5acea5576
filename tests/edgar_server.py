"""A local EDGAR-shaped HTTP server for tests: Tesla's submissions, filing indexes and exhibits.

One port serves both EDGAR hosts' paths (point ``EDGAR_DATA_URL`` and ``EDGAR_ARCHIVES_URL`` at
``server.url``; :meth:`EdgarServer.environ` gives the whole environment):

- ``/submissions/CIK0001318605.json``: ``filings.recent`` column arrays (newest first) and
  ``filings.files`` naming ``CIK0001318605-submissions-001.json`` for the older filings; with an
  ETag and Last-Modified, answering a matching conditional request with 304 Not Modified;
- ``/Archives/edgar/data/1318605/<accession without dashes>/<accession>-index.htm`` (the filing's
  detail page with its "Document Format Files" table), ``.../index.json`` (the folder listing) and
  every document of the filing.

:meth:`EdgarServer.add_filing` / :meth:`EdgarServer.add_release` add filings (a new quarter's
release for ``update`` tests); :meth:`EdgarServer.queue` serves given responses (429, 5xx, a
dropped connection, malformed JSON) before the normal one; ``requests`` records every request.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "edgar"
CIK = "0001318605"
CIK_NUMBER = str(int(CIK))
AGENT = "Test Runner tests@example.com"
SUBMISSIONS_PATH = f"/submissions/CIK{CIK}.json"
EXTRA_FILE = f"CIK{CIK}-submissions-001.json"
LAST_MODIFIED = "Fri, 02 Jan 2026 14:05:09 GMT"
DROP = -1  # a queued status that closes the connection without an answer

# Model lines of the generated releases (name, produced, delivered); totals are the sums.
_LINES_BY_QUARTER = {
    "2024Q4": [("Model 3/Y", 436718, 471930), ("Other Models", 22727, 23640)],
    "2025Q1": [("Model 3/Y", 345454, 323800), ("Other Models", 17161, 12881)],
    "2025Q2": [("Model 3/Y", 396835, 373728), ("Other Models", 13409, 10394)],
    "2025Q3": [("Model 3/Y", 435826, 481166), ("Other Models", 11624, 15933)],
    "2026Q1": [("Model 3/Y", 401234, 389876), ("Other Models", 12345, 11987)],
    "2026Q4": [("Model 3/Y", 471802, 452417), ("Other Models", 9310, 10486)],  # a new quarter
}
# Tesla's 2026 releases as filed (the figures in data/production_deliveries.csv): filing date and
# model lines; ``EdgarServer(through_2026q3=True)`` serves them after the standard filings.
RELEASES_2026 = {
    "2026Q1": (date(2026, 4, 2), [("Model 3/Y", 394611, 341893), ("Other Models", 13775, 16130)]),
    "2026Q2": (date(2026, 7, 2), [("Model 3/Y", 442936, 467762), ("Other Models", 8822, 12364)]),
    "2026Q3": (date(2026, 10, 2), [("Model 3/Y", 457387, 478237), ("Other Models", 7004, 8295)]),
}
NEW_QUARTER = "2026Q4"  # the quarter after the data's last one, filed early January 2027
NEW_QUARTER_FILED = date(2027, 1, 2)
_ORDINALS = {1: "First", 2: "Second", 3: "Third", 4: "Fourth"}


@dataclass
class Document:
    """One document of a filing: file name, EDGAR type (``EX-99.1``), description, bytes."""

    name: str
    type: str
    description: str
    content: bytes
    missing: bool = False  # listed in the filing's index but not served (404)


@dataclass
class Filing:
    """A filing as the submissions API and the archives show it."""

    accession: str
    form: str
    filing_date: date
    items: str
    documents: list[Document]
    old: bool = False  # listed in the extra submissions file instead of filings.recent

    @property
    def folder(self) -> str:
        return f"/Archives/edgar/data/{CIK_NUMBER}/{self.accession.replace('-', '')}"

    @property
    def acceptance(self) -> str:
        return f"{self.filing_date.isoformat()}T13:05:09.000Z"


@dataclass
class Recorded:
    """A request the server received."""

    at: float
    path: str
    headers: dict[str, str]


@dataclass
class Queued:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def release_exhibit(
    quarter: str,
    filed: date,
    lines: list[tuple[str, int, int]] | None = None,
    totals: tuple[int, int] | None = None,
    storage: str | None = None,
) -> bytes:
    """An EX-99.1 production & deliveries release in the HTML shape of Tesla's exhibits.

    ``lines`` are (model line, produced, delivered); ``totals`` defaults to their sums (pass
    others for a release whose figures do not add up); ``storage`` (``14.0 GWh``) ends the first
    sentence with the energy storage deployed.
    """
    year, number = int(quarter[:4]), int(quarter[-1])
    lines = lines or _LINES_BY_QUARTER[quarter]
    produced, delivered = totals or (sum(p for _, p, _ in lines), sum(d for _, _, d in lines))
    dateline = f"{filed:%B} {filed.day}, {filed.year}"
    rows = "".join(
        f"<tr><td><span>{html.escape(name)}</span></td>"
        f'<td style="text-align:right"><span>{made:,}</span></td>'
        f'<td style="text-align:right"><span>{handed:,}</span></td></tr>\n'
        for name, made, handed in lines
    )
    title = f"Tesla {_ORDINALS[number]} Quarter {year} Production, Deliveries &amp; Deployments"
    page = f"""<html>
<head>
<title>EX-99.1</title>
</head>
<body style="font-family:Times New Roman;font-size:10pt">
<div style="text-align:right"><span style="font-weight:700">Exhibit 99.1</span></div>
<div style="text-align:center"><span style="font-weight:700">{title}</span></div>
<div style="text-align:justify"><span>AUSTIN, Texas, {dateline} &#8211; In the
{_ORDINALS[number].lower()} quarter, we produced {produced:,} vehicles{"," if storage else " and"}
delivered {delivered:,} vehicles{f" and deployed {storage}" if storage else ""}.</span></div>
<div><table style="border-collapse:collapse">
<tr><td><span>&#160;</span></td><td><span style="font-weight:700">Production</span></td>
<td><span style="font-weight:700">Deliveries</span></td></tr>
{rows}<tr><td><span style="font-weight:700">Total</span></td>
<td style="text-align:right"><span>{produced:,}</span></td>
<td style="text-align:right"><span>{delivered:,}</span></td></tr>
</table></div>
<div style="text-align:justify"><span>Tesla will post its financial results for the
{_ORDINALS[number].lower()} quarter of {year} after market close later this month.</span></div>
</body>
</html>
"""
    return page.encode("utf-8")


def cover_document(form: str, filed: date, items: str) -> bytes:
    """The 8-K's own (primary) document: the cover page and the items reported."""
    text = (
        f"<html><head><title>{form}</title></head><body><p>UNITED STATES SECURITIES AND "
        f"EXCHANGE COMMISSION</p><p>FORM {form}</p><p>CURRENT REPORT</p><p>Date of Report: "
        f"{filed:%B} {filed.day}, {filed.year}</p><p>Tesla, Inc.</p><p>Items: {items}</p>"
        "</body></html>"
    )
    return text.encode("utf-8")


class EdgarServer:
    """The server; use as a context manager (or ``start`` / ``stop``)."""

    def __init__(self, *, standard: bool = True, through_2026q3: bool = False):
        self.filings: list[Filing] = []
        self.requests: list[Recorded] = []
        self.queues: dict[str, deque[Queued]] = defaultdict(deque)
        self.extra_path = f"/submissions/{EXTRA_FILE}"
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

    def next_accession(self, filed: date) -> str:
        self._serial += 1
        return f"0001628280-{filed.year % 100:02d}-{self._serial:06d}"

    def add_filing(
        self,
        filed: date,
        *,
        form: str = "8-K",
        items: str = "8.01,9.01",
        exhibit: bytes | None = None,
        exhibit_name: str | None = None,
        accession: str | None = None,
        old: bool = False,
    ) -> Filing:
        """Add a filing (its cover document and, when given, an EX-99.1 exhibit)."""
        accession = accession or self.next_accession(filed)
        stamp = filed.strftime("%Y%m%d")
        documents = [Document(f"tsla-{stamp}.htm", form, form, cover_document(form, filed, items))]
        if exhibit is not None:
            name = exhibit_name or f"tsla-ex991_{stamp}.htm"
            documents.append(Document(name, "EX-99.1", "EX-99.1", exhibit))
        filing = Filing(accession, form, filed, items, documents, old)
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
        **figures,
    ) -> Filing:
        """Add a quarter's production & deliveries 8-K (a generated exhibit unless given)."""
        content = exhibit if exhibit is not None else release_exhibit(quarter, filed, **figures)
        return self.add_filing(filed, items="7.01,9.01", exhibit=content, old=old)

    def add_earnings(self, quarter: str, filed: date, *, old: bool = False) -> Filing:
        """Add an earnings 8-K (Item 2.02) whose EX-99.1 announces the financial results."""
        number, year = _ORDINALS[int(quarter[-1])], quarter[:4]
        exhibit = (
            "<html><head><title>EX-99.1</title></head><body><p>Exhibit 99.1</p>"
            f"<p>Tesla Releases {number} Quarter {year} Financial Results</p>"
            f"<p>AUSTIN, Texas, {filed:%B} {filed.day}, {filed.year} &#8211; Tesla has released "
            f"its financial results for the {number.lower()} quarter of {year} by posting an "
            "update on its Investor Relations website.</p></body></html>"
        ).encode()
        return self.add_filing(filed, items="2.02,9.01", exhibit=exhibit, old=old)

    def add_standard_filings(self) -> None:
        """Tesla's filings from January 2025 to January 2026, the older half in the extra file.

        Recent: the 2026-01-28 earnings 8-K (newest), the 2025Q4 release (2026-01-02), a vote
        8-K without EX-99.1 (2025-11-07), the 2025Q3 earnings and release, the 2025Q2 release,
        and forms that are not 8-Ks. Extra file: the 2025Q1 and 2024Q4 releases and an earnings.
        """
        self.add_filing(
            date(2026, 1, 28),
            items="2.02,9.01",
            exhibit=(FIXTURES / "tsla-ex991_20260128.htm").read_bytes(),
        )
        self.add_filing(date(2026, 1, 27), form="4", items="")
        self.add_filing(
            date(2026, 1, 2),
            items="7.01,9.01",
            exhibit=(FIXTURES / "tsla-ex991_20260102.htm").read_bytes(),
        )
        self.add_filing(date(2025, 11, 7), items="5.07")  # annual meeting votes: no exhibit
        self.add_filing(date(2025, 10, 23), form="10-Q", items="")
        self.add_earnings("2025Q3", date(2025, 10, 22))
        self.add_release("2025Q3", date(2025, 10, 2))
        self.add_filing(date(2025, 7, 24), form="10-Q", items="")
        self.add_release("2025Q2", date(2025, 7, 2))
        self.add_release("2025Q1", date(2025, 4, 2), old=True)
        self.add_earnings("2024Q4", date(2025, 1, 29), old=True)
        self.add_release("2024Q4", date(2025, 1, 2), old=True)
        self.add_filing(date(2024, 12, 20), form="8-K", items="1.01", old=True)

    def add_2026_filings(self) -> None:
        """Tesla's 2026 filings through October: the 2026Q1-Q3 releases as in ``data/``, the
        earnings 8-Ks between them and a 10-Q, so that the latest release is 2026Q3's."""
        for quarter, (filed, lines) in RELEASES_2026.items():
            self.add_release(quarter, filed, lines=lines)
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

    def submissions(self) -> bytes:
        recent = [f for f in self.filings if not f.old]
        extra = [f for f in self.filings if f.old]
        document = json.loads((FIXTURES / "submissions-company.json").read_text())
        files = []
        if extra:
            dates = [f.filing_date for f in extra]
            files.append(
                {
                    "name": EXTRA_FILE,
                    "filingCount": len(extra),
                    "filingFrom": min(dates).isoformat(),
                    "filingTo": max(dates).isoformat(),
                }
            )
        document["filings"] = {"recent": _columns(recent), "files": files}
        return json.dumps(document).encode()

    def extra_submissions(self) -> bytes:
        return json.dumps(_columns([f for f in self.filings if f.old])).encode()

    def index_page(self, filing: Filing) -> bytes:
        rows = "".join(
            ('<tr class="evenRow">\n' if n % 2 else "<tr>\n")
            + f'<td scope="row">{n}</td>\n<td scope="row">{html.escape(d.description)}</td>\n'
            f'<td scope="row"><a href="{filing.folder}/{d.name}">{d.name}</a></td>\n'
            f'<td scope="row">{d.type}</td>\n<td scope="row">{len(d.content)}</td>\n</tr>\n'
            for n, d in enumerate(filing.documents, start=1)
        )
        total = sum(len(d.content) for d in filing.documents)
        page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html xmlns="http://www.w3.org/1999/xhtml">
<head><title>EDGAR Filing Documents for {filing.accession}</title></head>
<body>
<div id="PageTitle">Filing Detail</div>
<div id="formDiv">
<div id="formHeader"><div id="formName"><strong>Form {filing.form}</strong> - Current report:
</div><div id="secNum"><strong>SEC Accession <acronym title="Number">No.</acronym></strong>
{filing.accession}</div></div>
<div class="formContent">
<div class="formGrouping"><div class="infoHead">Filing Date</div>
<div class="info">{filing.filing_date.isoformat()}</div>
<div class="infoHead">Accepted</div>
<div class="info">{filing.filing_date.isoformat()} 08:05:09</div></div>
<div class="formGrouping"><div class="infoHead">Items</div>
<div class="info">{html.escape(filing.items)}</div></div>
</div></div>
<div id="formDiv"><div style="padding: 0px 0px 4px 0px; font-size: 12px;">Document Format Files
</div>
<table class="tableFile" summary="Document Format Files">
<tr>
<th scope="col" style="width: 5%;"><acronym title="Sequence Number">Seq</acronym></th>
<th scope="col" style="width: 40%;">Description</th>
<th scope="col" style="width: 20%;">Document</th>
<th scope="col" style="width: 10%;">Type</th>
<th scope="col">Size</th>
</tr>
{rows}<tr>
<td scope="row">&nbsp;</td>
<td scope="row">Complete submission text file</td>
<td scope="row"><a href="{filing.folder}/{filing.accession}.txt">{filing.accession}.txt</a></td>
<td scope="row">&nbsp;</td>
<td scope="row">{total}</td>
</tr>
</table></div>
<div id="filerDiv"><span class="companyName">Tesla, Inc. (Filer)
<acronym title="Central Index Key">CIK</acronym>: {CIK}</span></div>
</body></html>
"""
        return page.encode()

    def index_json(self, filing: Filing) -> bytes:
        stamp = f"{filing.filing_date.isoformat()} 08:05:09"
        names = [
            (f"{filing.accession}-index-headers.html", "text.gif", ""),
            (f"{filing.accession}-index.html", "text.gif", ""),
            (f"{filing.accession}.txt", "text.gif", ""),
        ] + [(d.name, "text.gif", str(len(d.content))) for d in filing.documents]
        items = [{"last-modified": stamp, "name": n, "type": t, "size": s} for n, t, s in names]
        listing = {
            "directory": {
                "item": items,
                "name": filing.folder,
                "parent-dir": f"/Archives/edgar/data/{CIK_NUMBER}",
            }
        }
        return json.dumps(listing, indent=2).encode()

    def respond(self, path: str) -> tuple[int, bytes, dict[str, str]]:
        """Status, body and headers for ``path`` (queued responses aside)."""
        if path == SUBMISSIONS_PATH:
            return 200, self.submissions(), {"Content-Type": "application/json"}
        if path == self.extra_path:
            return 200, self.extra_submissions(), {"Content-Type": "application/json"}
        for filing in self.filings:
            if not path.startswith(filing.folder + "/"):
                continue
            name = path[len(filing.folder) + 1 :]
            if name in (f"{filing.accession}-index.htm", f"{filing.accession}-index.html"):
                return 200, self.index_page(filing), {"Content-Type": "text/html"}
            if name == "index.json":
                return 200, self.index_json(filing), {"Content-Type": "application/json"}
            for document in filing.documents:
                if document.name == name and not document.missing:
                    return 200, document.content, {"Content-Type": "text/html"}
        return 404, b"<html><body>Not Found</body></html>", {"Content-Type": "text/html"}


def _columns(filings: list[Filing]) -> dict[str, list]:
    ordered = sorted(filings, key=lambda f: f.filing_date, reverse=True)
    return {
        "accessionNumber": [f.accession for f in ordered],
        "filingDate": [f.filing_date.isoformat() for f in ordered],
        "reportDate": [f.filing_date.isoformat() if f.form == "8-K" else "" for f in ordered],
        "acceptanceDateTime": [f.acceptance for f in ordered],
        "act": ["34" if f.form != "4" else "" for f in ordered],
        "form": [f.form for f in ordered],
        "fileNumber": ["001-34756" if f.form != "4" else "" for f in ordered],
        "filmNumber": [str(26500000 + i) for i, _ in enumerate(ordered)],
        "items": [f.items for f in ordered],
        "core_type": [f.form for f in ordered],
        "size": [sum(len(d.content) for d in f.documents) for f in ordered],
        "isXBRL": [1 if f.form in ("8-K", "10-Q") else 0 for f in ordered],
        "isInlineXBRL": [1 if f.form in ("8-K", "10-Q") else 0 for f in ordered],
        "primaryDocument": [f.documents[0].name for f in ordered],
        "primaryDocDescription": [f.form for f in ordered],
    }


class _Handler(BaseHTTPRequestHandler):
    server_version = "EdgarTestServer/1.0"

    def log_message(self, format, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        edgar: EdgarServer = self.server.edgar  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        with edgar._lock:
            edgar.requests.append(Recorded(time.monotonic(), path, dict(self.headers.items())))
            queued = edgar.queues[path].popleft() if edgar.queues.get(path) else None
        if queued is not None:
            if queued.status == DROP:
                self.close_connection = True
                self.connection.close()
                return
            self._send(queued.status, queued.body, queued.headers)
            return
        status, body, headers = edgar.respond(path)
        if path == SUBMISSIONS_PATH and status == 200:
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            headers = headers | {"ETag": etag, "Last-Modified": LAST_MODIFIED}
            unchanged = self.headers.get("If-None-Match") == etag or (
                "If-None-Match" not in self.headers
                and self.headers.get("If-Modified-Since") == LAST_MODIFIED
            )
            if unchanged:
                self._send(304, b"", {"ETag": etag, "Last-Modified": LAST_MODIFIED})
                return
        self._send(status, body, headers)

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)
