"""Tesla quarterly production and deliveries: data, metrics and reports.

The public API, what the notebooks use (``from deliveries import load, summarize``):

- ``load(data_dir=None, *, deliveries=None, goals=None, revisions=None, consensus=None)``: the
  validated tables in ``data/`` (or elsewhere) as a ``Dataset``.
- ``summarize(dataset, quarter, goal=None, consensus=None)``: every figure of a quarter's report
  (``quarter`` may be ``"latest"``), the analysts' consensus comparison included.
- ``consensus_table(dataset)``: per quarter: the headline consensus, its spread, the surprise.
- ``consensus_figures(dataset, quarter, consensus=None)``: a quarter's consensus figures side by
  side, the headline marked.
- ``quarterly_table(dataset)``: per quarter: produced, delivered, growth, gap, cumulative gap.
- ``storage_table(dataset)``: per quarter: energy storage deployed, as stated, and its growth.
- ``annual_table(dataset)``: per year: totals and the annual goal, met or missed.
- ``headline(summary)``: the report's headline paragraph as text.
- ``goal_results(dataset)``: the quarters with a stated deliveries goal, hit or missed.
- ``annual_results(dataset)``: each year against its annual goal, and whether that goal was
  stated as a unit count or derived from a growth statement.
- ``quarter_explorer(dataset, quarter=None, goal=None)``: widgets to pick a quarter, a goal and
  a consensus.
- ``plots``: charts (matplotlib Figures); ``quarterly``: the quarterly report's HTML blocks;
  ``elements``: the HTML elements they are made of (``elements.chart(figure)``); ``wording``:
  how every figure is written.

The package by role (each folder's ``__init__`` says more): ``data`` reads and validates the
tables, ``analysis`` computes figures from them, ``writing`` words them, ``pages`` builds HTML
blocks and charts, ``render`` turns notebooks into reports, ``sources`` turns releases (text or
SEC EDGAR) into rows of ``data/``, ``delivery`` is delivery day (update, e-mail), ``patches``
fences in what leans on other libraries' internals.

Names are loaded on first use, so ``import deliveries`` stays light: matplotlib, ipywidgets and
the rendering libraries are imported only when something that needs them is used.
"""

from __future__ import annotations

import importlib

__all__ = [
    "load",
    "summarize",
    "quarterly_table",
    "storage_table",
    "annual_table",
    "consensus_table",
    "consensus_figures",
    "headline",
    "goal_results",
    "annual_results",
    "quarter_explorer",
    "plots",
    "quarterly",
    "elements",
    "wording",
]

# public name -> (module, attribute); attribute None means the module itself
_LAZY = {
    "load": ("data.dataset", "load"),
    "summarize": ("analysis.metrics", "summarize"),
    "quarterly_table": ("analysis.series", "quarterly_table"),
    "storage_table": ("analysis.series", "storage_table"),
    "annual_table": ("analysis.series", "annual_table"),
    "consensus_table": ("analysis.series", "consensus_table"),
    "consensus_figures": ("pages.explore", "consensus_figures"),
    "headline": ("writing.narrative", "headline"),
    "goal_results": ("pages.explore", "goal_results"),
    "annual_results": ("pages.explore", "annual_results"),
    "quarter_explorer": ("pages.explore", "quarter_explorer"),
    "plots": ("pages.plots", None),
    "quarterly": ("pages.quarterly", None),
    "elements": ("pages.elements", None),
    "wording": ("writing.wording", None),
}


def __getattr__(name: str):
    """Import a public name's module on first access (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(f".{module_name}", __name__)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
