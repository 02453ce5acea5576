"""Tesla's 8-K filings as EDGAR serves them, for the test server (``tests/edgar_server.py``).

Shapes follow real EDGAR responses (read, not copied; the text is our own):

- filer agents and their names: DFIN's legacy system (accession prefix 0001564590, to 2023-05:
  ``tsla-8k_YYYYMMDD.htm``, exhibits ``tsla-ex991_N.htm``), DFIN (0000950170, 2023-07 to
  2024-04: ``tsla-YYYYMMDD.htm``, ``tsla-ex99_1.htm``), Workiva (0001628280, 2024-07 on:
  ``tsla-YYYYMMDD.htm``, exhibits ``exhibit991.htm`` and, with the 1s Workiva appends,
  ``exhibit9911111.htm``) and Toppan Merrill for votes (0001104659, ``tm2530590d1_8k.htm``,
  described ``FORM 8-K``); the primary document is named after the report (event) date;
- a release 8-K carries items 2.02,9.01 (as earnings 8-Ks do), a vote 5.02,5.07,9.01;
- the filing index page (``-index.htm``: ``formDiv`` blocks, ``formGrouping`` with Filing Date,
  Accepted in Eastern time, Documents, Period of Report and the Items by title, a "Document
  Format Files" ``tableFile`` whose primary row links the inline XBRL viewer, GRAPHIC rows with
  no description, the complete submission text file last, and a "Data Files" table);
- ``index.json`` (``directory.item`` with icon names as ``type`` and sizes as strings);
- the complete submission ``<accession>.txt`` (an SGML header, then one ``<DOCUMENT>`` per file
  typed by ``<TYPE>``, the primary wrapped in ``<XBRL>``, graphics uuencoded).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

CIK = "0001318605"
CIK_NUMBER = str(int(CIK))
EASTERN = ZoneInfo("America/New_York")
STORAGE = "13.7 GWh"  # deployed, in every generated release unless told otherwise
STORAGE_SENTENCE = f"deployed {STORAGE} of energy storage products"
_ORDINALS = {1: "First", 2: "Second", 3: "Third", 4: "Fourth"}
ITEM_TITLES = {
    "1.01": "Entry into a Material Definitive Agreement",
    "2.02": "Results of Operations and Financial Condition",
    "5.02": "Departure of Directors or Certain Officers; Election of Directors; Appointment of "
    "Certain Officers: Compensatory Arrangements of Certain Officers",
    "5.07": "Submission of Matters to a Vote of Security Holders",
    "7.01": "Regulation FD Disclosure",
    "8.01": "Other Events",
    "9.01": "Financial Statements and Exhibits",
}


@dataclass(frozen=True)
class Agent:
    """A filer agent: its accession prefix and how it names the documents."""

    prefix: str
    primary: str  # the 8-K's own document, from the report date and the agent's job number
    exhibit: str  # the EX-99.1 document
    description: str  # the primary document's description on the index page


DFIN_LEGACY = Agent("0001564590", "tsla-8k_{day:%Y%m%d}.htm", "tsla-ex991_{job}.htm", "8-K")
DFIN = Agent("0000950170", "tsla-{day:%Y%m%d}.htm", "tsla-ex99_1.htm", "8-K")
WORKIVA = Agent("0001628280", "tsla-{day:%Y%m%d}.htm", "exhibit991.htm", "8-K")
TOPPAN = Agent(
    "0001104659", "tm{day:%y}{job:05d}d1_8k.htm", "tm{day:%y}{job:05d}d1_ex99-1.htm", "FORM 8-K"
)


def agent_for(filed: date) -> Agent:
    """The agent that filed Tesla's 8-Ks at that time (votes aside: Toppan Merrill)."""
    if filed < date(2023, 6, 1):
        return DFIN_LEGACY
    if filed < date(2024, 6, 1):
        return DFIN
    return WORKIVA


def release_items(filed: date) -> str:
    """The items of Tesla's release 8-Ks at that time."""
    if filed < date(2023, 1, 1):
        return "2.02,7.01,9.01"
    return "2.02,8.01,9.01" if filed < date(2023, 4, 1) else "2.02,9.01"


