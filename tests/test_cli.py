"""The command line: JSON output, readable output, exit codes and one-line errors."""

from __future__ import annotations

import ast
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from deliveries import cli, config
from deliveries.cli import build_parser, main

from .conftest import ROOT

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


def test_metrics_table_shows_the_consensus_comparison(capsys):
    # 2019Q3: FactSet 99,000; ~97,000 - 99,000 = -2,000 = -2.0%; band 96,515/97,485 less 99,000.
    _, out, _ = run(capsys, "metrics", "--quarter", "2019Q3")
    assert "99,000 (FactSet)" in out and "\u22122.0%" in out
    assert "\u22122,485 .. \u22121,515" in out and "94,422 .. 99,000" in out
    _, given, _ = run(capsys, "metrics", "--quarter", "2019Q3", "--consensus", "98,000")
    assert "98,000 (given)" in given and "~\u22121,000" in given
    _, none, _ = run(capsys, "metrics", "--quarter", "latest")
    assert "Quarter" in none and "not available for this quarter" in none


def test_metrics_json_names_the_consensus_keys(capsys):
    _, out, _ = run(capsys, "metrics", "--quarter", "2019Q3", "--json")
    data = json.loads(out)
    assert (data["consensus"], data["consensus_provider"], data["vs_consensus"]) == (
        99000,
        "FactSet",
        -2000,
    )
    assert data["vs_consensus_pct"] == pytest.approx(-2000 / 99000 * 100)


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


@pytest.mark.e2e
def test_metrics_succeeds_for_every_quarter(capsys, real_data):
    for quarter in real_data.quarters:
        code, out, _ = run(capsys, "metrics", "--quarter", quarter, "--json")
        assert code == 0, quarter
        assert json.loads(out)["quarter"] == quarter


def test_internal_errors_exit_1_without_traceback(capsys, monkeypatch):
    from deliveries.analysis import metrics

    def broken(*args, **kwargs):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(metrics, "summarize", broken)
    code, _, err = run(capsys, "metrics", "--quarter", "2019Q3")
    assert code == 1 and err.startswith("internal error: ZeroDivisionError")
    assert "Traceback" not in err
    code, _, err = run(capsys, "--verbose", "metrics", "--quarter", "2019Q3")
    assert "Traceback" in err


# --- process-wide behaviour: python -m, closed pipes, the speed measures and their opt-outs ------

DELIVERIES = str(Path(sys.executable).parent / "deliveries")


def _environment(**changes: str | None) -> dict:
    """This process's environment with our source first on the path, plus ``changes``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@pytest.mark.e2e
def test_python_dash_m_works_like_the_command():
    argv = ["metrics", "--quarter", "2019Q3", "--json"]
    as_module = subprocess.run(
        [sys.executable, "-m", "deliveries", *argv],
        capture_output=True,
        text=True,
        env=_environment(),
        cwd=ROOT,
    )
    as_command = subprocess.run(
        [DELIVERIES, *argv], capture_output=True, text=True, env=_environment(), cwd=ROOT
    )
    assert as_module.returncode == as_command.returncode == 0, as_module.stderr
    assert json.loads(as_module.stdout) == json.loads(as_command.stdout)
    wrong = subprocess.run(
        [sys.executable, "-m", "deliveries", "metrics", "--quarter", "2031Q1"],
        capture_output=True,
        text=True,
        env=_environment(),
        cwd=ROOT,
    )
    assert wrong.returncode == 2 and wrong.stderr.startswith("error: no data for 2031Q1")


@pytest.mark.e2e
def test_a_closed_pipe_ends_the_command_quietly():
    reader, writer = os.pipe()
    os.close(reader)  # like `| head -1` having read its line and gone: every write fails
    try:
        result = subprocess.run(
            [sys.executable, "-m", "deliveries", "metrics", "--quarter", "2019Q3", "--json"],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            env=_environment(),
            cwd=ROOT,
        )
    finally:
        os.close(writer)
    assert result.stderr == ""
    assert result.returncode == cli.EXIT_BROKEN_PIPE


@pytest.mark.e2e
def test_head_reads_one_line_and_the_command_says_nothing():
    result = subprocess.run(
        f"{shlex.quote(DELIVERIES)} metrics --quarter 2019Q3 --json | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env=_environment(),
        cwd=ROOT,
    )
    assert result.stdout == "{\n" and result.stderr == ""


INTERRUPTED = """
import asyncio
from deliveries import cli

