"""HTML blocks of the reports, built from a summary; the notebooks display them one per cell.

Every piece of text that comes from a data file (model names, sources, quotes) goes through
``html.escape``, so a ``<script>`` in a CSV cell shows as text and never runs.
"""

from __future__ import annotations

import base64
import io
from datetime import date
from html import escape

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from . import formatting as fmt
from . import metrics, narrative, quarters
from .dataset import Dataset, display_path

APPROX_NOTE = (
    "~ approximate: Tesla rounded these deliveries and said final numbers could vary by up to 0.5%."
)
NA_NOTE = "n/a: not available, because the earlier quarter or its figure is not in the data."


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


def _q(label: str | None) -> str:
    return quarters.display(quarters.parse_quarter(label)) if label else "n/a"


# From CJK radicals on, and emoji: scripts the report's fonts (DejaVu) do not cover. A glyph the
# font lacks makes WeasyPrint write a custom font encoding whose text PDF readers cannot extract.
FIRST_UNCOVERED = 0x2E80


def printable(text: str) -> str:
    """``text`` with characters the report's fonts lack written as ``[U+65E5]``."""
    return "".join(c if ord(c) < FIRST_UNCOVERED else f"[U+{ord(c):04X}]" for c in text)


def data_text(text: str | None) -> str:
    """Free text from a data file, ready for the report: printable and HTML-escaped."""
    return escape(printable(text or ""))


def _link(text: str, url: str | None) -> str:
    if url and url.startswith(("http://", "https://")):
        return f'<a href="{escape(url)}">{data_text(text)}</a>'
    return data_text(text)


def title_block(summary: metrics.QuarterSummary, rendered_on: date | None = None) -> Html:
    """Company, quarter, 'production and deliveries', release and render dates."""
    rendered_on = rendered_on or date.today()
    release = summary.release_date or "not recorded"
    return Html(
        '<header class="title-block">'
        '<p class="kicker">Tesla, Inc. &middot; quarterly production and deliveries</p>'
        f"<h1>{escape(_q(summary.quarter))}: production and deliveries</h1>"
        f'<p class="dates">Release of {escape(release)} &middot; rendered {rendered_on.isoformat()}'
        " from <code>data/</code></p></header>"
    )


def headline(summary: metrics.QuarterSummary) -> Html:
    """The generated headline paragraph."""
    return Html(f'<p class="headline">{escape(narrative.headline(summary))}</p>')


def _row(cells: list[str], header: bool = False, css: str = "") -> str:
    tag = "th" if header else "td"
    attr = f' class="{css}"' if css else ""
    first = "th" if not header else tag
    inner = "".join(
        f"<{first if i == 0 else tag}>{c}</{first if i == 0 else tag}>" for i, c in enumerate(cells)
    )
    return f"<tr{attr}>{inner}</tr>"


def column_widths(count: int, first: float = 30.0, widths: list[float] | None = None) -> str:
    """A ``<colgroup>`` giving each column a share of the width.

    Tables use ``table-layout: fixed`` (see report.css): the PDF engine then lays each cell out
    once instead of measuring every cell's content first, which halves the time to print a report.
    """
    if widths is None:
        rest = (100 - first) / max(count - 1, 1)
        widths = [first] + [rest] * (count - 1)
    return "<colgroup>" + "".join(f'<col style="width: {w:.1f}%">' for w in widths) + "</colgroup>"


def _table(
    caption: str,
    header: list[str],
    rows: list[str],
    notes: list[str],
    css: str = "",
    widths: list[float] | None = None,
    first: float = 30.0,
) -> Html:
    foot = "".join(f'<p class="note">{escape(n)}</p>' for n in notes)
    return Html(
        f'<figure class="table {css}"><table><caption>{escape(caption)}</caption>'
        f"{column_widths(len(header), first, widths)}"
        f"<thead>{_row([escape(h) for h in header], header=True)}</thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{foot}</figure>"
    )


