"""The consensus table, its validation, the headline rule and the consensus metrics.

Expected values are worked by hand from data/consensus.csv and data/production_deliveries.csv;
the arithmetic is in the comments.
"""

from __future__ import annotations

import json

import pytest

from deliveries.analysis import metrics
from deliveries.data import consensus, dataset
from deliveries.errors import DataError, ParameterError

from .conftest import consensus_row, write_consensus

CONSENSUS_KEYS = [
    "consensus",
    "consensus_provider",
    "consensus_source",
    "consensus_low",
    "consensus_high",
    "consensus_count",
    "vs_consensus",
    "vs_consensus_pct",
    "vs_consensus_low",
    "vs_consensus_high",
]


def with_consensus(data_dir, rows):
    """The data set in ``data_dir`` with its consensus.csv replaced by ``rows``."""
    write_consensus(data_dir, rows)
    return dataset.load(data_dir)


def consensus_problem(tmp_path, *rows) -> str:
    with pytest.raises(DataError) as caught:
        dataset.load_consensus(write_consensus(tmp_path, list(rows)))
    assert len(caught.value.problems) == 1, caught.value.problems
    return caught.value.problems[0]


# --- the table -------------------------------------------------------------------------------


def test_the_real_table_has_every_reference_figure(real_data):
    table = real_data.consensus
    assert len(table) == 113  # 113 figures
    assert table["quarter"].nunique() == 33  # for 33 quarters (2017Q1-2025Q4)
    assert table["row"].tolist() == list(range(2, 115))  # spreadsheet rows, header is row 1
    assert set(table["provider"]) <= set(consensus.PROVIDERS)
    assert table["url"].str.match(r"^https?://").all()
    assert list(table.columns) == consensus.FRAME_COLUMNS
    row_14 = table[table["row"] == 14].iloc[0]
    assert (row_14["quarter"], row_14["provider"], int(row_14["deliveries"])) == (
        "2019Q3",
        "FactSet",
        99_000,
    )


def test_a_data_set_without_consensus_csv(data_copy):
    (data_copy / "consensus.csv").unlink()
    data = dataset.load(data_copy)
    assert data.paths["consensus"] is None
    assert data.consensus.empty and list(data.consensus.columns) == consensus.FRAME_COLUMNS
    summary = metrics.summarize(data, "2019Q3")
    assert all(summary.to_dict()[key] is None for key in CONSENSUS_KEYS)
    assert summary.consensus_figures == []


