"""The atomic writer leaves nothing behind, even for a Ctrl-C just after it creates a file."""

from __future__ import annotations

import os

import pytest

from deliveries import files as atomic


def _interrupt_after(monkeypatch, name: str) -> None:
    """Make ``os.<name>`` do its work, then raise KeyboardInterrupt: a Ctrl-C arriving in the
    instant after a temporary file or folder is created."""
    real = getattr(os, name)

    def created_then_interrupted(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, name, created_then_interrupted)


def test_staging_folder_is_removed_after_a_ctrl_c_just_after_its_creation(tmp_path, monkeypatch):
    _interrupt_after(monkeypatch, "mkdir")
    with pytest.raises(KeyboardInterrupt), atomic.staging_folder(tmp_path, prefix=".rendering-"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_temporary_file_is_removed_after_a_ctrl_c_just_after_its_creation(tmp_path, monkeypatch):
    target = tmp_path / "table.csv"
    target.write_text("old\n")
    _interrupt_after(monkeypatch, "open")
    with pytest.raises(KeyboardInterrupt):
        atomic.write_atomically(target, "new\n")
    monkeypatch.undo()
    assert [path.name for path in tmp_path.iterdir()] == ["table.csv"]
    assert target.read_text() == "old\n"


def test_output_folder_is_removed_after_a_ctrl_c_just_after_its_creation(tmp_path, monkeypatch):
    _interrupt_after(monkeypatch, "mkdir")
    with pytest.raises(KeyboardInterrupt), atomic.output_folder(tmp_path / "report" / "2019Q3"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_staging_folder_is_removed_with_its_files_when_the_body_fails(tmp_path):
    with pytest.raises(RuntimeError), atomic.staging_folder(tmp_path) as staging:
        (staging / "part.pdf").write_bytes(b"%PDF-")
        raise RuntimeError("printing failed")
    assert list(tmp_path.iterdir()) == []


def test_written_file_replaces_the_old_one_readable_and_without_leftovers(tmp_path):
    target = tmp_path / "index.html"
    target.write_text("old")
    atomic.write_atomically(target, "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == atomic.READABLE
    assert [path.name for path in tmp_path.iterdir()] == ["index.html"]


def test_a_failing_check_replaces_nothing(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("good\n")

    def refuse(temporary):
        assert temporary.read_text() == "bad\n"
        raise ValueError("row 3: not a number")

    with pytest.raises(ValueError):
        atomic.write_atomically(target, "bad\n", check=refuse)
    assert target.read_text() == "good\n"
    assert [path.name for path in tmp_path.iterdir()] == ["table.csv"]
