"""The loader: the real tables load, and each kind of bad input gets one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from deliveries.data import dataset
from deliveries.errors import DataError, ParameterError

from .conftest import write_goals, write_table

GOOD = [
    "2019Q2,Model S/X,14517,17650,,true,2019-07-02,release,,",
    "2019Q2,Model 3,72531,77550,,true,2019-07-02,release,,",
    "2019Q2,Total,87048,95200,,true,2019-07-02,release,,",
]


def load_rows(tmp_path, rows):
    return dataset.load_deliveries(write_table(tmp_path, rows))


def problem(tmp_path, rows) -> str:
    with pytest.raises(DataError) as caught:
        load_rows(tmp_path, rows)
    return str(caught.value)


def test_real_data_covers_every_reference_quarter(real_data):
    assert real_data.quarters[0] == "2016Q1"
    assert real_data.quarters[-1] == "2026Q3"
    assert len(real_data.quarters) == 43  # 2016Q1-2026Q3 with none missing
    assert len(real_data.deliveries) == 139  # the reference's rows, one Total per quarter
    assert real_data.coverage == "2016Q1-2026Q3"


def test_2026_quarters_are_the_reference_figures(real_data):
    # As in the reference compilation (tesla_production_deliveries.csv, rows 131-139).
    rows = real_data.deliveries[real_data.deliveries["quarter"] == "2026Q3"].set_index("model_line")
    assert rows.loc["Model 3/Y", ["produced", "delivered"]].tolist() == [457_387, 478_237]
    assert rows.loc["Other Models", ["produced", "delivered"]].tolist() == [7_004, 8_295]
    assert rows.loc["Total", ["produced", "delivered"]].tolist() == [464_391, 486_532]
    assert rows["lease_pct"].tolist() == [1, 4, 1]
    assert not rows["delivered_approx"].any()
    assert set(rows["release_date"]) == {"2026-10-02"}
    assert rows.loc["Total", "source"] == (
        "Tesla Third Quarter 2026 Production, Deliveries & Deployments"
    )
    assert rows.loc["Total", "source_url"] == (
        "https://ir.tesla.com/press-release/"
        "tesla-third-quarter-2026-production-deliveries-and-deployments"
    )
    assert rows.loc["Total", "verified"].startswith("seen in: public code files only")
    assert int(rows.loc["Total", "row"]) == 140  # 139 data rows below the header
    totals = real_data.totals
    assert [int(totals.loc[q, "delivered"]) for q in ("2026Q1", "2026Q2")] == [358_023, 480_126]
    assert [int(totals.loc[q, "produced"]) for q in ("2026Q1", "2026Q2")] == [408_386, 451_758]


def test_unknown_figures_stay_unknown_not_zero(real_data):
    q1_2016 = real_data.totals.loc[real_data.require_quarter("2016Q1")]
    assert q1_2016["produced"] is None or str(q1_2016["produced"]) == "<NA>"
    sx_2021q1 = real_data.lines[
        (real_data.lines["quarter"] == "2021Q1") & (real_data.lines["model_line"] == "Model S/X")
    ]
    assert int(sx_2021q1["produced"].iloc[0]) == 0  # the release printed "-": stored as 0


def test_every_row_keeps_its_source_and_row_number(real_data):
    assert (real_data.deliveries["source"] != "").all()
    assert real_data.deliveries["row"].min() == 2


def test_missing_column_names_file_and_column(tmp_path):
    path = write_table(
        tmp_path, ["2019Q2,Total,87048,95200"], header="quarter,model_line,produced,delivered"
    )
    with pytest.raises(
        DataError, match=r"production_deliveries.csv, row 1: missing column 'lease_pct'"
    ):
        dataset.load_deliveries(path)


@pytest.mark.parametrize(
    "value, message",
    [
        ("12.5", '"12.5" is not a whole number of vehicles'),
        ("-5", '"-5" is negative'),
        ("lots", '"lots" is not a number of vehicles'),
    ],
)
def test_bad_counts_name_row_and_column(tmp_path, value, message):
    rows = [GOOD[0], GOOD[1].replace("77550", value), GOOD[2]]
    text = problem(tmp_path, rows)
    assert "row 3, delivered:" in text and message in text


def test_thousands_separators_are_accepted(tmp_path):
    rows = [GOOD[0], GOOD[1].replace("72531", '"72,531"'), GOOD[2]]
    frame = load_rows(tmp_path, rows)
    assert int(frame.loc[frame["model_line"] == "Model 3", "produced"].iloc[0]) == 72531


@pytest.mark.parametrize("label", ["2019-Q2", "Q2 2019", "2019Q5"])
def test_bad_quarter_labels(tmp_path, label):
    text = problem(tmp_path, [GOOD[0].replace("2019Q2", label), GOOD[1], GOOD[2]])
    assert "row 2, quarter:" in text and "not a quarter label" in text


def test_duplicate_quarter_and_model_line(tmp_path):
    text = problem(tmp_path, [GOOD[0], GOOD[0], GOOD[1], GOOD[2]])
    assert "row 3, model_line: duplicate of row 2" in text


@pytest.mark.parametrize("value", ["101", "-1", "abc"])
def test_lease_percentage_outside_0_100(tmp_path, value):
    text = problem(tmp_path, [GOOD[0].replace(",,true", f",{value},true"), GOOD[1], GOOD[2]])
    assert "row 2, lease_pct:" in text


def test_every_problem_gets_its_own_line(tmp_path):
    rows = [GOOD[0].replace("14517", "x"), GOOD[1].replace("77550", "-1"), GOOD[2]]
    with pytest.raises(DataError) as caught:
        load_rows(tmp_path, rows)
    assert len(caught.value.problems) == 2


def test_lines_that_do_not_add_up_to_the_total(tmp_path):
    text = problem(tmp_path, [GOOD[0], GOOD[1], GOOD[2].replace("95200", "95300")])
    assert "row 4, delivered: 2019Q2 Total is 95,300 but the model lines" in text


def test_a_missing_total_row_is_derived_from_complete_lines(tmp_path):
    frame = load_rows(tmp_path, GOOD[:2])
    total = frame[frame["model_line"] == "Total"].iloc[0]
    assert int(total["produced"]) == 87048 and int(total["delivered"]) == 95200


def test_model_line_with_neither_figure(tmp_path):
    text = problem(tmp_path, [GOOD[0], "2019Q2,Model Y,,,,true,2019-07-02,r,,", GOOD[1], GOOD[2]])
    assert "neither a produced nor a delivered figure" in text


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        dataset.load_deliveries(tmp_path / "nope.csv")
    with pytest.raises(ParameterError, match="does not exist"):
        dataset.load(tmp_path / "nowhere")


def test_goals_conflicting_for_one_quarter(tmp_path):
    path = write_goals(
        tmp_path,
        [
            "2019Q3,deliveries,all,100000,,internal goal,2019-09,Musk,,src,",
            "2019Q3,deliveries,all,105000,,internal goal,2019-09,Musk,,src,",
        ],
    )
    with pytest.raises(DataError, match="row 3, goal: conflicts with row 2"):
        dataset.load_goals(path)


def test_goal_zero_is_refused(tmp_path):
    path = write_goals(tmp_path, ["2019Q3,deliveries,all,0,,g,,,,,"])
    with pytest.raises(DataError, match="row 2, goal: is zero"):
        dataset.load_goals(path)


def test_goals_file_has_the_q3_2019_goal(real_data):
    goals = real_data.goals
    row = goals[(goals["period"] == "2019Q3") & (goals["metric"] == "deliveries")]
    assert int(row["goal"].iloc[0]) == 100_000


def test_unknown_quarter_lists_the_nearest(real_data):
    with pytest.raises(
        ParameterError,
        match=r"no data for 2031Q1 .*data covers 2016Q1-2026Q3; nearest: 2026Q1, 2026Q2, 2026Q3",
    ):
        real_data.require_quarter("2031Q1")


def test_the_coverage_in_messages_comes_from_the_data(tmp_path):
    rows = [
        "2019Q1,Total,100,90,,false,2019-04-01,r,,",
        "2019Q2,Total,120,110,,false,2019-07-01,r,,",
    ]
    write_table(tmp_path, rows)
    write_goals(tmp_path, [])
    data = dataset.load(tmp_path)
    with pytest.raises(ParameterError, match=r"data covers 2019Q1-2019Q2; nearest: 2019Q1, 2019Q2"):
        data.require_quarter("2016Q1")
    assert dataset.quarters.label(data.require_quarter("latest")) == "2019Q2"


@pytest.mark.parametrize(
    "value, expected",
    [(None, None), ("100000", 100_000), ("100,000", 100_000), (100_000, 100_000), ("", None)],
)
def test_parse_goal_accepts_whole_numbers(value, expected):
    assert dataset.parse_goal(value) == expected


@pytest.mark.parametrize("value", ["0", "-5", "abc", "1.5", 0, True])
def test_parse_goal_refuses_the_rest(value):
    with pytest.raises(ParameterError, match="goal"):
        dataset.parse_goal(value)


def test_nothing_reads_the_shared_reference_folder():
    # The data in data/ is the project's own copy; ../shared is only where it was taken from.
    root = Path(__file__).resolve().parents[1]
    for path in [*(root / "src").rglob("*.py"), *(root / "notebooks").glob("*.ipynb")]:
        assert "shared/reference" not in path.read_text(encoding="utf-8"), path
