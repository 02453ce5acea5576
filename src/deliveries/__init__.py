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
- ``annual_table(dataset)``: per year: totals and the annual goal, met or missed.
- ``headline(summary)``: the report's headline paragraph as text.
- ``goal_results(dataset)``: the quarters with a stated deliveries goal, hit or missed.
- ``annual_results(dataset)``: each year against its annual goal, and whether that goal was
  stated as a unit count or derived from a growth statement.
- ``quarter_explorer(dataset, quarter=None, goal=None)``: widgets to pick a quarter, a goal and
  a consensus.
- ``plots``: charts (matplotlib Figures); ``sections``: the quarterly report's HTML blocks;
  ``history_sections``: the history report's; ``wording``: how every figure is written.

Names are loaded on first use, so ``import deliveries`` stays light: matplotlib, ipywidgets and
the rendering libraries are imported only when something that needs them is used.
"""

from __future__ import annotations

import importlib

__all__ = [
    "load",
    "summarize",
    "quarterly_table",
    "annual_table",
    "consensus_table",
    "consensus_figures",
    "headline",
    "goal_results",
    "annual_results",
    "quarter_explorer",
    "plots",
    "sections",
    "history_sections",
    "wording",
]

# public name -> (module, attribute); attribute None means the module itself
_LAZY = {
    "load": ("dataset", "load"),
    "summarize": ("metrics", "summarize"),
    "quarterly_table": ("metrics", "quarterly_table"),
    "annual_table": ("metrics", "annual_table"),
    "consensus_table": ("metrics", "consensus_table"),
    "consensus_figures": ("explore", "consensus_figures"),
    "headline": ("narrative", "headline"),
    "goal_results": ("explore", "goal_results"),
    "annual_results": ("explore", "annual_results"),
    "quarter_explorer": ("explore", "quarter_explorer"),
    "plots": ("plots", None),
    "sections": ("sections", None),
    "history_sections": ("history_sections", None),
    "wording": ("wording", None),
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
