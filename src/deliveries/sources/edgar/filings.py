"""EDGAR's documents read into plain records: the submissions API and a filing's document lists.

- ``{data}/submissions/CIK##########.json``: the company's filings as column arrays under
  ``filings.recent`` (``accessionNumber``, ``filingDate``, ``form``, ``acceptanceDateTime``,
  ``items``, ``size``, ..., newest first), and ``filings.files`` naming extra documents
  (``CIK...-submissions-001.json``, with ``filingFrom`` / ``filingTo``) that hold the same
  columns (at their top level) for older filings.
- ``{archives}/Archives/edgar/data/<cik>/<accession without dashes>/<accession>-index.htm`` (or
  ``-index.html``): the filing's detail page, whose "Document Format Files" table types each
  document (``EX-99.1``) and ends with the "Complete submission text file" row.
- ``index.json`` in the same folder lists the folder's files (``directory.item[]`` with name,
  type, size, last-modified), but its ``type`` is an icon name (``text.gif``): a document's
  type can only be guessed from its name, which is certain for some agents' names and not for
  others (Workiva appends 1s: ``exhibit9911111.htm`` may be EX-99.1 or EX-99.11).
- ``<accession>.txt``, the complete submission: an SGML header, then each document as
  ``<DOCUMENT><TYPE>EX-99.1<SEQUENCE>2<FILENAME>...``: typed, but as large as the filing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from ...errors import FetchError

RELEASE_EXHIBIT = "EX-99.1"
WHOLE_TEXT_ROW = "complete submission text file"  # the last row of a whole index page's table
_COLUMNS = ("accessionNumber", "filingDate", "form")
# an exhibit 99 by its name: "tsla-ex991_6.htm", "tsla-ex99_1.htm", "exhibit991.htm", "ex99-1"
_EXHIBIT_99_NAME = re.compile(
    r"ex(?:hibit)?[-_.]?99[-_.]?(?P<number>\d+)[^/]*\.(?:htm|html|txt)$", re.IGNORECASE
)
_SGML_DOCUMENT = re.compile(
    rb"<DOCUMENT>\s*<TYPE>([^\r\n<]*)\s*<SEQUENCE>[^\r\n<]*\s*<FILENAME>([^\r\n<]*)"
    rb"(?:\s*<DESCRIPTION>([^\r\n<]*))?"
)


@dataclass(frozen=True)
class Filing:
    """One row of the submissions API."""

    accession: str
    form: str
    filing_date: date
    acceptance: str = ""
    report_date: str = ""
    items: str = ""
    primary_document: str = ""
    size: int = 0  # bytes of the whole filing (its complete submission text file)

    @property
    def folder_name(self) -> str:
        """The accession number without dashes: the filing's folder in the archives."""
        return self.accession.replace("-", "")


@dataclass(frozen=True)
class ExtraFile:
    """An entry of ``filings.files``: a document listing older filings."""

    name: str
    filing_from: date | None
    filing_to: date | None


@dataclass(frozen=True)
class IndexDocument:
    """A row of a filing index: the document's type (``EX-99.1``), name and URL."""

    type: str
    name: str
    url: str
    description: str = ""


@dataclass(frozen=True)
class DocumentList:
    """A filing's documents as one source lists them; ``whole`` when the source is typed and
    is known to list every document (so that "no EX-99.1" is a finding, not a gap)."""

    documents: list[IndexDocument]
    url: str
    whole: bool


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def filings_from_columns(columns: object, url: str) -> list[Filing]:
    """The rows of a submissions column block (``filings.recent`` or an extra file)."""
    if not isinstance(columns, dict) or not all(
        isinstance(columns.get(name), list) for name in _COLUMNS
    ):
        raise FetchError(
            f"GET {url}: not an EDGAR submissions document (no accessionNumber, filingDate and "
            "form columns)"
        )
    count = len(columns["accessionNumber"])
    if any(len(columns[name]) != count for name in _COLUMNS):
        raise FetchError(f"GET {url}: the submissions columns have different lengths")

    def column(name: str) -> list:
        values = columns.get(name)
        return values if isinstance(values, list) and len(values) == count else [""] * count

    filings = []
    for accession, filed, form, accepted, report, items, primary, size in zip(
        *(column(name) for name in _COLUMNS),
        column("acceptanceDateTime"),
        column("reportDate"),
        column("items"),
        column("primaryDocument"),
        column("size"),
        strict=True,
    ):
        filing_date = _date(filed)
        if filing_date is None or not isinstance(accession, str):
            raise FetchError(f"GET {url}: filing {accession!r} has no valid filingDate {filed!r}")
        filings.append(
            Filing(
                accession=accession,
                form=str(form),
                filing_date=filing_date,
                acceptance=str(accepted or ""),
                report_date=str(report or ""),
                items=str(items or ""),
                primary_document=str(primary or ""),
                size=size if isinstance(size, int) else 0,
            )
        )
    return filings


def read_submissions(document: object, url: str) -> tuple[list[Filing], list[ExtraFile]]:
    """The recent filings and the extra files of a submissions document."""
    filings = document.get("filings") if isinstance(document, dict) else None
    if not isinstance(filings, dict):
        raise FetchError(f"GET {url}: not an EDGAR submissions document (no 'filings')")
    recent = filings_from_columns(filings.get("recent"), url)
    extras = []
    for entry in filings.get("files") or []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            extras.append(
                ExtraFile(
                    entry["name"], _date(entry.get("filingFrom")), _date(entry.get("filingTo"))
                )
            )
    return recent, extras


def read_extra_file(document: object, url: str) -> list[Filing]:
    """The filings of an extra submissions file (columns at the top, or under filings.recent)."""
    if isinstance(document, dict) and "accessionNumber" not in document:
        nested = document.get("filings")
        if isinstance(nested, dict) and isinstance(nested.get("recent"), dict):
            document = nested["recent"]
    return filings_from_columns(document, url)


