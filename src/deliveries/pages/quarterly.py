"""The quarterly report's HTML blocks, built from a summary; the notebook displays one per cell.

Figures are written by :mod:`..writing.wording`, sentences by :mod:`..writing.narrative`, static
prose (footnotes, methods) in ``writing/prose/``; the HTML elements are :mod:`.elements`'.
"""

from __future__ import annotations

from datetime import date
from html import escape

import pandas as pd

from ..analysis import metrics
from ..data import quarters
from ..data.consensus import GIVEN, NAMED_PROVIDERS
from ..data.dataset import Dataset
from ..data.goals import derived_goal, derived_statement
from ..files import display_path
from ..writing import narrative, templates
from ..writing import wording as say
from ..writing.provenance import goal_provenance, release_provenance, sites
from . import plots
from .elements import Html, aside_row, chart, data_text, file_name, link, row, section, table

__all__ = [
    "title_block",
    "headline_block",
    "kpi_table",
    "year_to_date_block",
    "facts_block",
    "storage_block",
    "model_table",
    "records",
    "vintage",
    "methods",
]


def _goals(dataset: Dataset | None) -> pd.DataFrame | None:
    return None if dataset is None else dataset.goals


def title_block(summary: metrics.QuarterSummary, rendered_on: date | None = None) -> Html:
    """Company, quarter, 'production and deliveries', release and render dates."""
    return Html(
        templates.render(
            "title_block.html.j2",
            quarter=say.quarter_name(summary.quarter),
            release=summary.release_date or "not recorded",
            rendered_on=(rendered_on or date.today()).isoformat(),
        )
    )


def headline_block(summary: metrics.QuarterSummary) -> Html:
    """The generated headline paragraph."""
    return Html(f'<p class="headline">{escape(narrative.headline(summary))}</p>')


def kpi_table(summary: metrics.QuarterSummary, dataset: Dataset | None = None) -> Html:
    """The quarter against the quarter before and the year before, plus goal and records.

    With ``dataset``, a goal derived from a growth statement is marked as derived.
    """
    s = summary
    notes_text = templates.notes()
    header = [
        "",
        say.quarter_name(s.quarter),
        say.quarter_name(s.previous_quarter),
        "Change QoQ",
        say.quarter_name(s.year_ago_quarter),
        "Change YoY",
    ]
    empty = ["", "", "", ""]
    rows = [
        row(
            [
                "Produced",
                say.count(s.produced),
                say.count(s.produced_previous),
                say.percent(s.produced_qoq),
                say.count(s.produced_year_ago),
                say.percent(s.produced_yoy),
            ]
        ),
        row(
            [
                "Delivered",
                say.count(s.delivered, s.delivered_approx),
                say.count(s.delivered_previous, s.previous_approx),
                say.percent(s.delivered_qoq),
                say.count(s.delivered_year_ago, s.year_ago_approx),
                say.percent(s.delivered_yoy),
            ]
        ),
        row(
            [
                "Gap (produced \u2212 delivered)",
                say.count(s.gap, signed=True),
                say.count(metrics.gap(s.produced_previous, s.delivered_previous), signed=True),
                "",
                say.count(metrics.gap(s.produced_year_ago, s.delivered_year_ago), signed=True),
                "",
            ]
        ),
    ]
    derived = derived_goal(_goals(dataset), s.goal_row)
    if s.goal is not None:
        goal = escape(say.goal_cell(s.goal, derived=derived))
        rows.append(row(["Deliveries goal", goal, *empty], css="goal"))
        word = say.shortfall_word(s)
        band = say.shortfall_range(s)
        aside = f"{say.PLUS_MINUS_HALF} range: {band}" if band else ""
        label = f"{word} (goal \u2212 delivered)"
        rows.append(aside_row(label, say.shortfall_value(s), aside, css="goal"))
    rows += _storage_and_year_to_date_rows(s)
    rows += _consensus_rows(s)
    since = (
        f"Cumulative gap since {say.quarter_name(s.cumulative_gap_from)}"
        if s.cumulative_gap_from
        else "Cumulative gap"
    )
    rows.append(row([since, say.count(s.cumulative_gap, signed=True), *empty]))
    notes = []
    if s.delivered_approx or s.previous_approx or s.year_ago_approx:
        notes.append(notes_text.approximate)
    if say.NOT_AVAILABLE in "".join(rows):
        notes.append(notes_text.not_available)
    if derived:
        notes.append(say.derived_goal_note({say.quarter_name(s.quarter): derived}))
    if s.consensus_count:
        notes.append(notes_text.consensus)
    if s.storage.stated_in == "update":
        notes.append(notes_text.storage_update)
    notes.append(notes_text.first_announced)
    widths = [27, 18, 13.75, 13.75, 13.75, 13.75]
    caption = f"Key figures, {say.quarter_name(s.quarter)}"
    return table(caption, header, rows, notes, "kpi", widths)