def test_the_consensus_file_is_looked_for_beside_the_deliveries_file(data_copy, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    write_consensus(elsewhere, [consensus_row(deliveries="95000")])
    data = dataset.load(data_copy, consensus=elsewhere / "consensus.csv")
    assert metrics.summarize(data, "2019Q3").consensus == 95_000
    beside = dataset.resolve_paths(deliveries=data_copy / "production_deliveries.csv")
    assert beside["consensus"] == data_copy / "consensus.csv"


def test_an_explicit_consensus_file_that_is_missing(data_copy, tmp_path):
    with pytest.raises(DataError, match="nope.csv.*file not found"):
        dataset.load(data_copy, consensus=tmp_path / "nope.csv")


def test_thousands_separators_and_codes_in_any_case(tmp_path):
    path = write_consensus(
        tmp_path,
        [consensus_row(provider="factset streetaccount", deliveries='"99,000"', when="r+1")],
    )
    row = dataset.load_consensus(path).iloc[0]
    assert (row["provider"], int(row["deliveries"]), row["when"]) == (
        "FactSet StreetAccount",
        99_000,
        "R+1",
    )


@pytest.mark.parametrize(
    "row, expected",
    [
        (consensus_row(provider="Reuters"), 'row 2, provider: "Reuters" is not one of FactSet'),
        (consensus_row(provider="given"), 'row 2, provider: "given" is kept for a figure given'),
        (consensus_row(statistic="average"), 'row 2, statistic: "average" is not one of mean'),
        (consensus_row(deliveries="99000.5"), 'deliveries: "99000.5" is not a whole number'),
        (consensus_row(deliveries="-99000"), 'deliveries: "-99000" is negative'),
        (consensus_row(deliveries="lots"), 'deliveries: "lots" is not a number of vehicles'),
        (consensus_row(deliveries="0"), "deliveries: is zero"),
        (consensus_row(deliveries=""), "deliveries: is empty; a mean figure needs deliveries"),
        (consensus_row(low="95000"), "low: a mean figure has no low"),
        (
            consensus_row(statistic="range", deliveries="", high="99000"),
            "low: is empty; a range needs low and high",
        ),
        (
            consensus_row(statistic="range", deliveries="", low="99000", high="95000"),
            "high: 95,000 is below low 99,000",
        ),
        (
            consensus_row(statistic="range", low="95000", high="99000"),
            "deliveries: a range has no single figure",
        ),
        (consensus_row(quarter="Q3 2019"), 'quarter: "Q3 2019" is not a quarter label'),
        (consensus_row(when="R+3"), 'when: "R+3" is not one of R, R+1, R+2, R+, P, L'),
        (consensus_row(when=""), "when: is empty; expected one of R, R+1"),
        (consensus_row(approx="maybe"), 'approx: "maybe" is not true or false'),
        (consensus_row(analysts="ten"), 'analysts: "ten" is not a number of analysts'),
        (consensus_row(analysts="12.5"), 'analysts: "12.5" is not a whole number of analysts'),
        (consensus_row(url="ftp://example.com/x"), 'url: "ftp://example.com/x" is not an http'),
        (consensus_row(url="www.example.com"), 'url: "www.example.com" is not an http(s) URL'),
        (consensus_row(url=""), "url: is empty"),
    ],
)
def test_each_bad_cell_gets_one_line_with_file_row_and_column(tmp_path, row, expected):
    text = consensus_problem(tmp_path, row)
    assert "consensus.csv, row 2, " in text and expected in text


def test_a_missing_column_is_named(tmp_path):
    path = tmp_path / "consensus.csv"
    path.write_text("quarter,provider,statistic,deliveries,url\n2019Q3,FactSet,mean,1,x\n")
    with pytest.raises(DataError, match=r"consensus.csv, row 1: missing column 'when'"):
        dataset.load_consensus(path)


def test_problems_in_several_rows_are_reported_together(tmp_path):
    with pytest.raises(DataError) as caught:
        dataset.load_consensus(
            write_consensus(tmp_path, [consensus_row(when="X"), consensus_row(provider="Y")])
        )
    assert [p.split(", ")[1] for p in caught.value.problems] == ["row 2", "row 3"]


def test_a_broken_consensus_file_stops_load(data_copy):
    write_consensus(data_copy, [consensus_row(provider="Reuters")])
    with pytest.raises(DataError, match="consensus.csv, row 2, provider"):
        dataset.load(data_copy)


# --- the headline rule on the real data ------------------------------------------------------


def test_2019q3_headline_spread_and_surprise(real_data):
    s = metrics.summarize(real_data, "2019Q3")
    # Six figures: FactSet 99,000 three times (rows 14-16, all R), Refinitiv 97,477, InsideEVs'
    # median 98,250 and Teslarati's 21-broker mean 94,422 (other). All R: FactSet ranks first
    # among the providers, and of the three FactSet means the first in the file (row 14) wins.
    assert (s.consensus, s.consensus_provider, s.consensus_when) == (99_000, "FactSet", "R")
    assert s.consensus_row == 14
    assert s.consensus_source.startswith("https://freeamericanetwork.com/")
    assert s.consensus_count == 6
    assert (s.consensus_low, s.consensus_high) == (94_422, 99_000)
    # 97,000 - 99,000 = -2,000 = -2,000 / 99,000 = -2.0202...% of the consensus.
    assert s.vs_consensus == -2_000
    assert s.to_dict()["vs_consensus_pct"] == pytest.approx(-2.020202, abs=1e-6)
    # Approximate deliveries: 97,000 x 0.995 = 96,515 and x 1.005 = 97,485, less 99,000.
    assert (s.vs_consensus_low, s.vs_consensus_high) == (-2_485, -1_515)


def test_2019q3_json_has_the_new_keys(real_data):
    data = json.loads(json.dumps(metrics.summarize(real_data, "2019Q3").to_dict()))
    assert set(CONSENSUS_KEYS) <= set(data)
    assert data["consensus_figures"][3] == {
        "provider": "Refinitiv/LSEG",
        "statistic": "mean",
        "value": 97_477,
        "low": None,
        "high": None,
        "approx": False,
        "analysts": None,
        "when": "R",
        "url": data["consensus_figures"][3]["url"],
        "row": 17,
        "provider_as_reported": "Refinitiv (IBES)",
    }
    assert [f["row"] for f in data["consensus_figures"]] == [14, 15, 16, 17, 18, 19]


def test_2025q4_when_before_provider_and_a_tie_of_providers(real_data):
    # 2025Q4, rows 108-114: company-compiled mean 422,850 and median 420,399 (R), FactSet
    # StreetAccount 426,000 (R), Visible Alpha 434,487 (R), Bloomberg 445,061 (P), unspecified
    # 440,907 (R), FactSet 449,000 (P). FactSet is the first provider but only in a preview, so
    # R wins first; among the R figures StreetAccount comes before Visible Alpha,
    # company-compiled and unspecified.
    s = metrics.summarize(real_data, "2025Q4")
    assert (s.consensus, s.consensus_provider, s.consensus_row) == (
        426_000,
        "FactSet StreetAccount",
        110,
    )
    assert (s.consensus_low, s.consensus_high, s.consensus_count) == (420_399, 449_000, 7)
    # Exact count 418,227: 418,227 - 426,000 = -7,773 = -1.8246...% and no band.
    assert s.delivered_approx is False
    assert s.vs_consensus == s.vs_consensus_low == s.vs_consensus_high == -7_773
    assert s.to_dict()["vs_consensus_pct"] == pytest.approx(-7_773 / 426_000 * 100)
    assert s.to_dict()["vs_consensus_pct"] == pytest.approx(-1.824648, abs=1e-6)


def test_2021q1_two_factset_means_with_the_release(real_data):
    # Rows 35-38: Refinitiv 177,822 (R), FactSet 168,000 (R), FactSet 160,000 (R, "about"),
    # Bloomberg 169,850 (R+2). FactSet beats Refinitiv; the two FactSet means tie on when,
    # provider and statistic, so the first in the file (row 36) wins.
    s = metrics.summarize(real_data, "2021Q1")
    assert (s.consensus, s.consensus_provider, s.consensus_row) == (168_000, "FactSet", 36)
    assert (s.consensus_low, s.consensus_high, s.consensus_count) == (160_000, 177_822, 4)
    # ~184,800: 184,800 - 168,000 = 16,800 = 10% exactly; band 183,876 .. 185,724 less 168,000.
    assert s.vs_consensus == 16_800
    assert s.to_dict()["vs_consensus_pct"] == pytest.approx(10.0)
    assert (s.vs_consensus_low, s.vs_consensus_high) == (15_876, 17_724)


def test_2022q3_with_the_release_beats_a_better_provider_a_day_later(real_data):
    # Row 61 FactSet StreetAccount 364,660 (R+1), row 62 Refinitiv 359,162 (R).
    s = metrics.summarize(real_data, "2022Q3")
    assert (s.consensus, s.consensus_provider, s.consensus_when) == (359_162, "Refinitiv/LSEG", "R")
    assert s.vs_consensus == 343_830 - 359_162 == -15_332


def test_2017q1_a_range_widens_the_spread_but_is_never_the_headline(real_data):
    # Row 2 Bloomberg mean 24,200 (R), row 3 an unspecified range 23,000-24,000 (R+1).
    s = metrics.summarize(real_data, "2017Q1")
    assert (s.consensus, s.consensus_provider) == (24_200, "Bloomberg")
    assert (s.consensus_low, s.consensus_high, s.consensus_count) == (23_000, 24_200, 2)
    ranged = s.consensus_figures[1]
    assert (ranged.statistic, ranged.value, ranged.low, ranged.high) == (
        "range",
        None,
        23_000,
        24_000,
    )
    # "just over 25,000": 25,000 - 24,200 = 800 = 3.3058%; band 24,875 .. 25,125 less 24,200.
    assert s.vs_consensus == 800
    assert s.to_dict()["vs_consensus_pct"] == pytest.approx(800 / 24_200 * 100)
    assert (s.vs_consensus_low, s.vs_consensus_high) == (675, 925)


def test_2022q4_exact_deliveries_have_no_band(real_data):
    # FactSet 427,000 (R) heads Refinitiv, Bloomberg (R+1) and company-compiled; exact 405,278.
    s = metrics.summarize(real_data, "2022Q4")
    assert s.consensus == 427_000
    assert s.vs_consensus == s.vs_consensus_low == s.vs_consensus_high == -21_722


@pytest.mark.parametrize("quarter", ["2016Q1", "2018Q2", "2026Q3"])
def test_quarters_without_consensus_give_none_everywhere(real_data, quarter):
    s = metrics.summarize(real_data, quarter)
    data = s.to_dict()
    assert all(data[key] is None for key in CONSENSUS_KEYS)
    assert data["consensus_figures"] == [] and data["consensus_row"] is None


def test_every_quarter_with_figures_has_a_headline_inside_its_spread(real_data):
    for quarter in sorted(set(real_data.consensus["quarter"])):
        s = metrics.summarize(real_data, quarter)
        assert s.consensus_low <= s.consensus <= s.consensus_high, quarter
        assert s.consensus_count == (real_data.consensus["quarter"] == quarter).sum()


# --- hand-made tables ------------------------------------------------------------------------


def test_a_preview_only_quarter(data_copy):
    # Only 2023Q4's preview row (row 81 of the real file): LSEG 473,000, 14 analysts.
    data = with_consensus(
        data_copy,
        [consensus_row("2023Q4", "Refinitiv/LSEG", deliveries="473000", analysts="14", when="P")],
    )
    s = metrics.summarize(data, "2023Q4")
    assert (s.consensus, s.consensus_provider, s.consensus_when) == (473_000, "Refinitiv/LSEG", "P")
    assert s.consensus_figures[0].analysts == 14
    # 484,507 - 473,000 = 11,507 (a beat; exact count, so no band)
    assert s.vs_consensus == s.vs_consensus_low == s.vs_consensus_high == 11_507
    assert (s.consensus_low, s.consensus_high, s.consensus_count) == (473_000, 473_000, 1)


def test_a_range_alone_gives_a_spread_but_no_headline(data_copy):
    data = with_consensus(
        data_copy,
        [consensus_row(statistic="range", deliveries="", low="95000", high="100000")],
    )
    s = metrics.summarize(data, "2019Q3")
    assert s.consensus is None and s.vs_consensus is None and s.consensus_provider is None
    assert (s.consensus_low, s.consensus_high, s.consensus_count) == (95_000, 100_000, 1)


def test_r1_before_r2_before_r_plus_then_preview_then_later(data_copy):
    rows = [
        consensus_row(provider="FactSet", deliveries="90000", when="L"),
        consensus_row(provider="FactSet", deliveries="91000", when="P"),
        consensus_row(provider="FactSet", deliveries="92000", when="R+"),
        consensus_row(provider="unspecified", deliveries="93000", when="R+2"),
        consensus_row(provider="unspecified", deliveries="94000", when="R+1"),
    ]
    picked = []
    while rows:
        picked.append(metrics.summarize(with_consensus(data_copy, rows), "2019Q3").consensus)
        rows = [r for r in rows if f",{picked[-1]}," not in r]
    assert picked == [94_000, 93_000, 92_000, 91_000, 90_000]


def test_mean_before_median_then_the_first_in_the_file(data_copy):
    rows = [
        consensus_row(provider="company-compiled", statistic="median", deliveries="96000"),
        consensus_row(provider="company-compiled", statistic="mean", deliveries="97000"),
        consensus_row(provider="company-compiled", statistic="mean", deliveries="98000"),
    ]
    s = metrics.summarize(with_consensus(data_copy, rows), "2019Q3")
    assert (s.consensus, s.consensus_statistic, s.consensus_row) == (97_000, "mean", 3)


def test_provider_order():
    figures = [
        consensus.Estimate(name, "mean", 1000 + i, None, None, False, None, "R", "https://x.org", i)
        for i, name in enumerate(reversed(consensus.PROVIDERS))
    ]
    order = []
    while figures:
        best = consensus.select_headline(figures)
        order.append(best.provider)
        figures.remove(best)
    assert order == list(consensus.PROVIDERS)
    assert consensus.select_headline([]) is None


# --- a figure given by the user --------------------------------------------------------------


def test_a_given_consensus_wins_and_joins_the_spread(real_data):
    s = metrics.summarize(real_data, "2019Q3", consensus=100_000)
    assert (s.consensus, s.consensus_provider, s.consensus_source) == (100_000, "given", None)
    assert s.consensus_row is None
    # The given figure counts with the six reported ones: 7, spread 94,422 .. 100,000.
    assert (s.consensus_low, s.consensus_high, s.consensus_count) == (94_422, 100_000, 7)
    assert s.consensus_figures[0].provider == "given"
    # 97,000 - 100,000 = -3,000 = -3%; band 96,515 / 97,485 less 100,000.
    assert s.vs_consensus == -3_000
    assert s.to_dict()["vs_consensus_pct"] == pytest.approx(-3.0)
    assert (s.vs_consensus_low, s.vs_consensus_high) == (-3_485, -2_515)


def test_a_given_consensus_for_a_quarter_without_figures(real_data):
    s = metrics.summarize(real_data, "2026Q3", consensus=480_000)
    # 486,532 - 480,000 = 6,532, exact count
    assert (s.consensus, s.consensus_count, s.consensus_low, s.consensus_high) == (
        480_000,
        1,
        480_000,
        480_000,
    )
    assert s.vs_consensus == s.vs_consensus_low == s.vs_consensus_high == 6_532


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None),
        ("", None),
        ("none", None),
        ("99000", 99_000),
        ("99,000", 99_000),
        (99_000, 99_000),
    ],
)
def test_parse_consensus_accepts_whole_numbers(value, expected):
    assert consensus.parse_consensus(value) == expected


@pytest.mark.parametrize("value", ["0", "-5", "abc", "1.5", 0, True])
def test_parse_consensus_refuses_the_rest(value):
    with pytest.raises(ParameterError, match="^consensus"):
        consensus.parse_consensus(value)


def test_unknown_deliveries_leave_the_comparison_empty(real_data):
    fields = consensus.consensus_fields(real_data.consensus_rows("2019Q3"), None, (None, None))
    assert (fields["consensus"], fields["consensus_count"]) == (99_000, 6)
    assert fields["vs_consensus"] is None and fields["vs_consensus_low"] is None


def test_every_when_code_is_explained():
    assert list(consensus.WHEN_MEANING) == list(consensus.WHEN_CODES)
