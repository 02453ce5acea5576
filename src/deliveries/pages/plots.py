"""Charts: each function takes data and returns a matplotlib Figure; no file I/O.

Figures are plain ``Figure`` objects (no pyplot state) and importing this module leaves
matplotlib's backend alone: a notebook user's own ``plt.plot()`` still shows, and the command
line sets its backend itself (``MPLBACKEND``). Their look (palette, sizes, ticks) is
:mod:`.plot_style`'s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..analysis.metrics import UNCERTAINTY, QuarterSummary
from ..writing import wording
from .plot_style import (
    ACCENT,
    DELIVERED,
    FALLBACK_COLORS,
    GOAL,
    LEGEND_ROWS_SHARE,
    MODEL_COLORS,
    PRODUCED,
    bar_series,
    new_figure,
    report_style,
    room_above,
    signed_percent,
    span_title,
    thousands,
    tick_labels,
    window_rows,
    year_ticks,
)


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
    rows = window_rows(table, quarter, window)
    with report_style():
        fig, ax = new_figure()
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
        ax.set_xticks(x, tick_labels(rows.index))
        ax.set_xlim(-0.6, x[-1] + (0.95 if top else 0.6))
        ax.set_ylabel("Vehicles")
        ax.yaxis.set_major_formatter(thousands)
        ax.set_title(f"Production and deliveries per quarter, {span_title(rows)}")
        ax.set_ylim(0, max(np.nanmax(np.r_[produced, delivered, [goal or 0, top]]) * 1.04, 1))
        entries = len(ax.get_legend_handles_labels()[1])
        columns = 2 if entries <= 4 else 3  # at most two rows above the bars
        room_above(ax, LEGEND_ROWS_SHARE * -(-entries // columns))
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
    rows = window_rows(table, quarter, window)
    with report_style():
        fig, axes = new_figure(1, 2, top=0.55, sharey=True)
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
            f"Growth of production and deliveries, {span_title(rows)}",
            x=0.01,
            ha="left",
            fontsize=10.5,
            fontweight="bold",
        )
    return fig


def gap_chart(table: pd.DataFrame, quarter: str | None = None, window: int | None = 8) -> Figure:
    """Produced minus delivered per quarter (bars) and its running total (line)."""
    rows = window_rows(table, quarter, window)
    with report_style():
        fig, ax = new_figure()
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
            ax.set_xticks(x, tick_labels(rows.index))
        else:
            year_ticks(ax, rows.index)
        ax.set_ylabel("Vehicles")
        ax.yaxis.set_major_formatter(thousands)
        ax.set_title(f"Production minus deliveries (an inventory proxy), {span_title(rows)}")
        room_above(ax, LEGEND_ROWS_SHARE * 2)
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
    shares = window_rows(shares, quarter, window)
    with report_style():
        fig, ax = new_figure(right=1.25)
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
            ax.set_xticks(x, tick_labels(shares.index))
        else:
            year_ticks(ax, shares.index)
        ax.set_ylim(0, 100)
        ax.set_ylabel("Share of deliveries, %")
        ax.set_title(f"Model mix: share of deliveries by model line, {span_title(shares)}")
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
    year_ticks(ax, table.index)
    return x


def history_chart(table: pd.DataFrame) -> Figure:
    """Production and deliveries over every quarter in the data."""
    with report_style():
        fig, ax = new_figure(height=3.2)
        _series_pair(ax, table)
        ax.set_ylabel("Vehicles per quarter")
        ax.yaxis.set_major_formatter(thousands)
        ax.set_title(f"Production and deliveries per quarter, {span_title(table)}")
        ax.legend(loc="upper left")
    return fig


def yoy_growth_chart(table: pd.DataFrame) -> Figure:
    """Year-over-year growth of deliveries and production over every quarter."""
    with report_style():
        fig, ax = new_figure()
        _series_pair(ax, table, suffix="_yoy", scale=100)
        ax.axhline(0, color=ACCENT, linewidth=0.8)
        ax.set_ylabel("Change on a year earlier, %")
        ax.yaxis.set_major_formatter(signed_percent)
        ax.set_title(f"Year-over-year growth, {span_title(table)}")
        ax.legend(loc="upper right")
    return fig


def annual_vs_goal(annual: pd.DataFrame) -> Figure:
    """Each year's deliveries (or the goal's metric) against its stated goal or guidance.

    Goals derived from a growth rate (a ``goal_derived_from`` column, as ``history.build``
    adds) get their own line style and legend entry.
    """
    with report_style():
        fig, ax = new_figure()
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
    with report_style():
        fig, ax = new_figure()
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
        year_ticks(ax, span)
        ax.set_xlim(-0.7, len(span) - 0.3)
        ax.set_ylabel("Delivered vs consensus, %")
        ax.yaxis.set_major_formatter(signed_percent)
        ax.set_title(f"Deliveries against the analysts' consensus, {span_title(surprise)}")
        ax.legend(loc="upper left", ncols=3)
        low, high = np.nanmin(values), np.nanmax(values)
        ax.set_ylim(min(low, 0) * 1.15 - 1, max(high, 0) * 1.45 + 1)
        ax.grid(axis="x", visible=False)
    return fig


def storage_chart(
    storage: pd.DataFrame, quarter: str | None = None, window: int | None = 8
) -> Figure:
    """Energy storage deployed per quarter, in GWh (in MWh when every figure is below 1 GWh;
    ``storage``: ``series.storage_table``).

    Figures stated in a production and deliveries release are dark bars, those from a quarterly
    Update letter light bars with a dark edge; a quarter without a figure is marked "n/a".
    """
    rows = window_rows(storage, quarter, window)
    with report_style():
        fig, ax = new_figure()
        x = np.arange(len(rows))
        values = rows["storage_mwh"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        unit = "MWh" if np.nanmax(np.r_[values, [0]]) < 1000 else "GWh"
        values = values / (1 if unit == "MWh" else 1000)
        stated = rows["stated_in"].to_numpy(dtype=object)
        for kind, color, name in (
            ("release", PRODUCED, "Stated in the production and deliveries release"),
            ("update", DELIVERED, "Stated in the quarterly Update letter"),
        ):
            chosen = stated == kind
            if chosen.any():
                style = {"color": color, "edgecolor": PRODUCED, "linewidth": 0.4, "label": name}
                ax.bar(x[chosen], values[chosen], 0.6 if len(x) <= 12 else 0.8, **style)
        missing = np.isnan(values)
        for position in x[missing] if len(x) <= 12 else []:
            ax.annotate(
                "n/a",
                (position, 0),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
                color=ACCENT,
            )
        if len(rows) <= 12:
            ax.set_xticks(x, tick_labels(rows.index))
        else:
            year_ticks(ax, rows.index)
        top = np.nanmax(values) if (~missing).any() else 1.0
        ax.set_xlim(-0.6, len(x) - 0.4)  # every quarter in view, with or without a bar
        ax.set_ylim(0, top * 1.08)
        ax.set_ylabel(f"{unit} per quarter")
        ax.set_title(f"Energy storage deployed per quarter, {span_title(rows)}")
        room_above(ax, LEGEND_ROWS_SHARE * 2)
        if (~missing).any():
            ax.legend(loc="upper left")
        ax.grid(axis="x", visible=False)
    return fig
