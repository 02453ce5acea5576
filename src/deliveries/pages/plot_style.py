"""The charts' look, shared by every chart: palette, fonts, figure size and margins, and the
helpers that lay out axes (trailing windows, quarter and year ticks, room for a legend).

One palette throughout, chosen to stay apart in grayscale (dark navy against light amber, with
white edges, line styles and marker shapes as second cues), so printed reports read the same in
black and white. No hatching: it multiplies the SVG's paths and slows the PDF engine several-fold.
Styles are applied per figure with context managers, so nothing leaks between reports rendered in
one kernel.
"""

from __future__ import annotations

import contextlib

import matplotlib
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as Shape
from matplotlib.ticker import FuncFormatter

from ..data import quarters
from ..writing import wording

PRODUCED = "#1d3557"
DELIVERED = "#f4a259"
ACCENT = "#7a7a7a"
GOAL = "#111111"
# Every line its own colour; a line and the one it continues (S and X -> S/X, 3 -> 3/Y) share a
# hue family. Lines stacked next to each other in some quarter (S|X|3, 3|S/X, S/X|3/Y,
# 3/Y|Other) differ in lightness, so they stay apart when printed in grayscale.
MODEL_COLORS = {
    "Model S": "#1d3557",
    "Model X": "#5b84ad",
    "Model 3": "#f4a259",
    "Model S/X": "#2a7f8e",
    "Model 3/Y": "#fbd9a5",
    "Other Models": "#3d3d3d",
}
FALLBACK_COLORS = ["#8d6a9f", "#bfbfbf", "#556b2f", "#c9a227"]

RC = {
    "svg.fonttype": "none",  # keep text as text: smaller files, selectable in the PDF
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titley": 1.0,  # titles sit just above the axes: matplotlib need not measure the ticks
    "axes.labelsize": 9,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
}
WIDTH, HEIGHT = 7.2, 3.0  # inches; fits an A4 or Letter column at 100%
LEGEND_ROWS_SHARE = 0.13  # of a chart's axes height, per row of legend at the top (9 pt text)

thousands = FuncFormatter(lambda value, _: f"{value:,.0f}")
signed_percent = FuncFormatter(lambda value, _: f"{value:+.0f}%" if value else "0%")


@contextlib.contextmanager
def report_style():
    """Context manager that applies the report style to figures created inside it."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(sns.axes_style("whitegrid", {"grid.color": "#e3e3e3"}))
        stack.enter_context(matplotlib.rc_context(RC))
        yield


def new_figure(
    nrows: int = 1,
    ncols: int = 1,
    height: float = HEIGHT,
    right: float = 0.15,
    top: float = 0.32,
    **kwargs,
):
    """A figure with fixed margins in inches (``right``, ``top``; room for labels on the left).

    Fixed margins rather than constrained layout: the charts have known labels, and constrained
    layout draws every figure twice, which was half of a report's chart time.
    """
    fig = Figure(figsize=(WIDTH, height))
    axes = fig.subplots(nrows, ncols, **kwargs)
    fig.subplots_adjust(
        left=0.95 / WIDTH,
        right=1 - right / WIDTH,
        bottom=0.48 / height,
        top=1 - top / height,
        wspace=0.06,
    )
    return fig, axes


def window_rows(table: pd.DataFrame, quarter: str | None, window: int | None) -> pd.DataFrame:
    """The rows up to ``quarter`` (all if None), the last ``window`` of them (all if None)."""
    rows = table
    if quarter is not None:
        rows = rows[rows.index <= quarters.parse_quarter(quarter)]
    return rows.tail(window) if window else rows


def tick_labels(index: pd.Index) -> list[str]:
    return [wording.tick_label(p) for p in index]


def bar_series(
    ax, x: np.ndarray, heights: np.ndarray, width: float, bottom: np.ndarray, **style
) -> PathPatch:
    """One series of bars as a single shape (a path of rectangles; zero or missing heights
    left out): laid out, drawn and printed in a PDF once, not once per bar as ``ax.bar`` does."""
    corners = []
    for left, low, height in zip(x - width / 2, bottom, heights, strict=True):
        if height and np.isfinite(height):
            top = low + height
            corners += [(left, low), (left + width, low), (left + width, top), (left, top)]
            corners.append((left, low))
    rectangles = len(corners) // 5
    codes = [Shape.MOVETO, Shape.LINETO, Shape.LINETO, Shape.LINETO, Shape.CLOSEPOLY]
    shape = Shape(np.array(corners or np.zeros((0, 2))), codes * rectangles or None)
    patch = PathPatch(shape, **style)
    ax.add_patch(patch)
    ax.autoscale_view()  # add_patch, unlike bar, leaves the view limits as they were
    return patch


def room_above(ax, share: float) -> None:
    """Raise the top of the y axis so that the data keep out of the top ``share`` of the axes:
    room for a legend there, which otherwise may sit on the line or the bars."""
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + (high - low) * share / (1 - share))


def year_ticks(ax, index: pd.Index) -> None:
    """Ticks (and grid lines) at each year's first quarter, labelled with the year; the quarters'
    own labels when the span has no first quarter. One tick per year rather than one per quarter:
    each tick is a set of artists to lay out and draw, and a PDF engine draws every one of them."""
    x = np.arange(len(index))
    firsts = [i for i, p in enumerate(index) if p.quarter == 1]
    if firsts:
        ax.set_xticks(x[firsts], [f"{index[i].year}" for i in firsts])
    else:
        ax.set_xticks(x, tick_labels(index))


def span_title(rows: pd.DataFrame) -> str:
    return wording.quarter_span(rows.index[0], rows.index[-1])
