"""The command line: JSON output, readable output, exit codes and one-line errors."""

from __future__ import annotations

import json

import pytest

from deliveries.cli import main

KEYS = {
    "quarter",
    "produced",
    "delivered",
    "delivered_approx",
    "produced_qoq_pct",
    "delivered_qoq_pct",
    "produced_yoy_pct",
    "delivered_yoy_pct",
    "gap",
    "cumulative_gap",
    "goal",
    "shortfall",
    "shortfall_pct",
    "shortfall_low",
    "shortfall_high",
    "record_produced",
    "record_delivered",
    "models",
}
MODEL_KEYS = {
    "model_line",
    "produced",
    "delivered",
    "gap",
    "delivered_share_pct",
    "lease_pct",
    "leased_estimate",
}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_metrics_json_for_q3_2019(capsys):
    code, out, _ = run(capsys, "metrics", "--quarter", "2019Q3", "--goal", "100000", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= KEYS
    assert all(set(m) >= MODEL_KEYS for m in data["models"])
    assert data["produced"] == 96155 and data["delivered"] == 97000
    assert isinstance(data["produced"], int)
    assert data["shortfall"] == 3000 and data["shortfall_pct"] == pytest.approx(3.0)
    assert (data["shortfall_low"], data["shortfall_high"]) == (2515, 3485)
    assert data["produced_qoq_pct"] == pytest.approx(10.462, abs=0.001)
    assert data["record_produced"] is True and data["record_delivered"] is True


def test_metrics_table_is_readable(capsys):
    code, out, _ = run(capsys, "metrics", "--quarter", "2019Q3")
    assert code == 0
    assert "~97,000" in out and "+10.5%" in out and "Model S/X" in out


@pytest.mark.parametrize(
    "quarter, message",
    [
        ("2031Q1", "no data for 2031Q1"),
        ("Q3 2019", "did you mean 2019Q3"),
        ("2019Q5", "not a quarter label"),
    ],
)
def test_wrong_quarter_is_one_line_and_exit_2(capsys, quarter, message):
    code, out, err = run(capsys, "metrics", "--quarter", quarter, "--json")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err
    assert "Traceback" not in err


@pytest.mark.parametrize("goal", ["0", "-100", "lots"])
def test_bad_goal_is_a_user_error(capsys, goal):
    code, _, err = run(capsys, "metrics", "--quarter", "2019Q3", "--goal", goal)
    assert code == 2 and err.startswith("error: goal")


def test_missing_data_file(capsys, tmp_path):
    code, _, err = run(capsys, "metrics", "--quarter", "2019Q3", "--data", str(tmp_path / "x.csv"))
    assert code == 2 and "x.csv: file not found" in err


def test_unknown_option_is_one_line(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["metrics", "--quarter", "2019Q3", "--colour"])
    assert caught.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_metrics_succeeds_for_every_quarter(capsys, real_data):
    for quarter in real_data.quarters:
        code, out, _ = run(capsys, "metrics", "--quarter", quarter, "--json")
        assert code == 0, quarter
        assert json.loads(out)["quarter"] == quarter


def test_internal_errors_exit_1_without_traceback(capsys, monkeypatch):
    from deliveries import metrics

    def broken(*args, **kwargs):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(metrics, "summarize", broken)
    code, _, err = run(capsys, "metrics", "--quarter", "2019Q3")
    assert code == 1 and err.startswith("internal error: ZeroDivisionError")
    assert "Traceback" not in err
    code, _, err = run(capsys, "--verbose", "metrics", "--quarter", "2019Q3")
    assert "Traceback" in err