def _storage_and_year_to_date_rows(summary: metrics.QuarterSummary) -> list[str]:
    """Storage deployed against the quarter before and the year before, then deliveries and
    storage so far this year against the same quarters a year before."""
    s, f, st = summary, summary.facts, summary.storage
    rows = []
    if st.mwh is not None:
        rows.append(
            row(
                [
                    "Storage deployed",
                    say.storage_amount(st.mwh, st.as_stated),
                    say.storage_amount(st.previous_mwh, st.previous_as_stated),
                    say.percent(st.qoq),
                    say.storage_amount(st.year_ago_mwh, st.year_ago_as_stated),
                    say.percent(st.yoy),
                ],
                css="storage",
            )
        )
    if s.quarter_period.quarter > 1:
        so_far = f"Delivered, {s.quarter_period.year} so far"
        delivered = say.count(f.delivered_ytd, f.delivered_ytd_approx)
        prior = say.count(f.delivered_ytd_prior)
        change = say.percent(f.delivered_ytd_change)
        rows.append(row([so_far, delivered, "", "", prior, change]))
        if st.mwh is not None:
            label = f"Storage, {s.quarter_period.year} so far"
            ytd, prior = say.storage_amount(st.ytd_mwh), say.storage_amount(st.ytd_prior_mwh)
            rows.append(row([label, ytd, "", "", prior, say.percent(st.ytd_change)], css="storage"))
    return rows


def facts_block(summary: metrics.QuarterSummary) -> Html:
    """The delivery-day facts: three to five sentences, chosen by the rule in Methods."""
    items = "".join(f"<li>{escape(text)}</li>" for text in narrative.facts(summary))
    return section("Delivery-day facts", f'<ul class="facts">{items}</ul>')


def storage_block(summary: metrics.QuarterSummary, storage: pd.DataFrame) -> Html:
    """The storage chart for the quarters in view (``storage``: ``series.storage_table``), or
    a line saying the data has no storage figure for them."""
    shown = storage[storage.index <= summary.quarter_period].tail(8)
    if shown["storage_mwh"].notna().any():
        return chart(plots.storage_chart(storage, summary.quarter))
    return Html(f'<p class="ytd">{escape(say.storage_missing(summary))}</p>')


def _consensus_rows(summary: metrics.QuarterSummary) -> list[str]:
    """The KPI table's consensus rows: headline with provider and spread, then vs consensus."""
    s = summary
    if s.consensus_count is None:
        return [aside_row("Analysts' consensus", say.NO_CONSENSUS, css="consensus")]
    figures = "figure" if s.consensus_count == 1 else "figures"
    spread = say.consensus_spread(s.consensus_low, s.consensus_high)
    spread = f"spread {spread} ({s.consensus_count} {figures})"
    if s.consensus is None:
        return [aside_row("Consensus", "ranges only", spread, css="consensus")]
    label = say.consensus_label(s.consensus_provider)
    rows = [aside_row(escape(label), say.count(s.consensus), spread, css="consensus")]
    if s.vs_consensus is not None:
        aside = f"{say.percent(s.vs_consensus_fraction)} of the consensus"
        band = say.vs_consensus_range(s)
        aside += f"; {say.PLUS_MINUS_HALF} range: {band}" if band else ""
        value = say.count(s.vs_consensus, s.delivered_approx, signed=True)
        rows.append(aside_row("Delivered \u2212 consensus", value, aside, css="consensus"))
    return rows