class HalfMade:  # like an event loop whose construction the Ctrl-C cut short
    def __del__(self):
        raise AttributeError("'_UnixSelectorEventLoop' object has no attribute '_ssock'")

def interrupted(args):
    loop, waiting = HalfMade(), asyncio.sleep(1)  # the coroutine is never awaited
    raise KeyboardInterrupt

cli.COMMANDS["metrics"] = interrupted
cli.run([%s"metrics", "--quarter", "2019Q3"])
"""


@pytest.mark.parametrize("verbose", [False, True])
def test_ctrl_c_prints_one_line_whatever_it_left_half_made(verbose):
    script = INTERRUPTED % ('"--verbose", ' if verbose else "")
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=_environment(), cwd=ROOT
    )
    assert result.returncode == 130
    if verbose:  # the noise is kept for whoever debugs
        assert "Exception ignored" in result.stderr and "never awaited" in result.stderr
    else:
        assert result.stderr == "error: interrupted; no report was replaced\n"


PROBE = """
import atexit, os, sys
atexit.register(lambda: print("normal exit"))
from deliveries import cli
cli.configure_process()
print("rfc3987_syntax declined" if sys.modules.get("rfc3987_syntax", 0) is None else "loadable")
print("MPLBACKEND=" + os.environ["MPLBACKEND"])
sys.argv = ["deliveries", "metrics", "--quarter", "2019Q3", "--json"]
sys.stdout.flush()
cli.run()
"""


def _probe(**changes: str | None) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=_environment(**changes),
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if not line.startswith((" ", "{", "}"))]


@pytest.mark.e2e
def test_speed_measures_are_taken_by_the_entry_point_and_can_be_turned_off():
    defaults = _probe(DELIVERIES_PATCHES=None, DELIVERIES_FAST_EXIT=None, MPLBACKEND=None)
    assert defaults == ["rfc3987_syntax declined", "MPLBACKEND=Agg"]  # and no normal exit
    opted_out = _probe(
        DELIVERIES_PATCHES="-jsonschema-iri", DELIVERIES_FAST_EXIT="0", MPLBACKEND="pdf"
    )
    assert opted_out == ["loadable", "MPLBACKEND=pdf", "normal exit"]


@pytest.mark.e2e
def test_importing_the_package_changes_nothing_process_wide():
    code = (
        "import os, sys; import deliveries.render.batch, deliveries.delivery.mailer; "
        "print('rfc3987_syntax' in sys.modules, os.environ.get('MPLBACKEND'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=_environment(MPLBACKEND=None),
        cwd=ROOT,
    )
    assert result.stdout.split() == ["False", "None"], result.stderr


def test_the_default_quarter_is_written_in_config_only():
    """No other module spells the default quarter as a default value."""
    offenders = []
    for path in sorted((ROOT / "src" / "deliveries").rglob("*.py")):
        if path.name == "config.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            defaults = []
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                defaults = node.args.defaults + [d for d in node.args.kw_defaults if d]
            elif isinstance(node, ast.keyword) and node.arg == "default":
                defaults = [node.value]
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                defaults = [node.value] if node.value is not None else []
            offenders += [
                f"{path.name}:{value.lineno}"
                for value in defaults
                if isinstance(value, ast.Constant) and value.value == config.DEFAULT_QUARTER
            ]
    assert offenders == []
    assert build_parser().parse_args(["report"]).quarter == config.DEFAULT_QUARTER
    assert build_parser().parse_args(["email", "--to", "a@b.c"]).quarter == config.DEFAULT_QUARTER


def test_ingest_is_called_with_explicit_arguments_when_available(monkeypatch, capsys):
    from deliveries.sources import ingest

    calls = []

    def ingest_release(file, **options):
        calls.append((file, options))
        return 0

    monkeypatch.setattr(ingest, "ingest_release", ingest_release, raising=False)
    assert main(["ingest", "release.txt", "--quarter", "2019Q3", "--dry-run", "--json"]) == 0
    assert calls == [
        (
            "release.txt",
            {
                "quarter": "2019Q3",
                "data": None,
                "dry_run": True,
                "as_json": True,
                "replace": False,
                "source_url": "",
            },
        )
    ]
