"""Delivery-day facts: YoY runs, the inventory build's rank, year to date, model lines' YoY,
and the sentences a report makes of them.

Worked by hand from data/production_deliveries.csv (Total rows, as first announced). YoY
deliveries: every quarter from 2017Q1 to 2020Q1 rose, 2020Q2 fell (90,650 vs 95,200), 2020Q3 to
2023Q4 rose (14 quarters), 2024Q1 fell (386,810 vs 422,875, -8.5%), 2024Q2 fell, 2024Q3 and
2024Q4 rose, 2025Q1 and 2025Q2 fell, 2025Q3 rose, 2025Q4 fell, 2026Q1 rose.
"""

from __future__ import annotations

import pytest

from deliveries.analysis import facts, metrics
from deliveries.writing import facts as fact
from deliveries.writing import narrative


@pytest.fixture(scope="module")
def summary(real_data):
    return lambda quarter: metrics.summarize(real_data, quarter)


def figures(summary, quarter: str) -> dict:
    return summary(quarter).to_dict()


def test_q1_2024_first_decline_since_q2_2020_and_the_largest_build(summary):
    data = figures(summary, "2024Q1")
    assert (data["delivered_yoy_streak"], data["delivered_yoy_prior_streak"]) == (-1, 14)
    assert data["last_delivered_yoy_decline"] == "2020Q2"
    assert data["delivered_yoy_lowest"] is True  # -8.5% is below 2020Q2's -4.8%
    assert round(data["delivered_yoy_pct"], 1) == -8.5
    assert (data["gap"], data["gap_rank"], data["gap_larger_last"]) == (46561, 1, None)
    assert (data["delivered_ytd"], data["delivered_ytd_prior"]) == (386810, 422875)


def test_q3_2025_rise_after_two_falls_and_year_to_date(summary):
    data = figures(summary, "2025Q3")
    assert (data["delivered_yoy_streak"], data["delivered_yoy_prior_streak"]) == (1, -2)
    assert data["last_delivered_yoy_decline"] == "2025Q2"
    assert data["delivered_ytd"] == 336681 + 384122 + 497099 == 1217902
    assert data["delivered_ytd_prior"] == 386810 + 443956 + 462890 == 1293656
    assert data["delivered_ytd_change_pct"] == pytest.approx((1217902 / 1293656 - 1) * 100)
    assert round(data["delivered_ytd_change_pct"], 2) == -5.86
    # 447,450 - 497,099 = -49,649: the largest draw, so every other gap is larger
    assert data["gap_rank"] == data["gap_quarters"] and data["gap_draw_rank"] == 1


def test_q1_2026_build_is_larger_than_q1_2024s(summary):
    data = figures(summary, "2026Q1")
    assert (data["gap"], data["gap_rank"], data["gap_larger_last"]) == (50363, 1, None)
    before = figures(summary, "2025Q4")
    assert before["gap_larger_last"] is not None  # 46,561 in 2024Q1 was the largest before


def test_first_quarter_of_the_data_has_only_its_deliveries_so_far(summary):
    data = figures(summary, "2016Q1")  # no 2015 quarters; the release gave no production
    for key in ("delivered_yoy_streak", "delivered_yoy_prior_streak", "delivered_yoy_lowest"):
        assert data[key] is None
    assert data["last_delivered_yoy_decline"] is None
    assert (data["gap_rank"], data["gap_larger_last"]) == (None, None)
    assert (data["delivered_ytd"], data["delivered_ytd_prior"]) == (14820, None)
    assert data["delivered_ytd_change_pct"] is None
    assert [m["delivered_yoy_pct"] for m in data["models"]] == [None, None]


def test_first_yoy_quarter_starts_a_run_with_nothing_before(summary):
    data = figures(summary, "2017Q1")  # 25,000 vs 14,820
    assert (data["delivered_yoy_streak"], data["delivered_yoy_prior_streak"]) == (1, None)
    assert data["delivered_yoy_lowest"] is None  # no earlier YoY change to be below
    # gaps: 2016Q2 3,975; 2016Q3 685; 2016Q4 2,682; 2017Q1 418: the smallest of four
    assert (data["gap"], data["gap_rank"], data["gap_larger_last"]) == (418, 4, "2016Q4")
    lines = {m["model_line"]: m["delivered_yoy_pct"] for m in data["models"]}
    assert lines["Model S"] == pytest.approx((13450 / 12420 - 1) * 100)
    assert lines["Model X"] == pytest.approx((11550 / 2400 - 1) * 100)


