"""Write the notebooks in notebooks/ from the cell lists below (outputs stripped).

The .ipynb files are the source of truth once written; this script documents their structure
and lets a maintainer regenerate them consistently. Run: python tools/make_notebooks.py
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def code(source, *tags):
    cell = new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def markdown(source, *tags):
    cell = new_markdown_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def notebook(name, cells):
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = {"name": "python"}
    for number, cell in enumerate(nb.cells):
        cell.id = f"{name}-{number:02d}"  # stable ids keep regenerated notebooks diff-free
    return nb


QUARTERLY = [
    markdown(
        "# Quarterly report\n\nRendered by `make report` (papermill, then nbconvert and "
        "WeasyPrint). To explore, change the parameters below and run all cells: the figures "
        "match the rendered report for the same parameters. Every cell calls the "
        "`deliveries` package; nothing is computed here. (This cell is not in the report.)",
        "remove",
    ),
    code(
        'quarter: str = "2019Q3"  # the quarter to report, e.g. "2019Q3"\n'
        "goal: 'Optional[int]' = None  # None: the stated goal for the quarter in data/goals.csv\n"
        "data_file: 'Optional[str]' = None  # None: data/production_deliveries.csv\n"
        "goals_file: 'Optional[str]' = None  # None: data/goals.csv\n"
        "revisions_file: 'Optional[str]' = None  # None: revisions.csv beside the data file",
        "parameters",
    ),
    code(
        "from deliveries import dataset, metrics, plots, sections\n\n"
        "data = dataset.load(deliveries=data_file, goals=goals_file, revisions=revisions_file)\n"
        "summary = metrics.summarize(data, quarter, goal=goal)\n"
        "table = metrics.quarterly_table(data)"
    ),
    code("sections.title_block(summary)"),
    code("sections.headline(summary)"),
    code("sections.kpi_table(summary)"),
    code("sections.year_to_date(summary)"),
    code("sections.chart(plots.production_vs_deliveries(table, summary.quarter, summary.goal))"),
    code("sections.chart(plots.growth(table, summary.quarter))"),
    code("sections.chart(plots.gap(table, summary.quarter))"),
    code("sections.chart(plots.model_mix(data.lines, summary.quarter))"),
    code("sections.model_table(summary)"),
    code("sections.records(summary)"),
    code("sections.vintage(summary)"),
    code("sections.methods(summary, data)"),
]

HISTORY = [
    markdown(
        "# History report\n\nRendered by `make history` / `make reports`. Parameters: the "
        "first and last quarter (None: all quarters in the data). (Not in the report.)",
        "remove",
    ),
    code(
        "start: 'Optional[str]' = None  # first quarter, e.g. \"2019Q1\"; None: the first\n"
        "end: 'Optional[str]' = None  # last quarter; None: the last in the data\n"
        "data_file: 'Optional[str]' = None  # None: data/production_deliveries.csv\n"
        "goals_file: 'Optional[str]' = None  # None: data/goals.csv\n"
        "revisions_file: 'Optional[str]' = None  # None: revisions.csv beside the data file",
        "parameters",
    ),
    code(
        "from deliveries import dataset, history, plots, sections\n\n"
        "data = dataset.load(deliveries=data_file, goals=goals_file, revisions=revisions_file)\n"
        "view = history.build(data, start=start, end=end)"
    ),
    code("sections.history_title(view.start, view.end)"),
    code("sections.history_summary(view)"),
    code("sections.chart(plots.history(view.table))"),
    code("sections.chart(plots.yoy_growth(view.table))"),
    code("sections.chart(plots.gap(view.table, window=None))"),
    code("sections.chart(plots.model_mix(view.lines, window=None))"),
    code(
        'sections.section("Annual totals against goals",\n'
        "                 sections.chart(plots.annual_vs_goal(view.annual))\n"
        "                 + sections.history_table(view.annual), keep_together=False)"
    ),
    code(
        'sections.section("Every quarter", sections.quarters_table(view.table),\n'
        "                 keep_together=False)"
    ),
]

EXPLORE = [
    markdown(
        "# Exploring Tesla's production and deliveries\n\n"
        "Start JupyterLab with `make lab`, then run all cells (Run > Run All Cells). Every cell "
        "calls the `deliveries` package, so the figures are the ones `make report` prints. "
        "Change a quarter or a goal and run the cell again. Outputs are not committed: "
        "`make strip` clears them."
    ),
    code(
        "from deliveries import annual_table, goal_results, headline, load, plots\n"
        "from deliveries import quarter_explorer, quarterly_table, sections, summarize\n\n"
        "data = load()  # the tables in data/; load(deliveries=..., goals=...) for others\n"
        "data.quarters[0], data.quarters[-1]"
    ),
    markdown(
        "## Any quarter's figures\n\n"
        "`summarize` computes everything the report says about a quarter, against the stated "
        "goal or `goal=...`; `headline` is the report's first paragraph."
    ),
    code('summary = summarize(data, "2019Q3")\nprint(headline(summary))'),
    code("sections.kpi_table(summary)"),
    code("summary.produced, summary.delivered, summary.gap, summary.shortfall"),
    code('print(headline(summarize(data, "2019Q3", goal=110_000)))'),
    markdown(
        "## The gap over time\n\n"
        "`quarterly_table` has one row per quarter: `gap` is produced \u2212 delivered, "
        "`cumulative_gap` its running total since the first quarter with both figures (an "
        "inventory proxy)."
    ),
    code(
        "table = quarterly_table(data)\n"
        'table[["produced", "delivered", "gap", "cumulative_gap"]].tail(8)'
    ),
    code("sections.chart(plots.gap(table, window=None))"),
    markdown(
        "## Goals hit and missed\n\n"
        "The quarters with a stated deliveries goal (shortfall = goal \u2212 delivered; negative "
        "when beaten), then each year against its annual goal or guidance."
    ),
    code("goal_results(data)"),
    code(
        "annual = annual_table(data)\n"
        'annual[["year", "goal", "goal_metric", "actual_for_goal", "met", "difference"]]'
    ),
    code("sections.chart(plots.annual_vs_goal(annual))"),
    markdown(
        "## Model mix\n\n"
        "Each model line's share of deliveries, grouped as Tesla's releases grouped them."
    ),
    code("sections.model_table(summary)"),
    code("sections.chart(plots.model_mix(data.lines, window=None))"),
    markdown(
        "## Pick a quarter and a goal\n\n"
        "Choose a quarter and type a deliveries goal (0: the goal stated for the quarter); the "
        "headline, KPI table and chart update. The controls need a running kernel: a static "
        "view of the notebook does not show them."
    ),
    code('quarter_explorer(data, quarter="2019Q3")'),
]

if __name__ == "__main__":
    notebooks = (("quarterly_report", QUARTERLY), ("history", HISTORY), ("explore", EXPLORE))
    for name, cells in notebooks:
        path = ROOT / "notebooks" / f"{name}.ipynb"
        nbformat.write(notebook(name.replace("_", "-"), cells), path)
        print(f"wrote {path.relative_to(ROOT)}")
