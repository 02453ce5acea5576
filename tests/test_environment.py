"""Environment failures are the user's, not bugs: a full disk, a read-only file system or an
output folder whose parent does not exist give one ``error:`` line naming the path and the
cause, exit 2, leave nothing behind and keep the previous report byte for byte.

The full disk is a small tmpfs and the read-only file system a read-only bind mount: both need
root, and are skipped with a message otherwise. Every mount is undone in a ``finally``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from deliveries import cli, config, render

pytestmark = pytest.mark.e2e  # kernels, renders, browsers or make runs

QUARTER = "2019Q3"
SMTP_NAMES = ("SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_SECURITY")


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True)


def _need_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs or a read-only bind mount needs root")


@contextlib.contextmanager
def small_disk(folder: Path, kib: int):
    """A tmpfs of ``kib`` KiB mounted on ``folder``: a disk that fills up quickly."""
    _need_root()
    folder.mkdir(parents=True, exist_ok=True)
    mounted = _run("mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(folder))
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        if _run("umount", str(folder)).returncode:
            _run("umount", "-l", str(folder))


@contextlib.contextmanager
def read_only(source: Path, folder: Path):
    """``source`` mounted read-only on ``folder``."""
    _need_root()
    folder.mkdir(parents=True, exist_ok=True)
    bound = _run("mount", "--bind", str(source), str(folder))
    if bound.returncode:
        pytest.skip(f"cannot bind-mount here: {bound.stderr.strip()}")
    try:
        remounted = _run("mount", "-o", "remount,bind,ro", str(folder))
        if remounted.returncode:
            pytest.skip(f"cannot remount read-only here: {remounted.stderr.strip()}")
        yield folder
    finally:
        if _run("umount", str(folder)).returncode:
            _run("umount", "-l", str(folder))


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file (with its bytes) and folder (None) under ``folder``."""
    return {
        str(path.relative_to(folder)): None if path.is_dir() else path.read_bytes()
        for path in sorted(folder.rglob("*"))
    }


def one_error_line(err: str, *fragments: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "Traceback" not in err and "internal error" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def cli_run(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().err


@pytest.fixture(autouse=True)
def no_smtp(monkeypatch, tmp_path):
    """``email`` writes a .eml: no SMTP settings from the shell or a .env."""
    for name in SMTP_NAMES:
        monkeypatch.delenv(name, raising=False)
    elsewhere = tmp_path / "cwd"  # outside the output folders: messages show absolute paths
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)


@pytest.fixture(scope="module")
def previous(tmp_path_factory) -> Path:
    """An output root holding a good 2019Q3 report (with its stamp)."""
    out = tmp_path_factory.mktemp("previous") / "report"
    out.mkdir()
    render.render_quarter(QUARTER, out_root=out)
    return out


def copy_of(previous: Path, target: Path) -> Path:
    shutil.copytree(previous, target, dirs_exist_ok=True)
    return target


COMMANDS = {
    "report": ["report", "--quarter", QUARTER],
    "history": ["history"],
    "reports": ["reports", "--quarters", QUARTER, "--jobs", "1"],
    "email": ["email", "--quarter", QUARTER, "--to", "analyst@example.com"],
}


# --- a folder whose parent does not exist (no root needed) -------------------------------------


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_output_folder_whose_parent_is_missing(capsys, tmp_path, command):
    out = tmp_path / "no-such-folder" / "report"
    code, err = cli_run(capsys, *COMMANDS[command], "--out", str(out))
    assert code == 2
    one_error_line(err, f"cannot create the folder {out}", f"its parent folder {out.parent}")
    assert not out.parent.exists()


# --- a full disk ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["report", "history", "reports"])
def test_a_full_disk_leaves_nothing_behind(capsys, tmp_path, command):
    with small_disk(tmp_path / "disk", 200) as disk:
        out = disk / "report"
        code, err = cli_run(capsys, *COMMANDS[command], "--out", str(out))
        left = tree(disk)
    assert code == 2
    folder = out / ("history" if command == "history" else QUARTER)
    one_error_line(err, f"cannot write {folder}", "no space left on the device")
    assert left == {}, "no report folder, quarter folder or staging folder may stay"


def test_a_full_disk_keeps_the_previous_report_byte_for_byte(capsys, tmp_path, previous):
    used = sum(path.stat().st_size for path in previous.rglob("*") if path.is_file())
    with small_disk(tmp_path / "disk", used // 1024 + 96) as disk:
        out = copy_of(previous, disk / "report")
        before = tree(disk)
        code, err = cli_run(capsys, *COMMANDS["report"], "--goal", "99000", "--out", str(out))
        after = tree(disk)
    assert code == 2
    one_error_line(err, "no space left on the device")
    assert after == before


def test_a_full_disk_refuses_the_eml_and_keeps_the_report(capsys, tmp_path, previous, monkeypatch):
    pdf = config.quarter_paths(previous, QUARTER)["pdf"]
    with small_disk(tmp_path / "disk", pdf.stat().st_size // 1024 + 32) as disk:
        copied = disk / pdf.name
        shutil.copy(pdf, copied)
        monkeypatch.setattr(render, "ensure_quarter", lambda *a, **k: {"pdf": copied})
        before = tree(disk)
        code, err = cli_run(capsys, *COMMANDS["email"], "--out", str(disk))
        after = tree(disk)
    assert code == 2
    one_error_line(err, f"cannot write {copied.with_suffix('.eml')}", "no space left")
    assert after == before


# --- a read-only file system --------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_read_only_file_system_changes_nothing(capsys, tmp_path, previous, monkeypatch, command):
    source = copy_of(previous, tmp_path / "source")
    with read_only(source, tmp_path / "read-only") as out:
        before = tree(out)
        if command == "email":  # the report is there: what fails is writing the .eml
            paths = config.quarter_paths(out, QUARTER)
            monkeypatch.setattr(render, "ensure_quarter", lambda *a, **k: paths)
        code, err = cli_run(capsys, *COMMANDS[command], "--out", str(out))
        after = tree(out)
    assert code == 2
    one_error_line(err, str(out), "read-only file system")
    assert after == before
