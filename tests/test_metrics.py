"""Metrics against values worked out by hand from the releases (see the comments)."""

from __future__ import annotations

import pandas as pd
import pytest

from deliveries.analysis import metrics, series
from deliveries.data import dataset

from .conftest import write_goals, write_table


@pytest.fixture(scope="module")
def q3_2019(real_data):
    return metrics.summarize(real_data, "2019Q3", goal=100_000)


def test_q3_2019_totals(q3_2019):
    assert q3_2019.produced == 96_155
    assert q3_2019.delivered == 97_000
    assert q3_2019.delivered_approx is True


def test_q3_2019_growth(q3_2019):
    # Q2 2019: 87,048 produced, 95,200 delivered; Q3 2018: 80,142 / 83,500.
    assert q3_2019.produced_qoq == pytest.approx(96_155 / 87_048 - 1)
    assert q3_2019.produced_qoq * 100 == pytest.approx(10.46, abs=0.005)
    assert q3_2019.delivered_qoq * 100 == pytest.approx(1.89, abs=0.005)
    assert q3_2019.produced_yoy * 100 == pytest.approx(19.98, abs=0.005)
    assert q3_2019.delivered_yoy * 100 == pytest.approx(16.17, abs=0.005)


def test_q3_2019_gap_and_cumulative_gap(q3_2019):
    assert q3_2019.gap == -845
    # Sum of produced - delivered, 2016Q2..2019Q3 (2016Q1 has no production figure):
    # 3975+685+2682+418+3708-814-5305+4514+12599-3358-4145+14100-8152-845
    assert q3_2019.cumulative_gap == 20_062
    assert q3_2019.cumulative_gap_from == "2016Q2"


def test_q3_2019_shortfall_and_band(q3_2019):
    assert q3_2019.goal == 100_000
    assert q3_2019.shortfall == 3_000
    assert q3_2019.shortfall_fraction * 100 == pytest.approx(3.0)
    # 97,000 x 0.995 = 96,515 and x 1.005 = 97,485
    assert (q3_2019.shortfall_low, q3_2019.shortfall_high) == (2_515, 3_485)


def test_q3_2019_records_both_previous_q2_2019(q3_2019):
    assert q3_2019.record_produced == metrics.Record(True, "2019Q2", 87_048)
    assert q3_2019.record_delivered == metrics.Record(True, "2019Q2", 95_200)


def test_q3_2019_model_lines(q3_2019):
    by_name = {m.model_line: m for m in q3_2019.models}
    assert by_name["Model 3"].delivered_share_pct == pytest.approx(79_600 / 97_000 * 100)
    assert round(by_name["Model 3"].delivered_share_pct, 2) == 82.06
    assert by_name["Model S/X"].leased_estimate == 2_610  # 17,400 x 15%
    assert by_name["Model 3"].leased_estimate == 6_368  # 79,600 x 8%
    assert by_name["Model S/X"].gap == 16_318 - 17_400
    assert q3_2019.leased_estimate == 8_978


def test_q3_2019_default_goal_is_the_stated_100000(real_data):
    assert metrics.summarize(real_data, "2019Q3").goal == 100_000


def test_q3_2019_year_to_date(q3_2019):
    ytd = q3_2019.year_to_date
    assert ytd.so_far == 63_000 + 95_200 + 97_000 == 255_200
    assert (ytd.goal, ytd.goal_high) == (360_000, 400_000)
    assert (ytd.needed_low, ytd.needed_high) == (104_800, 144_800)


def test_q1_2020_across_the_model_line_change(real_data):
    # Model 3 became "Model 3/Y" in 2020; totals still compare with 2019Q1 (77,100 / 63,000)
    # and 2019Q4 (104,891 / 112,000).
    s = metrics.summarize(real_data, "2020Q1")
    assert s.produced_yoy * 100 == pytest.approx(25_572 / 77_100 * 100)
    assert s.produced_yoy * 100 == pytest.approx(33.167, abs=0.001)
    assert s.delivered_yoy * 100 == pytest.approx(40.317, abs=0.001)
    assert s.produced_qoq * 100 == pytest.approx(-2.116, abs=0.001)
    assert s.delivered_qoq * 100 == pytest.approx(-21.071, abs=0.001)
    assert s.gap == 14_272
    assert s.goal is None and s.shortfall is None
    assert s.record_produced == metrics.Record(False, "2019Q4", 104_891)
    by_name = {m.model_line: m for m in s.models}
    assert set(by_name) == {"Model S/X", "Model 3/Y"}
    assert by_name["Model 3/Y"].leased_estimate == 3_810  # 76,200 x 5%
    assert by_name["Model S/X"].leased_estimate == 1_952  # 12,200 x 16%
    # The 500,000 goal for 2020 was the one in force on 2020-04-02 (the range came in September).
    assert s.year_to_date.goal == 500_000
    assert s.year_to_date.needed_low == 411_600


