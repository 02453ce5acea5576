"""The storage table, its validation and the storage and delivery-day metrics.

Expected values are worked by hand from data/storage.csv and data/production_deliveries.csv;
the arithmetic is in the comments.
"""

from __future__ import annotations

import json
import shutil

import pytest

from deliveries import cli
from deliveries.analysis import metrics
from deliveries.data import dataset, storage
from deliveries.errors import DataError

from .conftest import DATA_DIR, write_table

STORAGE_HEADER = "quarter,storage_mwh,as_stated,stated_in,source_url,confidence,note"
URL = "https://example.com/letter"

STORAGE_KEYS = [
    "storage_mwh",
    "storage_as_stated",
    "storage_stated_in",
    "storage_source",
    "storage_qoq_pct",
    "storage_yoy_pct",
    "record_storage",
    "previous_record_storage",
    "storage_ytd_mwh",
    "storage_ytd_prior_mwh",
]
FACT_KEYS = [
    "delivered_yoy_streak",
    "delivered_yoy_prior_streak",
    "last_delivered_yoy_decline",
    "delivered_yoy_lowest",
    "gap_rank",
    "gap_larger_last",
    "delivered_ytd",
    "delivered_ytd_prior",
    "delivered_ytd_change_pct",
]


def write_storage(folder, rows):
    return write_table(folder, rows, name="storage.csv", header=STORAGE_HEADER)


def storage_problem(tmp_path, *rows) -> str:
    with pytest.raises(DataError) as caught:
        storage.load_storage(write_storage(tmp_path, list(rows)))
    assert len(caught.value.problems) == 1, caught.value.problems
    return caught.value.problems[0]


# --- the table -------------------------------------------------------------------------------


def test_the_real_table_has_31_quarters_each_with_its_source(real_data):
    table = real_data.storage
    assert len(table) == 31 and table["quarter"].iloc[0] == "2019Q1"
    assert table["quarter"].iloc[-1] == "2026Q3"
    assert table["source_url"].str.match(r"^https?://").all()
    assert set(table["stated_in"]) == {"release", "update"}
    # the release states storage from 2024Q1 on; before that the Update letter did
    assert (table["stated_in"] == "release").tolist() == [q >= "2024Q1" for q in table["quarter"]]


def test_each_years_quarters_add_up_to_teslas_annual_totals(real_data):
    table = real_data.storage
    years = table.groupby(table["quarter"].str[:4])["storage_mwh"].sum()
    # SOURCES.md: 2019 1,651; 2020 3,022; 2021 3,992; 2022 6,541; 2023 14,724; 2024 31,353;
    # 2025 46,700 MWh
    expected = [1651, 3022, 3992, 6541, 14724, 31353, 46700]
    assert years.loc["2019":"2025"].tolist() == expected


@pytest.mark.parametrize(
    "text, mwh",
    [
        ("4,053 MWh", 4053),
        ("9.4 GWh", 9400),
        ("11.0 GWh", 11000),
        ("229 MWh", 229),
        ("2 GWh", 2000),
    ],
)
def test_stated_figures_convert_to_mwh(text, mwh):
    assert storage.stated_mwh(text) == mwh


@pytest.mark.parametrize("text", ["9.4", "about 9 GWh", "9.4 TWh", "", "1.2345 MWh"])
def test_other_text_is_not_a_stated_figure(text):
    assert storage.stated_mwh(text) is None


@pytest.mark.parametrize(
    "row, column, message",
    [
        (f'2024Q5,4053,"4,053 MWh",release,{URL},high,', "quarter", "not a quarter label"),
        (f"2024Q2,9410,9.4 GWh,release,{URL},high,", "storage_mwh", "disagrees with as_stated"),
        (f"2024Q2,-9400,9.4 GWh,release,{URL},high,", "storage_mwh", "is negative"),
        (f"2024Q2,9400.5,9.4 GWh,release,{URL},high,", "storage_mwh", "not a whole number"),
        (f"2024Q2,,9.4 GWh,release,{URL},high,", "storage_mwh", "is empty"),
        (f"2024Q2,9400,9.4 gigawatts,release,{URL},high,", "as_stated", "not a figure in MWh"),
        (f"2024Q2,9400,,release,{URL},high,", "as_stated", "is empty"),
        (f"2024Q2,9400,9.4 GWh,letter,{URL},high,", "stated_in", "one of release, update"),
        ("2024Q2,9400,9.4 GWh,release,ir.tesla.com,high,", "source_url", "not an http(s) URL"),
    ],
)
def test_each_bad_cell_is_one_line_naming_file_row_and_column(tmp_path, row, column, message):
    problem = storage_problem(tmp_path, f'2024Q1,4053,"4,053 MWh",release,{URL},high,', row)
    assert problem.startswith("storage.csv, row 3, ") or "storage.csv, row 3," in problem
    assert f"row 3, {column}:" in problem and message in problem


def test_a_quarter_twice_is_a_problem(tmp_path):
    good = f'2024Q1,4053,"4,053 MWh",release,{URL},high,'
    problem = storage_problem(tmp_path, good, good)
    assert "row 3, quarter: duplicate of row 2 (2024Q1)" in problem


