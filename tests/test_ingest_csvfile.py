"""The data-table rewrite: prepare_addition, write_addition, and environment failures."""

from __future__ import annotations

import contextlib
import datetime
import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from deliveries.cli import main
from deliveries.errors import IngestError, OutputError
from deliveries.sources.ingest import (
    Addition,
    ParsedRelease,
    ReleaseRow,
    parse_release,
    prepare_addition,
    write_addition,
)

from .conftest import DATA_DIR

FIXTURES = Path(__file__).parent / "fixtures" / "releases"
DATA = DATA_DIR
NEW_QUARTER = "2030Q1"


@pytest.fixture
def table(tmp_path: Path) -> Path:
    """A copy of the real deliveries table, alone in a folder."""
    path = tmp_path / "production_deliveries.csv"
    shutil.copy(DATA / "production_deliveries.csv", path)
    return path


def release(quarter: str = NEW_QUARTER, date: str | None = "2030-04-02", total=(10, 20)):
    """A parsed release of one model line and its Total."""
    produced, delivered = total
    rows = [
        ReleaseRow(quarter, "Model 3/Y", 10, 20, None, False),
        ReleaseRow(quarter, "Total", produced, delivered, None, False),
    ]
    return ParsedRelease(quarter, date, "Tesla test release", rows)


def prepare(parsed: ParsedRelease, table: Path, **options) -> Addition:
    return prepare_addition(parsed, table, source="test", verified="by a test", **options)


# --- prepare_addition ------------------------------------------------------------------------


def test_a_new_quarter_is_added_in_memory_only(table: Path) -> None:
    before = table.read_bytes()
    addition = prepare(release(), table)
    assert table.read_bytes() == before
    assert (addition.quarter, addition.existing, addition.differences) == (NEW_QUARTER, [], [])
    assert addition.data_path == table and addition.comparison() == []
    assert [row["model_line"] for row in addition.rows] == ["Model 3/Y", "Total"]
    assert addition.rows[0]["source"] == "test" and addition.rows[0]["verified"] == "by a test"
    assert addition.content.startswith(before)  # the newest quarter goes at the end
    assert addition.content[len(before) :].decode().startswith(f"{NEW_QUARTER},Model 3/Y,10,20,")


def test_a_quarter_in_the_file_is_compared(table: Path) -> None:
    parsed = parse_release((FIXTURES / "2019Q3.txt").read_text())
    same = prepare(parsed, table)
    assert len(same.existing) == 3 and same.differences == []
    assert same.comparison() == ["Model S/X: unchanged", "Model 3: unchanged", "Total: unchanged"]
    changed_text = (FIXTURES / "2019Q3.txt").read_text().replace("17,400", "17,500")
    changed = prepare(parse_release(changed_text.replace("97,000 |", "97,100 |")), table)
    assert changed.differences == [
        "Model S/X: delivered 17,400 -> 17,500",
        "Total: delivered 97,000 -> 97,100",
    ]


def test_the_given_release_date_is_used_only_when_the_release_has_none(table: Path) -> None:
    filed = datetime.date(2030, 4, 3)
    assert prepare(release(date=None), table, release_date=filed).rows[0]["release_date"] == (
        "2030-04-03"
    )
    assert prepare(release(), table, release_date=filed).rows[0]["release_date"] == "2030-04-02"
    assert prepare(release(date=None), table).rows[0]["release_date"] == ""


def test_rows_that_would_make_the_table_invalid_are_refused(table: Path) -> None:
    with pytest.raises(IngestError) as caught:
        prepare(release(total=(11, 20)), table)
    lines = str(caught.value).splitlines()
    assert lines and all(
        line.startswith("the new rows would make the data invalid: production_deliveries.csv")
        or line.startswith(f"the new rows would make the data invalid: {table}")
        for line in lines
    )
    assert "deliveries-ingest-" not in str(caught.value)  # the trial copy's path is not shown


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.parent, "is a folder"),
        (lambda p: p.with_name("none.csv"), "data file not found"),
    ],
)
def test_a_missing_table_is_an_error(make, message: str, table: Path) -> None:
    with pytest.raises(IngestError, match=message):
        prepare(release(), make(table))