@dataclass
class Document:
    """One document of a filing: file name, EDGAR type (``EX-99.1``), description, bytes."""

    name: str
    type: str
    description: str
    content: bytes
    missing: bool = False  # listed in the filing's indexes but not served (404)
    data_file: bool = False  # in the index page's "Data Files" table (XBRL parts)


@dataclass
class Filing:
    """A filing as the submissions API and the archives show it."""

    accession: str
    form: str
    filing_date: date
    items: str
    documents: list[Document]
    accepted: datetime  # UTC, as acceptanceDateTime gives it
    report_date: date | None = None
    description: str = "8-K"  # primaryDocDescription
    old: bool = False  # listed in the extra submissions file instead of filings.recent
    unserved: set[str] = field(default_factory=set)  # generated files answered with 404

    @property
    def folder(self) -> str:
        return f"/Archives/edgar/data/{CIK_NUMBER}/{self.accession.replace('-', '')}"

    @property
    def acceptance(self) -> str:
        return self.accepted.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    @property
    def accepted_eastern(self) -> datetime:
        return self.accepted.astimezone(EASTERN)

    @property
    def primary(self) -> Document:
        return self.documents[0]

    def exhibit(self, kind: str = "EX-99.1") -> Document:
        return next(d for d in self.documents if d.type == kind)

    def path(self, name: str) -> str:
        return f"{self.folder}/{name}"

    @property
    def index_path(self) -> str:
        return self.path(f"{self.accession}-index.htm")

    @property
    def text_path(self) -> str:
        return self.path(f"{self.accession}.txt")


def accepted_at(filed: date, hour: int, minute: int = 5, second: int = 9) -> datetime:
    """A UTC acceptance time on ``filed``."""
    return datetime(filed.year, filed.month, filed.day, hour, minute, second, tzinfo=UTC)


# --- the documents ------------------------------------------------------------------------------


def cover_document(form: str, name: str, reported: date, items: str) -> bytes:
    """The 8-K's own document: inline XBRL (hidden header) and the cover page with the items."""
    stamp = f"{reported:%B} {reported.day}, {reported.year}"
    sections = "".join(
        f'<div style="margin-top:9pt"><span style="font-weight:700">Item {code}. '
        f"{html.escape(ITEM_TITLES.get(code, 'Other'))}</span></div>"
        for code in items.split(",")
        if code
    )
    body = (
        '<?xml version="1.0" ?><!--XBRL document created with the Workiva Platform-->'
        '<html xmlns:ix="http://www.xbrl.org/2013/inlineXBRL" xmlns="http://www.w3.org/1999/xhtml"'
        f' xml:lang="en-US"><head><title>{name.rsplit(".", 1)[0]}</title></head><body>'
        '<div style="display:none"><ix:header><ix:hidden><ix:nonNumeric name="dei:'
        f'EntityCentralIndexKey" contextRef="c-1">{CIK}</ix:nonNumeric></ix:hidden></ix:header>'
        '</div><div style="text-align:center"><span style="font-weight:700">UNITED STATES<br/>'
        "SECURITIES AND EXCHANGE COMMISSION</span></div>"
        f'<div style="text-align:center"><span style="font-weight:700">FORM {form}</span></div>'
        '<div style="text-align:center"><span>CURRENT REPORT</span></div>'
        f"<div><span>Date of Report (Date of earliest event reported): {stamp}</span></div>"
        f"<div><span>Tesla, Inc.</span></div>{sections}</body></html>"
    )
    return body.encode("ascii")


def first_sentence_end(delivered: int, storage: str | None) -> str:
    """How the release's first sentence goes on after "we produced N vehicles"."""
    if storage is None:
        return f" and delivered {delivered:,} vehicles."
    return f", delivered {delivered:,} vehicles and deployed {storage} of energy storage products."


