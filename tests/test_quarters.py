import pandas as pd
import pytest

from deliveries import config, quarters
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
    from deliveries import metrics

    assert metrics.summarize(real_data, "latest").quarter == "2026Q3"


def test_latest_is_not_a_label_by_itself():
    # Only a data set knows its newest quarter: the bare parser still refuses the word.
    with pytest.raises(ParameterError, match='"latest" is not a quarter label'):
        quarters.parse_quarter("latest")
