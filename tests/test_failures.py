"""Bad input never produces a wrong or broken report: the catalogue of issue 6."""

from __future__ import annotations

import ast
import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from deliveries import config, render
from deliveries.cli import main
from deliveries.data import dataset
from deliveries.errors import DataError, DataWarning, ParameterError, RenderError

from .conftest import DATA_DIR, HEADER, ROOT, write_goals, write_table

DELIVERIES = str(Path(sys.executable).parent / "deliveries")
ROW = "2019Q2,Total,87048,95200,,true,2019-07-02,release,,"


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- data files ----------------------------------------------------------------------------------


def test_empty_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("")
    with pytest.raises(DataError, match="t.csv: file is empty"):
        dataset.load_deliveries(path)


def test_header_without_rows(tmp_path):
    with pytest.raises(DataError, match="has a header but no data rows"):
        dataset.load_deliveries(write_table(tmp_path, []))


def test_renamed_column(tmp_path):
    path = write_table(tmp_path, [ROW], header=HEADER.replace("delivered,", "deliveries,", 1))
    with pytest.raises(DataError, match="row 1: missing column 'delivered'"):
        dataset.load_deliveries(path)


def test_extra_unknown_column_warns_and_continues(tmp_path):
    path = write_table(tmp_path, [ROW + ",x"], header=HEADER + ",comment")
    with pytest.warns(DataWarning, match="ignoring unknown column.*'comment'"):
        frame = dataset.load_deliveries(path)
    assert int(frame["delivered"].iloc[0]) == 95200


def test_byte_order_mark_and_windows_line_endings_are_accepted(tmp_path):
    path = tmp_path / "production_deliveries.csv"
    path.write_bytes(("\ufeff" + HEADER + "\r\n" + ROW + "\r\n").encode("utf-8"))
    assert int(dataset.load_deliveries(path)["produced"].iloc[0]) == 87048


def test_non_utf8_bytes_name_the_row(tmp_path):
    path = tmp_path / "production_deliveries.csv"
    path.write_bytes(
        (HEADER + "\n" + ROW.replace("release", "r\xe9lease") + "\n").encode("latin-1")
    )
    with pytest.raises(DataError, match=r"row 2: byte 0xe9 is not valid UTF-8"):
        dataset.load_deliveries(path)


