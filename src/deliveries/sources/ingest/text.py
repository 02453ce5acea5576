"""Reading a release and making plain text of it: the input, HTML, spaces and quotes, the title.

Copies come as text or HTML, from a file or standard input, in any of the usual encodings; a file
that is not text at all (a workbook, a PDF, an image) is refused in one line, never echoed.
"""

from __future__ import annotations

import itertools
import re
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

from ...errors import IngestError
from ...files import (
    SNIFF_BYTES,
    UTF16_MARKS,
    binary_kind,
    display_path,
    not_text_message,
    read_input,
)
from .dates import DATELINE, INLINE_DATELINE
from .vocabulary import ABBREVIATIONS, CONTINUING_WORDS

MAX_RELEASE_BYTES = 10 * 1024 * 1024
EXPECTED = "a text or HTML release"
_SAVE_AS = "save the release's text as .txt or .html"
_TEXT_CONTROLS = set("\t\n\r\f\v")


def read_release(source: str) -> tuple[str, str]:
    """The release text and the name to credit it to; ``-`` reads standard input.

    A file that is missing, empty, too large or not text (a workbook, a PDF...) is an IngestError
    of one line; binary content is never echoed.
    """
    if source == "-":
        where = "standard input"
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text stream without bytes underneath
            text = sys.stdin.read()
            _refuse_binary_text(text, where)
        else:
            raw = stream.read(MAX_RELEASE_BYTES + 1)
            if len(raw) > MAX_RELEASE_BYTES:
                raise IngestError(
                    f"{where}: more than {MAX_RELEASE_BYTES // 2**20} MB, too large for {EXPECTED}"
                )
            text = decode_release(raw, where)
        if not text.strip():
            raise IngestError("standard input is empty (expected the release's text)")
        _refuse_data_table(text, where)
        return text, "standard input"
    path = Path(source)
    where = display_path(path)
    raw = read_input(
        path,
        limit=MAX_RELEASE_BYTES,
        expected=EXPECTED,
        error=IngestError,
        advice=_SAVE_AS,
        accept_utf16=True,
    )
    text = decode_release(raw, where)
    if not text.strip():
        raise IngestError(f"{where}: file is empty (expected the release's text)")
    _refuse_data_table(text, where)
    return text, path.name


_CSV_HEADER = re.compile(r"[A-Za-z_][\w ]*(?:,[A-Za-z_][\w ]*){2,}")


def _refuse_data_table(text: str, where: str) -> None:
    """A CSV table (a header row of names, e.g. this project's own data file) is not a release."""
    first = text.lstrip("\ufeff").strip().splitlines()[0].strip()
    if _CSV_HEADER.fullmatch(first):
        raise IngestError(
            f"{where} is a CSV table (its first line is the header {first[:60]!r}), not a "
            f"press release; give ingest the release's text or HTML"
        )


def decode_release(raw: bytes, where: str) -> str:
    """The text of a release's bytes (UTF-8, UTF-16 with a BOM, Windows-1252 or Latin-1).

    Raises IngestError, naming what the bytes look like, when they are not text.
    """
    kind = binary_kind(raw[:SNIFF_BYTES])
    if kind is not None:
        raise IngestError(not_text_message(where, kind, EXPECTED, _SAVE_AS))
    text = decode_text(raw)
    _refuse_binary_text(text, where)
    return text


def decode_text(raw: bytes) -> str:
    """Bytes as text, unchecked: UTF-16 with a BOM, else UTF-8, Windows-1252, then Latin-1."""
    bom = raw.startswith(UTF16_MARKS)
    for encoding in ("utf-16",) if bom else ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")  # any bytes


