"""The Makefile: file targets redo only what changed; a no-op rerun runs no Python at all."""

from __future__ import annotations

import os
import subprocess

import pytest

from .conftest import ROOT
from .test_batch import small_data

pytestmark = pytest.mark.e2e  # kernels, renders, browsers or make runs


def make(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        ["make", "--no-print-directory", "--assume-old=.venv/.installed", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "MAKEFLAGS": ""},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_make_report_renders_once_then_only_when_parameters_change(tmp_path):
    out = tmp_path / "report"
    first = make("report", f"OUT={out}")
    assert "wrote" in first.stdout
    assert f"report: {out}/2019Q3/tesla-deliveries-2019Q3.pdf" in first.stdout
    again = make("report", f"OUT={out}")
    assert "bin/deliveries" not in again.stdout  # no command ran: nothing to do
    assert f"report: {out}/2019Q3/tesla-deliveries-2019Q3.pdf" in again.stdout
    changed = make("report", f"OUT={out}", "GOAL=99000")
    assert "--goal 99000" in changed.stdout and "wrote" in changed.stdout


def test_make_reports_is_a_no_op_the_second_time(tmp_path):
    paths = small_data(tmp_path / "data")
    variables = [
        f"DATA={paths['deliveries']}",
        f"GOALS={paths['goals']}",
        f"OUT={tmp_path / 'out'}",
        "JOBS=2",
    ]
    first = make("reports", *variables)
    assert "rendered 5, up to date 0, failed 0" in first.stdout
    again = make("reports", *variables)
    assert "deliveries reports" not in again.stdout  # make ran no Python
    paths["deliveries"].touch()  # newer, but the same content: Python runs, renders nothing
    touched = make("reports", *variables)
    assert "rendered 0, up to date 5, failed 0" in touched.stdout


def dry_run(*args: str) -> subprocess.CompletedProcess:
    """``make -n``: what make would run, without running it."""
    return subprocess.run(
        ["make", "-n", "--no-print-directory", "--assume-old=.venv/.installed", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "MAKEFLAGS": ""},
        timeout=60,
    )


def _age(paths) -> None:
    """Make ``paths`` exist and look newer than every input."""
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()


def test_history_and_reports_rerender_when_only_the_paper_changes(tmp_path):
    out = tmp_path / "out"
    targets = {
        "history": out / "history" / "tesla-deliveries-history.pdf",
        "reports": out / "index.html",
    }
    for goal, target in targets.items():
        first = dry_run(goal, f"OUT={out}")
        assert f"deliveries {goal}" in first.stdout and "--paper A4" in first.stdout
        _age([target])  # as if rendered on A4
        assert f"deliveries {goal}" not in dry_run(goal, f"OUT={out}").stdout
        letter = dry_run(goal, f"OUT={out}", "PAPER=Letter")
        assert f"deliveries {goal}" in letter.stdout and "--paper Letter" in letter.stdout


def test_quarter_latest_is_the_newest_quarter_in_the_data(tmp_path):
    result = dry_run("report", f"OUT={tmp_path}", "QUARTER=latest")
    assert result.returncode == 0, result.stderr
    assert "--quarter 2026Q3" in result.stdout
    assert f"report: {tmp_path}/2026Q3/tesla-deliveries-2026Q3.pdf" in result.stdout


def test_consensus_is_passed_on_and_checked(tmp_path):
    result = dry_run("report", f"OUT={tmp_path}", "CONSENSUS=99500")
    assert "--consensus 99500" in result.stdout
    bad = dry_run("report", f"OUT={tmp_path}", "CONSENSUS=lots")
    assert bad.returncode != 0
    assert "CONSENSUS=lots is not a whole number of vehicles" in bad.stderr
