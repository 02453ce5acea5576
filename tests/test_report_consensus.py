"""The analysts' consensus in the reports: sentences, KPI rows, sources, chart, history, index,
e-mail, explorer and the render parameters, on quarters worked by hand from data/consensus.csv.

2019Q3 by hand: FactSet 99,000 (row 14, with the release) is the headline; six figures from
94,422 to 99,000; ~97,000 delivered -> -2,000 = -2.02%; band 96,515 .. 97,485 -> -2,485 .. -1,515.
"""

from __future__ import annotations

import pytest
from matplotlib.colors import to_hex

from deliveries.analysis import metrics, series
from deliveries.data import dataset
from deliveries.data.consensus import PROVIDERS
from deliveries.delivery.mailer import message
from deliveries.pages import explore, index, plots, quarterly
from deliveries.pages import history as history_sections
from deliveries.render import jobs, parameters
from deliveries.writing import narrative
from deliveries.writing import wording as say

from .conftest import consensus_row, write_consensus

MISSED_2019Q3 = (
    "Deliveries missed the FactSet consensus of 99,000 by ~2,000 (2.0%); reported estimates "
    "ranged from 94,422 to 99,000."
)


@pytest.fixture(scope="module")
def q3(real_data):
    return metrics.summarize(real_data, "2019Q3")


# --- the headline sentence -------------------------------------------------------------------


def test_a_miss_names_the_provider_and_gives_the_spread(q3):
    assert narrative.consensus_sentence(q3) == MISSED_2019Q3
    assert MISSED_2019Q3 in narrative.headline(q3)


def test_a_beat(real_data):
    # 2019Q2: Bloomberg 87,749 (row 11, R, first of two Bloomberg R rows); ~95,200 delivered.
    text = narrative.consensus_sentence(metrics.summarize(real_data, "2019Q2"))
    assert text == (
        "Deliveries beat the Bloomberg consensus of 87,749 by ~7,451 (8.5%); reported "
        "estimates ranged from 87,749 to 91,000."
    )


def test_exact_deliveries_carry_no_tilde(real_data):
    # 2025Q3: 497,099 delivered (exact) - FactSet 447,600 = +49,499 = 11.06%.
    text = narrative.consensus_sentence(metrics.summarize(real_data, "2025Q3"))
    assert "beat the FactSet consensus of 447,600 by 49,499 (11.1%)" in text
    assert "~" not in text and "caveat" not in text


def test_the_band_is_given_where_it_decides_beat_or_miss(real_data):
    # 2017Q4: ~29,870 vs FactSet 30,000 -> -130; band 29,721 .. 30,019 spans 30,000.
    text = narrative.consensus_sentence(metrics.summarize(real_data, "2017Q4"))
    assert "missed the FactSet consensus of 30,000 by ~130 (0.4%)" in text
    assert "within Tesla's \u00b10.5% caveat (29,721 to 30,019 delivered)" in text
    assert "caveat" not in narrative.consensus_sentence(metrics.summarize(real_data, "2019Q3"))


def test_a_figure_you_give_reads_as_yours(real_data):
    summary = metrics.summarize(real_data, "2019Q3", consensus=100_000)
    text = narrative.consensus_sentence(summary)
    assert "missed the consensus of 100,000 you gave by ~3,000 (3.0%)" in text
    assert "estimates (yours included) ranged from 94,422 to 100,000" in text
    matched = metrics.summarize(real_data, "2019Q3", consensus=97_000)
    assert narrative.consensus_sentence(matched).startswith(
        "Deliveries matched the consensus of 97,000 you gave"
    )


@pytest.mark.parametrize("quarter, name", [("2016Q1", "Q1 2016"), ("2026Q3", "Q3 2026")])
def test_a_quarter_without_consensus_says_so_in_one_line(real_data, quarter, name):
    summary = metrics.summarize(real_data, quarter)
    assert narrative.consensus_sentence(summary) == (
        f"No analysts' consensus is available for {name}."
    )
    assert "none reported" in quarterly.kpi_table(summary, real_data)
    assert message.default_subject(summary).endswith(" delivered")


def range_only(data_copy, low: str, high: str):
    write_consensus(
        data_copy,
        [consensus_row(statistic="range", deliveries="", low=low, high=high, when="P")],
    )
    return metrics.summarize(dataset.load(data_copy), "2019Q3")


