"""Charts: each function takes data and returns a matplotlib Figure; no file I/O.

One palette throughout, chosen to stay apart in grayscale (dark navy against light amber, with
white edges, line styles and marker shapes as second cues), so printed reports read the same in
black and white. No hatching: it multiplies the SVG's paths and slows the PDF engine several-fold.
Styles are applied per figure with context managers, so nothing leaks between reports rendered in
one kernel. Figures are plain ``Figure`` objects (no pyplot state) and importing this module leaves
matplotlib's backend alone: a notebook user's own ``plt.plot()`` still shows, and the command
line sets its backend itself (``MPLBACKEND``).
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

from . import quarters, wording
from .metrics import UNCERTAINTY, QuarterSummary

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
def _style():
    """Context manager that applies the report style to figures created inside it."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(sns.axes_style("whitegrid", {"grid.color": "#e3e3e3"}))
        stack.enter_context(matplotlib.rc_context(RC))
        yield


def _new(
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


def _window(table: pd.DataFrame, quarter: str | None, window: int | None) -> pd.DataFrame:
    """The rows up to ``quarter`` (all if None), the last ``window`` of them (all if None)."""
    rows = table
    if quarter is not None:
        rows = rows[rows.index <= quarters.parse_quarter(quarter)]
    return rows.tail(window) if window else rows


def _labels(index: pd.Index) -> list[str]:
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


def _room_above(ax, share: float) -> None:
    """Raise the top of the y axis so that the data keep out of the top ``share`` of the axes:
    room for a legend there, which otherwise may sit on the line or the bars."""
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + (high - low) * share / (1 - share))


def _year_ticks(ax, index: pd.Index) -> None:
    """Ticks (and grid lines) at each year's first quarter, labelled with the year; the quarters'
    own labels when the span has no first quarter. One tick per year rather than one per quarter:
    each tick is a set of artists to lay out and draw, and a PDF engine draws every one of them."""
    x = np.arange(len(index))
    firsts = [i for i, p in enumerate(index) if p.quarter == 1]
    if firsts:
        ax.set_xticks(x[firsts], [f"{index[i].year}" for i in firsts])
    else:
        ax.set_xticks(x, _labels(index))


def _span(rows: pd.DataFrame) -> str:
    return wording.quarter_span(rows.index[0], rows.index[-1])


def quarter_chart(table: pd.DataFrame, summary: QuarterSummary) -> Figure:
    """The report's main chart for ``summary``: :func:`production_vs_deliveries` with its goal,
    headline consensus and the consensus spread."""
    return production_vs_deliveries(
        table,
        summary.quarter,
        summary.goal,
        consensus=summary.consensus,
        spread=(summary.consensus_low, summary.consensus_high),
    )


