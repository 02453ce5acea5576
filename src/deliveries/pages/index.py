"""``report/index.html``: a page linking every rendered report with its headline figures."""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

from .. import config
from ..analysis import metrics
from ..data.goals import derived_goal
from ..files import make_folder, write_atomically
from ..writing import templates
from ..writing import wording as say
from .elements import STYLESHEET, column_widths

COLUMN_WIDTHS = [8, 9, 8, 9, 7, 7, 8, 8, 8, 8, 10, 10]


def _links(paths: dict[str, Path], root: Path) -> str:
    links = [
        f'<a href="{escape(paths[ext].relative_to(root).as_posix())}">{ext.upper()}</a>'
        for ext in ("html", "pdf")
        if paths[ext].exists()
    ]
    return " &middot; ".join(links) or "not rendered"


def _quarter(summary: metrics.QuarterSummary, root: Path, derived: str | None) -> dict:
    """One row of the index: each figure as the reports write it."""
    s = summary
    return {
        "name": say.quarter_name(s.quarter),
        "released": s.release_date or say.NOT_AVAILABLE,
        "produced": say.count(s.produced),
        "delivered": say.count(s.delivered, s.delivered_approx),
        "qoq": say.percent(s.delivered_qoq),
        "yoy": say.percent(s.delivered_yoy),
        "storage": say.storage_amount(s.storage.mwh, s.storage.as_stated) if s.storage.mwh else "",
        "goal": say.goal_cell(s.goal, derived=derived) if s.goal else "",
        "shortfall": say.count(s.shortfall, signed=True) if s.goal else "",
        "vs_consensus": say.vs_consensus_cell(s.vs_consensus_fraction),
        "records": ", ".join(say.records_set(s)),
        "links": templates.markup(_links(config.quarter_paths(root, s.quarter), root)),
    }


def quarter_figures(dataset) -> list[metrics.QuarterSummary]:
    """Every quarter's figures, newest first: the slow part of the page, and independent of
    which reports exist (so it can be worked out while they render)."""
    return [metrics.summarize(dataset, q) for q in reversed(dataset.quarters)]


def build_index(
    dataset, out_root: Path, figures: list[metrics.QuarterSummary] | None = None
) -> str:
    """The index page's HTML (self-contained, no scripts), linking reports that exist.

    ``figures``: :func:`quarter_figures` of ``dataset`` when already worked out.
    """
    out_root = Path(out_root)
    summaries = figures if figures is not None else quarter_figures(dataset)
    derived = {s.quarter: derived_goal(dataset.goals, s.goal_row) for s in summaries}
    derived_names = {say.quarter_name(q): what for q, what in derived.items() if what}
    return templates.render(
        "reports_index.html.j2",
        css=templates.markup(STYLESHEET.read_text(encoding="utf-8")),
        today=date.today().isoformat(),
        count=len(dataset.quarters),
        first=dataset.quarters[0],
        last=dataset.quarters[-1],
        history_links=templates.markup(_links(config.history_paths(out_root), out_root)),
        quarters=[_quarter(s, out_root, derived[s.quarter]) for s in summaries],
        derived=say.derived_goal_note(derived_names) if derived_names else "",
        columns=templates.markup(column_widths(len(COLUMN_WIDTHS), widths=COLUMN_WIDTHS)),
    )


def write_index(
    dataset, out_root: Path, figures: list[metrics.QuarterSummary] | None = None
) -> Path:
    """Write ``<out_root>/index.html`` atomically and return its path (``figures``: see
    :func:`build_index`).

    ``out_root`` is created if its parent exists; an environment failure is an OutputError.
    """
    target = make_folder(out_root, parents=False) / "index.html"
    return write_atomically(target, build_index(dataset, Path(out_root), figures))