def _figures(
    quarter: str, filed: date, lines, produced: int, delivered: int, storage: str | None
) -> str:
    year, number = int(quarter[:4]), int(quarter[-1])
    ordinal = _ORDINALS[number]
    rows = "".join(
        f'<tr><td style="padding:2pt"><span>{html.escape(name)}</span></td>'
        f'<td style="text-align:right"><span>{made:,}</span></td>'
        f'<td style="text-align:right"><span>{handed:,}</span></td></tr>'
        for name, made, handed in lines
    )
    return (
        f'<div style="text-align:justify"><span>AUSTIN, Texas, {filed:%B} {filed.day}, '
        f"{filed.year} &#8211; In the {ordinal.lower()} quarter, we produced {produced:,} "
        f"vehicles{first_sentence_end(delivered, storage)}</span></div>"
        '<div><table style="border-collapse:collapse;width:80%"><tr><td><span>&#160;</span></td>'
        '<td style="text-align:right"><span style="font-weight:700">Production</span></td>'
        '<td style="text-align:right"><span style="font-weight:700">Deliveries</span></td></tr>'
        f'{rows}<tr><td><span style="font-weight:700">Total</span></td>'
        f'<td style="text-align:right"><span style="font-weight:700">{produced:,}</span></td>'
        f'<td style="text-align:right"><span style="font-weight:700">{delivered:,}</span></td>'
        "</tr></table></div>"
        f'<div style="text-align:justify"><span>Tesla will post its financial results for the '
        f"{ordinal.lower()} quarter of {year} after market close later this month.</span></div>"
    )


def release_exhibit(
    quarter: str,
    filed: date,
    lines: list[tuple[str, int, int]],
    totals: tuple[int, int] | None = None,
    *,
    figures: str | None = None,
    storage: str | None = STORAGE,
) -> bytes:
    """An EX-99.1 production & deliveries release as Workiva files it: ASCII with numeric
    entities, the whole document on a few very long lines.

    ``lines`` are (model line, produced, delivered); ``totals`` defaults to their sums (pass
    others for a release whose figures do not add up); ``figures`` replaces the dateline
    paragraph and the table (a release whose layout changed); ``storage`` is the energy storage
    deployed in its first sentence (None: a release without it, as before 2024).
    """
    year, number = int(quarter[:4]), int(quarter[-1])
    produced, delivered = totals or (sum(p for _, p, _ in lines), sum(d for _, _, d in lines))
    title = f"Tesla {_ORDINALS[number]} Quarter {year} Production, Deliveries &amp; Deployments"
    body = (
        figures
        if figures is not None
        else _figures(quarter, filed, lines, produced, delivered, storage)
    )
    page = (
        "<html><head>\n<!-- Document created using Wdesk -->\n<!-- Copyright 2026 Workiva -->\n"
        "<title>Document</title></head><body>"
        '<div style="text-align:right"><span style="font-weight:700">Exhibit 99.1</span></div>'
        '<div style="text-align:center"><span style="font-size:14pt;font-weight:700">'
        f"{title}</span></div>{body}"
        '<div style="text-align:justify"><span style="font-style:italic">Forward-Looking '
        "Statements: statements in this release about future events are forward-looking and "
        "subject to risks described in Tesla&#8217;s filings with the SEC.</span></div>"
        "</body></html>\n"
    )
    return page.encode("ascii")


