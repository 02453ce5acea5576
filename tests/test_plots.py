"""Charts: no backend switch on import, public matplotlib API, distinct model-mix colours."""

from __future__ import annotations

import os
import subprocess
import sys

import matplotlib
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from deliveries import blocks, history, metrics, plots


@pytest.mark.parametrize("backend", ["svg", "pdf"])
def test_importing_plots_leaves_the_backend_alone(backend):
    code = (
        "import matplotlib\n"
        f"matplotlib.use({backend!r})\n"
        "import deliveries.plots, deliveries.sections, deliveries.history_sections\n"
        "print(matplotlib.get_backend())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == backend


def test_importing_plots_keeps_the_backend_chosen_by_the_environment():
    code = "import deliveries.plots, matplotlib\nprint(matplotlib.get_backend())"
    env = {**os.environ, "MPLBACKEND": "svg"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert result.stdout.strip() == "svg"


def test_figure_title_uses_the_public_suptitle():
    fig = Figure()
    fig.suptitle("Growth")
    assert blocks.figure_title(fig) == "Growth"
    fig = Figure()
    fig.subplots().set_title("Axes title", loc="left")
    assert blocks.figure_title(fig) == "Axes title"


def test_chart_styles_do_not_leak(real_data):
    before = dict(matplotlib.rcParams)
    plots.growth_chart(metrics.quarterly_table(real_data), "2019Q3")
    assert dict(matplotlib.rcParams) == before


def gray(color) -> float:
    red, green, blue = to_rgb(color)
    return 0.299 * red + 0.587 * green + 0.114 * blue


def test_model_mix_lines_have_distinct_colours_that_separate_in_grayscale(real_data):
    lines = history.build(real_data).lines
    fig = plots.model_mix(lines, window=None)
    ax = fig.axes[0]
    colours = {bars.get_label(): bars.patches[0].get_facecolor() for bars in ax.containers}
    assert {"Model S", "Model X", "Model S/X", "Model 3", "Model 3/Y"} <= set(colours)
    assert len(set(colours.values())) == len(colours), colours
    # Segments stacked on each other in the same quarter differ clearly in lightness.
    for position in range(len(ax.containers[0].patches)):
        stack = [
            (bars.patches[position].get_y(), bars.get_label())
            for bars in ax.containers
            if bars.patches[position].get_height() > 0
        ]
        names = [name for _, name in sorted(stack)]
        for lower, upper in zip(names, names[1:], strict=False):
            assert abs(gray(colours[lower]) - gray(colours[upper])) >= 0.15, (lower, upper)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert len(labels) == len(set(labels)) == len(colours)


def test_annual_chart_tells_derived_goals_apart(real_data):
    fig = plots.annual_vs_goal(history.build(real_data).annual)
    labels = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    assert "Goal derived from a growth rate" in labels
    plain = plots.annual_vs_goal(metrics.annual_table(real_data))
    assert "Goal derived from a growth rate" not in [
        text.get_text() for text in plain.axes[0].get_legend().get_texts()
    ]


def test_the_surprise_chart_without_any_consensus_is_an_empty_frame(real_data):
    empty = metrics.consensus_table(real_data).iloc[0:0]
    fig = plots.consensus_surprise_chart(empty)
    assert "none reported" in fig.axes[0].get_title(loc="left")
    assert not fig.axes[0].patches
