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

import binascii
import html
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

CIK = "0001318605"
CIK_NUMBER = str(int(CIK))
EASTERN = ZoneInfo("America/New_York")
STORAGE_SENTENCE = "deployed 13.7 GWh of energy storage products"  # in every generated release
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


def _figures(quarter: str, filed: date, lines, produced: int, delivered: int) -> str:
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
        f"vehicles, delivered {delivered:,} vehicles and {STORAGE_SENTENCE}.</span></div>"
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
) -> bytes:
    """An EX-99.1 production & deliveries release as Workiva files it: ASCII with numeric
    entities, the whole document on a few very long lines.

    ``lines`` are (model line, produced, delivered); ``totals`` defaults to their sums (pass
    others for a release whose figures do not add up); ``figures`` replaces the dateline
    paragraph and the table (a release whose layout changed).
    """
    year, number = int(quarter[:4]), int(quarter[-1])
    produced, delivered = totals or (sum(p for _, p, _ in lines), sum(d for _, _, d in lines))
    title = f"Tesla {_ORDINALS[number]} Quarter {year} Production, Deliveries &amp; Deployments"
    body = figures if figures is not None else _figures(quarter, filed, lines, produced, delivered)
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
        f'<div style="text-align:center"><span style="font-size:28pt">Q{number} {year} Update'
        "</span></div><div><span>HIGHLIGHTS</span></div><div><span>Profitability</span></div>"
        f"<div><span>$1.9B GAAP operating income in Q{number}</span></div>"
        f"<div><span>Operating cash flow of $4.1B in Q{number}</span></div>"
        "<div><span>Operations</span></div><div><span>Record energy storage deployments of "
        "12.5 GWh</span></div><div><span>SUMMARY</span></div><div><span>The quarter brought "
        "growth in vehicle deliveries over the previous quarter, helped by new trims of our "
        "best-selling models, and a record gross margin in our energy business. Costs per "
        "vehicle came down again as our factories ran closer to their capacity.</span></div>"
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


# --- the filing's indexes -----------------------------------------------------------------------


def _rows(filing: Filing, documents: list[Document]) -> str:
    rows = []
    for number, document in enumerate(documents):
        href = filing.path(document.name)
        link = f'<a href="{href}">{document.name}</a>'
        if document is filing.primary and filing.form == "8-K":
            link = f'<a href="/ix?doc={href}">{document.name}</a> &nbsp;&nbsp;'
            link += '<span style="color: green">iXBRL</span>'
        description = "" if document.type == "GRAPHIC" else html.escape(document.description)
        sequence = filing.documents.index(document) + 1
        rows.append(
            ('         <tr class="evenRow">\n' if number % 2 else "         <tr>\n")
            + f'            <td scope="row">{sequence}</td>\n'
            f'            <td scope="row">{description}</td>\n'
            f'            <td scope="row">{link}</td>\n'
            f'            <td scope="row">{document.type}</td>\n'
            f'            <td scope="row">{len(document.content)}</td>\n'
            "         </tr>\n"
        )
    return "".join(rows)


_TABLE = """<div class="formDiv">
   <div style="padding: 0px 0px 4px 0px; font-size: 12px; margin: 0px 2px 0px 5px; width: 100%; overflow:hidden">
      <p>{title}</p>
      <table class="tableFile" summary="{title}">
         <tr>
            <th scope="col" style="width: 5%;"><acronym title="Sequence Number">Seq</acronym></th>
            <th scope="col" style="width: 40%;">Description</th>
            <th scope="col" style="width: 20%;">Document</th>
            <th scope="col" style="width: 10%;">Type</th>
            <th scope="col">Size</th>
         </tr>
{rows}      </table>
   </div>
</div>
"""  # noqa: E501


def index_page(filing: Filing, full_text_size: int) -> bytes:
    """The filing's detail page, ``<accession>-index.htm``."""
    accepted = filing.accepted_eastern.strftime("%Y-%m-%d %H:%M:%S")
    modified = filing.accepted.strftime("%a, %d %b %Y %H:%M:%S GMT")
    items = "".join(
        f"Item {code}: {html.escape(ITEM_TITLES.get(code, 'Other'))}<br />"
        for code in filing.items.split(",")
        if code
    )
    grouping = (
        '      <div class="formGrouping">\n         <div class="infoHead">Items</div>\n'
        f'         <div class="info">{items}</div>\n      </div>\n'
        if items
        else ""
    )
    report = (filing.report_date or filing.filing_date).isoformat()
    formats = [d for d in filing.documents if not d.data_file]
    rows = _rows(filing, formats)
    text_row = "evenRow" if len(formats) % 2 else ""
    rows += (
        (f'         <tr class="{text_row}">\n' if text_row else "         <tr>\n")
        + '            <td scope="row">&nbsp;</td>\n'
        '            <td scope="row">Complete submission text file</td>\n'
        f'            <td scope="row"><a href="{filing.text_path}">{filing.accession}.txt</a>'
        "</td>\n"
        '            <td scope="row">&nbsp;</td>\n'
        f'            <td scope="row">{full_text_size}</td>\n         </tr>\n'
    )
    tables = _TABLE.format(title="Document Format Files", rows=rows)
    data = [d for d in filing.documents if d.data_file]
    if data:
        tables += _TABLE.format(title="Data Files", rows=_rows(filing, data))
    page = f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta http-equiv="Last-Modified" content="{modified}" />