def kpi_table(summary: metrics.QuarterSummary) -> Html:
    """The quarter against the quarter before and the year before, plus goal and records."""
    s = summary
    header = [
        "",
        _q(s.quarter),
        _q(s.previous_quarter),
        "Change QoQ",
        _q(s.year_ago_quarter),
        "Change YoY",
    ]
    rows = [
        _row(
            [
                "Produced",
                fmt.count(s.produced),
                fmt.count(s.produced_previous),
                fmt.percent(s.produced_qoq),
                fmt.count(s.produced_year_ago),
                fmt.percent(s.produced_yoy),
            ]
        ),
        _row(
            [
                "Delivered",
                fmt.count(s.delivered, s.delivered_approx),
                fmt.count(s.delivered_previous, s.previous_approx),
                fmt.percent(s.delivered_qoq),
                fmt.count(s.delivered_year_ago, s.year_ago_approx),
                fmt.percent(s.delivered_yoy),
            ]
        ),
        _row(
            [
                "Gap (produced \u2212 delivered)",
                fmt.count(s.gap, signed=True),
                fmt.count(metrics.gap(s.produced_previous, s.delivered_previous), signed=True),
                "",
                fmt.count(metrics.gap(s.produced_year_ago, s.delivered_year_ago), signed=True),
                "",
            ]
        ),
    ]
    if s.goal is not None:
        rows.append(_row(["Deliveries goal", fmt.count(s.goal), "", "", "", ""], css="goal"))
        word = "Shortfall" if s.shortfall >= 0 else "Beat by"
        rows.append(
            _row(
                [
                    f"{word} (goal \u2212 delivered)",
                    fmt.count(abs(s.shortfall), s.delivered_approx)
                    + f" ({fmt.percent(abs(s.shortfall_fraction), signed=False)})",
                    "",
                    "",
                    "",
                    "",
                ],
                css="goal",
            )
        )
        if s.shortfall_low != s.shortfall_high:
            ends = (
                sorted((s.shortfall_low, s.shortfall_high), key=abs)
                if s.shortfall < 0
                else (s.shortfall_low, s.shortfall_high)
            )
            rows.append(
                _row(
                    [
                        f"{word}, \u00b10.5% range",
                        f"{fmt.count(abs(ends[0]))} to {fmt.count(abs(ends[1]))}"
                        if ends[0] * ends[1] > 0
                        else f"{fmt.count(ends[0], signed=True)} to "
                        f"{fmt.count(ends[1], signed=True)}",
                        "",
                        "",
                        "",
                        "",
                    ],
                    css="goal",
                )
            )
    rows.append(
        _row(
            [
                f"Cumulative gap since {_q(s.cumulative_gap_from)}"
                if s.cumulative_gap_from
                else "Cumulative gap",
                fmt.count(s.cumulative_gap, signed=True),
                "",
                "",
                "",
                "",
            ]
        )
    )
    notes = []
    if s.delivered_approx or s.previous_approx or s.year_ago_approx:
        notes.append(APPROX_NOTE)
    if fmt.NOT_AVAILABLE in "".join(rows):
        notes.append(NA_NOTE)
    notes.append("Growth uses figures as first announced (see 'Vintage of the figures').")
    widths = [27, 18, 13.75, 13.75, 13.75, 13.75]
    return _table(f"Key figures, {_q(s.quarter)}", header, rows, notes, "kpi", widths)


def model_table(summary: metrics.QuarterSummary) -> Html:
    """Per model line as the release grouped it, with a Total row."""
    s = summary
    header = [
        "Model line",
        "Produced",
        "Delivered",
        "Gap",
        "Share of deliveries",
        "Subject to lease",
        "Est. leased units",
    ]
    rows = []
    for m in s.models:
        share = "" if m.delivered_share_pct is None else f"{m.delivered_share_pct:.1f}%"
        rows.append(
            _row(
                [
                    data_text(m.model_line),
                    fmt.count(m.produced),
                    fmt.count(m.delivered, s.delivered_approx),
                    fmt.count(m.gap, signed=True),
                    share or fmt.NOT_AVAILABLE,
                    fmt.plain_percent(m.lease_pct),
                    fmt.count(m.leased_estimate),
                ]
            )
        )
    rows.append(
        _row(
            [
                "Total",
                fmt.count(s.produced),
                fmt.count(s.delivered, s.delivered_approx),
                fmt.count(s.gap, signed=True),
                "100.0%",
                fmt.plain_percent(s.lease_pct),
                fmt.count(s.leased_estimate),
            ],
            css="total",
        )
    )
    notes = [
        "Model lines as the release grouped them. Est. leased units = delivered \u00d7 the share "
        "subject to operating lease accounting, rounded; the total adds up the lines."
    ]
    if any(m.produced is None or m.delivered is None for m in s.models):
        notes.append("n/a: the release gave this line's figure only combined with another line.")
    if s.delivered_approx:
        notes.append(APPROX_NOTE)
    table = _table(
        f"{_q(s.quarter)} as the release grouped it", header, rows, notes, css="models", first=16
    )
    return section("By model line", table)


def year_to_date(summary: metrics.QuarterSummary) -> Html:
    """Year-to-date progress against the annual goal."""
    return Html(f'<p class="ytd">{escape(narrative.year_to_date_sentence(summary))}</p>')