def production_vs_deliveries(
    table: pd.DataFrame,
    quarter: str,
    goal: int | None = None,
    window: int = 8,
    consensus: int | None = None,
    spread: tuple[int | None, int | None] = (None, None),
) -> Figure:
    """Grouped bars for the trailing quarters, the goal and the consensus marked on the report
    quarter.

    Approximate deliveries carry an error bar for Tesla's +-0.5% caveat. The consensus is a
    white diamond beside the quarter's bars, its ``spread`` (lowest and highest figure reported)
    a thin whisker through it; a quarter with only ranges reported shows the whisker alone.
    """
    rows = _window(table, quarter, window)
    with _style():
        fig, ax = _new()
        x = np.arange(len(rows))
        produced = rows["produced"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        delivered = rows["delivered"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        approx = rows["delivered_approx"].to_numpy(dtype=bool)
        ax.bar(x - 0.2, produced, 0.4, color=PRODUCED, label="Produced")
        ax.bar(
            x + 0.2,
            delivered,
            0.4,
            color=DELIVERED,
            edgecolor=PRODUCED,
            linewidth=0.4,
            label="Delivered",
        )
        if approx.any():
            errors = np.where(approx, delivered * float(UNCERTAINTY), 0)
            ax.errorbar(
                (x + 0.2)[approx],
                delivered[approx],
                yerr=errors[approx],
                fmt="none",
                ecolor=GOAL,
                elinewidth=0.8,
                capsize=2.5,
                label="\u00b10.5% (approximate)",
            )
        if goal:
            ax.hlines(
                goal,
                x[-1] - 0.5,
                x[-1] + 0.5,
                colors=GOAL,
                linestyles="--",
                linewidth=1.2,
                label=f"Goal {goal:,}",
            )
            ax.annotate(
                f"goal {goal:,}",
                (x[-1] + 0.5, goal),
                xytext=(-2, 3),
                textcoords="offset points",
                ha="right",
                va="bottom",
                fontsize=8,
            )
        top = _consensus_marker(ax, x[-1] + 0.62, consensus, spread)
        ax.set_xticks(x, _labels(rows.index))
        ax.set_xlim(-0.6, x[-1] + (0.95 if top else 0.6))
        ax.set_ylabel("Vehicles")
        ax.yaxis.set_major_formatter(thousands)
        ax.set_title(f"Production and deliveries per quarter, {_span(rows)}")
        ax.set_ylim(0, max(np.nanmax(np.r_[produced, delivered, [goal or 0, top]]) * 1.04, 1))
        entries = len(ax.get_legend_handles_labels()[1])
        columns = 2 if entries <= 4 else 3  # at most two rows above the bars
        _room_above(ax, LEGEND_ROWS_SHARE * -(-entries // columns))
        ax.legend(loc="upper left", ncols=columns)
        ax.grid(axis="x", visible=False)
    return fig


def _consensus_marker(ax, x: float, consensus: int | None, spread: tuple) -> float:
    """The consensus (white diamond, dark edge) and its spread (whisker) at ``x``.

    Returns the highest value drawn (0 when there is nothing to draw).
    """
    low, high = spread
    drawn = 0.0
    if low is not None and high is not None and low != high:
        ax.vlines(x, low, high, colors=GOAL, linewidth=1.0, label="Consensus spread")
        ax.hlines([low, high], x - 0.08, x + 0.08, colors=GOAL, linewidth=1.0)
        drawn = float(high)
    if consensus:
        ax.plot(
            [x],
            [consensus],
            linestyle="none",
            marker="D",
            markersize=6,
            markerfacecolor="white",
            markeredgecolor=GOAL,
            markeredgewidth=1.2,
            label=f"Consensus {consensus:,}",
            zorder=5,
        )
        drawn = max(drawn, float(consensus))
    return drawn


def growth_chart(table: pd.DataFrame, quarter: str, window: int = 8) -> Figure:
    """Quarter-over-quarter and year-over-year growth of production and deliveries, in %."""
    rows = _window(table, quarter, window)
    with _style():
        fig, axes = _new(1, 2, top=0.55, sharey=True)
        x = np.arange(len(rows))
        for ax, suffix, title in (
            (axes[0], "qoq", "Quarter over quarter"),
            (axes[1], "yoy", "Year over year"),
        ):
            for column, color, marker, name in (
                ("produced", PRODUCED, "o", "Production"),
                ("delivered", DELIVERED, "s", "Deliveries"),
            ):
                values = rows[f"{column}_{suffix}"].astype("Float64") * 100
                ax.plot(
                    x,
                    values.to_numpy(dtype=float, na_value=np.nan),
                    color=color,
                    marker=marker,
                    markersize=4.5,
                    linewidth=1.6,
                    linestyle="-" if column == "produced" else "--",
                    label=name,
                    markeredgecolor=PRODUCED,
                )
            ax.axhline(0, color=ACCENT, linewidth=0.8)
            ax.set_xticks(x, [wording.tick_label(p, short_year=True) for p in rows.index])
            ax.set_title(f"{title} growth, %")
            ax.yaxis.set_major_formatter(signed_percent)
        axes[0].set_ylabel("Change in %")
        axes[0].legend(loc="best")
        fig.suptitle(
            f"Growth of production and deliveries, {_span(rows)}",
            x=0.01,
            ha="left",
            fontsize=10.5,
            fontweight="bold",
        )
    return fig


def gap_chart(table: pd.DataFrame, quarter: str | None = None, window: int | None = 8) -> Figure:
    """Produced minus delivered per quarter (bars) and its running total (line)."""
    rows = _window(table, quarter, window)
    with _style():
        fig, ax = _new()
        x = np.arange(len(rows))
        gaps = rows["gap"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        colors = [PRODUCED if g >= 0 else DELIVERED for g in np.nan_to_num(gaps)]
        ax.bar(
            x,
            gaps,
            0.6,
            color=colors,
            edgecolor=PRODUCED,
            linewidth=0.4,
            label="Quarter's gap (produced \u2212 delivered)",
        )
        cumulative = rows["cumulative_gap"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        ax.plot(
            x,
            cumulative,
            color=GOAL,
            marker="D",
            markersize=3.5,
            linewidth=1.4,
            label="Cumulative gap since the first quarter with both figures",
        )
        ax.axhline(0, color=ACCENT, linewidth=0.8)
        if len(rows) <= 12:
            ax.set_xticks(x, _labels(rows.index))
        else:
            _year_ticks(ax, rows.index)
        ax.set_ylabel("Vehicles")
        ax.yaxis.set_major_formatter(thousands)
        ax.set_title(f"Production minus deliveries (an inventory proxy), {_span(rows)}")
        _room_above(ax, LEGEND_ROWS_SHARE * 2)
        ax.legend(loc="upper left")
        ax.grid(axis="x", visible=False)
    return fig


def model_mix(lines: pd.DataFrame, quarter: str | None = None, window: int | None = 8) -> Figure:
    """Share of each quarter's deliveries by model line, as the releases grouped them."""
    delivered = lines.dropna(subset=["delivered"])
    shares = delivered.pivot_table(
        index="period", columns="model_line", values="delivered", aggfunc="sum", sort=False
    ).astype(float)
    order = list(dict.fromkeys(delivered["model_line"]))
    shares = shares[order].sort_index()
    shares = shares.div(shares.sum(axis=1), axis=0) * 100
    shares = _window(shares, quarter, window)
    with _style():
        fig, ax = _new(right=1.25)
        x = np.arange(len(shares))
        bottom = np.zeros(len(shares))
        for i, name in enumerate(shares.columns):
            values = shares[name].fillna(0).to_numpy()
            if not values.any():
                continue
            bar_series(
                ax,
                x,
                values,
                0.7 if len(x) <= 12 else 0.9,
                bottom.copy(),
                facecolor=MODEL_COLORS.get(name, FALLBACK_COLORS[i % len(FALLBACK_COLORS)]),
                edgecolor="white",
                linewidth=0.5,
                label=name,
            )
            bottom += values
        if len(shares) <= 12:
            ax.set_xticks(x, _labels(shares.index))
        else:
            _year_ticks(ax, shares.index)
        ax.set_ylim(0, 100)
        ax.set_ylabel("Share of deliveries, %")
        ax.set_title(f"Model mix: share of deliveries by model line, {_span(shares)}")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.grid(axis="x", visible=False)
    return fig


def _series_pair(ax, table: pd.DataFrame, suffix: str = "", scale: float = 1.0) -> np.ndarray:
    """Production (solid, circles) and deliveries (dashed, squares) over every quarter."""
    x = np.arange(len(table))
    for column, color, marker, style, name in (
        ("produced", PRODUCED, "o", "-", "Production"),
        ("delivered", DELIVERED, "s", "--", "Deliveries"),
    ):
        values = table[column + suffix].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        ax.plot(
            x,
            values * scale,
            color=color,
            marker=marker,
            markersize=3,
            linestyle=style,
            linewidth=1.6,
            label=name,
            markeredgecolor=PRODUCED,
        )
    _year_ticks(ax, table.index)
    return x


def history_chart(table: pd.DataFrame) -> Figure:
    """Production and deliveries over every quarter in the data."""
    with _style():
        fig, ax = _new(height=3.2)
        _series_pair(ax, table)
        ax.set_ylabel("Vehicles per quarter")
        ax.yaxis.set_major_formatter(thousands)
        ax.set_title(f"Production and deliveries per quarter, {_span(table)}")
        ax.legend(loc="upper left")
    return fig


def yoy_growth_chart(table: pd.DataFrame) -> Figure:
    """Year-over-year growth of deliveries and production over every quarter."""
    with _style():
        fig, ax = _new()
        _series_pair(ax, table, suffix="_yoy", scale=100)
        ax.axhline(0, color=ACCENT, linewidth=0.8)
        ax.set_ylabel("Change on a year earlier, %")
        ax.yaxis.set_major_formatter(signed_percent)
        ax.set_title(f"Year-over-year growth, {_span(table)}")
        ax.legend(loc="upper right")
    return fig


def annual_vs_goal(annual: pd.DataFrame) -> Figure:
    """Each year's deliveries (or the goal's metric) against its stated goal or guidance.

    Goals derived from a growth rate (a ``goal_derived_from`` column, as ``history.build``
    adds) get their own line style and legend entry.
    """
    with _style():
        fig, ax = _new()
        x = np.arange(len(annual))
        actual = annual["actual_for_goal"].astype("Float64")
        delivered = annual["delivered"].astype("Float64")
        values = actual.fillna(delivered).to_numpy(dtype=float, na_value=np.nan)
        ax.bar(
            x,
            values,
            0.6,
            color=DELIVERED,
            edgecolor=PRODUCED,
            linewidth=0.4,
            label="Actual (the goal's measure)",
        )
        goals = annual["goal"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        highs = annual["goal_high"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        # A goal worked out from a growth rate (history.build marks them) is drawn apart from
        # the unit counts Tesla stated.
        derived = annual.get("goal_derived_from", pd.Series([None] * len(annual))).notna()
        derived = derived.to_numpy(dtype=bool)
        goal_lines = [
            (np.where(derived, np.nan, goals), GOAL, "--", 1.4, "Goal (low end of a range)"),
            (
                np.where(derived, goals, np.nan),
                ACCENT,
                "-.",
                1.4,
                "Goal derived from a growth rate",
            ),
            (highs, GOAL, ":", 1.2, "High end of a range"),
        ]
        if not derived.any():
            del goal_lines[1]
        for values, color, style, width, label in goal_lines:
            ax.hlines(
                values,
                x - 0.38,
                x + 0.38,
                colors=color,
                linestyles=style,
                linewidth=width,
                label=label,
            )
        ax.set_xticks(
            x,
            [
                str(y) + ("" if c else "*")
                for y, c in zip(annual["year"], annual["complete"], strict=True)
            ],
        )
        ax.set_ylabel("Vehicles per year")
        ax.yaxis.set_major_formatter(thousands)
        ax.set_title("Annual totals against stated goals and guidance")
        ax.legend(loc="upper left")
        ax.grid(axis="x", visible=False)
    return fig


def consensus_surprise_chart(consensus: pd.DataFrame) -> Figure:
    """Deliveries against the headline consensus per quarter, in % of the consensus.

    ``consensus`` is a ``metrics.consensus_table`` (or a cut of it). Beats are dark bars, misses
    light bars with a dark edge, so the two read apart in grayscale; every quarter from the first
    to the last with a consensus has its place, so a quarter without one shows as a gap.
    Approximate deliveries carry a whisker for Tesla's +-0.5% caveat.
    """
    compared = consensus[consensus["vs_consensus_fraction"].notna()]
    with _style():
        fig, ax = _new()
        if compared.empty:
            ax.set_title("Deliveries against the analysts' consensus: none reported")
            ax.set_xticks([])
            ax.set_yticks([])
            return fig
        span = pd.period_range(compared.index[0], compared.index[-1], freq="Q")
        surprise = (compared["vs_consensus_fraction"].astype(float) * 100).reindex(span)
        values = surprise.to_numpy(dtype=float)
        x = np.arange(len(span))
        beat = np.nan_to_num(values) > 0
        for chosen, color, name in (
            (beat, PRODUCED, "Beat (dark bars)"),
            (~beat & ~np.isnan(values), DELIVERED, "Missed (light bars)"),
        ):
            style = {"color": color, "edgecolor": PRODUCED, "linewidth": 0.5, "label": name}
            ax.bar(x[chosen], values[chosen], 0.7, **style)
        band = compared[compared["vs_consensus_low"] != compared["vs_consensus_high"]]
        if not band.empty:
            ends = [band[f"vs_consensus_{e}"] / band["consensus"] * 100 for e in ("low", "high")]
            where = [span.get_loc(p) for p in band.index]
            style = {"colors": GOAL, "linewidth": 0.8, "label": "\u00b10.5% (approximate)"}
            ax.vlines(where, *(e.astype(float) for e in ends), **style)
        ax.axhline(0, color=GOAL, linewidth=0.8)
        _year_ticks(ax, span)
        ax.set_xlim(-0.7, len(span) - 0.3)
        ax.set_ylabel("Delivered vs consensus, %")
        ax.yaxis.set_major_formatter(signed_percent)
        ax.set_title(f"Deliveries against the analysts' consensus, {_span(surprise)}")
        ax.legend(loc="upper left", ncols=3)
        low, high = np.nanmin(values), np.nanmax(values)
        ax.set_ylim(min(low, 0) * 1.15 - 1, max(high, 0) * 1.45 + 1)
        ax.grid(axis="x", visible=False)
    return fig
