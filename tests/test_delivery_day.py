"""Delivery day on real-shaped EDGAR (issue 22): ``make update`` and ``make update WATCH=1`` on a
morning whose newest 8-K is the last quarter's earnings Update letter, which speaks of vehicle
deliveries in its first sentence; a watch that meets a filing it cannot classify goes on; the
exhibit's whole text, its storage sentence included, reaches the data folder and ingest."""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

from deliveries.delivery import update as update_module

from .conftest import DATA_DIR, ROOT
from .edgar_filings import STORAGE_SENTENCE, image_only_exhibit
from .edgar_server import NEW_QUARTER, NEW_QUARTER_FILED, SUBMISSIONS_PATH, EdgarServer
from .test_update import FakeClock, environment, make_update, snapshot

LETTER_FILED = date(2026, 10, 22)  # the 2026Q3 earnings 8-K: the newest before delivery day


@pytest.fixture
def edgar():
    """Tesla's filings through the 2026Q3 earnings 8-K, the newest one."""
    with EdgarServer(through_2026q3=True) as server:
        newest = max((f for f in server.filings if f.form == "8-K"), key=lambda f: f.accepted)
        assert newest.filing_date == LETTER_FILED and newest.items == "2.02,9.01"
        assert b"growth in vehicle deliveries" in newest.exhibit().content
        yield server


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copytree(DATA_DIR, tmp_path / "data", ignore=shutil.ignore_patterns("README.md"))
    return tmp_path


def update_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("update:")]


@pytest.mark.e2e
def test_make_update_passes_over_the_update_letter(edgar, work):
    before = snapshot(work / "data")
    env = environment(edgar, work)
    result = make_update(work, env)
    assert result.returncode == 0, result.stderr
    assert update_lines(result) == [
        "update: nothing new: the latest release on EDGAR (2026Q3) is already in the data; "
        "nothing rendered or sent"
    ]
    assert snapshot(work / "data") == before
    letter = edgar.filing(LETTER_FILED)
    assert edgar.requested(letter.path(letter.exhibit().name))  # read once, then remembered
    requests = len(edgar.requests)
    again = make_update(work, env)
    assert again.returncode == 0 and "nothing new" in again.stdout
    assert [r.path for r in edgar.requests[requests:]] == [SUBMISSIONS_PATH]


@pytest.mark.e2e
def test_make_update_watch_polls_past_the_letter_until_the_release(edgar, work):
    env = environment(edgar, work)
    command = ["make", "--no-print-directory", "--assume-old=.venv/.installed", "update"]
    command += [f"DATA={work / 'data' / 'production_deliveries.csv'}", f"OUT={work / 'report'}"]
    process = subprocess.Popen(
        [*command, "WATCH=1", "EVERY=10"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()
        while first and not first.startswith("update:"):  # make echoes the command first
            first = process.stdout.readline()
        assert " nothing new yet (2026Q3 is the latest); next look in 10 s" in first, first
        filing = edgar.add_new_quarter()
        out, err = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    lines = [first.strip(), *(line for line in out.splitlines() if line.startswith("update:"))]
    assert lines[1].startswith(f"update: new on EDGAR: the {NEW_QUARTER} release")
    assert lines[-1].startswith(f"update: added {NEW_QUARTER}; wrote ")
    kept = work / "data" / "releases" / f"{NEW_QUARTER}.htm"
    assert kept.read_bytes() == filing.exhibit().content
    assert STORAGE_SENTENCE.encode() in kept.read_bytes()
    assert (work / "report" / NEW_QUARTER / f"tesla-deliveries-{NEW_QUARTER}.pdf").is_file()


def fake_render(quarter, dataset, out_root, paper, session, with_chart=False):
    """The renders, skipped: the paths they would write."""
    out = Path(out_root)
    return [out / quarter / "q.pdf", out / "history" / "h.pdf", out / "index.html"], None


@pytest.fixture
def run_watch(edgar, work, monkeypatch, capsys):
    """``deliveries update --watch`` in this process on a fake clock (renders skipped); returns
    the exit code, the printed lines and the error lines."""
    for name, value in environment(edgar, work).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(work)
    monkeypatch.setattr(update_module, "render_new_quarter", fake_render)
    from deliveries import cli

    def run(on_sleep, *options: str) -> tuple[int, list[str], list[str]]:
        clock = FakeClock(datetime(2027, 1, 2, 8, 0), on_sleep)
        watch = functools.partial(update_module.watch, now=clock.now, sleep=clock.sleep)
        monkeypatch.setattr(update_module, "watch", watch)
        data = str(work / "data" / "production_deliveries.csv")
        arguments = ["update", "--data", data, "--out", str(work / "report"), "--watch"]
        code = cli.main([*arguments, "--every", "60", *options])
        out, err = capsys.readouterr()
        return code, out.splitlines(), err.splitlines()

    return run


def test_a_watch_that_meets_a_filing_it_cannot_classify_goes_on(edgar, work, run_watch):
    """An image-only 8-K two days after the quarter: perhaps the release, perhaps not; the
    watch says so in one timestamped line, and the release filed after it is added."""
    odd = edgar.add_filing(
        NEW_QUARTER_FILED, items="7.01,9.01", exhibit=image_only_exhibit("exhibit991.htm"), hour=9
    )
    code, out, err = run_watch(lambda sleeps: sleeps == 1 and edgar.add_new_quarter())
    assert (code, err) == (0, [])
    assert out[0].startswith("update: 08:00:00 a filing could not be classified (8-K ")
    assert f"{odd.path('exhibit991.htm')} looked like a production & deliveries release" in out[0]
    assert out[0].endswith("; next look in 60 s")
    assert out[1].startswith(f"update: new on EDGAR: the {NEW_QUARTER} release")
    assert out[-1].startswith(f"update: added {NEW_QUARTER}")


def test_a_watch_ends_at_a_release_it_cannot_read(edgar, work, run_watch):
    """A release (headline, dateline, two days after the quarter) whose figures do not add up:
    waiting will not mend it; one error line, exit 2, data/ unchanged."""
    edgar.add_new_quarter(totals=(480000, 462903))
    before = snapshot(work / "data")
    code, out, err = run_watch(None)
    assert (code, out) == (2, [])
    assert len(err) == 1 and "could not be read: totals do not add up" in err[0]
    assert snapshot(work / "data") == before


def test_the_storage_sentence_reaches_ingest_and_the_kept_exhibit(
    edgar, work, run_watch, monkeypatch
):
    from deliveries.sources.edgar import classify

    read: list[str] = []
    parse = classify.parse_release
    monkeypatch.setattr(classify, "parse_release", lambda text: read.append(text) or parse(text))
    filing = edgar.add_new_quarter()
    code, out, err = run_watch(None)
    assert (code, err) == (0, [])
    assert any(STORAGE_SENTENCE in text for text in read)
    assert read[-1] == filing.exhibit().content.decode()  # the whole text, as filed
    kept = work / "data" / "releases" / f"{NEW_QUARTER}.htm"
    assert kept.read_bytes() == filing.exhibit().content
    sidecar = json.loads(kept.with_suffix(".json").read_text())
    assert sidecar["accession"] == filing.accession
    assert sidecar["exhibit_url"].endswith("/" + filing.exhibit().name)
    assert sidecar["exhibit_sha256"] == hashlib.sha256(filing.exhibit().content).hexdigest()