def test_a_range_only_quarter_has_a_spread_but_no_headline(data_copy):
    summary = range_only(data_copy, "95000", "100000")
    assert summary.consensus is None and summary.consensus_count == 1
    text = narrative.consensus_sentence(summary)
    assert text.startswith("Analysts' estimates were reported only as a range, 95,000 to 100,000")
    assert text.endswith("deliveries fell within it.")
    table = quarterly.kpi_table(summary)
    assert "ranges only" in table and "spread 95,000\u2013100,000 (1 figure)" in table
    assert message.default_subject(summary).endswith(" delivered")


def test_a_range_wholly_above_deliveries(data_copy):
    text = narrative.consensus_sentence(range_only(data_copy, "98000", "100000"))
    assert text.endswith("deliveries came in below the whole range.")


def test_unnamed_providers_read_plainly():
    assert say.consensus_phrase(98_250, "other") == (
        "the consensus of 98,250 (compiled by a news outlet)"
    )
    assert say.consensus_phrase(25_000, "unspecified") == (
        "the consensus of 25,000 (compiler not named)"
    )
    assert say.consensus_phrase(99_000, "FactSet StreetAccount") == (
        "the FactSet StreetAccount consensus of 99,000"
    )


# --- KPI table, sources, methods, chart -----------------------------------------------------


def test_kpi_table_has_the_consensus_rows(q3, real_data):
    table = quarterly.kpi_table(q3, real_data)
    for text in (
        "<th>Consensus (FactSet)</th><td>99,000</td>",
        "spread 94,422\u201399,000 (6 figures)",
        "<td>~\u22122,000</td>",
        "\u22122.0% of the consensus; \u00b10.5% range: \u22122,485 to \u22121,515",
    ):
        assert text in table, text


def test_sources_list_every_figure_with_its_row_and_link(q3, real_data):
    html = quarterly.sources_table(q3, real_data)
    for number in range(14, 20):
        assert f"data/<wbr>consensus.csv, row {number}" in html  # breaks after the folder only
    assert html.count("<th>Consensus</th>") == 6
    assert 'href="https://federalnewsnetwork.com/' in html and "FactSet (AP)" in html
    assert "FactSet mean 99,000 (the headline); reported with the release" in html
    assert "other compiler mean 94,422" in html and "number of analysts not stated" in html


def test_a_given_figure_is_cited_as_a_report_parameter(real_data):
    summary = metrics.summarize(real_data, "2019Q3", consensus=100_000)
    html = quarterly.sources_table(summary, real_data)
    assert "report parameter" in html and "given on the command line" in html
    assert "100,000, given for this report (the headline)" in html
    assert html.count("<th>Consensus</th>") == 7


def test_methods_explain_the_rule_with_the_providers_in_order(q3, real_data):
    html = quarterly.methods(q3, real_data)
    assert "Choosing the headline consensus" in html
    named = [*PROVIDERS[:-2], "then other compilers", "compiler the report does not name"]
    assert PROVIDERS[-2:] == ("other", "unspecified")
    positions = [html.index(name) for name in named]
    assert positions == sorted(positions)
    assert "a mean before a median" in html and "--consensus N" in html


def test_the_chart_marks_the_consensus_and_its_spread(q3, real_data):
    table = series.quarterly_table(real_data)
    spread = (q3.consensus_low, q3.consensus_high)
    fig = plots.production_vs_deliveries(table, "2019Q3", 100_000, consensus=99_000, spread=spread)
    ax = fig.axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert "Consensus 99,000" in labels and "Consensus spread" in labels
    marker = [line for line in ax.lines if line.get_label() == "Consensus 99,000"][0]
    assert marker.get_marker() == "D" and to_hex(marker.get_markerfacecolor()) == "#ffffff"
    assert ax.get_ylim()[1] > 99_000


# --- history ---------------------------------------------------------------------------------


def test_history_counts_beats_and_misses(real_data):
    # 2019: Q1 FactSet 76,000 vs ~63,000 (miss), Q2 Bloomberg 87,749 vs ~95,200 (beat),
    # Q3 FactSet 99,000 vs ~97,000 (miss), Q4 FactSet 106,000 vs ~112,000 (beat).
    record = history_sections.consensus_record(
        series.build(real_data, "2019Q1", "2019Q4").consensus
    )
    assert (record.quarters, record.beats, record.misses, record.matches) == (4, 2, 2, 0)
    everything = series.build(real_data)
    record = history_sections.consensus_record(everything.consensus)
    assert (record.quarters, record.beats, record.misses) == (33, 15, 18)
    assert record.within_band == ["2017Q4"]
    text = history_sections.consensus_summary(everything)
    assert "beat in 15 of 33 quarters with a consensus (Q1 2017\u2013Q4 2025)" in text
    assert "the largest miss Q1 2025 (\u221217.5%)" in text