# --- write_addition --------------------------------------------------------------------------


def test_write_addition_writes_the_content_and_keeps_the_mode(table: Path) -> None:
    table.chmod(0o640)
    addition = prepare(release(), table)
    write_addition(addition)
    assert table.read_bytes() == addition.content
    assert table.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in table.parent.iterdir()) == [table.name]


def test_write_addition_checks_the_written_file(table: Path) -> None:
    addition = prepare(release(), table)
    broken = Addition(
        addition.quarter,
        addition.rows,
        [],
        [],
        addition.content + b"2030Q2,Total,1,x,,,,,,\n",
        table,
    )
    before = table.read_bytes()
    with pytest.raises(IngestError, match="would make the data invalid"):
        write_addition(broken)
    assert table.read_bytes() == before
    assert sorted(p.name for p in table.parent.iterdir()) == [table.name]


# --- environment failures (issue 13) ---------------------------------------------------------


@contextlib.contextmanager
def mounted(target: Path, *options: str) -> Iterator[Path]:
    """``mount *options target`` for the test's duration (root only), always unmounted."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs or a read-only bind mount")
    done = subprocess.run(["mount", *options, str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here: {done.stderr.strip()}")
    try:
        yield target
    finally:
        if subprocess.run(["umount", str(target)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(target)], capture_output=True)


def fill(folder: Path) -> None:
    """Fill the file system of ``folder`` until it has no space left."""
    handle = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(handle, b"\0" * 4096)
    finally:
        os.close(handle)


def ingest_2019q3_into(table: Path, capsys) -> list[str]:
    """Run ``deliveries ingest`` of the 2019Q3 fixture into ``table``; its stderr lines."""
    assert main(["ingest", str(FIXTURES / "2019Q3.txt"), "--data", str(table)]) == 2
    return capsys.readouterr().err.splitlines()


def table_without_2019q3(folder: Path) -> Path:
    path = folder / "production_deliveries.csv"
    lines = (DATA / "production_deliveries.csv").read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(line for line in lines if not line.startswith(b"2019Q3,")))
    return path


def test_a_read_only_folder_is_one_error_line_and_the_table_stays(tmp_path: Path, capsys) -> None:
    source, view = tmp_path / "source", tmp_path / "view"
    source.mkdir()
    view.mkdir()
    before = table_without_2019q3(source).read_bytes()
    with mounted(view, "--bind", "-o", "ro", str(source)):
        with pytest.raises(OSError) as probe:
            (view / "probe").touch()
        if probe.value.errno != errno.EROFS:
            pytest.skip("the bind mount is not read-only here")
        err = ingest_2019q3_into(view / "production_deliveries.csv", capsys)
    assert len(err) == 1, err
    assert err[0].startswith("error: cannot write ") and "production_deliveries.csv" in err[0]
    assert err[0].endswith(": read-only file system")
    assert (source / "production_deliveries.csv").read_bytes() == before
    assert sorted(p.name for p in source.iterdir()) == ["production_deliveries.csv"]


def test_a_full_disk_is_one_error_line_and_the_table_stays(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "small"
    folder.mkdir()
    with mounted(folder, "-t", "tmpfs", "-o", "size=256k", "tmpfs"):
        table = table_without_2019q3(folder)
        before = table.read_bytes()
        fill(folder)
        err = ingest_2019q3_into(table, capsys)
        assert table.read_bytes() == before
        assert sorted(p.name for p in folder.iterdir()) == ["filler", table.name]
    assert len(err) == 1, err
    assert err[0].startswith("error: cannot write ") and "production_deliveries.csv" in err[0]
    assert err[0].endswith(": no space left on the device")


def test_write_addition_raises_output_error_on_a_read_only_folder(tmp_path: Path) -> None:
    source, view = tmp_path / "source", tmp_path / "view"
    source.mkdir()
    view.mkdir()
    table_without_2019q3(source)
    with mounted(view, "--bind", "-o", "ro", str(source)):
        parsed = parse_release((FIXTURES / "2019Q3.txt").read_text())
        addition = prepare(parsed, view / "production_deliveries.csv")  # a dry run still works
        assert addition.existing == []
        with pytest.raises(OutputError, match="read-only file system"):
            write_addition(addition)
