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

from .conftest import ROOT, free_port

TOKEN = "test-token"
START_TIMEOUT = 60  # seconds for JupyterLab to answer
STOP_TIMEOUT = 30

pytestmark = [
    pytest.mark.e2e,  # kernels, renders, browsers or make runs
    pytest.mark.skipif(
        shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "jupyter").exists(),
        reason="needs make and the project's .venv (make test creates it)",
    ),
]


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


# --- a fresh open in JupyterLab leaves the notebooks unmodified ------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
KERNEL_SETTLE = 3.0  # seconds after the kernel is idle for Lab to write its metadata


def start_lab(root: Path, port: int, log: Path) -> subprocess.Popen:
    """JupyterLab serving ``root`` on 127.0.0.1:``port`` (its own process group)."""
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(log.parent / "runtime")}
    command = [
        str(ROOT / ".venv" / "bin" / "jupyter"),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}",
        "--allow-root",
        "--LabApp.news_url=",
        "--LabApp.extension_manager=readonly",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with log.open("wb") as output:
        return subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def dirty_after_opening(browser, base: str, name: str, shot: Path) -> bool:
    """Open ``name`` in Lab, let its kernel start and settle; is the document marked modified?"""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        # A workspace of its own, so no other notebook is restored beside it.
        workspace = Path(name).stem
        page.goto(f"{base}/lab/workspaces/{workspace}/tree/{name}?token={TOKEN}")
        panel = ".jp-NotebookPanel:not(.lm-mod-hidden)"
        page.wait_for_selector(panel, timeout=START_TIMEOUT * 1000)
        page.wait_for_selector(
            f'{panel} .jp-Notebook-ExecutionIndicator[data-status="idle"]',
            timeout=START_TIMEOUT * 1000,
        )
        time.sleep(KERNEL_SETTLE)
        page.screenshot(path=str(shot))
        return page.locator(".lm-TabBar-tab.jp-mod-dirty").count() > 0
    finally:
        page.close()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed; Lab open test skipped")
def test_opening_the_notebooks_in_lab_leaves_them_unmodified(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    root = tmp_path / "root"
    shutil.copytree(ROOT / "notebooks", root)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "lab.log"
    process = start_lab(root, port, log)
    try:
        wait_until_answering(process, base, log)
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            try:
                dirty = {
                    path.name: dirty_after_opening(
                        browser, base, path.name, tmp_path / f"{path.stem}.png"
                    )
                    for path in sorted(root.glob("*.ipynb"))
                }
            finally:
                browser.close()
    finally:
        stop(process)
    assert dirty and not any(dirty.values()), f"marked modified on opening: {dirty}"