def records(summary: metrics.QuarterSummary) -> Html:
    """Whether the quarter set production and delivery records, checked against every quarter."""
    items = []
    for noun, value, record, approx in (
        ("Production", summary.produced, summary.record_produced, False),
        ("Deliveries", summary.delivered, summary.record_delivered, summary.delivered_approx),
    ):
        items.append(f"<li>{escape(narrative.record_check(noun, value, record, approx))}</li>")
    return section("Records verified", f'<ul class="records">{"".join(items)}</ul>')


def vintage(summary: metrics.QuarterSummary) -> Html:
    """Which vintage each growth rate uses, and what the restated figures would give."""
    lines = narrative.vintage_notes(summary)
    items = "".join(f"<li>{data_text(t)}</li>" for t in lines)
    return section("Vintage of the figures", f'<ul class="vintage">{items}</ul>')


def figure_title(fig: Figure) -> str:
    """The figure's title: its suptitle, else the first axes' title (left or centre)."""
    if fig._suptitle is not None and fig._suptitle.get_text():
        return fig._suptitle.get_text()
    for ax in fig.axes:
        for loc in ("left", "center"):
            if ax.get_title(loc=loc):
                return ax.get_title(loc=loc)
    return "chart"


def chart(fig: Figure, description: str | None = None) -> Html:
    """A figure embedded as SVG (vector, text kept as text), with alt text."""
    buffer = io.StringIO()
    # Text stays text (small, selectable); a fixed hash salt makes ids, and so files, repeatable.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "tesla-deliveries"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    title = description or figure_title(fig)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return Html(
        f'<figure class="chart"><img src="data:image/svg+xml;base64,{data}" '
        f'alt="{escape(title)}"/></figure>'
    )


def methods(summary: metrics.QuarterSummary, dataset: Dataset) -> Html:
    """Definitions of every metric, the +-0.5% caveat, and each figure's source row."""
    definitions = [
        (
            "Produced, delivered",
            "Vehicles as first announced in Tesla's production and deliveries "
            "release for the quarter (the Total row of the release).",
        ),
        (
            "Change QoQ / YoY",
            "Growth on the quarter before / the same quarter a year before: "
            "current \u00f7 earlier \u2212 1. n/a when the earlier quarter or its figure is "
            "missing.",
        ),
        (
            "Gap",
            "Produced \u2212 delivered. Positive: more cars built than handed over (inventory "
            "or cars in transit grew); negative: inventory was drawn down.",
        ),
        (
            "Cumulative gap",
            "The sum of the quarterly gaps from the first quarter with both figures; "
            "a rough proxy for inventory built up since then.",
        ),
        (
            "Shortfall",
            "Goal \u2212 delivered, and as a percentage of the goal; negative when the "
            "goal was beaten.",
        ),
        (
            "\u00b10.5% band",
            "Tesla says its preliminary counts can move by up to 0.5%. For "
            "approximate deliveries the band is delivered \u00d7 0.995 to \u00d7 1.005, rounded, "
            "and the shortfall is given for both ends.",
        ),
        ("Record", "A figure strictly above every earlier quarter in the data."),
        (
            "Est. leased units",
            "Delivered \u00d7 the percentage the release says is subject to "
            "operating lease accounting, rounded.",
        ),
    ]
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in definitions)
    file = escape(display_path(dataset.paths["deliveries"]))
    used = [summary.quarter, summary.previous_quarter, summary.year_ago_quarter]
    rows = []
    for label in used:
        period = quarters.parse_quarter(label)
        if period not in dataset.totals.index:
            continue
        row = dataset.totals.loc[period]
        rows.append(
            _row(
                [
                    escape(_q(label)),
                    f"{file}, row {int(row['row'])}",
                    _link(row["source"] or "source not recorded", row["source_url"]),
                    data_text(row["verified"]),
                ]
            )
        )
    if summary.goal_row:
        goal_file = escape(display_path(dataset.paths["goals"]))
        rows.append(
            _row(
                [
                    "Goal",
                    f"{goal_file}, row {summary.goal_row}",
                    data_text(summary.goal_description),
                    data_text(summary.goal_source),
                ]
            )
        )
    elif summary.goal is not None:
        rows.append(_row(["Goal", "report parameter", "given on the command line", ""]))
    ytd = summary.year_to_date
    if ytd.goal_row:
        goal_file = escape(display_path(dataset.paths["goals"]))
        goal_row = dataset.goals[dataset.goals["row"] == ytd.goal_row].iloc[0]
        rows.append(
            _row(
                [
                    f"{ytd.year} goal",
                    f"{goal_file}, row {ytd.goal_row}",
                    data_text(ytd.goal_description),
                    data_text(goal_row["quote"]),
                ]
            )
        )
    sources = _table(
        "Where each figure comes from",
        ["Figures", "Data row", "Source", "Checked"],
        rows,
        ["Model-line figures come from the rows of the same quarter in the same file."],
        css="sources",
        widths=[11, 21, 30, 38],
    )
    return Html(
        f'<section class="methods"><div class="keep"><h2>Methods and sources</h2>'
        f"<dl>{items}</dl></div>{sources}</section>"
    )


