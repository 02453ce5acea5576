"""Interactive exploration in a notebook: pick a quarter, a goal and a consensus, see the report's
blocks; the consensus figures of a quarter side by side.

:func:`quarter_sections` is pure (data in, HTML blocks out) so it can be tested without a
browser; :func:`quarter_explorer` wires it to ipywidgets for ``notebooks/explore.ipynb``.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from ..analysis import metrics, series
from ..data.dataset import Dataset
from ..data.goals import derived_goal
from ..errors import DeliveriesError
from ..writing import wording
from . import plots, quarterly
from .elements import Html, chart

STATED_GOAL = 0  # the goal box's value meaning "the goal stated for the quarter"
MAX_GOAL = 10_000_000


def quarter_sections(
    dataset: Dataset, quarter: str, goal: int | None = None, consensus: int | None = None
) -> list[Html]:
    """The headline, KPI table and production-vs-deliveries chart of ``quarter``, as in the report.

    ``goal`` None (or 0) measures against the stated goal, like ``make report`` without ``GOAL``;
    ``consensus`` None (or 0) against the headline consensus, like ``make report`` without
    ``CONSENSUS``.
    """
    summary = metrics.summarize(dataset, quarter, goal=goal or None, consensus=consensus or None)
    table = series.quarterly_table(dataset)
    figure = plots.quarter_chart(table, summary)
    return [
        quarterly.headline_block(summary),
        quarterly.kpi_table(summary, dataset),
        chart(figure),
    ]


CONSENSUS_FIGURE_COLUMNS = [
    "headline",
    "provider",
    "statistic",
    "deliveries",
    "low",
    "high",
    "approx",
    "analysts",
    "when",
    "provider_as_reported",
    "row",
    "url",
]


def consensus_figures(dataset: Dataset, quarter: str, consensus: int | None = None) -> pd.DataFrame:
    """Every consensus figure of ``quarter`` side by side, in file order.

    ``headline`` marks the figure the report compares deliveries with; ``when`` is in words
    (``reported with the release``); ``deliveries`` is a mean or median, ``low``/``high`` a
    range. ``consensus`` (your own figure) comes first as provider ``given`` and is the headline.
    """
    summary = metrics.summarize(dataset, quarter, consensus=consensus or None)
    headline = summary.consensus_headline
    rows = []
    for figure in summary.consensus_figures:
        rows.append(
            {
                "headline": figure is headline,
                "provider": figure.provider,
                "statistic": figure.statistic,
                "deliveries": figure.value,
                "low": figure.low,
                "high": figure.high,
                "approx": figure.approx,
                "analysts": figure.analysts,
                "when": wording.when_words(figure.when),
                "provider_as_reported": figure.provider_as_reported,
                "row": figure.row,
                "url": figure.url,
            }
        )
    frame = pd.DataFrame(rows, columns=CONSENSUS_FIGURE_COLUMNS)
    counts = {c: "Int64" for c in ("deliveries", "low", "high", "analysts", "row")}
    return frame.astype(counts)


def goal_results(dataset: Dataset) -> pd.DataFrame:
    """Every quarter with a stated deliveries goal: goal, delivered, shortfall and whether met.

    Shortfall is goal - delivered (negative when beaten); ``approx`` marks deliveries that Tesla
    gave as approximate (within 0.5%); ``goal_basis`` is "stated", or the growth statement the
    goal was derived from.
    """
    summaries = [metrics.summarize(dataset, quarter) for quarter in dataset.quarters]
    rows = [
        {
            "quarter": s.quarter,
            "goal": s.goal,
            "delivered": s.delivered,
            "approx": s.delivered_approx,
            "shortfall": s.shortfall,
            "met": s.shortfall <= 0,
            "goal_basis": goal_basis(dataset, s.goal_row),
        }
        for s in summaries
        if s.goal is not None
    ]
    columns = ["quarter", "goal", "delivered", "approx", "shortfall", "met", "goal_basis"]
    return pd.DataFrame(rows, columns=columns).set_index("quarter")


def goal_basis(dataset: Dataset, goal_row: int | None) -> str:
    """``stated`` for a unit count Tesla gave; ``derived from 50% growth`` for a derived goal."""
    derived = derived_goal(dataset.goals, goal_row)
    return f"derived from {derived}" if derived else "stated"


def annual_results(dataset: Dataset) -> pd.DataFrame:
    """Each year against its annual goal (``annual_table``'s main columns) and the goal's basis."""
    annual = series.annual_table(dataset)
    columns = ["year", "goal", "goal_high", "goal_metric", "actual_for_goal", "met", "difference"]
    results = annual[columns].copy()
    results["goal_basis"] = [
        goal_basis(dataset, row) if not pd.isna(goal) else ""
        for row, goal in zip(annual["goal_row"], annual["goal"], strict=True)
    ]
    return results.set_index("year")


def quarter_explorer(dataset: Dataset, quarter: str | None = None, goal: int | None = None):
    """A widget box: a quarter dropdown, a goal box and a consensus box above the quarter's
    headline, KPIs and chart.

    ``quarter`` defaults to the latest in the data; a goal of 0 means the stated goal, a
    consensus of 0 the headline figure reported.
    """
    import ipywidgets as widgets
    from IPython.display import HTML, display

    quarter_picker = widgets.Dropdown(
        options=dataset.quarters,
        value=quarter or dataset.quarters[-1],
        description="Quarter",
    )
    goal_box = _vehicle_box(
        widgets, "Goal", goal, "Deliveries goal; 0 for the goal stated for the quarter"
    )
    consensus_box = _vehicle_box(
        widgets, "Consensus", None, "Your own consensus figure; 0 for the headline figure reported"
    )
    hint = widgets.HTML(
        "<small>0: the goal stated for the quarter (if any), the consensus reported</small>"
    )

    def show(quarter: str, goal: int, consensus: int) -> None:
        try:
            blocks = quarter_sections(dataset, quarter, goal, consensus)
        except DeliveriesError as exc:
            display(HTML(f"<p><b>error:</b> {escape(str(exc))}</p>"))
            return
        for block in blocks:
            display(block)

    controls = {"quarter": quarter_picker, "goal": goal_box, "consensus": consensus_box}
    output = widgets.interactive_output(show, controls)
    return widgets.VBox([widgets.HBox([quarter_picker, goal_box, consensus_box, hint]), output])


def _vehicle_box(widgets, description: str, value: int | None, tooltip: str):
    """A box for a number of vehicles; 0 (:data:`STATED_GOAL`) means the figure in the data."""
    return widgets.BoundedIntText(
        value=value or STATED_GOAL,
        min=0,
        max=MAX_GOAL,
        step=1000,
        description=description,
        tooltip=tooltip,
    )
