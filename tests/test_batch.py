"""Rendering many reports: every quarter, history and index; incremental; batch == single."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from deliveries import config, render
from deliveries.cli import main
from deliveries.data import dataset
from deliveries.errors import OutputError, RenderError
from deliveries.render import batch

from .conftest import DATA_DIR

pytestmark = pytest.mark.e2e  # kernels, renders, browsers or make runs

QUARTERS = ["2019Q1", "2019Q2", "2019Q3", "2019Q4"]


def small_data(folder: Path) -> dict:
    """A copy of data/ holding only 2019's quarters (same rows, same sources)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = (DATA_DIR / "production_deliveries.csv").read_text().splitlines(keepends=True)
    kept = [lines[0]] + [line for line in lines[1:] if line[:6] in QUARTERS]
    (folder / "production_deliveries.csv").write_text("".join(kept))
    shutil.copy(DATA_DIR / "goals.csv", folder)
    shutil.copy(DATA_DIR / "revisions.csv", folder)
    return dataset.resolve_paths(folder)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A batch over the small data set, rendered once for the module."""
    root = tmp_path_factory.mktemp("batch")
    paths = small_data(root / "data")
    out = root / "report"
    assert batch.render_all(data_paths=paths, out_root=out, jobs=2) == 0
    return paths, out


def test_every_quarter_history_and_index_are_rendered(built):
    _, out = built
    for quarter in QUARTERS:
        for path in config.quarter_paths(out, quarter).values():
            assert path.stat().st_size > 0, path
    for path in config.history_paths(out).values():
        assert path.stat().st_size > 0
    assert (out / "index.html").exists()


def test_index_links_every_report(built):
    _, out = built
    html = (out / "index.html").read_text()
    links = set(re.findall(r'href="([^"]+)"', html))
    for quarter in QUARTERS:
        assert f"{quarter}/tesla-deliveries-{quarter}.html" in links
        assert f"{quarter}/tesla-deliveries-{quarter}.pdf" in links
    assert "history/tesla-deliveries-history.pdf" in links
    for link in links:
        assert (out / link).exists(), link
    assert "~97,000" in html and "<script" not in html


def test_history_report_has_annual_totals_against_goals(built):
    _, out = built
    text = " ".join(p.extract_text() for p in PdfReader(config.history_paths(out)["pdf"]).pages)
    assert "Annual totals against stated goals" in text
    assert "367,200" in text and "met" in text  # 63,000 + 95,200 + 97,000 + 112,000 vs 360,000


def test_rerun_with_nothing_changed_renders_nothing_and_starts_no_kernel(
    built, monkeypatch, capsys
):
    paths, out = built

    def no_kernel(self):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(render.KernelSession, "start", no_kernel)
    assert batch.render_all(data_paths=paths, out_root=out, jobs=2) == 0
    assert "rendered 0, up to date 5, failed 0" in capsys.readouterr().out


def test_batch_and_single_renders_are_identical(built, tmp_path):
    paths, out = built
    single = render.render_quarter("2019Q3", data_paths=paths, out_root=tmp_path)
    in_batch = config.quarter_paths(out, "2019Q3")
    assert single["html"].read_text() == in_batch["html"].read_text()
    texts = [
        " ".join(p.extract_text() for p in PdfReader(f).pages)
        for f in (single["pdf"], in_batch["pdf"])
    ]
    assert texts[0] == texts[1]


def test_a_changed_row_rerenders_only_the_reports_it_affects(tmp_path, capsys):
    paths = small_data(tmp_path / "data")
    out = tmp_path / "report"
    assert batch.render_all(data_paths=paths, out_root=out, jobs=1) == 0
    before = {q: config.quarter_paths(out, q)["pdf"].stat().st_mtime_ns for q in QUARTERS}
    table = paths["deliveries"]
    table.write_text(
        table.read_text()
        .replace("2019Q4,Model S/X,17933,19450", "2019Q4,Model S/X,17934,19450")
        .replace("2019Q4,Total,104891,", "2019Q4,Total,104892,")
    )
    capsys.readouterr()
    assert batch.render_all(data_paths=paths, out_root=out, jobs=1) == 0
    assert "rendered 2, up to date 3" in capsys.readouterr().out  # 2019Q4 and the history
    after = {q: config.quarter_paths(out, q)["pdf"].stat().st_mtime_ns for q in QUARTERS}
    assert [q for q in QUARTERS if after[q] != before[q]] == ["2019Q4"]
    assert (
        "104,892" in PdfReader(config.quarter_paths(out, "2019Q4")["pdf"]).pages[0].extract_text()
    )


def test_a_failing_report_does_not_stop_the_batch(tmp_path, monkeypatch, capsys):
    paths = small_data(tmp_path / "data")
    real_run_job = render.run_job

    def fail_2019q2(job, session=None):
        if job.name == "2019Q2":
            raise RenderError("notebook cell 3 raised ValueError: boom")
        return real_run_job(job, session)

    monkeypatch.setattr(batch, "run_job", fail_2019q2)
    code = main(
        [
            "reports",
            "--jobs",
            "1",
            "--quarters",
            "2019Q1,2019Q2",
            "--data",
            str(paths["deliveries"]),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 2
    assert "FAILED: notebook cell 3 raised ValueError: boom" in out
    assert "error: 2019Q2: notebook cell 3 raised ValueError: boom" in err
    assert config.quarter_paths(tmp_path / "out", "2019Q1")["pdf"].exists()


def test_an_environment_failure_stops_the_batch_with_one_error(tmp_path, monkeypatch, capsys):
    paths = small_data(tmp_path / "data")
    attempted = []

    def disk_full(job, session=None):
        attempted.append(job.name)
        raise OutputError(f"cannot write {job.paths['pdf']}: no space left on the device")

    monkeypatch.setattr(batch, "run_job", disk_full)
    monkeypatch.setattr(render.KernelSession, "start", lambda self: self)
    out = tmp_path / "out"
    code = main(["reports", "--jobs", "1", "--data", str(paths["deliveries"]), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert attempted == ["history"], "the other reports would fail the same way"
    assert err.count("error: ") == 1 and "no space left on the device" in err
    assert not out.exists(), "the output folder this batch created is removed again"