def update_letter(quarter: str, history: list[tuple[str, int, int]]) -> bytes:
    """The EX-99.1 of an earnings 8-K: Tesla's quarterly Update letter. It opens with its
    highlights and a summary whose first sentence speaks of growth in vehicle deliveries, and
    has financial tables and an operational table of production and deliveries by quarter.

    ``history`` holds (quarter, produced, delivered) for the five quarters to ``quarter``.
    """
    number, year = int(quarter[-1]), quarter[:4]
    heads = "".join(f"<td><span>Q{q[-1]}-{q[:4]}</span></td>" for q, _, _ in history)

    def row(label: str, values: list[str]) -> str:
        cells = "".join(f'<td style="text-align:right"><span>{v}</span></td>' for v in values)
        return f"<tr><td><span>{label}</span></td>{cells}</tr>"

    produced = [f"{p:,}" for _, p, _ in history]
    delivered = [f"{d:,}" for _, _, d in history]
    page = (
        "<html><head><title>Document</title></head><body>"
        f'<div style="text-align:center"><img src="tsla-q{number}{year}update001.jpg" '
        'alt="" style="width:100%"/></div>'  # the cover, with its title, is a picture
        "<div><span>HIGHLIGHTS</span></div><div><span>Profitability</span></div>"
        f"<div><span>$1.9B GAAP operating income in Q{number}</span></div>"
        f"<div><span>$1.6B GAAP net income in Q{number}</span></div><div><span>Cash</span>"
        f"</div><div><span>Operating cash flow of $4.1B in Q{number}</span></div>"
        f"<div><span>Free cash flow of $1.8B in Q{number}</span></div>"
        "<div><span>Operations</span></div><div><span>Record energy storage deployments of "
        "12.5 GWh</span></div><div><span>More than three million miles a day driven with our "
        "driver assistance software</span></div><div><span>SUMMARY</span></div><div><span>"
        f"We closed Q{number} with growth in vehicle deliveries over the previous quarter, "
        "helped by new trims of our best-selling models, and a record gross margin in our "
        "energy business. Costs per vehicle came down again as our factories ran closer to "
        "their capacity.</span></div>"
        "<div><span>FINANCIAL SUMMARY (Unaudited)</span></div><div><table>"
        f"<tr><td><span>($ in millions, except percentages)</span></td>{heads}</tr>"
        + row("Total automotive revenues", ["19,798", "13,967", "16,661", "21,205", "20,334"])
        + row("Total revenues", ["25,707", "19,335", "22,496", "28,095", "26,918"])
        + row("Income from operations", ["1,583", "399", "923", "1,624", "1,905"])
        + "</table></div><div><span>OPERATIONAL SUMMARY (Unaudited)</span></div><div><table>"
        f"<tr><td><span>&#160;</span></td>{heads}</tr>"
        + row("Total production", produced)
        + row("Total deliveries", delivered)
        + row("Global vehicle inventory (days of supply)", ["12", "31", "24", "10", "18"])
        + "</table></div><div><span>OUTLOOK</span></div><div><span>We plan to grow our vehicle "
        "and energy businesses and will share more on our next call.</span></div>"
        "</body></html>\n"
    )
    return page.encode("ascii")


def image_only_exhibit(name: str) -> bytes:
    """An EX-99.1 that is only pictures of its pages (no text at all), as some filers send."""
    stem = name.rsplit(".", 1)[0]
    return (
        f"<HTML>\n<HEAD><!-- Document generated by Workiva Inc -->\n<TITLE>{stem}</TITLE>\n"
        f'</HEAD>\n<BODY bgcolor="white">\n<DIV align="center">\n<IMG src="{stem}001.jpg" '
        'width="1055" height="1365">\n</DIV>\n</BODY>\n</HTML>\n'
    ).encode("ascii")


GRAPHIC = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")  # a tiny JPEG


def data_files(stem: str) -> list[Document]:
    """The XBRL parts an inline-XBRL 8-K comes with (the index page's "Data Files")."""
    parts = [
        (".xsd", "EX-101.SCH", "XBRL TAXONOMY EXTENSION SCHEMA DOCUMENT"),
        ("_lab.xml", "EX-101.LAB", "XBRL TAXONOMY EXTENSION LABEL LINKBASE DOCUMENT"),
        ("_pre.xml", "EX-101.PRE", "XBRL TAXONOMY EXTENSION PRESENTATION LINKBASE DOCUMENT"),
        ("_htm.xml", "XML", "EXTRACTED XBRL INSTANCE DOCUMENT"),
    ]
    return [
        Document(f"{stem}{suffix}", kind, description, b'<?xml version="1.0"?><x/>\n', False, True)
        for suffix, kind, description in parts
    ]


def last_modified(filing: Filing, later: int = 0) -> str:
    """The HTTP date EDGAR gives a filing's files (its acceptance, plus ``later`` seconds)."""
    moment = filing.accepted + timedelta(seconds=later)
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")
