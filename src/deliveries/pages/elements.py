"""The HTML elements every page is made of: sections, tables, charts and text from data files,
and where the page shell (the nbconvert template) and its stylesheet live.

Every piece of text that comes from a data file (model names, sources, quotes) goes through
:func:`data_text`, so a ``<script>`` in a CSV cell shows as text and never runs.
"""

from __future__ import annotations

import base64
import io
import re
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib is imported by the figures' own code: the index page needs none
    from matplotlib.figure import Figure

TEMPLATES = Path(__file__).parent / "templates"  # nbconvert's template folder: report/
STYLESHEET = TEMPLATES / "report" / "static" / "report.css"  # the reports' and the index's


class Html(str):
    """A string of HTML that Jupyter displays as HTML."""

    def _repr_html_(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer, cycle) -> None:
        # The plain-text form stored beside the HTML in the executed notebook: short, not a copy.
        printer.text(f"<HTML block, {len(self):,} characters>")


def section(title: str, body: str, keep_together: bool = True) -> Html:
    """A titled section; kept on one page when ``keep_together`` (else only with its start)."""
    css = "keep" if keep_together else ""
    return Html(f'<section class="{css}"><h2>{escape(title)}</h2>{body}</section>')


# From CJK radicals on, and emoji: scripts the report's fonts (DejaVu) do not cover. A glyph the
# font lacks makes WeasyPrint write a custom font encoding whose text PDF readers cannot extract.
FIRST_UNCOVERED = 0x2E80


def printable(text: str) -> str:
    """``text`` with characters the report's fonts lack written as ``[U+65E5]``."""
    return "".join(c if ord(c) < FIRST_UNCOVERED else f"[U+{ord(c):04X}]" for c in text)


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def data_text(text: str | None) -> str:
    """Free text from a data file, ready for the report: printable and HTML-escaped.

    Dates stay on one line on screen (a browser would break ``2019-04-03`` at a hyphen).
    """
    html = escape(printable(text or ""))
    return ISO_DATE.sub(lambda date: f'<span class="nowrap">{date.group(0)}</span>', html)


def file_name(path: str) -> str:
    """A file's path for a narrow table cell: escaped, with places to break after ``/`` and
    ``_``, so ``production_deliveries.csv`` wraps between its words, never inside one."""
    return re.sub(r"([/_])", r"\1<wbr>", escape(path))


def link(text: str, url: str | None) -> str:
    """``text`` linked to ``url`` when it is a web address, else plain (both escaped)."""
    if url and url.startswith(("http://", "https://")):
        return f'<a href="{escape(url)}">{data_text(text)}</a>'
    return data_text(text)


def row(cells: list[str], header: bool = False, css: str = "") -> str:
    """A table row of HTML cells; the first cell of a body row is a row header (``<th>``)."""
    tag = "th" if header else "td"
    attr = f' class="{css}"' if css else ""
    first = "th" if not header else tag
    inner = "".join(
        f"<{first if i == 0 else tag}>{c}</{first if i == 0 else tag}>" for i, c in enumerate(cells)
    )
    return f"<tr{attr}>{inner}</tr>"


def aside_row(label: str, value: str, aside: str = "", span: int = 4, css: str = "") -> str:
    """A row with a label, one value and a note (``aside``) across the ``span`` columns after it."""
    attr = f' class="{css}"' if css else ""
    return (
        f'<tr{attr}><th>{label}</th><td>{value}</td><td class="aside" colspan="{span}">{aside}'
        "</td></tr>"
    )


def column_widths(count: int, first: float = 30.0, widths: list[float] | None = None) -> str:
    """A ``<colgroup>`` giving each column a share of the width.

    Tables use ``table-layout: fixed`` (see report.css): the PDF engine then lays each cell out
    once instead of measuring every cell's content first, which halves the time to print a report.
    """
    if widths is None:
        rest = (100 - first) / max(count - 1, 1)
        widths = [first] + [rest] * (count - 1)
    return "<colgroup>" + "".join(f'<col style="width: {w:.1f}%">' for w in widths) + "</colgroup>"


def table(
    caption: str,
    header: list[str],
    rows: list[str],
    notes: list[str],
    css: str = "",
    widths: list[float] | None = None,
    first: float = 30.0,
) -> Html:
    """A captioned table with footnotes; the table scrolls sideways on a narrow screen."""
    foot = "".join(f'<p class="note">{escape(n)}</p>' for n in notes)
    return Html(
        f'<figure class="table {css}"><div class="scroll"><table><caption>{escape(caption)}'
        f"</caption>{column_widths(len(header), first, widths)}"
        f"<thead>{row([escape(h) for h in header], header=True)}</thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>{foot}</figure>"
    )


def figure_title(fig: Figure) -> str:
    """The figure's title: its suptitle, else the first axes' title (left or centre)."""
    if fig.get_suptitle():
        return fig.get_suptitle()
    for ax in fig.axes:
        for loc in ("left", "center"):
            if ax.get_title(loc=loc):
                return ax.get_title(loc=loc)
    return "chart"


_SVG_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_SVG_GROUP_TAG = re.compile(r"\s*(?:<g\b[^>]*>|</g>)")
_NAMING_GROUP = re.compile(r'\s*<g id="[^"]*"\s*/?>')


def slim_svg(svg: str) -> str:
    """matplotlib's SVG without its metadata block and without the groups that only name a part
    (``<g id="xtick_3">``): the drawing is the same, with about a third fewer elements, which
    the PDF engine draws one by one (a report prints ~25% faster)."""
    svg = _SVG_METADATA.sub("", svg)
    kept: list[bool] = []  # per open group: is its tag kept?

    def keep_or_drop(tag: re.Match) -> str:
        text = tag.group(0)
        if text.endswith("</g>"):
            return text if kept.pop() else ""
        keep = _NAMING_GROUP.fullmatch(text) is None
        if not text.endswith("/>"):  # an empty group opens nothing
            kept.append(keep)
        return text if keep else ""

    return _SVG_GROUP_TAG.sub(keep_or_drop, svg)


def chart(fig: Figure, description: str | None = None) -> Html:
    """A figure embedded as SVG (vector, text kept as text), with alt text."""
    import matplotlib

    buffer = io.StringIO()
    # Text stays text (small, selectable); a fixed hash salt makes ids, and so files, repeatable.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "tesla-deliveries"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = slim_svg(buffer.getvalue())
    title = description or figure_title(fig)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return Html(
        f'<figure class="chart"><img src="data:image/svg+xml;base64,{data}" '
        f'alt="{escape(title)}"/></figure>'
    )
