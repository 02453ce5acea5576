"""Charts: no backend switch on import, public matplotlib API, distinct model-mix colours."""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys
from collections import Counter
from xml.etree import ElementTree

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from deliveries.analysis import metrics, series
from deliveries.pages import elements, plots


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["svg", "pdf"])
def test_importing_plots_leaves_the_backend_alone(backend):
    code = (
        "import matplotlib\n"
        f"matplotlib.use({backend!r})\n"
        "import deliveries.pages.plots, deliveries.pages.quarterly, deliveries.pages.history\n"
        "print(matplotlib.get_backend())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == backend


@pytest.mark.e2e
def test_importing_plots_keeps_the_backend_chosen_by_the_environment():
    code = "import deliveries.pages.plots, matplotlib\nprint(matplotlib.get_backend())"
    env = {**os.environ, "MPLBACKEND": "svg"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert result.stdout.strip() == "svg"


def test_figure_title_uses_the_public_suptitle():
    fig = Figure()
    fig.suptitle("Growth")
    assert elements.figure_title(fig) == "Growth"
    fig = Figure()
    fig.subplots().set_title("Axes title", loc="left")
    assert elements.figure_title(fig) == "Axes title"


def test_chart_styles_do_not_leak(real_data):
    before = dict(matplotlib.rcParams)
    plots.growth_chart(series.quarterly_table(real_data), "2019Q3")
    assert dict(matplotlib.rcParams) == before


def gray(color) -> float:
    red, green, blue = to_rgb(color)
    return 0.299 * red + 0.587 * green + 0.114 * blue


def segments(patch) -> dict[float, tuple[float, float]]:
    """A bar series drawn as one shape: {bar centre: (bottom, top)} from its rectangles."""
    corners = patch.get_path().vertices.reshape(-1, 5, 2)
    return {round(r[:4, 0].mean(), 6): (r[0, 1], r[2, 1]) for r in corners}


def test_model_mix_lines_have_distinct_colours_that_separate_in_grayscale(real_data):
    lines = series.build(real_data).lines
    fig = plots.model_mix(lines, window=None)
    ax = fig.axes[0]
    colours = {shape.get_label(): shape.get_facecolor() for shape in ax.patches}
    assert {"Model S", "Model X", "Model S/X", "Model 3", "Model 3/Y"} <= set(colours)
    assert len(set(colours.values())) == len(colours), colours
    # Segments stacked on each other in the same quarter differ clearly in lightness.
    stacks: dict[float, list] = {}
    for shape in ax.patches:
        for centre, (bottom, top) in segments(shape).items():
            assert top > bottom
            stacks.setdefault(centre, []).append((bottom, shape.get_label()))
    assert len(stacks) == len(lines["period"].unique())  # every quarter has its bar
    for stack in stacks.values():
        names = [name for _, name in sorted(stack)]
        for lower, upper in zip(names, names[1:], strict=False):
            assert abs(gray(colours[lower]) - gray(colours[upper])) >= 0.15, (lower, upper)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert len(labels) == len(set(labels)) == len(colours)


def test_a_bar_series_is_one_shape_with_the_bars_of_ax_bar():
    fig = Figure()
    ax = fig.subplots()
    heights = np.array([3.0, 0.0, np.nan, 5.0])
    series = plots.bar_series(ax, np.arange(4), heights, 0.5, np.array([1.0, 1, 1, 2]))
    assert segments(series) == {0.0: (1.0, 4.0), 3.0: (2.0, 7.0)}  # no bar for 0 or missing
    left, right = ax.get_xlim()
    assert left < -0.25 and right > 3.25  # the view follows the bars, as with ax.bar
    empty = plots.bar_series(ax, np.arange(2), np.zeros(2), 0.5, np.zeros(2))
    assert len(empty.get_path().vertices) == 0


def test_long_charts_have_a_tick_per_year_short_ones_per_quarter(real_data):
    table = series.quarterly_table(real_data)
    ax = plots.history_chart(table).axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == [str(year) for year in range(2016, 2027)]
    ax = plots.history_chart(table.loc["2019Q2":"2019Q4"]).axes[0]  # no first quarter in it
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Q2\n2019", "Q3\n2019", "Q4\n2019"]


def test_annual_chart_tells_derived_goals_apart(real_data):
    fig = plots.annual_vs_goal(series.build(real_data).annual)
    labels = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    assert "Goal derived from a growth rate" in labels
    plain = plots.annual_vs_goal(series.annual_table(real_data))
    assert "Goal derived from a growth rate" not in [
        text.get_text() for text in plain.axes[0].get_legend().get_texts()
    ]


def test_the_surprise_chart_without_any_consensus_is_an_empty_frame(real_data):
    empty = series.consensus_table(real_data).iloc[0:0]
    fig = plots.consensus_surprise_chart(empty)
    assert "none reported" in fig.axes[0].get_title(loc="left")
    assert not fig.axes[0].patches


# --- the SVG a report embeds ---------------------------------------------------------------------


def test_slim_svg_drops_only_naming_groups_and_metadata():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg">\n <metadata>\n  <rdf:RDF/>\n </metadata>\n'
        ' <g id="figure_1">\n  <g id="xtick_1">\n   <path d="M 0 0"/>\n  </g>\n'
        '  <g id="xtick_2"/>\n  <g clip-path="url(#p1)">\n   <text>a &lt;g&gt; b</text>\n'
        "  </g>\n  <g>\n   <use/>\n  </g>\n </g>\n</svg>"
    )
    slim = elements.slim_svg(svg)
    ElementTree.fromstring(slim)  # still well-formed
    assert "metadata" not in slim and 'id="xtick' not in slim and 'id="figure_1"' not in slim
    assert '<g clip-path="url(#p1)">' in slim and "<g>" in slim  # groups that do something stay
    assert slim.count("<g") == 2 and slim.count("</g>") == 2
    assert "<text>a &lt;g&gt; b</text>" in slim and '<path d="M 0 0"/>' in slim


def test_a_report_chart_keeps_every_drawn_element(real_data):
    fig = plots.history_chart(series.quarterly_table(real_data))
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg")
    full = ElementTree.fromstring(buffer.getvalue())
    html = elements.chart(fig)
    encoded = re.search(r'base64,([A-Za-z0-9+/=]+)"', html).group(1)
    slim = ElementTree.fromstring(base64.b64decode(encoded))

    def drawn(root) -> Counter:
        names = ("path", "use", "text", "rect", "clipPath")
        return Counter(e.tag.split("}")[1] for e in root.iter() if e.tag.split("}")[1] in names)

    assert drawn(slim) == drawn(full) and drawn(slim)["text"] > 10  # text stays text
    assert sum(1 for _ in slim.iter()) < 0.7 * sum(1 for _ in full.iter())


def _legend_collisions(fig: Figure) -> list[str]:
    """What a legend covers: a point of a plotted line, or a bar (drawn with the Agg renderer)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    covered = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent(renderer)
        for line in ax.get_lines():
            points = np.column_stack([line.get_xdata(), line.get_ydata()]).astype(float)
            points = ax.transData.transform(points[~np.isnan(points).any(axis=1)])
            if any(box.contains(x, y) for x, y in points):
                covered.append(f"line {line.get_label()}")
        for patch in ax.patches:
            extent = patch.get_window_extent(renderer)
            if extent.width > 0 and extent.height > 0 and box.overlaps(extent):
                covered.append(f"bar {patch.get_label()}")
    return covered


def test_no_legend_covers_a_bar_or_a_point_in_any_quarter(real_data):
    table = series.quarterly_table(real_data)
    covered = {}
    for period in table.index[1:]:
        quarter = f"{period.year}Q{period.quarter}"
        summary = metrics.summarize(real_data, quarter)
        for name, fig in (
            ("quarter", plots.quarter_chart(table, summary)),
            ("gap", plots.gap_chart(table, quarter)),
        ):
            if found := _legend_collisions(fig):
                covered[f"{quarter} {name}"] = found
    view = series.build(real_data)
    if found := _legend_collisions(plots.gap_chart(view.table, window=None)):
        covered["history gap"] = found
    assert covered == {}