def test_enormous_file_is_refused_fast_without_reading_it(tmp_path):
    path = tmp_path / "production_deliveries.csv"
    with open(path, "wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: 100 MB on paper, nothing on disk
    started = time.perf_counter()
    with pytest.raises(DataError, match="file is 105 MB"):
        dataset.load_deliveries(path)
    assert time.perf_counter() - started < 5  # generous: it must not read 100 MB


def test_ragged_row(tmp_path):
    with pytest.raises(DataError, match="row 2: has 9 fields, the header has 10"):
        dataset.load_deliveries(write_table(tmp_path, [ROW.rsplit(",", 1)[0]]))


def test_goals_file_gets_the_same_treatment(tmp_path):
    with pytest.raises(DataError, match="goals.csv: file not found"):
        dataset.load_goals(tmp_path / "goals.csv")
    path = write_goals(tmp_path, ["2019Q3,deliveries,all,lots,,,,,,,"])
    with pytest.raises(DataError, match='row 2, goal: "lots" is not a number'):
        dataset.load_goals(path)
    path = write_goals(tmp_path, ["2019-Q3,deliveries,all,100000,,,,,,,"])
    with pytest.raises(DataError, match="neither a quarter"):
        dataset.load_goals(path)
    path = write_goals(tmp_path, ["2019Q3,sales,all,100000,,,,,,,"])
    with pytest.raises(DataError, match='metric: "sales" is not one of'):
        dataset.load_goals(path)


def _workbook(path: Path) -> Path:
    """A real (minimal) .xlsx: a zip archive with a workbook part, as Excel writes them."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
    return path


def _assert_short_clean_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("error: ") and len(line) < 200, line
    assert line.isprintable(), repr(line)
    return line


def test_an_excel_workbook_as_data_is_named_as_such(capsys, tmp_path):
    workbook = _workbook(tmp_path / "deliveries.xlsx")
    code, out, err = cli(capsys, "metrics", "--quarter", "2019Q3", "--data", str(workbook))
    assert code == 2 and out == ""
    line = _assert_short_clean_line(err)
    assert "deliveries.xlsx: is not a CSV table but looks like an Excel workbook (.xlsx)" in line
    assert "save it as CSV (UTF-8)" in line


def test_an_old_xls_workbook_and_random_bytes_are_refused_in_one_short_line(capsys, tmp_path):
    old = tmp_path / "goals.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8)
    code, _, err = cli(capsys, "metrics", "--quarter", "2019Q3", "--goals", str(old))
    assert code == 2
    assert "goals.xls: is not a CSV table but looks like an old Office file (.xls" in (
        _assert_short_clean_line(err)
    )
    noise = random.Random(13).randbytes(3000) + b"\0"
    junk = tmp_path / "production_deliveries.csv"
    junk.write_bytes(noise)
    code, _, err = cli(capsys, "report", "--data", str(junk), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "is not a CSV table but looks like a binary file" in _assert_short_clean_line(err)
    assert not (tmp_path / "out").exists()


def test_a_utf16_csv_is_told_to_be_saved_as_utf8(capsys, tmp_path):
    path = tmp_path / "production_deliveries.csv"
    path.write_bytes((HEADER + "\n" + ROW + "\n").encode("utf-16"))
    code, _, err = cli(capsys, "metrics", "--quarter", "2019Q3", "--data", str(path))
    assert code == 2 and "is UTF-16 text" in _assert_short_clean_line(err)


# --- parameters ----------------------------------------------------------------------------------


def test_quarter_not_in_data_lists_the_nearest(capsys):
    code, _, err = cli(capsys, "report", "--quarter", "2027Q1", "--out", "/nonexistent/never")
    assert code == 2
    assert "no data for 2027Q1" in err and "nearest: 2026Q1, 2026Q2, 2026Q3" in err


def test_bad_paper_is_a_user_error(capsys, tmp_path):
    code, _, err = cli(capsys, "report", "--paper", "B5", "--out", str(tmp_path))
    assert code == 2 and 'paper "B5" is not one of A4, Letter' in err


def _make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "MAKEFLAGS": ""},
    )


@pytest.mark.parametrize(
    "assignment, message",
    [
        ("QUARTER=2019-Q3", "QUARTER=2019-Q3 is not a quarter label"),
        ("PAPER=B5", "PAPER=B5 is not one of A4, Letter"),
        ("GOAL=lots", "GOAL=lots is not a whole number"),
        ("JOBS=0", "JOBS=0 is not a positive whole number"),
        ("DATA=/no/such.csv", "DATA=/no/such.csv does not exist"),
    ],
)
def test_make_refuses_bad_variables_in_one_line(assignment, message):
    result = _make("report", assignment, "--assume-old=.venv/.installed")
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# --- execution and outputs -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """A good 2019Q3 report already in place, and its bytes."""
    out = tmp_path_factory.mktemp("previous")
    paths = render.render_quarter("2019Q3", out_root=out)
    return out, {ext: path.read_bytes() for ext, path in paths.items()}


def _unchanged(out: Path, good: dict) -> bool:
    paths = config.quarter_paths(out, "2019Q3")
    return all(paths[ext].read_bytes() == good[ext] for ext in good)


@pytest.mark.e2e
def test_a_failing_cell_is_reported_and_the_notebook_kept(previous, tmp_path):
    out, good = previous
    broken = tmp_path / "quarterly_report.ipynb"
    nb = json.loads(render.QUARTERLY_NOTEBOOK.read_text())
    nb["cells"][4]["source"] = "raise ValueError('the fourth cell is broken')"
    broken.write_text(json.dumps(nb))
    job = render.quarter_job(dataset.load(), "2019Q3", None, out, "A4")
    job = render.Job(**{**job.__dict__, "notebook": broken})
    with pytest.raises(RenderError) as caught:
        render.run_job(job)
    message = str(caught.value)
    assert "\n" not in message
    assert "notebook cell 6" in message  # the 5th source cell, after papermill's injected one
    assert "ValueError: the fourth cell is broken" in message
    kept = out / "2019Q3" / "tesla-deliveries-2019Q3.failed.ipynb"
    assert str(kept.name) in message and kept.exists()
    assert _unchanged(out, good)
    assert not list((out / "2019Q3").glob(".rendering-*"))


def _wait_for(found, process: subprocess.Popen, timeout: float = 120) -> None:
    """Poll until ``found()`` is true; fail if the process ends first or time runs out."""
    deadline = time.monotonic() + timeout
    while not found():
        assert process.poll() is None, "the render ended before it could be interrupted"
        assert time.monotonic() < deadline, "the render never reached the expected point"
        time.sleep(0.01)


@pytest.mark.e2e
def test_interrupted_render_leaves_the_previous_report_intact(previous):
    out, good = previous
    process = subprocess.Popen(
        [DELIVERIES, "report", "--quarter", "2019Q3", "--goal", "99000", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as in a terminal: a test run started in the background (`make test &`) hands
        # its children SIGINT ignored, and an ignored signal would interrupt nothing.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # The staging folder exists from just before the notebook runs until the files are moved
    # into place: while it is there, the render is mid-way, whatever the machine's speed.
    _wait_for(lambda: any((out / "2019Q3").glob(".rendering-*")), process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "error: interrupted; no report was replaced" in err
    assert "Traceback" not in err
    assert _unchanged(out, good)
    assert not list((out / "2019Q3").glob(".rendering-*"))


@pytest.mark.e2e
def test_concurrent_renders_end_with_valid_files(tmp_path):
    commands = [
        [DELIVERIES, "report", "--quarter", q, "--out", str(tmp_path)]
        for q in ("2019Q3", "2019Q3", "2019Q2")
    ]
    processes = [
        subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    for process in processes:
        _, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
    for quarter in ("2019Q3", "2019Q2"):
        paths = config.quarter_paths(tmp_path, quarter)
        assert len(PdfReader(paths["pdf"]).pages) >= 1
        assert paths["html"].read_text().rstrip().endswith("</html>")
        json.loads(paths["ipynb"].read_text())
        assert not list(paths["pdf"].parent.glob(".rendering-*"))


# --- safety --------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_markup_in_data_cells_is_shown_as_text(tmp_path):
    lines = (DATA_DIR / "production_deliveries.csv").read_text().splitlines()
    evil = "<script>alert(1)</script>"
    patched = [
        line.replace("2019Q3,Model 3,", f'2019Q3,"{evil}",').replace(
            "Tesla Q3 2019 Vehicle Production & Deliveries", f"<b onmouseover=x>{evil}"
        )
        if line.startswith("2019Q3")
        else line
        for line in lines
    ]
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "production_deliveries.csv").write_text("\n".join(patched) + "\n")
    for name in ("goals.csv", "revisions.csv"):
        (folder / name).write_bytes((DATA_DIR / name).read_bytes())
    paths = render.render_quarter(
        "2019Q3", data_paths=dataset.resolve_paths(folder), out_root=tmp_path / "out"
    )
    html = paths["html"].read_text()
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b onmouseover" not in html


@pytest.mark.parametrize(
    "value",
    [
        'x"; __import__("os").system("touch /tmp/pwned"); y="',
        "line one\nline two = __import__('os')",
        "'''",
        '\\"',
    ],
)
def test_parameters_are_written_as_literals(value):
    nb = render.parameterize(render.QUARTERLY_NOTEBOOK, {"data_file": value})
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    tree = ast.parse(injected.source)
    assignments = [node for node in tree.body if isinstance(node, ast.Assign)]
    assert len(assignments) == len(tree.body) == 1  # one statement, nothing else runs
    assert ast.literal_eval(assignments[0].value) == value


def test_parameters_of_the_wrong_type_or_name_are_refused():
    with pytest.raises(ParameterError, match="no parameter 'colour'"):
        render.check_parameters(render.QUARTERLY_NOTEBOOK, {"colour": "red"})
    with pytest.raises(ParameterError, match="quarter"):
        render.check_parameters(render.QUARTERLY_NOTEBOOK, {"quarter": 2019})


def test_debug_shows_the_traceback(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("DEBUG", "1")
    code, _, err = cli(
        capsys, "metrics", "--quarter", "2019Q3", "--data", str(tmp_path / "missing.csv")
    )
    assert code == 2 and "Traceback" in err and "error: " in err


def test_characters_the_fonts_lack_are_spelled_out():
    from deliveries.pages import elements

    assert elements.printable("nikkei ('3日')") == "nikkei ('3[U+65E5]')"
    assert elements.data_text("<b>São Paulo – ok</b>") == "&lt;b&gt;São Paulo – ok&lt;/b&gt;"
