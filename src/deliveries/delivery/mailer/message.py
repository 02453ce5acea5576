"""The message: plain text, HTML with the main chart inline (``cid:``), and the PDF attached."""

from __future__ import annotations

import ast
import base64
import html
import io
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from ...analysis import metrics, series
from ...data import dataset
from ...errors import MailError
from ...files import display_path
from ...writing import narrative
from ...writing import wording as say
from .settings import Settings, reason

CHART_DISPLAY_WIDTH = 720  # CSS pixels in the HTML body; the PNG has twice as many for sharpness
PDF_TYPE = ("application", "pdf")


@dataclass(frozen=True)
class KeyFigure:
    """One line of the key figures: a label, the value as in the report, and a note."""

    label: str
    value: str
    note: str = ""


def key_figures(summary: metrics.QuarterSummary) -> list[KeyFigure]:
    """Produced, delivered (with growth), storage, goal, shortfall and its +-0.5% range, and the
    consensus, as the report writes them."""
    s = summary
    previous, year_ago = say.quarter_name(s.previous_quarter), say.quarter_name(s.year_ago_quarter)

    def growth(qoq: float | None, yoy: float | None) -> str:
        return f"{say.percent(qoq)} QoQ vs {previous}, {say.percent(yoy)} YoY vs {year_ago}"

    rows = [
        KeyFigure("Produced", say.count(s.produced), growth(s.produced_qoq, s.produced_yoy)),
        KeyFigure(
            "Delivered",
            say.count(s.delivered, s.delivered_approx),
            growth(s.delivered_qoq, s.delivered_yoy),
        ),
        _storage_figure(s, growth),
    ]
    if s.goal is None:
        goal = [KeyFigure("Deliveries goal", say.NOT_AVAILABLE, "no goal stated")]
        return rows + goal + consensus_figures(s)
    return rows + _goal_figures(s) + consensus_figures(s)


def _storage_figure(s: metrics.QuarterSummary, growth) -> KeyFigure:
    """The one storage line: the figure as stated and its growth, or that it is not in the data."""
    st = s.storage
    if st.mwh is None:
        return KeyFigure("Storage deployed", "not in the data")
    where = " (Update letter)" if st.stated_in == "update" else ""
    return KeyFigure(
        "Storage deployed", say.storage_amount(st.mwh, st.as_stated) + where, growth(st.qoq, st.yoy)
    )


def consensus_figures(summary: metrics.QuarterSummary) -> list[KeyFigure]:
    """The consensus (provider), delivered against it, and the spread, as the report writes them."""
    s = summary
    if s.consensus_count is None:
        return [KeyFigure("Analysts' consensus", say.NO_CONSENSUS)]
    figures = "figure" if s.consensus_count == 1 else "figures"
    spread = KeyFigure(
        "Consensus spread",
        say.consensus_spread(s.consensus_low, s.consensus_high),
        f"{s.consensus_count} {figures} reported",
    )
    if s.consensus is None:
        return [KeyFigure("Consensus", "ranges only"), spread]
    rows = [KeyFigure("Consensus", say.count(s.consensus), say.provider_name(s.consensus_provider))]
    if s.vs_consensus is not None:
        band = say.vs_consensus_range(s)
        note = f"{say.consensus_verb(s)} the consensus"
        note += f"; {say.PLUS_MINUS_HALF} range: {band}" if band else ""
        rows.append(KeyFigure("Delivered \u2212 consensus", say.vs_consensus_value(s), note))
    return rows + [spread]


def _goal_figures(s: metrics.QuarterSummary) -> list[KeyFigure]:
    """The goal, the shortfall (or beat) and its +-0.5% range, worded as the report words them."""
    word = say.shortfall_word(s)
    rows = [
        KeyFigure("Deliveries goal", say.count(s.goal)),
        KeyFigure(
            f"{word} (goal \u2212 delivered)",
            say.count(abs(s.shortfall), s.delivered_approx),
            f"{say.percent(abs(s.shortfall_fraction), signed=False)} of goal",
        ),
    ]
    band = say.shortfall_range(s)
    if band:
        note = "deliveries were announced as approximate"
        rows.append(KeyFigure(f"{word}, {say.PLUS_MINUS_HALF} range", band, note))
    return rows


def default_subject(summary: metrics.QuarterSummary) -> str:
    """``Tesla Q3 2019 production and deliveries: ~97,000 delivered, missed consensus (99,000)``.

    Without a headline consensus the subject ends at ``delivered``.
    """
    delivered = say.count(summary.delivered, summary.delivered_approx)
    quarter = say.quarter_name(summary.quarter)
    subject = f"Tesla {quarter} production and deliveries: {delivered} delivered"
    versus = say.consensus_subject(summary)
    return f"{subject}, {versus}" if versus else subject


def plain_body(summary: metrics.QuarterSummary, pdf_name: str) -> str:
    """The text/plain part: headline paragraph, key figures, where the full report is."""
    lines = [narrative.headline(summary), "", f"Key figures, {say.quarter_name(summary.quarter)}"]
    for row in key_figures(summary):
        note = f" ({row.note})" if row.note else ""
        lines.append(f"- {row.label}: {row.value}{note}")
    lines += ["", f"The full report is attached: {pdf_name}", "", *_footer(summary)]
    return "\n".join(lines) + "\n"


