"""`deliveries update` / `make update` against the local EDGAR-shaped server: a new quarter end to
end, nothing new, every failure (one `error:` line, exit 2, data/ untouched), and `--watch`."""

from __future__ import annotations

import base64
import functools
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from unittest.mock import ANY

import pytest

from deliveries import cli, render
from deliveries.analysis import metrics
from deliveries.data import dataset
from deliveries.delivery import update as update_module
from deliveries.delivery.mailer.message import chart_from_answer, chart_png, chart_request
from deliveries.errors import DeliveriesError, EdgarUnavailable, FetchError
from deliveries.render.kernel import KernelSession

from .conftest import DATA_DIR, ROOT, free_port
from .edgar_server import (
    NEW_QUARTER,
    NEW_QUARTER_FILED,
    SUBMISSIONS_PATH,
    EdgarServer,
    Queued,
    release_exhibit,
)

CLEAN = ("SMTP_HOST", "SMTP_USER", "SMTP_PASSWORD", "MAIL_TO", "EDGAR_DATA_URL", "SEC_USER_AGENT")


@pytest.fixture
def edgar():
    with EdgarServer(through_2026q3=True) as server:
        yield server


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A copy of data/ and room for the reports and the EDGAR cache."""
    shutil.copytree(DATA_DIR, tmp_path / "data", ignore=shutil.ignore_patterns("README.md"))
    return tmp_path


def environment(edgar: EdgarServer, work: Path, **extra: str) -> dict[str, str]:
    """The server's endpoints, a User-Agent, a private cache; no SMTP server, no MAIL_TO."""
    values = {k: v for k, v in os.environ.items() if k not in CLEAN and k != "MAKEFLAGS"}
    values.update(edgar.environ(EDGAR_CACHE_DIR=str(work / "cache"), SMTP_HOST="", MAIL_TO=""))
    values.update(extra)
    return values


