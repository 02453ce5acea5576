import pandas as pd
import pytest

from deliveries import config
from deliveries.data import quarters
from deliveries.errors import ParameterError


def test_parse_quarter_gives_a_quarterly_period():
    assert quarters.parse_quarter("2019Q3") == pd.Period("2019Q3", freq="Q")


@pytest.mark.parametrize("label", ["2019-Q3", "Q3 2019", "2019Q5", "2019Q0", "19Q3", "", "2019 Q3"])
def test_malformed_labels_are_refused(label):
    with pytest.raises(ParameterError, match="not a quarter label"):
        quarters.parse_quarter(label)


def test_near_misses_get_a_suggestion():
    with pytest.raises(ParameterError, match="did you mean 2019Q3"):
        quarters.parse_quarter("Q3 2019")


def test_previous_and_year_ago_cross_year_boundaries():
    q1 = quarters.parse_quarter("2020Q1")
    assert quarters.label(quarters.previous(q1)) == "2019Q4"
    assert quarters.label(quarters.year_ago(q1)) == "2019Q1"


def test_display_form():
    assert quarters.display(quarters.parse_quarter("2019Q3")) == "Q3 2019"


@pytest.mark.parametrize("word", ["latest", "LATEST", " Latest "])
def test_latest_means_the_newest_quarter_in_the_data(real_data, word):
    assert quarters.label(real_data.require_quarter(word)) == "2026Q3"


def test_latest_is_the_config_word():
    assert config.LATEST == "latest"


def test_latest_works_for_the_metrics(real_data):
    from deliveries.analysis import metrics

    assert metrics.summarize(real_data, "latest").quarter == "2026Q3"


def test_latest_is_not_a_label_by_itself():
    # Only a data set knows its newest quarter: the bare parser still refuses the word.
    with pytest.raises(ParameterError, match='"latest" is not a quarter label'):
        quarters.parse_quarter("latest")


# --- Quarter: the pandas-free quarter that reading a release uses --------------------------------


def test_quarter_parses_orders_and_steps_back_across_years():
    q = quarters.Quarter.parse("2020Q1")
    assert (q.year, q.quarter, str(q)) == (2020, 1, "2020Q1")
    assert q - 1 == quarters.Quarter(2019, 4)
    assert q - 4 == quarters.Quarter(2019, 1)
    assert quarters.Quarter(2019, 4) < q < quarters.Quarter(2020, 2)
    assert quarters.label(q) == "2020Q1"  # the same label function as for a pandas period


@pytest.mark.parametrize(
    "label, last_day",
    [
        ("2019Q1", "2019-03-31"),
        ("2019Q2", "2019-06-30"),
        ("2020Q1", "2020-03-31"),
        ("2019Q3", "2019-09-30"),
        ("2019Q4", "2019-12-31"),
    ],
)
def test_quarter_last_day_matches_pandas(label, last_day):
    quarter = quarters.Quarter.parse(label)
    assert quarter.last_day.isoformat() == last_day
    assert quarter.last_day == pd.Period(label, freq="Q").end_time.date()


def test_quarter_containing_a_day():
    from datetime import date

    assert quarters.Quarter.containing(date(2019, 10, 2)) == quarters.Quarter(2019, 4)
    assert quarters.Quarter.containing(date(2019, 9, 30)) == quarters.Quarter(2019, 3)
    assert quarters.Quarter.containing(date(2020, 1, 1)) - 1 == quarters.Quarter(2019, 4)


@pytest.mark.parametrize("label", ["2019-Q3", "Q3 2019", "2019Q5", "", None])
def test_quarter_refuses_what_parse_quarter_refuses(label):
    with pytest.raises(ParameterError, match="not a quarter label"):
        quarters.Quarter.parse(label)