def test_q2_2016_has_no_production_growth_because_q1_has_no_figure(real_data):
    s = metrics.summarize(real_data, "2016Q2")
    assert s.produced_qoq is None
    assert s.delivered_qoq == pytest.approx(14_370 / 14_820 - 1)
    assert s.produced_yoy is None and s.delivered_yoy is None  # 2015 is not in the data
    assert s.cumulative_gap == s.gap == 3_975
    assert s.record_produced.is_record is None
    assert s.record_delivered == metrics.Record(False, "2016Q1", 14_820)


def test_first_quarter_without_production(real_data):
    s = metrics.summarize(real_data, "2016Q1")
    assert s.produced is None and s.gap is None and s.cumulative_gap is None
    assert s.goal == 16_000 and s.shortfall == 1_180
    assert s.record_delivered.is_record is None


def test_goal_beaten_gives_a_negative_shortfall(real_data):
    s = metrics.summarize(real_data, "2019Q2")  # stated goal: 90,000-100,000
    assert s.goal == 90_000
    assert s.shortfall == -5_200
    assert s.shortfall_fraction * 100 == pytest.approx(-5.7778, abs=0.0001)
    assert (s.shortfall_low, s.shortfall_high) == (90_000 - 95_676, 90_000 - 94_724)


def test_exact_counts_have_no_band(real_data):
    s = metrics.summarize(real_data, "2022Q4", goal=420_000)
    assert s.delivered_approx is False
    assert s.shortfall == s.shortfall_low == s.shortfall_high == 420_000 - 405_278


def test_round_half_up_is_not_bankers_rounding():
    assert metrics.round_half_up(2.5) == 3
    assert metrics.leased_estimate(10_850, 10) == 1_085
    assert metrics.leased_estimate(5, 50) == 3  # 2.5 rounds up


def test_a_quarter_missing_in_the_middle_makes_growth_unknown(tmp_path):
    rows = [
        "2019Q1,Total,100,90,,false,2019-04-01,r,,",
        "2019Q3,Total,120,110,,false,2019-10-01,r,,",
        "2020Q1,Total,130,125,,false,2020-04-01,r,,",
    ]
    data = dataset.Dataset(
        dataset.load_deliveries(write_table(tmp_path, rows)),
        dataset.load_goals(write_goals(tmp_path, [])),
        dataset.load_revisions_empty(),
        {"deliveries": tmp_path / "production_deliveries.csv", "goals": tmp_path / "goals.csv"},
    )
    s = metrics.summarize(data, "2019Q3")
    assert s.produced_qoq is None and s.delivered_qoq is None  # 2019Q2 is missing
    table = series.quarterly_table(data)
    assert table.loc[table["quarter"] == "2019Q3", "delivered_qoq"].isna().all()
    assert metrics.summarize(data, "2020Q1").delivered_yoy == pytest.approx(125 / 90 - 1)


def test_every_quarter_summarizes(real_data):
    for quarter in real_data.quarters:
        summary = metrics.summarize(real_data, quarter)
        assert summary.to_dict()["quarter"] == quarter


def test_annual_table_goals(real_data):
    annual = series.annual_table(real_data).set_index("year")
    # 2019: 63,000 + 95,200 + 97,000 + 112,000 = 367,200 against 360,000.
    assert annual.loc[2019, "actual_for_goal"] == 367_200
    assert bool(annual.loc[2019, "met"]) is True
    # 2017 guidance was Model S and X only: 13,450+11,550+12,000+10,000+14,065+11,865+15,200+13,120
    assert annual.loc[2017, "actual_for_goal"] == 101_250
    assert annual.loc[2017, "goal_scope"] == "Model S/X"


def test_consensus_table_agrees_with_the_summaries(real_data):
    table = series.consensus_table(real_data)
    assert len(table) == 33  # every quarter of data/consensus.csv (2017Q1-2025Q4)
    assert isinstance(table.index, pd.PeriodIndex) and table.index.is_monotonic_increasing
    for period, row in table.iterrows():
        summary = metrics.summarize(real_data, row["quarter"]).to_dict()
        for key in ("consensus", "consensus_provider", "consensus_count", "vs_consensus_low"):
            assert row[key] == summary[key], (period, key)
        assert row["vs_consensus_fraction"] * 100 == pytest.approx(summary["vs_consensus_pct"])
    # 2019Q3: 97,000 against FactSet's 99,000
    q3 = table.loc[pd.Period("2019Q3", freq="Q")]
    assert (q3["consensus"], q3["vs_consensus"]) == (99_000, -2_000)