def make_update(work: Path, env: dict[str, str], *variables: str) -> subprocess.CompletedProcess:
    """``make update`` on the copy, as a user runs it (the venv is never reinstalled)."""
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "--assume-old=.venv/.installed",
            "update",
            f"DATA={work / 'data' / 'production_deliveries.csv'}",
            f"OUT={work / 'report'}",
            *variables,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def snapshot(*folders: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under ``folders``: modification time and bytes."""
    return {
        str(path): (path.stat().st_mtime_ns, path.read_bytes())
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def data_rows(work: Path, quarter: str) -> list[str]:
    text = (work / "data" / "production_deliveries.csv").read_text()
    return [line for line in text.splitlines() if line.startswith(quarter + ",")]


# --- end to end ---------------------------------------------------------------------------------


@pytest.mark.e2e
def test_make_update_adds_a_new_quarter_then_finds_nothing_new(edgar, work):
    filing = edgar.add_new_quarter()
    exhibit_url = f"{edgar.url}{filing.folder}/{filing.documents[1].name}"
    env = environment(edgar, work)
    first = make_update(work, env, "TO=analyst@example.com")
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    printed = [line for line in first.stdout.splitlines() if line.startswith("update:")]
    assert len(printed) == 3  # two progress lines and the summary
    assert printed[0].startswith(f"update: new on EDGAR: the {NEW_QUARTER} release (produced ")
    summary = printed[-1]
    assert summary.startswith(f"update: added {NEW_QUARTER}; wrote ")
    assert "e-mail to analyst@example.com written to" in summary

    rows = data_rows(work, NEW_QUARTER)
    assert [row.split(",")[1] for row in rows] == ["Model 3/Y", "Other Models", "Total"]
    assert all(exhibit_url in row for row in rows)  # source_url cites the exhibit
    assert all(f",{NEW_QUARTER_FILED.isoformat()}," in row for row in rows)  # the dateline
    releases = work / "data" / "releases"
    assert sorted(p.name for p in releases.iterdir()) == [
        f"{NEW_QUARTER}.htm",
        f"{NEW_QUARTER}.json",
    ]
    assert (releases / f"{NEW_QUARTER}.htm").read_bytes() == filing.documents[1].content
    report = work / "report"
    pdf = report / NEW_QUARTER / f"tesla-deliveries-{NEW_QUARTER}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert (report / "history" / "tesla-deliveries-history.pdf").read_bytes().startswith(b"%PDF")
    assert (
        f"{NEW_QUARTER}/tesla-deliveries-{NEW_QUARTER}.pdf" in (report / "index.html").read_text()
    )
    eml = pdf.with_suffix(".eml").read_bytes()
    assert b"To: analyst@example.com" in eml and pdf.name.encode() in eml
    assert b"Content-Type: image/png" in eml  # the chart inline, drawn by the report's kernel

    before = snapshot(work / "data", report)
    requests = len(edgar.requests)
    again = make_update(work, env, "TO=analyst@example.com")
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""
    assert [line for line in again.stdout.splitlines() if line.startswith("update:")] == [
        f"update: nothing new: the latest release on EDGAR ({NEW_QUARTER}) is already in the "
        "data; nothing rendered or sent"
    ]
    assert snapshot(work / "data", report) == before  # nothing rendered, sent or rewritten
    assert [r.path for r in edgar.requests[requests:]] == [SUBMISSIONS_PATH]  # one revalidation


@pytest.mark.e2e
def test_make_update_failure_is_one_error_line_and_exit_2(edgar, work):
    before = snapshot(work / "data")
    env = environment(edgar, work, SEC_USER_AGENT="")
    result = make_update(work, env)  # SEC_USER_AGENT empty: it wins over any .env
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    assert errors == [errors[0]] and errors[0].startswith("error: SEC_USER_AGENT is not set")
    assert snapshot(work / "data") == before
    assert edgar.requests == []


@pytest.mark.e2e
def test_ctrl_c_during_the_renders_leaves_nothing_behind(edgar, work):
    """Interrupted while the kernel runs the quarter (the history's PDF is printing):
    exit 130 with one line, data/ as it was, no report, and no process left over."""
    edgar.add_new_quarter()
    before = snapshot(work / "data")
    data = work / "data" / "production_deliveries.csv"
    command = [str(ROOT / ".venv" / "bin" / "deliveries"), "update", "--data", str(data)]
    process = subprocess.Popen(
        [*command, "--out", str(work / "report"), "--to", "analyst@example.com"],
        env=environment(edgar, work),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Ctrl-C reaches the whole group, as in a terminal
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # The history's HTML in its staging folder: its PDF is printing in a forked process and the
    # kernel runs the quarter's notebook.
    history_html = "history/.rendering-*/tesla-deliveries-history.html"
    deadline = time.monotonic() + 120
    while not any((work / "report").glob(history_html)):
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the update never reached its renders"
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)
    # communicate() returns only when every process holding the pipes has ended
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.splitlines() == ["error: interrupted; no report was replaced"]
    assert snapshot(work / "data") == before
    assert not (work / "report").exists()  # the folders this run created are gone again


# --- in process: nothing new, the failures ------------------------------------------------------


@pytest.fixture
def run(edgar, work, monkeypatch, capsys):
    """``deliveries update`` in this process (no .env: the working folder is the temporary one)."""
    monkeypatch.chdir(work)
    monkeypatch.setattr(sys, "unraisablehook", sys.unraisablehook)  # a Ctrl-C quiets it
    for name in CLEAN:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment(edgar, work).items():
        monkeypatch.setenv(name, value)

    def run_update(*options: str) -> tuple[int, list[str], list[str]]:
        code = cli.main(
            [
                "update",
                "--data",
                str(work / "data" / "production_deliveries.csv"),
                "--out",
                str(work / "report"),
                *options,
            ]
        )
        out, err = capsys.readouterr()
        return code, out.splitlines(), err.splitlines()

    return run_update


def test_nothing_new_says_so_and_writes_nothing(edgar, work, run):
    before = snapshot(work / "data")
    code, out, err = run("--to", "analyst@example.com")
    assert (code, err) == (0, [])
    assert out == [
        "update: nothing new: the latest release on EDGAR (2026Q3) is already in the data; "
        "nothing rendered or sent"
    ]
    assert snapshot(work / "data") == before
    assert not (work / "report").exists()


@pytest.mark.e2e
def test_a_poll_with_nothing_new_loads_no_heavy_library(edgar, work):
    """A timer polls every 10 minutes: a no-op must not import pandas, matplotlib or Jupyter
    (the recipients are checked, by the mailer's light settings module)."""
    data = str(work / "data" / "production_deliveries.csv")
    heavy = ("pandas", "matplotlib", "jupyter_client", "nbconvert", "weasyprint", "papermill")
    heavy += ("deliveries.delivery.mailer.message",)
    code = (
        "import sys\n"
        "from deliveries import cli\n"
        "cli.configure_process()\n"
        f"assert cli.main(['update', '--data', {data!r}, '--to', 'desk@example.com']) == 0\n"
        f"print(sorted(name for name in {heavy!r} if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=environment(edgar, work),
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"
    assert "nothing new" in result.stdout


def test_a_missing_data_file_is_one_line_before_any_request(edgar, work, run):
    (work / "data" / "production_deliveries.csv").unlink()
    code, out, err = run()
    assert (code, out) == (2, [])
    assert err == ["error: data/production_deliveries.csv: file not found"]  # the cwd is work
    assert edgar.requests == []


def test_a_429_then_success_goes_through(edgar, work, run):
    edgar.queue(SUBMISSIONS_PATH, Queued(429, b"slow down", {"Retry-After": "0"}))
    code, out, err = run()
    assert (code, err) == (0, [])
    assert "nothing new" in out[-1]
    assert len(edgar.requested(SUBMISSIONS_PATH)) == 2


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def server_errors_until_retries_run_out(edgar: EdgarServer, monkeypatch) -> str:
    edgar.queue(SUBMISSIONS_PATH, *[503] * 4)  # the first try and EDGAR_RETRIES=3 retries
    return "HTTP 503"


def a_missing_exhibit(edgar: EdgarServer, monkeypatch) -> str:
    edgar.add_new_quarter().documents[1].missing = True
    return "HTTP 404 Not Found"


def malformed_json(edgar: EdgarServer, monkeypatch) -> str:
    edgar.queue(SUBMISSIONS_PATH, Queued(200, b'{"cik": ', {"Content-Type": "application/json"}))
    return "JSON"


def no_user_agent(edgar: EdgarServer, monkeypatch) -> str:
    monkeypatch.setenv("SEC_USER_AGENT", "")
    return "SEC_USER_AGENT is not set"


def a_refused_connection(edgar: EdgarServer, monkeypatch) -> str:
    url = closed_port_url()
    monkeypatch.setenv("EDGAR_DATA_URL", url)
    return url.split("//")[1]


def figures_that_do_not_add_up(edgar: EdgarServer, monkeypatch) -> str:
    edgar.add_new_quarter(totals=(480000, 462903))
    return "could not be read: totals do not add up"


def a_bad_address(edgar: EdgarServer, monkeypatch) -> str:
    edgar.add_new_quarter()
    monkeypatch.setenv("MAIL_TO", "analyst at example.com")
    return "MAIL_TO"


FAILURES = [
    server_errors_until_retries_run_out,
    a_missing_exhibit,
    malformed_json,
    no_user_agent,
    a_refused_connection,
    figures_that_do_not_add_up,
    a_bad_address,
]


@pytest.fixture
def kernels(monkeypatch) -> list[tuple[KernelSession, int, str]]:
    """Every kernel an update spawns (it does so before asking EDGAR): session, pid, sockets."""
    spawned = []
    original = KernelSession.spawn

    def spawn(self):
        original(self)
        spawned.append((self, self.process.pid, self._socket_dir))
        return self

    monkeypatch.setattr(KernelSession, "spawn", spawn)
    return spawned


def assert_all_gone(kernels) -> None:
    """Each kernel spawned was closed: its process ended and reaped, its sockets removed."""
    assert kernels, "no kernel was spawned"
    for session, pid, sockets in kernels:
        assert session.process is None
        assert not Path(f"/proc/{pid}").exists()
        assert not Path(sockets).exists()


def test_the_kernel_spawned_for_a_poll_with_nothing_new_is_closed_again(run, kernels):
    code, out, err = run()
    assert (code, err) == (0, []) and "nothing new" in out[-1]
    assert_all_gone(kernels)


@pytest.mark.parametrize("arrange", FAILURES, ids=lambda f: f.__name__)
def test_each_failure_is_one_error_line_exit_2_and_nothing_written(
    arrange, edgar, work, run, monkeypatch, kernels
):
    expected = arrange(edgar, monkeypatch)
    before = snapshot(work / "data")
    code, out, err = run()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("error: "), err
    assert expected in err[0]
    assert out == []
    assert snapshot(work / "data") == before
    assert not (work / "data" / "releases").exists()
    assert not (work / "report").exists()
    if arrange is not a_bad_address:  # refused before any kernel or request
        assert_all_gone(kernels)


def test_the_latest_quarter_there_with_other_figures_says_what_differs(edgar, work, run):
    restated = release_exhibit(
        "2026Q3",
        date(2026, 10, 2),
        lines=[("Model 3/Y", 457387, 478000), ("Other Models", 7004, 8295)],
    )
    edgar.filing(date(2026, 10, 2)).documents[1].content = restated
    before = snapshot(work / "data")
    code, out, err = run()
    assert code == 2 and out == []
    assert len(err) == 1
    assert err[0].startswith("error: 2026Q3 is already in ")
    assert "Model 3/Y delivered: data 478237, EDGAR 478000" in err[0]
    assert "Total delivered: data 486532, EDGAR 486295" in err[0]
    assert "Other Models" not in err[0]
    assert snapshot(work / "data") == before
    assert not (work / "data" / "releases").exists()


@pytest.mark.parametrize("new_quarter", [True, False], ids=["new quarter", "nothing new"])
def test_addresses_are_checked_before_edgar_is_asked(new_quarter, edgar, work, run):
    if new_quarter:
        edgar.add_new_quarter()
    before = snapshot(work / "data")
    code, out, err = run("--to", "analyst@example.com", "--cc", "boss at example")
    assert code == 2 and out == []
    assert err == ['error: --cc: "boss at example" is not an e-mail address (expected name@domain)']
    code, out, err = run("--cc", "boss@example.com")
    assert code == 2 and "--cc needs --to" in err[0]
    assert edgar.requests == []  # stopped before asking EDGAR
    assert snapshot(work / "data") == before


@pytest.mark.parametrize(
    "failure, code, message",
    [
        (DeliveriesError("2026Q4: the kernel died"), 2, "error: 2026Q4: the kernel died"),
        (KeyboardInterrupt(), 130, "error: interrupted; no report was replaced"),
    ],
    ids=["render failed", "Ctrl-C"],
)
def test_a_failed_render_puts_data_back_as_it_was(
    failure, code, message, edgar, work, run, monkeypatch
):
    edgar.add_new_quarter()
    before = snapshot(work / "data")

    def broken_render(*args, **kwargs):
        raise failure

    monkeypatch.setattr(update_module, "render_new_quarter", broken_render)
    assert run() == (code, [ANY, ANY], [message])  # the progress lines (found, added), the error
    assert snapshot(work / "data") == before  # bytes and modification times
    assert not (work / "data" / "releases" / "2026Q4.htm").exists()
    code, out, err = run()  # the next run (of a timer, say) tries again
    assert out[0].startswith("update: new on EDGAR: the 2026Q4 release")


# --- MAIL_TO ------------------------------------------------------------------------------------


def test_mail_to_comes_from_dotenv_unless_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MAIL_TO", raising=False)
    assert update_module.recipients(None) is None
    (tmp_path / ".env").write_text('MAIL_TO="team@example.com"\nSMTP_HOST=\n')
    assert update_module.recipients(None) == "team@example.com"
    assert update_module.recipients("me@example.com") == "me@example.com"
    monkeypatch.setenv("MAIL_TO", "desk@example.com")  # the environment wins over .env
    assert update_module.recipients(None) == "desk@example.com"
    monkeypatch.delenv("SMTP_HOST", raising=False)
    mailing = update_module.plan_mailing(None, "cc@example.com")
    assert (mailing.to, mailing.cc, mailing.settings.host) == (
        "desk@example.com",
        "cc@example.com",
        None,
    )


# --- the e-mail's chart -------------------------------------------------------------------------


@pytest.mark.e2e  # a kernel
def test_the_kernel_draws_the_same_chart_as_this_process():
    data = dataset.load(deliveries=DATA_DIR / "production_deliveries.csv")
    with render.KernelSession() as session:
        request = session.ask(*chart_request(data.paths, "2019Q3"))
        kernel_chart = update_module._kernel_chart(session, request)
    assert kernel_chart == chart_png(data, metrics.summarize(data, "2019Q3"))
    png, title = kernel_chart
    assert png.startswith(b"\x89PNG") and "Q3 2019" in title


def test_an_answer_that_is_not_a_chart_is_refused():
    png = base64.b64encode(b"\x89PNG\r\n\x1a\nrest").decode()
    assert chart_from_answer(repr((png, "A title"))) == (b"\x89PNG\r\n\x1a\nrest", "A title")
    for text in ("None", "('abc', 'A title')", repr((base64.b64encode(b"GIF89a").decode(), "t"))):
        with pytest.raises(ValueError):
            chart_from_answer(text)


@pytest.mark.e2e  # a kernel
def test_a_chart_the_kernel_could_not_draw_is_drawn_by_the_letter(tmp_path, monkeypatch):
    data = dataset.load(deliveries=DATA_DIR / "production_deliveries.csv")
    with render.KernelSession() as session:
        failing = session.ask("raise RuntimeError('no chart')", "None")
        assert update_module._kernel_chart(session, failing) is None
    monkeypatch.setenv("SMTP_HOST", "")
    mailing = update_module.plan_mailing("desk@example.com", None)
    pdf = tmp_path / "tesla-deliveries-2019Q3.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%%EOF\n")
    assert "written to" in mailing.deliver("2019Q3", pdf, data, None)
    eml = pdf.with_suffix(".eml").read_bytes()
    assert b"Content-Type: image/png" in eml and b"desk@example.com" in eml


# --- --watch ------------------------------------------------------------------------------------


class FakeClock:
    """``now`` and ``sleep`` for a watch: sleeping moves the clock on."""

    def __init__(self, start: datetime, on_sleep=None):
        self.time, self.sleeps, self.on_sleep = start, [], on_sleep

    def now(self) -> datetime:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += timedelta(seconds=seconds)
        if self.on_sleep:
            self.on_sleep(len(self.sleeps))


def outcome(new: bool) -> update_module.UpdateOutcome:
    return update_module.UpdateOutcome("2026Q4" if new else "2026Q3", new, "http://x/ex.htm")


def test_watch_polls_until_a_release_appears_then_updates_once():
    clock = FakeClock(datetime(2027, 1, 2, 8, 0))
    results = iter([outcome(False), outcome(False), outcome(True)])
    attempts, said = [], []

    def attempt(**arguments):
        attempts.append(arguments)
        return next(results)

    done = update_module.watch(
        every=60, now=clock.now, sleep=clock.sleep, say=said.append, attempt=attempt, to="a@b.co"
    )
    assert done.new and done.quarter == "2026Q4"
    assert clock.sleeps == [60, 60] and len(attempts) == 3
    assert attempts[0]["to"] == "a@b.co"
    assert said == [
        "update: 08:00:00 nothing new yet (2026Q3 is the latest); next look in 60 s",
        "update: 08:01:00 nothing new yet (2026Q3 is the latest); next look in 60 s",
    ]


def test_a_watch_rides_out_an_edgar_outage_but_not_a_mistake():
    clock = FakeClock(datetime(2027, 1, 2, 8, 0))
    down = EdgarUnavailable("GET https://data.sec.gov/x: HTTP 503; gave up after 3 retries")
    results = iter([down, down, outcome(True)])
    said = []

    def attempt(**arguments):
        result = next(results)
        if isinstance(result, Exception):
            raise result
        return result

    done = update_module.watch(
        every=60, now=clock.now, sleep=clock.sleep, say=said.append, attempt=attempt
    )
    assert done.new and clock.sleeps == [60, 60]
    assert said[0] == f"update: 08:00:00 EDGAR did not answer ({down}); next look in 60 s"

    def mistake(**arguments):  # e.g. no SEC_USER_AGENT: waiting will not fix it
        raise FetchError("SEC_USER_AGENT is not set")

    with pytest.raises(FetchError, match="SEC_USER_AGENT"):
        update_module.watch(every=60, now=clock.now, sleep=clock.sleep, attempt=mistake)

    def always_down(**arguments):
        raise down

    clock = FakeClock(datetime(2027, 1, 2, 8, 0))
    with pytest.raises(EdgarUnavailable, match=r"gave up after 3 retries \(still so at 08:02\)"):
        update_module.watch(
            every=60, until="08:02", now=clock.now, sleep=clock.sleep, attempt=always_down
        )
    assert clock.sleeps == [60, 60]


def test_watch_against_the_server_stops_at_until_saying_nothing_new(edgar, work, run, monkeypatch):
    clock = FakeClock(datetime(2027, 1, 2, 9, 0))
    fake_watch = functools.partial(update_module.watch, now=clock.now, sleep=clock.sleep)
    monkeypatch.setattr(update_module, "watch", fake_watch)
    code, out, err = run("--watch", "--every", "600", "--until", "09:15")
    assert (code, err) == (0, [])
    assert clock.sleeps == [600, 300]  # the last wait ends at --until
    assert out[-1].startswith("update: nothing new: the latest release on EDGAR (2026Q3)")
    assert len(out) == 3
    assert [r.path for r in edgar.requests].count(SUBMISSIONS_PATH) == 3
    assert not (work / "data" / "releases").exists()


@pytest.mark.parametrize("verbose", [False, True])
def test_ctrl_c_stops_a_watch_cleanly(verbose, edgar, work, run, monkeypatch):
    def interrupted(seconds):
        raise KeyboardInterrupt

    clock = FakeClock(datetime(2027, 1, 2, 9, 0))
    fake_watch = functools.partial(update_module.watch, now=clock.now, sleep=interrupted)
    monkeypatch.setattr(update_module, "watch", fake_watch)
    monkeypatch.setenv("DEBUG", "1" if verbose else "0")  # the CLI's --verbose goes before "update"
    hook = sys.unraisablehook
    code, out, err = run("--watch", "--every", "60")
    assert (code, err) == (130, [])
    assert out[-1] == "update: watch stopped (Ctrl-C); nothing was left half-written"
    assert len(out) == 2  # the one "nothing new yet" line, then the stop
    # The interpreter's own messages about the interrupt are quieted, unless asked for.
    assert (sys.unraisablehook is hook) == verbose


@pytest.mark.parametrize(
    "options, message",
    [
        (["--watch", "--every", "1"], "--every 1: poll at most every 10 seconds"),
        (["--watch", "--until", "25:00"], '--until "25:00" is not a time of day'),
        (["--every", "60"], "--every and --until go with --watch"),
    ],
)
def test_watch_options_are_checked(options, message, edgar, run):
    code, out, err = run(*options)
    assert code == 2 and len(err) == 1 and message in err[0]
    assert edgar.requests == []


def test_until_already_past_is_refused():
    clock = FakeClock(datetime(2027, 1, 2, 18, 0))
    with pytest.raises(DeliveriesError, match="--until 09:00: that time has passed today"):
        update_module.watch(every=60, until="09:00", now=clock.now, sleep=clock.sleep)