def history_table(annual: pd.DataFrame) -> Html:
    """Annual totals against annual goals: met or missed, and by how much."""
    header = [
        "Year",
        "Produced",
        "Delivered",
        "Goal",
        "Measured on",
        "Actual",
        "Met?",
        "Difference",
    ]
    rows = []
    for r in annual.itertuples():
        goal = "" if pd.isna(r.goal) else f"{int(r.goal):,}"
        if goal and not pd.isna(r.goal_high):
            goal += f"\u2013{int(r.goal_high):,}"
        measure = (
            ""
            if not isinstance(r.goal_metric, str)
            else (f"{r.goal_metric}{'' if r.goal_scope == 'all' else ', ' + r.goal_scope}")
        )
        met = "" if r.met is None or pd.isna(r.met) else ("met" if r.met else "missed")
        if not r.complete:
            met = f"({r.quarters} of 4 quarters)"
        difference = "" if pd.isna(r.difference) else fmt.count(int(r.difference), signed=True)
        actual = "" if pd.isna(r.actual_for_goal) else fmt.count(int(r.actual_for_goal))
        produced = (
            "n/a" if r.produced is None or pd.isna(r.produced) else fmt.count(int(r.produced))
        )
        rows.append(
            _row(
                [
                    str(r.year),
                    produced,
                    fmt.count(int(r.delivered)),
                    goal or "none",
                    escape(measure),
                    actual,
                    met,
                    difference,
                ]
            )
        )
    notes = [
        "Goal: the latest goal or guidance stated for the year (the low end of a range). "
        "Difference: actual \u2212 goal's low end. Annual sums add first-announced quarterly "
        "figures, so they can differ slightly from Tesla's later annual totals.",
        "n/a: a quarter of the year has no production figure in the release (2016Q1).",
    ]
    widths = [7, 12, 12, 17, 15, 12, 10, 15]
    return _table("Annual totals against stated goals", header, rows, notes, "annual", widths)


def history_title(start: str, end: str, rendered_on: date | None = None) -> Html:
    """Title block of the history report."""
    rendered_on = rendered_on or date.today()
    return Html(
        '<header class="title-block">'
        '<p class="kicker">Tesla, Inc. &middot; quarterly production and deliveries</p>'
        f"<h1>History: {escape(_q(start))} to {escape(_q(end))}</h1>"
        f'<p class="dates">Rendered {rendered_on.isoformat()} from <code>data/</code></p></header>'
    )


def history_summary(view) -> Html:
    """A paragraph summing up the range: totals, peaks and the latest cumulative gap."""
    table = view.table
    delivered = table["delivered"].astype("Int64")
    peak = delivered.idxmax()
    produced = table["produced"].dropna()
    text = (
        f"From {_q(view.start)} to {_q(view.end)} Tesla delivered {int(delivered.sum()):,} "
        f"vehicles in {len(table)} quarters"
    )
    if not produced.empty:
        text += (
            f" and produced {int(produced.sum()):,} in the {len(produced)} quarters with a figure"
        )
    text += f". Deliveries peaked at {fmt.count(int(delivered.max()))} in {quarters.display(peak)}."
    cumulative = table["cumulative_gap"].dropna()
    if not cumulative.empty:
        text += (
            f" By {quarters.display(cumulative.index[-1])} production had exceeded "
            f"deliveries by {fmt.count(int(cumulative.iloc[-1]))} in total since the first "
            "quarter with both figures (an inventory proxy)."
        )
    return Html(f'<p class="headline">{escape(text)}</p>')


def quarters_table(table: pd.DataFrame) -> Html:
    """Every quarter: produced, delivered, growth and gap."""
    header = ["Quarter", "Produced", "Delivered", "QoQ", "YoY", "Gap", "Cumulative gap"]
    rows = []

    def value(x):
        return None if pd.isna(x) else x

    for period, r in table.iterrows():
        rows.append(
            _row(
                [
                    quarters.display(period),
                    fmt.count(value(r["produced"])),
                    fmt.count(value(r["delivered"]), bool(r["delivered_approx"])),
                    fmt.percent(value(r["delivered_qoq"])),
                    fmt.percent(value(r["delivered_yoy"])),
                    fmt.count(value(r["gap"]), signed=True),
                    fmt.count(value(r["cumulative_gap"]), signed=True),
                ]
            )
        )
    notes = ["QoQ and YoY: growth of deliveries. " + APPROX_NOTE, NA_NOTE]
    return _table("Every quarter as first announced", header, rows, notes, "quarters", first=16)
