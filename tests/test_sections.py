"""The report's HTML blocks and sentences for edge-case quarters."""

from __future__ import annotations

from deliveries.analysis import metrics
from deliveries.pages import elements, quarterly
from deliveries.writing import narrative


def test_first_quarter_without_production_reads_cleanly(real_data):
    summary = metrics.summarize(real_data, "2016Q1")
    table = quarterly.kpi_table(summary)
    assert "since n/a" not in table and "Cumulative gap</th>" in table
    assert "the release gave no production figure" in narrative.headline(summary)


def test_a_beaten_goal_is_called_a_beat(real_data):
    summary = metrics.summarize(real_data, "2019Q2")
    assert "beats the 90,000 goal by 5,200 (5.8% of the goal" in narrative.headline(summary)
    assert "Beat by" in quarterly.kpi_table(summary)


def test_exact_counts_carry_no_tilde_or_band(real_data):
    summary = metrics.summarize(real_data, "2022Q4", goal=420_000)
    text = narrative.headline(summary)
    assert "delivered 405,278 vehicles" in text and "caveat" not in text
    table = quarterly.kpi_table(summary)
    assert "<td>405,278</td>" in table  # this quarter exact...
    assert "<td>~308,600</td>" in table  # ...while Q4 2021 was approximate


def test_year_end_quarter_says_whether_the_annual_goal_was_met(real_data):
    text = narrative.year_to_date_sentence(metrics.summarize(real_data, "2019Q4"))
    assert "~367,200" in text and "The goal was met (+7,200 against its low end)" in text


def test_file_names_in_the_sources_table_break_between_words(real_data):
    assert elements.file_name("data/production_deliveries.csv") == (
        "data/<wbr>production_<wbr>deliveries.csv"
    )
    assert elements.file_name("a<b>/c") == "a&lt;b&gt;/<wbr>c"  # escaped first
    html = quarterly.sources_table(metrics.summarize(real_data, "2019Q3"), real_data)
    assert "data/<wbr>production_<wbr>deliveries.csv, row 56" in html
