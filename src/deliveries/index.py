"""``report/index.html``: a page linking every rendered report with its headline figures."""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

from . import atomic, metrics, quarters, render
from . import formatting as fmt
from .sections import column_widths
from .templates import STATIC

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Tesla production and deliveries: reports</title>
<style>{css}</style></head>
<body class="report"><main>
<header class="title-block"><p class="kicker">Tesla, Inc. &middot; quarterly production and
deliveries</p><h1>Reports</h1><p class="dates">Rendered {today} from <code>data/</code>:
{count} quarters, {first} to {last}.</p></header>
{history}
<figure class="table index-table"><table>
<caption>Every quarter, newest first</caption>{columns}
<thead><tr><th>Quarter</th><th>Released</th><th>Produced</th><th>Delivered</th>
<th>Deliveries QoQ</th><th>Deliveries YoY</th><th>Goal</th><th>Shortfall</th><th>Record</th>
<th>Report</th></tr></thead>
<tbody>{rows}</tbody></table>
<p class="note">~ approximate deliveries (final numbers could vary by up to 0.5%). n/a: the
earlier quarter or its figure is not in the data. Shortfall: goal &minus; delivered, negative
when the goal was beaten.</p></figure>
</main></body></html>
"""


def _links(paths: dict[str, Path], root: Path) -> str:
    links = [
        f'<a href="{escape(paths[ext].relative_to(root).as_posix())}">{ext.upper()}</a>'
        for ext in ("html", "pdf")
        if paths[ext].exists()
    ]
    return " &middot; ".join(links) or "not rendered"


def _row(summary: metrics.QuarterSummary, root: Path) -> str:
    s = summary
    records = [
        name
        for name, rec in (("production", s.record_produced), ("deliveries", s.record_delivered))
        if rec.is_record
    ]
    cells = [
        f"<th>{escape(quarters.display(quarters.parse_quarter(s.quarter)))}</th>",
        f"<td>{escape(s.release_date or 'n/a')}</td>",
        f"<td>{fmt.count(s.produced)}</td>",
        f"<td>{fmt.count(s.delivered, s.delivered_approx)}</td>",
        f"<td>{fmt.percent(s.delivered_qoq)}</td>",
        f"<td>{fmt.percent(s.delivered_yoy)}</td>",
        f"<td>{fmt.count(s.goal) if s.goal else ''}</td>",
        f"<td>{fmt.count(s.shortfall, signed=True) if s.goal else ''}</td>",
        f"<td>{escape(', '.join(records))}</td>",
        f"<td>{_links(render.quarter_paths(root, s.quarter), root)}</td>",
    ]
    return f"<tr>{''.join(cells)}</tr>"


def build_index(dataset, out_root: Path) -> str:
    """The index page's HTML (self-contained, no scripts), linking reports that exist."""
    out_root = Path(out_root)
    summaries = [metrics.summarize(dataset, q) for q in reversed(dataset.quarters)]
    history = render.history_paths(out_root)
    history_html = (
        f'<p class="headline">History of every quarter, with annual totals against '
        f"goals: {_links(history, out_root)}</p>"
    )
    return PAGE.format(
        css=(STATIC / "report.css").read_text(encoding="utf-8"),
        today=date.today().isoformat(),
        count=len(dataset.quarters),
        first=escape(dataset.quarters[0]),
        last=escape(dataset.quarters[-1]),
        history=history_html,
        rows="\n".join(_row(s, out_root) for s in summaries),
        columns=column_widths(10, widths=[9, 11, 10, 10, 10, 10, 9, 9, 11, 11]),
    )


def write_index(dataset, out_root: Path) -> Path:
    """Write ``<out_root>/index.html`` atomically and return its path.

    ``out_root`` is created if its parent exists; an environment failure is an OutputError.
    """
    target = atomic.make_folder(out_root, parents=False) / "index.html"
    return atomic.write_atomically(target, build_index(dataset, Path(out_root)))