def test_bad_table_stops_the_command_with_one_error_line(tmp_path, capsys):
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder)
    write_storage(folder, [f"2024Q2,9410,9.4 GWh,release,{URL},high,"])
    code = cli.main(["metrics", "--quarter", "2024Q2", "--data", str(folder / dataset_file())])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("error: ") and "storage.csv, row 2, storage_mwh" in err


def dataset_file() -> str:
    return "production_deliveries.csv"


# --- storage metrics -------------------------------------------------------------------------


def metrics_json(capsys, quarter: str, *extra: str) -> dict:
    assert cli.main(["metrics", "--quarter", quarter, "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_q1_2024_storage_is_a_record_over_q3_2023(capsys):
    data = metrics_json(capsys, "2024Q1")
    assert set(STORAGE_KEYS + FACT_KEYS) <= set(data)
    assert (data["storage_mwh"], data["storage_as_stated"]) == (4053, "4,053 MWh")
    assert data["storage_stated_in"] == "release"
    assert data["storage_source"].startswith("https://www.sec.gov/")
    assert data["storage_qoq_pct"] == pytest.approx((4053 / 3202 - 1) * 100)  # +26.6%
    assert data["storage_yoy_pct"] == pytest.approx((4053 / 3889 - 1) * 100)  # +4.2%
    assert round(data["storage_qoq_pct"], 1) == 26.6 and round(data["storage_yoy_pct"], 1) == 4.2
    assert data["record_storage"] is True
    assert data["previous_record_storage"] == {"previous_quarter": "2023Q3", "previous_value": 3980}
    assert (data["storage_ytd_mwh"], data["storage_ytd_prior_mwh"]) == (4053, 3889)


def test_q3_2025_storage_record_over_q4_2024_and_year_to_date(capsys):
    data = metrics_json(capsys, "2025Q3")
    assert data["storage_mwh"] == 12500 and data["record_storage"] is True
    assert data["previous_record_storage"] == {
        "previous_quarter": "2024Q4",
        "previous_value": 11000,
    }
    assert data["storage_ytd_mwh"] == 10400 + 9600 + 12500  # 32,500
    assert data["storage_ytd_prior_mwh"] == 4053 + 9400 + 6900  # 20,353


def test_q2_2025_storage_is_not_a_record(capsys):
    # some articles called 9.6 GWh a record; 2024Q4 had 11.0 GWh
    data = metrics_json(capsys, "2025Q2")
    assert data["record_storage"] is False
    assert data["previous_record_storage"]["previous_quarter"] == "2024Q4"


def test_first_storage_quarter_has_no_comparison(capsys):
    data = metrics_json(capsys, "2019Q1")
    assert (data["storage_mwh"], data["storage_stated_in"]) == (229, "update")
    assert data["storage_qoq_pct"] is None and data["storage_yoy_pct"] is None
    assert data["record_storage"] is None
    assert data["previous_record_storage"] == {"previous_quarter": None, "previous_value": None}
    assert (data["storage_ytd_mwh"], data["storage_ytd_prior_mwh"]) == (229, None)


def test_q1_2020_storage_year_ago_is_the_first_storage_quarter(capsys):
    data = metrics_json(capsys, "2020Q1")
    assert data["storage_yoy_pct"] == pytest.approx((260 / 229 - 1) * 100)
    assert data["storage_qoq_pct"] == pytest.approx((260 / 530 - 1) * 100)
    # 2019Q4's 530 MWh is the best before: not a record
    assert data["record_storage"] is False
    assert data["previous_record_storage"]["previous_quarter"] == "2019Q4"


@pytest.mark.parametrize("quarter", ["2016Q1", "2018Q4"])
def test_quarters_before_the_storage_data_have_null_storage(capsys, quarter):
    data = metrics_json(capsys, quarter)
    assert all(data[key] is None for key in STORAGE_KEYS if key != "previous_record_storage")


def test_without_storage_csv_every_storage_key_is_null(tmp_path, capsys):
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder, ignore=shutil.ignore_patterns("storage.csv"))
    data = metrics_json(capsys, "2026Q3", "--data", str(folder / dataset_file()))
    assert all(data[key] is None for key in STORAGE_KEYS if key != "previous_record_storage")
    text = metrics.summarize(dataset.load(folder), "2026Q3")
    assert text.storage.mwh is None


def test_2026q2_storage_year_to_date(real_data):
    s = metrics.summarize(real_data, "2026Q2").storage
    assert (s.ytd_mwh, s.ytd_prior_mwh) == (8800 + 13500, 10400 + 9600)


def test_every_quarter_gives_every_new_key(real_data):
    for quarter in real_data.quarters:
        data = metrics.summarize(real_data, quarter).to_dict()
        assert set(STORAGE_KEYS + FACT_KEYS) <= set(data), quarter
        assert all("delivered_yoy_pct" in m for m in data["models"]), quarter
        json.dumps(data)  # plain JSON: no NaN, NA or numpy numbers
        assert "NaN" not in json.dumps(data), quarter