def newest_first(filings: list[Filing]) -> list[Filing]:
    """Filings sorted by filing date, then acceptance time, newest first."""
    return sorted(filings, key=lambda f: (f.filing_date, f.acceptance), reverse=True)


class _IndexTable(HTMLParser):
    """The rows of the ``tableFile`` tables in a filing's ``-index.htm`` page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[list[str], str | None]] = []
        self.headers: list[str] = []
        self._in_table = 0
        self._cells: list[str] | None = None
        self._cell: list[str] | None = None
        self._href: str | None = None
        self._header_row = False

    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = dict(attrs)
        if tag == "table":
            classes = (attributes.get("class") or "").split()
            self._in_table += 1 if "tableFile" in classes or self._in_table else 0
        elif not self._in_table:
            return
        elif tag == "tr":
            self._cells, self._href, self._header_row = [], None, False
        elif tag in ("td", "th") and self._cells is not None:
            self._cell = []
            self._header_row = self._header_row or tag == "th"
        elif tag == "a" and self._cell is not None and self._href is None:
            self._href = attributes.get("href")

    def handle_endtag(self, tag: str) -> None:
        if not self._in_table:
            return
        if tag == "table":
            self._in_table -= 1
        elif tag in ("td", "th") and self._cell is not None and self._cells is not None:
            self._cells.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._cells is not None:
            if self._header_row:
                self.headers = [cell.lower() for cell in self._cells]
            elif self._cells:
                self.rows.append((self._cells, self._href))
            self._cells = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _document_url(href: str, page_url: str) -> str:
    href = href.strip()
    if href.startswith("/ix?doc="):  # inline XBRL viewer link: the document itself follows
        href = href[len("/ix?doc=") :]
    return urljoin(page_url, href)


def read_index_page(html: str, url: str) -> DocumentList:
    """The documents listed on a filing's ``-index.htm`` page (whole when its table ends with
    the complete submission text file, as every page EDGAR generates does)."""
    parser = _IndexTable()
    parser.feed(html)
    parser.close()
    headers = parser.headers or ["seq", "description", "document", "type", "size"]
    if "type" not in headers or "document" not in headers:
        raise FetchError(f"GET {url}: not an EDGAR filing index (no Document and Type columns)")
    type_at, document_at = headers.index("type"), headers.index("document")
    description_at = headers.index("description") if "description" in headers else None
    documents = []
    for cells, href in parser.rows:
        if len(cells) <= max(type_at, document_at) or not href:
            continue
        description = cells[description_at] if description_at is not None else ""
        documents.append(
            IndexDocument(
                type=cells[type_at].upper(),
                name=cells[document_at].split()[0] if cells[document_at] else "",
                url=_document_url(href, url),
                description=description,
            )
        )
    if not documents and "tableFile" not in html:
        raise FetchError(f"GET {url}: not an EDGAR filing index (no document table)")
    whole = any(d.description.lower() == WHOLE_TEXT_ROW for d in documents)
    return DocumentList(documents, url, whole)


def exhibit_99_1_by_name(name: str) -> bool | None:
    """Whether a file name says EX-99.1: True (``exhibit991.htm``, ``tsla-ex99_1.htm``), None
    when it cannot tell (``exhibit9911111.htm``: Workiva's appended 1s, or EX-99.11), False."""
    match = _EXHIBIT_99_NAME.search(name)
    if match is None:
        return False
    number = match.group("number").lstrip("0")
    if number == "1":
        return True
    return None if set(number) == {"1"} else False


def read_index_json(document: object, url: str) -> tuple[list[IndexDocument], list[str]]:
    """From a folder's ``index.json``: the files certainly named as an EX-99.1, and the names
    that may be one (their type is not given: only a name can say)."""
    directory = document.get("directory") if isinstance(document, dict) else None
    items = directory.get("item") if isinstance(directory, dict) else None
    if not isinstance(items, list):
        raise FetchError(f"GET {url}: not an EDGAR folder listing (no directory.item)")
    folder = url.rsplit("/", 1)[0] + "/"
    certain, maybe = [], []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str):
            continue
        says = exhibit_99_1_by_name(name)
        if says:
            certain.append(IndexDocument(RELEASE_EXHIBIT, name, urljoin(folder, name)))
        elif says is None:
            maybe.append(name)
    return certain, maybe


def read_full_submission(body: bytes, url: str) -> DocumentList:
    """The typed documents of a complete submission text file (``<accession>.txt``); whole when
    it ends with ``</SEC-DOCUMENT>``."""
    if b"<SEC-DOCUMENT>" not in body[:200]:
        raise FetchError(f"GET {url}: not an EDGAR submission text file (no <SEC-DOCUMENT>)")
    folder = url.rsplit("/", 1)[0] + "/"
    documents = [
        IndexDocument(
            kind.decode("latin-1").strip().upper(),
            name.decode("latin-1").strip(),
            urljoin(folder, name.decode("latin-1").strip()),
            (description or b"").decode("latin-1").strip(),
        )
        for kind, name, description in _SGML_DOCUMENT.findall(body)
    ]
    return DocumentList(documents, url, body.rstrip().endswith(b"</SEC-DOCUMENT>"))


def release_exhibit(documents: list[IndexDocument]) -> IndexDocument | None:
    """The filing's EX-99.1 document (an HTML or text one), if it has one."""
    for document in documents:
        kind = document.type.replace(" ", "")
        if kind in (RELEASE_EXHIBIT, "EX-99.01") and urlsplit(document.url).path.lower().endswith(
            (".htm", ".html", ".txt")
        ):
            return document
    return None