def model_table(summary: metrics.QuarterSummary) -> Html:
    """Per model line as the release grouped it, with a Total row."""
    s = summary
    notes_text = templates.notes()
    header = [
        "Model line",
        "Produced",
        "Delivered",
        "Gap",
        "Share of deliveries",
        "Subject to lease",
        "Est. leased units",
    ]
    rows = []
    for m in s.models:
        rows.append(
            row(
                [
                    data_text(m.model_line),
                    say.count(m.produced),
                    say.count(m.delivered, s.delivered_approx),
                    say.count(m.gap, signed=True),
                    say.share(m.delivered_share_pct),
                    say.plain_percent(m.lease_pct),
                    say.count(m.leased_estimate),
                ]
            )
        )
    rows.append(
        row(
            [
                "Total",
                say.count(s.produced),
                say.count(s.delivered, s.delivered_approx),
                say.count(s.gap, signed=True),
                "100.0%",
                say.plain_percent(s.lease_pct),
                say.count(s.leased_estimate),
            ],
            css="total",
        )
    )
    notes = [notes_text.model_lines]
    if any(m.produced is None or m.delivered is None for m in s.models):
        notes.append(notes_text.combined_line)
    if s.delivered_approx:
        notes.append(notes_text.approximate)
    caption = f"{say.quarter_name(s.quarter)} as the release grouped it"
    return section("By model line", table(caption, header, rows, notes, css="models", first=16))


def year_to_date_block(summary: metrics.QuarterSummary, dataset: Dataset | None = None) -> Html:
    """Year-to-date progress against the annual goal (marked when derived, given ``dataset``)."""
    text = narrative.year_to_date_sentence(summary, _goals(dataset))
    return Html(f'<p class="ytd">{escape(text)}</p>')


def records(summary: metrics.QuarterSummary) -> Html:
    """Whether the quarter set production and delivery records, checked against every quarter."""
    items = []
    for noun, value, record, approx in (
        ("Production", summary.produced, summary.record_produced, False),
        ("Deliveries", summary.delivered, summary.record_delivered, summary.delivered_approx),
    ):
        items.append(f"<li>{escape(say.record_check(noun, value, record, approx))}</li>")
    return section("Records verified", f'<ul class="records">{"".join(items)}</ul>')


def vintage(summary: metrics.QuarterSummary) -> Html:
    """Which vintage each growth rate uses, and what the restated figures would give."""
    lines = narrative.vintage_notes(summary)
    items = "".join(f"<li>{data_text(t)}</li>" for t in lines)
    return section("Vintage of the figures", f'<ul class="vintage">{items}</ul>')


def _goal_source_row(label: str, goals_file: str, goal_row: pd.Series) -> str:
    """A goal's row in the sources table: who stated it, where it was seen, derived or not."""
    who = f"{goal_row['kind'] or 'goal'}: {goal_row['stated_by'] or 'stated goal'}"
    checked = goal_provenance(goal_row["verified"], goal_row["source"])
    derived = derived_statement(goal_row["quote"])
    if derived:
        checked = f"Derived from a statement of {derived}, not a unit count Tesla gave. {checked}"
    return row(
        [
            escape(label),
            f"{goals_file}, row {int(goal_row['row'])}",
            link(who, goal_row["source"]),
            data_text(checked),
        ]
    )


