"""Storage and the delivery-day facts in the reports' blocks, the index, the e-mail and the
metrics table; one rendered report (end to end) showing 9.4 GWh on page 1."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from deliveries.analysis import metrics, series
from deliveries.data import dataset
from deliveries.pages import history, index, quarterly
from deliveries.writing import narrative
from deliveries.writing import wording as say
from deliveries.writing.metrics_text import metrics_text

from .conftest import DATA_DIR


@pytest.fixture(scope="module")
def summary(real_data):
    return lambda quarter: metrics.summarize(real_data, quarter)


def test_the_headline_gives_storage_its_change_and_record_status(summary):
    # 13,700 / 13,500 - 1 = +1.5%; 13,700 / 12,500 - 1 = +9.6%; the record is 14,200 (2025Q4)
    assert say.storage_sentence(summary("2026Q3")) == (
        "Tesla deployed 13.7 GWh of energy storage in Q3 2026, up 1.5% on Q2 2026 and up 9.6% "
        "on Q3 2025, below the record 14.2 GWh of Q4 2025."
    )
    assert "Tesla deployed 13.7 GWh" in narrative.headline(summary("2026Q3"))


def test_a_storage_record_names_the_previous_high_as_stated(summary):
    assert say.storage_sentence(summary("2024Q1")) == (
        "Tesla deployed 4,053 MWh of energy storage in Q1 2024, up 26.6% on Q4 2023 and up 4.2% "
        "on Q1 2023, a storage record (previous high: 3,980 MWh of Q3 2023)."
    )


def test_an_update_letter_figure_says_so(summary):
    text = say.storage_sentence(summary("2019Q3"))  # 477 MWh; 415 in Q2: +14.9%; no 2018 figure
    assert text == (
        "Tesla deployed 477 MWh of energy storage in Q3 2019 (as stated in the quarterly Update "
        "letter), up 14.9% on Q2 2019, a storage record (previous high: 415 MWh of Q2 2019)."
    )
    table = quarterly.kpi_table(summary("2019Q3"))
    assert "Update letter" in table and "477 MWh" in table


def test_first_storage_quarter_has_no_comparison_or_record(summary):
    assert say.storage_sentence(summary("2019Q1")) == (
        "Tesla deployed 229 MWh of energy storage in Q1 2019 (as stated in the quarterly Update "
        "letter)."
    )


def test_a_quarter_before_the_storage_data_says_so_and_never_nan(summary):
    s = summary("2016Q1")
    expected = "Energy storage deployments for Q1 2016 are not in the data (they start in Q1 2019)."
    assert say.storage_sentence(s) == expected
    page = "".join(
        [
            quarterly.headline_block(s),
            quarterly.kpi_table(s),
            quarterly.facts_block(s),
            quarterly.storage_block(s, series.storage_table(dataset.load(DATA_DIR))),
        ]
    )
    assert expected in page and "nan" not in page.lower() and "None" not in page


def test_without_storage_csv_the_report_says_storage_is_not_in_the_data(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder, ignore=shutil.ignore_patterns("storage.csv"))
    data = dataset.load(folder)
    s = metrics.summarize(data, "2026Q3")
    assert say.storage_sentence(s) == "Energy storage deployments for Q3 2026 are not in the data."
    block = quarterly.storage_block(s, series.storage_table(data))
    assert "not in the data" in block and "<img" not in block
    assert "Storage" not in quarterly.sources_table(s, data)
    view = series.build(data)
    assert "not in the data" in history.storage_section(view)


def test_key_figures_have_storage_and_year_to_date_rows(summary):
    table = quarterly.kpi_table(summary("2025Q3"))
    assert "Storage deployed" in table and "12.5 GWh" in table and "9.6 GWh" in table
    assert "+30.2%" in table and "+81.2%" in table  # 12,500/9,600 - 1; 12,500/6,900 - 1
    assert "Delivered, 2025 so far" in table and "1,217,902" in table and "1,293,656" in table
    assert "\u22125.9%" in table
    assert "Storage, 2025 so far" in table and "32.5 GWh" in table and "20.4 GWh" in table


def test_the_sources_list_the_storage_row(summary, real_data):
    table = quarterly.sources_table(summary("2024Q2"), real_data)
    assert "storage.csv, row 23" in table and "teslarati.com" in table
    medium = quarterly.sources_table(summary("2026Q3"), real_data)
    assert "storage.csv, row 32" in medium and "medium confidence" in medium


def test_the_facts_block_and_the_rule_in_methods(summary, real_data):
    block = quarterly.facts_block(summary("2024Q1"))
    assert block.count("<li>") == 4 and "first fall since Q2 2020" in block
    methods = quarterly.methods(summary("2024Q1"), real_data)
    assert "Choosing the delivery-day facts" in methods and "Storage deployed" in methods


def test_the_storage_chart_covers_the_quarters_in_view(summary, real_data):
    block = quarterly.storage_block(summary("2024Q2"), series.storage_table(real_data))
    assert block.startswith('<figure class="chart"><img src="data:image/svg+xml;base64,')
    assert "Energy storage deployed per quarter, Q3 2022\u2013Q2 2024" in block


def test_metrics_text_has_storage_and_facts_rows(summary):
    text = metrics_text(summary("2024Q1"))
    assert "Storage deployed" in text and "4,053 MWh (stated in the release)" in text
    assert "Storage record" in text and "yes (previous: 2023Q3, 3,980 MWh)" in text
    assert "Delivery-day facts:" in text and "first fall since Q2 2020" in text


def test_the_index_has_a_storage_column(real_data, tmp_path):
    page = index.build_index(real_data, tmp_path)
    assert "<th>Storage</th>" in page or ">Storage<" in page
    assert "13.7 GWh" in page and "229 MWh" in page


def test_the_email_body_has_one_storage_line(summary):
    from deliveries.delivery.mailer.message import plain_body

    body = plain_body(summary("2026Q3"), "report.pdf")
    lines = [line for line in body.splitlines() if line.startswith("- Storage deployed")]
    assert len(lines) == 1 and "13.7 GWh" in lines[0]


def test_history_has_storage_per_quarter_and_year_and_the_runs_table(real_data):
    view = series.build(real_data)
    section = history.storage_section(view)
    # 2019-2025 totals from the quarters: 1,651 ... 46,700 MWh; 2026 so far: 8.8+13.5+13.7
    for total in ("1,651", "3,022", "3,992", "6,541", "14,724", "31,353", "46,700", "36,000"):
        assert total in section
    assert "2026 (3 of 4 quarters)" in section
    runs = history.runs_section(view)
    assert "Q3 2020\u2013Q4 2023" in runs and "14 rises" in runs
    assert "46,561" in runs and "50,363" in runs and "\u221249,649" in runs


@pytest.mark.e2e
def test_the_q2_2024_report_shows_9_4_gwh_on_page_1(tmp_path):
    from deliveries.render import pipeline

    paths = pipeline.render_quarter("2024Q2", out_root=tmp_path)
    page_1 = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(paths["pdf"]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Tesla deployed 9.4 GWh of energy storage in Q2 2024" in " ".join(page_1.split())
    assert "Delivery-day facts" in page_1


def test_a_changed_storage_row_re_renders_that_quarter_not_earlier_ones(tmp_path):
    from deliveries.render.jobs import quarter_job

    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder)
    before = {
        q: quarter_job(dataset.load(folder), q, None, tmp_path, "A4") for q in ("2026Q2", "2026Q3")
    }
    path = folder / "storage.csv"
    path.write_text(path.read_text().replace("2026Q3,13700,13.7 GWh", "2026Q3,13800,13.8 GWh"))
    after = {
        q: quarter_job(dataset.load(folder), q, None, tmp_path, "A4") for q in ("2026Q2", "2026Q3")
    }
    assert before["2026Q2"].fingerprint == after["2026Q2"].fingerprint
    assert before["2026Q3"].fingerprint != after["2026Q3"].fingerprint
    assert after["2026Q3"].parameters["storage_file"] == str(path.resolve())


def test_the_storage_chart_marks_update_letter_figures_and_missing_quarters(real_data):
    from deliveries.pages import plots

    fig = plots.storage_chart(series.storage_table(real_data), "2019Q2")
    ax = fig.axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["Stated in the quarterly Update letter"]
    assert ax.get_ylabel() == "MWh per quarter"  # 229 and 415 MWh: below 1 GWh
    assert [t.get_text() for t in ax.texts].count("n/a") == 6  # 2017Q3-2018Q4