def html_body(summary: metrics.QuarterSummary, pdf_name: str, chart_cid: str, alt: str) -> str:
    """The text/html part: the same text, a key-figures table and the chart as ``cid:``."""
    e = html.escape
    quarter = e(say.quarter_name(summary.quarter))
    cell = 'style="padding:3px 12px 3px 0;border-bottom:1px solid #ddd;text-align:{}"'
    rows = "\n".join(
        f"<tr><th {cell.format('left')}>{e(r.label)}</th>"
        f"<td {cell.format('right')}>{e(r.value)}</td>"
        f'<td {cell.format("left")}><span style="color:#555">{e(r.note)}</span></td></tr>'
        for r in key_figures(summary)
    )
    footer = "<br>".join(e(line) for line in _footer(summary))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(default_subject(summary))}</title></head>
<body style="font-family:Helvetica,Arial,sans-serif;font-size:14px;color:#111;max-width:760px">
<p>{e(narrative.headline(summary))}</p>
<table style="border-collapse:collapse;margin:12px 0">
<caption style="text-align:left;font-weight:bold;padding-bottom:4px">Key figures, {quarter}
</caption>
{rows}
</table>
<p><img src="cid:{e(chart_cid)}" alt="{e(alt)}" width="{CHART_DISPLAY_WIDTH}"
 style="max-width:100%;height:auto"></p>
<p>The full report is attached: <b>{e(pdf_name)}</b></p>
<p style="color:#777;font-size:12px">{footer}</p>
</body></html>
"""


def _footer(summary: metrics.QuarterSummary) -> list[str]:
    released = f" of {summary.release_date}" if summary.release_date else ""
    return [
        "--",
        f"tesla-deliveries: figures from Tesla's production and deliveries release{released}"
        f" ({summary.source}).",
    ]


def chart_png(ds: dataset.Dataset, summary: metrics.QuarterSummary) -> tuple[bytes, str]:
    """The report's main chart as PNG bytes (twice the display width in pixels) and its title."""
    from ...pages import plots  # matplotlib: only for the chart
    from ...pages.elements import figure_title

    figure = plots.quarter_chart(series.quarterly_table(ds), summary)
    dpi = 2 * CHART_DISPLAY_WIDTH / figure.get_figwidth()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue(), figure_title(figure)


def chart_request(data_paths: Mapping[str, Path | None], quarter: str) -> tuple[str, str]:
    """Code and expression for ``KernelSession.ask`` that have a kernel, its libraries loaded,
    draw the quarter's chart from these tables; :func:`chart_from_answer` reads its answer."""
    tables = {name: str(path) if path else None for name, path in data_paths.items()}
    code = (
        "from deliveries.delivery.mailer.message import encoded_chart as _encoded_chart\n"
        f"_chart = _encoded_chart({tables!r}, {quarter!r})\n"
        "del _encoded_chart"
    )
    return code, "_chart"


def encoded_chart(data_paths: Mapping[str, str | None], quarter: str) -> tuple[str, str]:
    """:func:`chart_png` for the quarter, from these tables: the PNG as base64 text, and the
    title (both travel as the ``repr`` of this pair)."""
    ds = dataset.load(**data_paths)
    png, title = chart_png(ds, metrics.summarize(ds, quarter))
    return base64.b64encode(png).decode("ascii"), title


def chart_from_answer(text: str) -> tuple[bytes, str]:
    """The PNG bytes and title from the ``repr`` of :func:`encoded_chart`'s pair; ValueError
    when the text is not such a pair."""
    try:
        encoded, title = ast.literal_eval(text)
        png = base64.b64decode(encoded, validate=True)
    except (SyntaxError, TypeError, ValueError) as exc:  # binascii.Error is a ValueError
        raise ValueError(f"not a chart: {exc}") from None
    if not png.startswith(b"\x89PNG\r\n\x1a\n") or not isinstance(title, str):
        raise ValueError("not a PNG chart with a title")
    return png, title


def build_message(
    summary: metrics.QuarterSummary,
    chart: tuple[bytes, str],
    pdf: Path,
    to: list[Address],
    cc: list[Address],
    settings: Settings,
    subject: str | None = None,
) -> EmailMessage:
    """The whole message: text, HTML with the inline chart, and the PDF attached."""
    pdf_bytes = read_pdf(pdf)
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = settings.sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject or default_subject(summary)
    message["Date"] = formatdate(localtime=True)
    domain = settings.sender.domain or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(plain_body(summary, pdf.name))
    png, title = chart
    cid = make_msgid(domain=domain)
    message.add_alternative(html_body(summary, pdf.name, cid[1:-1], title), subtype="html")
    html_part = message.get_payload()[1]
    html_part.add_related(
        png, "image", "png", cid=cid, disposition="inline", filename="production-vs-deliveries.png"
    )
    message.add_attachment(pdf_bytes, *PDF_TYPE, filename=pdf.name)
    return message


def read_pdf(path: Path) -> bytes:
    """The report's PDF bytes; a missing, unreadable or non-PDF file is a MailError."""
    shown = display_path(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise MailError(f"the report {shown} does not exist; render it with make report") from None
    except OSError as exc:
        raise MailError(f"cannot read the report {shown}: {reason(exc)}") from None
    if not data.startswith(b"%PDF-"):
        raise MailError(f"{shown} is not a PDF file; render it again with make report")
    return data


def attachments(message: EmailMessage) -> list[tuple[str, str, int]]:
    """(file name, content type, decoded size in bytes) of every attached or inline file."""
    return [
        (part.get_filename() or "", part.get_content_type(), len(part.get_content()))
        for part in message.walk()
        if part.get_filename()
    ]