<title>EDGAR Filing Documents for {filing.accession}</title>
</head>
<body style="margin: 0; font-size: 16px; ">
<div id="header" style="text-align: center;"><h1>Filing Detail</h1></div>
<div id="contentDiv">
<!-- START FILING DIV -->
<div class="formDiv">
   <div id="formHeader">
      <div id="formName">
         <strong>Form {filing.form}</strong> - Current report:
      </div>
      <div id="secNum">
         <strong><acronym title="Securities and Exchange Commission">SEC</acronym> Accession <acronym title="Number">No.</acronym></strong> {filing.accession}
      </div>
   </div>
   <div class="formContent">
      <div class="formGrouping">
         <div class="infoHead">Filing Date</div>
         <div class="info">{filing.filing_date.isoformat()}</div>
         <div class="infoHead">Accepted</div>
         <div class="info">{accepted}</div>
         <div class="infoHead">Documents</div>
         <div class="info">{len(formats)}</div>
      </div>
      <div class="formGrouping">
         <div class="infoHead">Period of Report</div>
         <div class="info">{report}</div>
      </div>
{grouping}      <div style="clear:both"></div>
<!-- END FILING DIV -->
   </div>
</div>
{tables}<!-- END DOCUMENT DIV -->
<div class="filerDiv">
<div class="companyInfo">
  <span class="companyName">Tesla, Inc. (Filer)
 <acronym title="Central Index Key">CIK</acronym>: <a href="/cgi-bin/browse-edgar?CIK={CIK}&amp;action=getcompany">{CIK} (see all company filings)</a></span>
</div>
</div>
</div>
</body>
</html>
"""  # noqa: E501
    return page.encode("utf-8")


def index_json(filing: Filing, full_text_size: int) -> bytes:
    """The folder listing ``index.json``: names, icon names as types, sizes as strings."""
    stamp = filing.accepted_eastern.strftime("%Y-%m-%d %H:%M:%S")
    generated = [
        (f"{filing.accession}-index-headers.html", "text.gif", ""),
        (f"{filing.accession}-index.html", "text.gif", ""),
        (f"{filing.accession}.txt", "text.gif", ""),
        (f"{filing.accession}-xbrl.zip", "compressed.gif", "4821"),
    ]
    documents = [
        (d.name, "image2.gif" if d.type == "GRAPHIC" else "text.gif", str(len(d.content)))
        for d in filing.documents
    ]
    viewer = [
        ("FilingSummary.xml", "text.gif", "1691"),
        ("Financial_Report.xlsx", "text.gif", "5817"),
        ("MetaLinks.json", "text.gif", "21572"),
        ("R1.htm", "text.gif", "42096"),
        ("report.css", "text.gif", "2767"),
        ("Show.js", "text.gif", "1085"),
    ]
    items = [
        {"last-modified": stamp, "name": name, "type": kind, "size": size}
        for name, kind, size in generated + documents + viewer
    ]
    listing = {
        "directory": {
            "item": items,
            "name": filing.folder,
            "parent-dir": f"/Archives/edgar/data/{CIK_NUMBER}",
        }
    }
    return json.dumps(listing, indent=2).encode()


def full_text(filing: Filing) -> bytes:
    """The complete submission text file, ``<accession>.txt``."""
    eastern = filing.accepted_eastern
    day = filing.filing_date.strftime("%Y%m%d")
    report = (filing.report_date or filing.filing_date).strftime("%Y%m%d")
    items = "".join(
        f"ITEM INFORMATION:\t\t{ITEM_TITLES.get(code, 'Other')}\n"
        for code in filing.items.split(",")
        if code
    )
    parts = [
        f"<SEC-DOCUMENT>{filing.accession}.txt : {day}\n"
        f"<SEC-HEADER>{filing.accession}.hdr.sgml : {day}\n"
        f"<ACCEPTANCE-DATETIME>{eastern:%Y%m%d%H%M%S}\n"
        f"ACCESSION NUMBER:\t\t{filing.accession}\n"
        f"CONFORMED SUBMISSION TYPE:\t{filing.form}\n"
        f"PUBLIC DOCUMENT COUNT:\t\t{len(filing.documents)}\n"
        f"CONFORMED PERIOD OF REPORT:\t{report}\n{items}"
        f"FILED AS OF DATE:\t\t{day}\nDATE AS OF CHANGE:\t\t{day}\n\nFILER:\n\n"
        "\tCOMPANY DATA:\t\n\t\tCOMPANY CONFORMED NAME:\t\t\tTesla, Inc.\n"
        f"\t\tCENTRAL INDEX KEY:\t\t\t{CIK}\n</SEC-HEADER>\n"
    ]
    for sequence, document in enumerate(filing.documents, start=1):
        described = "" if document.type == "GRAPHIC" else f"<DESCRIPTION>{document.description}\n"
        head = (
            f"<DOCUMENT>\n<TYPE>{document.type}\n<SEQUENCE>{sequence}\n"
            f"<FILENAME>{document.name}\n{described}<TEXT>\n"
        )
        if document.type == "GRAPHIC":
            content = document.content
            lines = [
                binascii.b2a_uu(content[i : i + 45]).decode() for i in range(0, len(content), 45)
            ]
            body = f"begin 644 {document.name}\n{''.join(lines)}`\nend\n"
        elif document is filing.primary or document.data_file:
            body = "<XBRL>\n" + document.content.decode("latin-1") + "\n</XBRL>\n"
        else:
            body = document.content.decode("latin-1")
        parts.append(f"{head}{body}</TEXT>\n</DOCUMENT>\n")
    parts.append("</SEC-DOCUMENT>\n")
    return "".join(parts).encode("latin-1")


def last_modified(filing: Filing, later: int = 0) -> str:
    """The HTTP date EDGAR gives a filing's files (its acceptance, plus ``later`` seconds)."""
    moment = filing.accepted + timedelta(seconds=later)
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")