def test_consensus_table_without_consensus_is_empty(real_data):
    bare = dataset.Dataset(
        real_data.deliveries, real_data.goals, real_data.revisions, real_data.paths
    )
    table = series.consensus_table(bare)
    assert table.empty and "vs_consensus" in table.columns


def test_summaries_of_quarters_after_2025(real_data):
    # 2026Q3 against 2026Q2 (451,758 / 480,126) and 2025Q3 (447,450 / 497,099).
    s = metrics.summarize(real_data, "2026Q3")
    assert (s.produced, s.delivered, s.delivered_approx) == (464_391, 486_532, False)
    assert s.delivered_qoq == pytest.approx(486_532 / 480_126 - 1)
    assert s.delivered_yoy == pytest.approx(486_532 / 497_099 - 1)
    assert s.gap == 464_391 - 486_532 == -22_141
    assert s.year_to_date.quarters == ["2026Q1", "2026Q2", "2026Q3"]
    assert s.year_to_date.so_far == 358_023 + 480_126 + 486_532


def _small_data(tmp_path, rows, goals=()):
    return dataset.Dataset(
        dataset.load_deliveries(write_table(tmp_path, rows)),
        dataset.load_goals(write_goals(tmp_path, list(goals))),
        dataset.load_revisions_empty(),
        {"deliveries": tmp_path / "production_deliveries.csv", "goals": tmp_path / "goals.csv"},
    )


def test_the_goal_in_force_is_the_latest_stated_by_the_release(tmp_path):
    rows = [
        "2019Q1,Total,100,90,,false,2019-04-02,r,,",
        "2019Q2,Total,100,95,,false,2019-07-02,r,,",
    ]
    goals = [
        "2019Q1,deliveries,all,80,,,2019-01-30,a,,s1,",
        "2019Q1,deliveries,all,85,,,2019-03-01,b,,s2,",  # the latest before the release
        "2019Q1,deliveries,all,86,,,2019-05-01,c,,s3,",  # after the release
        "2019Q1,production,all,99,,,2019-03-20,d,,s4,",  # another metric
        "2019Q2,deliveries,all,70,,,2019-08-01,e,,s5,",  # only after the release: the earliest
        "2019Q2,deliveries,all,71,,,2019-07-15,f,,s6,",
    ]
    data = _small_data(tmp_path, rows, goals)
    assert metrics.summarize(data, "2019Q1").goal == 85
    assert metrics.summarize(data, "2019Q2").goal == 71


def test_undated_goals_count_only_when_none_was_stated_by_the_release(tmp_path):
    rows = [
        "2019Q1,Total,100,90,,false,2019-04-02,r,,",
        "2019Q2,Total,100,95,,false,2019-07-02,r,,",
    ]
    goals = [
        "2019Q1,deliveries,all,80,,,,a,,s1,",
        "2019Q1,deliveries,all,81,,,2019-03-01,b,,s2,",  # stated before the release: in force
        "2019Q2,deliveries,all,75,,,2019-08-01,c,,s3,",
        "2019Q2,deliveries,all,76,,,,d,,s4,",  # none before the release: the undated one
    ]
    data = _small_data(tmp_path, rows, goals)
    assert metrics.summarize(data, "2019Q1").goal == 81
    assert metrics.summarize(data, "2019Q2").goal == 76


def test_record_ties_and_cumulative_gap_skip_unknown_quarters(tmp_path):
    rows = [
        "2019Q1,Total,,90,,false,2019-04-02,r,,",  # no production figure: no gap
        "2019Q2,Total,100,95,,false,2019-07-02,r,,",
        "2019Q3,Total,120,95,,false,2019-10-02,r,,",  # ties 2019Q2's deliveries
        "2019Q4,Total,110,,,false,2020-01-03,r,,",
    ]
    data = _small_data(tmp_path, rows)
    q3 = metrics.summarize(data, "2019Q3")
    assert q3.record_delivered == metrics.Record(False, "2019Q2", 95)  # a tie is no record
    assert q3.record_produced == metrics.Record(True, "2019Q2", 100)
    assert (q3.cumulative_gap, q3.cumulative_gap_from) == (5 + 25, "2019Q2")
    assert metrics.summarize(data, "2019Q1").record_delivered == metrics.Record(None, None, None)