def test_q1_2019_prose_era_ninth_rise_and_no_sx_twin(summary):
    data = figures(summary, "2019Q1")
    assert (data["delivered_yoy_streak"], data["delivered_yoy_prior_streak"]) == (9, None)
    assert data["last_delivered_yoy_decline"] is None
    lines = {m["model_line"]: m["delivered_yoy_pct"] for m in data["models"]}
    assert lines["Model S/X"] is None  # 2018 had Model S and Model X, no S/X deliveries line
    assert lines["Model 3"] == pytest.approx((50900 / 8180 - 1) * 100)
    assert (data["delivered_ytd"], data["delivered_ytd_prior"]) == (63000, 29980)


def test_q2_2019_first_table_layout_largest_draw_so_far(summary):
    data = figures(summary, "2019Q2")  # 87,048 - 95,200 = -8,152; 2019Q1 built 14,100
    assert data["delivered_yoy_streak"] == 10
    assert (data["gap"], data["gap_rank"], data["gap_larger_last"]) == (-8152, 13, "2019Q1")
    assert (data["delivered_ytd"], data["delivered_ytd_prior"]) == (158200, 29980 + 40740)


def test_q2_2020_first_decline_in_the_data(summary):
    data = figures(summary, "2020Q2")  # 90,650 vs 95,200: -4.8%, after 13 rises
    assert (data["delivered_yoy_streak"], data["delivered_yoy_prior_streak"]) == (-1, 13)
    assert data["last_delivered_yoy_decline"] is None
    assert data["delivered_yoy_lowest"] is True
    assert (data["gap"], data["gap_draw_rank"]) == (-8378, 1)  # 82,272 - 90,650
    assert (data["delivered_ytd"], data["delivered_ytd_prior"]) == (88400 + 90650, 63000 + 95200)


def test_q4_2023_other_models_layout(summary):
    data = figures(summary, "2023Q4")
    assert (data["delivered_yoy_streak"], data["delivered_yoy_prior_streak"]) == (14, -1)
    assert data["last_delivered_yoy_decline"] == "2020Q2"
    assert data["delivered_ytd"] == 422875 + 466140 + 435059 + 484507
    assert data["delivered_ytd_prior"] == 310048 + 254695 + 343830 + 405278
    # 10,482 built; larger gaps up to then: 7 quarters
    assert (data["gap"], data["gap_rank"]) == (10482, 8)
    lines = {m["model_line"]: m["delivered_yoy_pct"] for m in data["models"]}
    assert lines["Model 3/Y"] == pytest.approx((461538 / 388131 - 1) * 100)
    assert lines["Other Models"] is None  # 2022Q4 named the line Model S/X


def test_runs_split_at_sign_changes_and_gaps():
    import pandas as pd

    p = pd.Period("2020Q1", freq="Q")
    yoy = {p: 0.1, p + 1: 0.2, p + 2: -0.1, p + 3: None, p + 4: -0.2, p + 5: 0.0, p + 6: -0.1}
    found = [(str(a), str(b), n) for a, b, n in facts.runs(yoy)]
    assert found == [
        ("2020Q1", "2020Q2", 2),
        ("2020Q3", "2020Q3", -1),
        ("2021Q1", "2021Q1", -1),
        ("2021Q2", "2021Q2", 0),
        ("2021Q3", "2021Q3", -1),
    ]


# --- the sentences ---------------------------------------------------------------------------


def test_q1_2024_facts_read_as_delivery_day_copy(summary):
    lines = narrative.facts(summary("2024Q1"))
    assert 3 <= len(lines) <= 5
    assert lines[0] == (
        "Deliveries fell 8.5% year over year, the first fall since Q2 2020, after 14 quarters "
        "of rises."
    )
    assert "steepest year-over-year decline in the data" in lines[1]
    assert "inventory build of 46,561 vehicles" in lines[2] and "is the largest" in lines[2]


def test_q3_2025_facts_name_the_year_so_far_and_the_draw(summary):
    text = " ".join(narrative.facts(summary("2025Q3")))
    assert "first rise since Q4 2024, after 2 quarters of falls" in text
    assert "1,217,902, down 5.9% on the same quarters of 2024 (1,293,656)" in text
    assert "inventory draw of 49,649 vehicles" in text


def test_q2_2025_other_models_stand_out(summary):
    text = fact.model_line_fact(summary("2025Q2"))
    assert text.startswith("Other Models deliveries fell 51.8% on Q2 2024")


def test_every_quarter_has_three_to_five_facts_and_no_nan(real_data):
    for quarter in real_data.quarters:
        lines = narrative.facts(metrics.summarize(real_data, quarter))
        assert 3 <= len(lines) <= 5, quarter
        assert not any("nan" in line.lower() or "None" in line for line in lines), quarter


def test_first_quarter_says_what_the_data_cannot_tell(summary):
    lines = narrative.facts(summary("2016Q1"))
    assert lines == [
        "Q1 2016 has no year-over-year figure: Q1 2015 is not in the data.",
        "The release gives no production figure for Q1 2016: no inventory change to rank.",
        "Energy storage deployments for Q1 2016 are not in the data (they start in Q1 2019).",
    ]