def test_largest_misses_table(real_data):
    # 2025Q1: 336,681 - FactSet 408,000 = -71,319 = -17.48%; 2019Q1: ~63,000 - 76,000 = -17.1%.
    html = history_sections.largest_misses(series.build(real_data).consensus)
    assert html.index("Q1 2025") < html.index("Q1 2019") < html.index("Q1 2024")
    assert "\u221271,319" in html and "\u221217.5%" in html and "~\u221213,000" in html
    assert html.count("<tr>") == 1 + history_sections.LARGEST_MISSES


def test_history_without_consensus_says_so(real_data, data_copy):
    view = series.build(real_data, "2026Q1", "2026Q3")
    assert "No analysts' consensus is available" in history_sections.consensus_summary(view)
    assert "<img" not in history_sections.consensus_section(view)
    (data_copy / "consensus.csv").unlink()  # a data set without the optional table
    bare = series.build(dataset.load(data_copy))
    section = history_sections.consensus_section(bare)
    assert "No analysts' consensus is available" in section and "<table" not in section
    with_figures = history_sections.consensus_section(series.build(real_data))
    assert with_figures.count("<img") == 1 and "Largest misses" in with_figures


def luminance(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.299 * red + 0.587 * green + 0.114 * blue


def test_surprise_chart_reads_in_grayscale(real_data):
    fig = plots.consensus_surprise_chart(series.build(real_data, "2019Q1", "2019Q4").consensus)
    bars = [p for p in fig.axes[0].patches if p.get_height() != 0]
    colours = {round(p.get_height(), 1): to_hex(p.get_facecolor()) for p in bars}
    beat, miss = plots.PRODUCED, plots.DELIVERED
    assert colours == {-17.1: miss, 8.5: beat, -2.0: miss, 5.7: beat}
    assert luminance(miss) - luminance(beat) > 0.4  # light against dark, also in grayscale


# --- index, e-mail, explorer, render parameters ----------------------------------------------


def test_index_has_a_vs_consensus_column(real_data, tmp_path):
    page = index.build_index(real_data, tmp_path)
    assert "<th>vs consensus</th>" in page
    row_2019q3 = page[page.index("<th>Q3 2019</th>") :].split("</tr>")[0]
    assert "<td>−2.0%</td>" in row_2019q3
    row_2026q3 = page[page.index("<th>Q3 2026</th>") :].split("</tr>")[0]
    assert row_2026q3.count("<td></td>") == 3  # goal, shortfall and vs consensus blank


def test_email_subject_says_beat_or_miss(q3, real_data):
    assert message.default_subject(q3) == (
        "Tesla Q3 2019 production and deliveries: ~97,000 delivered, missed consensus (99,000)"
    )
    beat = metrics.summarize(real_data, "2025Q3")
    assert message.default_subject(beat).endswith("497,099 delivered, beat consensus (447,600)")
    rows = {r.label: r for r in message.key_figures(q3)}
    assert rows["Consensus"].value == "99,000" and rows["Consensus"].note == "FactSet"
    assert rows["Delivered \u2212 consensus"].value == "~\u22122,000 (\u22122.0%)"
    assert rows["Consensus spread"].value == "94,422\u201399,000"


def test_explorer_shows_a_quarters_figures_side_by_side(real_data):
    frame = explore.consensus_figures(real_data, "2019Q3")
    assert list(frame["row"]) == [14, 15, 16, 17, 18, 19]
    assert list(frame["headline"]) == [True] + [False] * 5
    assert frame.loc[3, "provider"] == "Refinitiv/LSEG" and frame.loc[3, "deliveries"] == 97_477
    assert set(frame["when"]) == {"reported with the release"}
    given = explore.consensus_figures(real_data, "2019Q3", consensus=100_000)
    assert given.loc[0, "provider"] == "given" and bool(given.loc[0, "headline"])
    assert explore.consensus_figures(real_data, "2016Q1").empty


def test_render_passes_the_consensus_and_its_file_to_the_notebook(real_data, tmp_path):
    job = jobs.quarter_job(real_data, "2019Q3", None, tmp_path, "A4", consensus="95,000")
    assert job.parameters["consensus"] == 95_000
    assert job.parameters["consensus_file"].endswith("data/consensus.csv")
    parameters.check_parameters(job.notebook, job.parameters)  # the notebook declares both
    plain = jobs.quarter_job(real_data, "2019Q3", None, tmp_path, "A4")
    assert plain.parameters["consensus"] is None and plain.fingerprint != job.fingerprint
    history_job = jobs.history_job(real_data, None, None, tmp_path, "A4")
    parameters.check_parameters(history_job.notebook, history_job.parameters)
