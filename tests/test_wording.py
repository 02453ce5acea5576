"""How figures are worded (wording.py), goals derived from a growth statement, and the sources
table's reader-facing provenance lines (provenance.py)."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from deliveries.analysis import metrics, series
from deliveries.data import goals
from deliveries.pages import explore, index, quarterly
from deliveries.pages import history as history_sections
from deliveries.writing import narrative
from deliveries.writing import wording as say
from deliveries.writing.provenance import goal_provenance, release_provenance

# --- one wording for each figure ------------------------------------------------------------


def test_quarter_names_counts_and_percentages():
    assert say.quarter_name("2019Q3") == "Q3 2019"
    assert say.quarter_name(pd.Period("2019Q3", freq="Q")) == "Q3 2019"
    assert say.quarter_name(None) == "n/a"
    assert say.quarter_span("2017Q4", "2019Q3") == "Q4 2017\u2013Q3 2019"
    assert say.count(97_000, approx=True) == "~97,000"
    assert say.count(-845, signed=True) == "\u2212845"
    assert say.percent(0.10462) == "+10.5%" and say.percent(None) == "n/a"
    assert say.change(-0.05) == "down 5.0%"
    assert say.goal_range(360_000, 400_000) == "360,000\u2013400,000"


def test_shortfall_band_is_worded_once_for_table_and_sentence(real_data):
    summary = metrics.summarize(real_data, "2019Q3")
    assert say.shortfall_range(summary) == "2,515 to 3,485"
    assert "allowing for Tesla's \u00b10.5% caveat the shortfall is 2,515 to 3,485" in (
        narrative.goal_sentence(summary)
    )
    assert "\u00b10.5% range: 2,515 to 3,485</td>" in quarterly.kpi_table(summary)


def test_the_consensus_is_worded_once_for_table_sentence_and_mail(real_data):
    summary = metrics.summarize(real_data, "2019Q3")
    assert say.vs_consensus_range(summary) == "\u22122,485 to \u22121,515"
    assert say.vs_consensus_value(summary) == "~\u22122,000 (\u22122.0%)"
    assert say.consensus_spread(94_422, 99_000) == "94,422\u201399,000"
    assert say.consensus_spread(99_000, 99_000) == "99,000"
    assert say.vs_consensus_cell(summary.vs_consensus_fraction) == "\u22122.0%"
    assert say.vs_consensus_cell(None) == ""
    assert say.consensus_subject(summary) == "missed consensus (99,000)"
    assert say.when_words("R+") == "reported a few days after the release (day not stated)"
    assert say.when_words(None) == "given for this report"


def test_no_module_but_wording_writes_a_quarter_name_itself():
    from pathlib import Path

    package = Path(say.__file__).parents[1]
    own = {Path(say.__file__), package / "data" / "quarters.py"}
    for module in sorted(set(package.rglob("*.py")) - own):
        source = module.read_text(encoding="utf-8")
        assert "quarters.display" not in source, module
        assert 'f"Q{' not in source, module


# --- goals derived from a growth statement --------------------------------------------------


def goal_row(real_data, period: str, metric: str = "deliveries") -> pd.Series:
    goals = real_data.goals
    return goals[(goals["period"] == period) & (goals["metric"] == metric)].iloc[-1]


def test_derived_goals_are_recognised_with_their_statement(real_data):
    assert goals.derived_statement(goal_row(real_data, "2021")["quote"]) == "50% growth"
    assert goals.derived_statement(goal_row(real_data, "2025")["quote"]) == "20\u201330% growth"
    assert goals.derived_statement(goal_row(real_data, "2019")["quote"]) is None
    assert goals.derived_statement(goal_row(real_data, "2019Q3")["quote"]) is None


def test_year_to_date_marks_a_derived_annual_goal(real_data):
    summary = metrics.summarize(real_data, "2021Q2")
    text = quarterly.year_to_date_block(summary, real_data)
    assert "The annual goal is 749,325 (derived from a statement of 50% growth" in text
    assert "Tesla gave no unit count" in text
    stated = quarterly.year_to_date_block(metrics.summarize(real_data, "2019Q3"), real_data)
    assert "derived" not in stated and "360,000\u2013400,000" in stated


def test_history_annual_table_marks_derived_goals(real_data):
    table = history_sections.history_table(series.build(real_data).annual)
    row_2021 = re.search(r"<tr><th>2021</th>.*?</tr>", table).group(0)
    row_2025 = re.search(r"<tr><th>2025</th>.*?</tr>", table).group(0)
    row_2019 = re.search(r"<tr><th>2019</th>.*?</tr>", table).group(0)
    assert "749,325</span> (derived)" in row_2021
    assert "2,147,071\u20132,325,994</span> (derived)" in row_2025
    assert "derived" not in row_2019
    assert "2021: 50% growth" in table and "2025: 20\u201330% growth" in table


def test_sources_table_explains_a_derived_goal(real_data):
    html = quarterly.methods(metrics.summarize(real_data, "2021Q2"), real_data)
    assert "Derived from a statement of 50% growth, not a unit count Tesla gave." in html


def with_derived_quarter_goal(real_data):
    """The data with the 2019Q3 goal recorded as derived from a growth statement."""
    goals = real_data.goals.copy()
    chosen = goals["period"] == "2019Q3"
    goals.loc[chosen, "quote"] = "derived: 5% growth on Q2 2019 (95,200 x 1.05)"
    return dataclasses.replace(real_data, goals=goals)


@pytest.mark.e2e
def test_kpi_table_index_and_explorer_mark_a_derived_quarter_goal(real_data, tmp_path):
    data = with_derived_quarter_goal(real_data)
    summary = metrics.summarize(data, "2019Q3")
    kpis = quarterly.kpi_table(summary, data)
    assert "<td>100,000 (derived)</td>" in kpis and "Q3 2019: 5% growth" in kpis
    assert "<td>100,000</td>" in quarterly.kpi_table(summary, real_data)
    page = index.build_index(data, tmp_path)
    assert "<td>100,000 (derived)</td>" in page and "Q3 2019: 5% growth" in page
    assert "(derived)" not in index.build_index(real_data, tmp_path)
    assert explore.goal_results(data).loc["2019Q3", "goal_basis"] == "derived from 5% growth"
    assert explore.goal_results(real_data).loc["2019Q3", "goal_basis"] == "stated"


def test_explorer_annual_results_say_which_goals_were_derived(real_data):
    results = explore.annual_results(real_data)
    assert results.loc[2021, "goal_basis"] == "derived from 50% growth"
    assert results.loc[2025, "goal_basis"] == "derived from 20\u201330% growth"
    assert results.loc[2019, "goal_basis"] == "stated"
    assert results.loc[2024, "goal_basis"] == ""


# --- provenance ------------------------------------------------------------------------------


def total_row(real_data, quarter: str) -> pd.Series:
    return real_data.totals.loc[pd.Period(quarter, freq="Q")]


def provenance_of(real_data, quarter: str) -> str:
    row = total_row(real_data, quarter)
    return release_provenance(row["verified"], row["source_url"])


def test_provenance_of_real_release_rows(real_data):
    assert provenance_of(real_data, "2019Q2") == (
        "SEC filing (8-K exhibit 99.1); also news copies (stockhouse.com, electrek.co, "
        "insideevs.com); no lease share in the release"
    )
    assert provenance_of(real_data, "2018Q3") == (
        "News copies (evsector.com); release date not confirmed"
    )
    assert provenance_of(real_data, "2016Q4").endswith("; release text not found")
    assert provenance_of(real_data, "2017Q3") == (
        "SEC filing (8-K exhibit 99.1); release date not confirmed"
    )
    assert provenance_of(real_data, "2019Q3") == (
        "News copies (insideevs.com, carinmylife.com, carbuzz.com); "
        "no total lease share in the release"
    )


def test_provenance_of_a_real_goal_row(real_data):
    row = goal_row(real_data, "2019Q3")
    assert goal_provenance(row["verified"], row["source"]) == (
        "News reports (carbuzz.com, electrive.com, sirelonmusk.com); original article not found,"
        " date stated not confirmed"
    )


def test_every_real_row_gets_a_reader_facing_line(real_data):
    for _, row in real_data.totals.iterrows():
        line = release_provenance(row["verified"], row["source_url"])
        assert line[0].isupper() and "seen in" not in line and "NOTE" not in line, line
        assert "_" not in line, line  # no column names such as release_date


def test_sources_table_shows_provenance_not_working_notes(real_data):
    html = quarterly.methods(metrics.summarize(real_data, "2019Q3"), real_data)
    assert "seen in:" not in html and "NOTE:" not in html
    assert "News copies (evsector.com); release date not confirmed" in html
    assert "SEC filing (8-K exhibit 99.1)" in html
