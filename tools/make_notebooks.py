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
        'quarter = "2019Q3"  # the quarter to report, e.g. "2019Q3"\n'
        "goal = None  # deliveries goal; None: the stated goal for the quarter in data/goals.csv\n"
        "data_file = None  # None: data/production_deliveries.csv\n"
        "goals_file = None  # None: data/goals.csv\n"
        "revisions_file = None  # None: revisions.csv beside the data file",
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
        'start = None  # first quarter, e.g. "2019Q1"; None: the first in the data\n'
        "end = None  # last quarter; None: the last in the data\n"
        "data_file = None  # None: data/production_deliveries.csv\n"
        "goals_file = None  # None: data/goals.csv\n"
        "revisions_file = None  # None: revisions.csv beside the data file",
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
    markdown("## Annual totals against goals"),
    code("sections.chart(plots.annual_vs_goal(view.annual))"),
    code("sections.history_table(view.annual)"),
    markdown("## Every quarter"),
    code("sections.quarters_table(view.table)"),
]

if __name__ == "__main__":
    for name, cells in (("quarterly_report", QUARTERLY), ("history", HISTORY)):
        path = ROOT / "notebooks" / f"{name}.ipynb"
        nbformat.write(notebook(name.replace("_", "-"), cells), path)
        print(f"wrote {path.relative_to(ROOT)}")