def sources_table(summary: metrics.QuarterSummary, dataset: Dataset) -> Html:
    """Where each figure comes from: data row, source and a reader-facing provenance line."""
    file = file_name(display_path(dataset.paths["deliveries"]))
    goals_file = file_name(display_path(dataset.paths["goals"]))
    rows = []
    for label in (summary.quarter, summary.previous_quarter, summary.year_ago_quarter):
        period = quarters.parse_quarter(label)
        if period not in dataset.totals.index:
            continue
        found = dataset.totals.loc[period]
        rows.append(
            row(
                [
                    escape(say.quarter_name(label)),
                    f"{file}, row {int(found['row'])}",
                    link(found["source"] or "source not recorded", found["source_url"]),
                    data_text(release_provenance(found["verified"], found["source_url"])),
                ]
            )
        )
    goals = dataset.goals
    if summary.goal_row:
        goal_row = goals[goals["row"] == summary.goal_row].iloc[0]
        rows.append(_goal_source_row("Goal", goals_file, goal_row))
    elif summary.goal is not None:
        rows.append(row(["Goal", "report parameter", "given on the command line", ""]))
    ytd = summary.year_to_date
    if ytd.goal_row:
        goal_row = goals[goals["row"] == ytd.goal_row].iloc[0]
        rows.append(_goal_source_row(f"{ytd.year} goal", goals_file, goal_row))
    rows += _consensus_source_rows(summary, dataset)
    rows += _storage_source_rows(summary, dataset)
    return table(
        "Where each figure comes from",
        ["Figures", "Data row", "Source", "Checked"],
        rows,
        [templates.notes().model_rows],
        css="sources",
        widths=[11, 21, 30, 38],
    )


def _consensus_source_rows(summary: metrics.QuarterSummary, dataset: Dataset) -> list[str]:
    """Every consensus figure of the quarter: its row in consensus.csv, provider and link."""
    path = dataset.paths.get("consensus")
    file = file_name(display_path(path)) if path else "consensus table"
    headline = summary.consensus_headline
    rows = []
    for figure in summary.consensus_figures:
        is_headline = figure is headline
        where = f"{file}, row {figure.row}" if figure.row else "report parameter"
        source = figure.provider_as_reported or say.provider_name(figure.provider)
        if figure.provider == GIVEN:
            source = "given on the command line"
        detail = say.consensus_figure_detail(figure, is_headline)
        if figure.url:
            detail += f"; seen on {', '.join(sites(figure.url)) or 'the linked page'}"
        rows.append(
            row(
                [
                    "Consensus",
                    where,
                    link(source, figure.url),
                    data_text(detail),
                ],
                css="consensus" if is_headline else "",
            )
        )
    return rows


def _storage_source_rows(summary: metrics.QuarterSummary, dataset: Dataset) -> list[str]:
    """The quarter's storage row: where it is in storage.csv, where it was stated and seen."""
    st = summary.storage
    if st.mwh is None:
        return []
    path = dataset.paths.get("storage")
    file = file_name(display_path(path)) if path else "storage table"
    stated = say.STORAGE_STATED_IN.get(st.stated_in, st.stated_in)
    seen = ", ".join(sites(st.source or "")) or "the linked page"
    detail = f"{say.storage_amount(st.mwh, st.as_stated)} as stated in {stated}; seen on {seen}"
    confidence = dataset.storage_rows[summary.quarter_period].get("confidence")
    if confidence and confidence != "high":
        detail += f"; {confidence} confidence (see data/README.md)"
    link_text = "Update letter (news copy)" if st.stated_in == "update" else "release"
    where = f"{file}, row {st.row}"
    return [row(["Storage", where, link(f"Storage: {link_text}", st.source), data_text(detail)])]


def methods(summary: metrics.QuarterSummary, dataset: Dataset) -> Html:
    """Definitions of every metric, the +-0.5% caveat, the consensus rule, each figure's source."""
    sources = templates.markup(sources_table(summary, dataset))
    return Html(templates.render("methods.html.j2", sources=sources, providers=NAMED_PROVIDERS))