def _refuse_binary_text(text: str, where: str) -> None:
    """IngestError when decoded text holds NUL or many control characters (binary content)."""
    sample = text[:SNIFF_BYTES]
    controls = sum(
        1 for ch in sample if ch not in _TEXT_CONTROLS and unicodedata.category(ch) == "Cc"
    )
    if "\x00" in sample or controls > max(2, len(sample) // 100):
        raise IngestError(not_text_message(where, "a binary file", EXPECTED, _SAVE_AS))


class _HtmlText(HTMLParser):
    """HTML to text: cells and lines on lines of their own, blocks as paragraphs."""

    BLOCKS = {
        "p",
        "div",
        "tr",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "title",
        "dl",
        "dt",
        "dd",
        "pre",
        "caption",
        "figure",
        "main",
        "nav",
        "aside",
    }
    LINES = {"td", "th", "br", "hr"}
    SKIPPED = {"script", "style", "noscript", "template"}
    HEADINGS = {"title", "h1", "h2"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.in_sup = False
        self.heading: str | None = None
        self.headings: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag == "sup":
            self.in_sup = True
        self._break(tag)
        if tag in self.HEADINGS:
            self.heading = tag
            self.headings.setdefault(tag, []).append("")

    def handle_startendtag(self, tag: str, attrs) -> None:
        self._break(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1
        elif tag == "sup":
            self.in_sup = False
        if tag == self.heading:
            self.heading = None
        self._break(tag)

    def _break(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag in self.LINES:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skipping or (self.in_sup and re.fullmatch(r"\s*[\d*†]+\s*", data)):
            return
        text = re.sub(r"\s+", " ", data)
        self.parts.append(text)
        if self.heading:
            self.headings[self.heading][-1] += text

    def title(self) -> str | None:
        """The release title: the first heading that names a production or delivery figure."""
        for tag in ("h1", "h2", "title"):
            for heading in self.headings.get(tag, []):
                heading = re.split(r"\s+[|–—]\s+", heading.strip())[0].strip()
                if _looks_like_title(heading):
                    return heading
        return None


def looks_like_html(text: str) -> bool:
    """True when the text has HTML markup (tags such as ``<p>``, ``<td>`` or ``<br>``)."""
    return (
        re.search(r"<(?:html|body|p|div|td|tr|table|br|span|h[1-6])\b[^>]*>", text, re.IGNORECASE)
        is not None
    )


def html_to_text(markup: str) -> tuple[str, str | None]:
    """Plain text of an HTML page (cells and lines on their own lines) and its title."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip(), parser.title()


_SPACES = dict.fromkeys(map(ord, "\u00a0\u2002\u2003\u2007\u2009\u200a\u202f\t"), " ")
_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u200b": None, "\ufeff": None}
)


def normalize(text: str) -> str:
    """Unify line ends, spaces and quotes; drop footnote marks such as ``Total(1)``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_SPACES).translate(_QUOTES)
    return re.sub(r"(?<=[\w%])\s?\(\d\)", "", text)


def mark_paragraphs(text: str) -> str:
    """A blank line after each line that ends a block (heading, date line, cell, sentence).

    Copies from SEC exhibits and web pages put each paragraph, heading and table cell on a line
    of its own, without blank lines between; a line wrapped mid-sentence stays joined.
    """
    lines = text.split("\n")
    marked = []
    for line, following in itertools.zip_longest(lines, lines[1:], fillvalue=""):
        marked.append(line)
        if following.strip() and _ends_block(line, following):
            marked.append("")
    return "\n".join(marked)


def _ends_block(line: str, following: str) -> bool:
    """True when ``line`` is a heading, a cell or ends a sentence, not a wrapped line."""
    bare = line.strip(" |*#>-\u2022")
    if not bare or bare[-1] in ",;:(&/-":
        return False
    last_word = re.search(r"([A-Za-z]+)\.?$", bare)
    if last_word and (
        last_word.group(1).lower() in CONTINUING_WORDS
        or last_word.group(1).lower() in ABBREVIATIONS
    ):
        return False
    if bare[-1] in ".!?":
        return True
    following = following.strip(" |*#>-\u2022")
    if not following or following[0].islower():
        return False
    if not re.search(r"[a-z]", bare) or _is_heading(bare):
        return True
    return (
        len(bare) <= 60
        and not bare[-1].isdigit()
        and re.match(r"(?i)(?:other\s+)?models?\b", following) is None
    )


def _is_heading(line: str) -> bool:
    """Title Case text such as "Tesla Q3 2019 Vehicle Production & Deliveries"."""
    words = re.findall(r"[A-Za-z]{4,}", line)
    capitalized = sum(word[0].isupper() for word in words)
    return bool(words) and capitalized >= 0.7 * len(words)


def _looks_like_title(line: str) -> bool:
    line = line.strip()
    return (
        5 < len(line) <= 200
        and re.search(r"tesla", line, re.IGNORECASE) is not None
        and re.search(r"produc|deliver|deploy", line, re.IGNORECASE) is not None
        and not re.search(r"newswire|business wire|^\W*exhibit", line, re.IGNORECASE)
        and DATELINE.match(line) is None
        and not line.endswith((".", ":"))
    )


def find_title(text: str) -> str | None:
    """The release title: an early short line naming Tesla and production or deliveries."""
    lines = [line.strip(" \t|#*_") for line in text.splitlines() if line.strip(" \t|#*_")]
    for line in lines[:10]:
        if _looks_like_title(line):
            return re.sub(r"\s+", " ", line)
    return None


def title_before_dateline(text: str) -> str | None:
    """The title run into a paragraph before its dateline: "...: Tesla Q3 2019 Vehicle Production
    & Deliveries PALO ALTO, Calif., October 2, 2019 - In the third quarter..." (copies on blogs).
    """
    for match in INLINE_DATELINE.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        before = re.split(r"[.:!?]\s+", text[line_start : match.start()])[-1].strip()
        before = re.sub(r"(?i)^exhibit\s+[\d.]+\s+", "", before)
        if _looks_like_title(before) and _is_heading(before):
            return re.sub(r"\s+", " ", before)
    return None
