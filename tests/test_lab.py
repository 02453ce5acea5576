"""`make lab` starts JupyterLab on 127.0.0.1 with a token, serving notebooks/, and stops cleanly."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "test-token"
START_TIMEOUT = 60  # seconds for JupyterLab to answer
STOP_TIMEOUT = 30

pytestmark = pytest.mark.skipif(
    shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "jupyter").exists(),
    reason="needs make and the project's .venv (make test creates it)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, token: str | None = TOKEN) -> tuple[int, bytes]:
    """Status and body of a GET; HTTP errors are returned, not raised."""
    headers = {"Authorization": f"token {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def wait_until_answering(process: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make lab exited with {process.returncode}:\n{log.read_text()}")
        try:
            if get(f"{base}/api/status")[0] == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {START_TIMEOUT} s:\n{log.read_text()}")


def group_is_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def stop(process: subprocess.Popen) -> bool:
    """SIGTERM to make and JupyterLab (one process group); True when nothing is left of them.

    Whatever is left after STOP_TIMEOUT is killed, so a failing test leaves no processes either.
    """
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_TIMEOUT)
    clean = process.poll() is not None and group_is_gone(process.pid)
    if not clean:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)
    return clean


def test_make_lab_serves_the_notebooks_and_stops_cleanly(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "lab.log"
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")  # no server files left in ~/.local
    # --assume-old: the suite runs inside the existing .venv; a test must never reinstall it.
    command = ["make", "--assume-old=.venv/.installed", "lab", f"PORT={port}", f"LAB_TOKEN={TOKEN}"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stopped_cleanly = False
    try:
        wait_until_answering(process, base, log)

        status, _ = get(f"{base}/lab")
        assert status == 200
        status, body = get(f"{base}/api/contents/notebooks")
        assert status == 200
        names = {item["name"] for item in json.loads(body)["content"]}
        assert {"quarterly_report.ipynb", "history.ipynb", "explore.ipynb"} <= names
        status, body = get(f"{base}/api/kernelspecs")
        assert status == 200 and json.loads(body)["default"] == "python3"
        assert get(f"{base}/api/contents/notebooks", token=None)[0] == 403
        assert get(f"{base}/api/contents/notebooks", token="wrong")[0] == 403
        assert f"http://127.0.0.1:{port}/lab/tree/notebooks" in log.read_text()
    finally:
        stopped_cleanly = stop(process)
    assert stopped_cleanly, f"make lab did not stop on SIGTERM:\n{log.read_text()}"
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the port is still open"
