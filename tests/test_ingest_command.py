"""``deliveries ingest``: adding a release's rows to the data table from the command line."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from deliveries.cli import main
from deliveries.data import dataset

from .conftest import DATA_DIR, expected_rows, plain

FIXTURES = Path(__file__).parent / "fixtures" / "releases"
DATA = DATA_DIR
RELEASES = sorted(p for p in FIXTURES.iterdir() if p.is_file())
COMPARED = ["model_line", "produced", "delivered", "lease_pct", "delivered_approx"]


@pytest.fixture
def deliveries_copy(tmp_path: Path) -> Path:
    """A temporary copy of ``data/`` (all CSV files); returns the deliveries CSV in it."""
    for path in DATA.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path / "production_deliveries.csv"


def without_quarter(csv_path: Path, quarter: str) -> bytes:
    """Remove ``quarter``'s rows from the CSV in place; returns the original bytes."""
    original = csv_path.read_bytes()
    kept = [
        line
        for line in original.splitlines(keepends=True)
        if not line.startswith(quarter.encode() + b",")
    ]
    csv_path.write_bytes(b"".join(kept))
    return original


def ingest(*args: str) -> int:
    return main(["ingest", *map(str, args)])


def changed_2019q3(folder: Path) -> Path:
    """The 2019Q3 release with other figures (Model S/X and the total delivered 100 more)."""
    changed = folder / "changed.txt"
    changed.write_text(
        (FIXTURES / "2019Q3.txt")
        .read_text()
        .replace("17,400", "17,500")
        .replace("97,000 |", "97,100 |")
    )
    return changed


# --- the command -----------------------------------------------------------------------------


def test_round_trip_restores_the_real_rows(deliveries_copy: Path, capsys, reference) -> None:
    original = without_quarter(deliveries_copy, "2019Q3")
    assert ingest(FIXTURES / "2019Q3.txt", "--data", deliveries_copy) == 0
    assert "added 3 rows for 2019Q3" in capsys.readouterr().out
    restored = dataset.load_deliveries(deliveries_copy)
    got = restored[restored["quarter"] == "2019Q3"]
    assert [
        tuple(plain(r[c]) for c in COMPARED + ["release_date"]) for _, r in got.iterrows()
    ] == expected_rows(reference, "2019Q3")
    new_bytes = deliveries_copy.read_bytes()
    other = [line for line in original.splitlines() if not line.startswith(b"2019Q3,")]
    assert [line for line in new_bytes.splitlines() if not line.startswith(b"2019Q3,")] == other
    assert new_bytes.splitlines().index(
        next(line for line in new_bytes.splitlines() if line.startswith(b"2019Q3,"))
    ) == original.splitlines().index(
        next(line for line in original.splitlines() if line.startswith(b"2019Q3,"))
    )
    assert main(["metrics", "--quarter", "2019Q3", "--data", str(deliveries_copy), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["produced"], summary["delivered"]) == (96155, 97000)


@pytest.mark.parametrize("release", RELEASES, ids=[p.name for p in RELEASES])
def test_every_fixture_round_trips(release: Path, deliveries_copy: Path, reference) -> None:
    without_quarter(deliveries_copy, release.stem)
    assert ingest(release, "--data", deliveries_copy) == 0
    restored = dataset.load_deliveries(deliveries_copy)
    got = restored[restored["quarter"] == release.stem]
    assert [
        tuple(plain(r[c]) for c in COMPARED + ["release_date"]) for _, r in got.iterrows()
    ] == expected_rows(reference, release.stem)
    assert set(got["verified"]) == {
        f"ingested from {release.name} on {pd.Timestamp.today().date().isoformat()}"
    }


def test_source_is_the_title_or_else_the_file_name(deliveries_copy: Path, tmp_path: Path) -> None:
    without_quarter(deliveries_copy, "2019Q3")
    untitled = tmp_path / "q3.txt"
    untitled.write_text(
        "Q3 2019\n\nProduction Deliveries\nModel S/X 16,318 17,400 15%\n"
        "Model 3 79,837 79,600 8%\nTotal 96,155 97,000\n"
    )
    assert ingest(untitled, "--data", deliveries_copy) == 0
    rows = dataset.load_deliveries(deliveries_copy)
    assert set(rows.loc[rows["quarter"] == "2019Q3", "source"]) == {"q3.txt"}


def test_quarter_already_present_is_refused(deliveries_copy: Path, capsys) -> None:
    before = deliveries_copy.read_bytes()
    assert ingest(FIXTURES / "2019Q3.txt", "--data", deliveries_copy) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "2019Q3 is already in" in err and "--replace" in err
    assert deliveries_copy.read_bytes() == before


def test_dry_run_on_a_quarter_in_the_data_shows_what_it_parsed_and_the_differences(
    deliveries_copy: Path, tmp_path: Path, capsys
) -> None:
    changed = changed_2019q3(tmp_path)
    before = deliveries_copy.read_bytes()
    assert ingest(changed, "--data", deliveries_copy, "--dry-run") == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    out = captured.out
    assert "2019Q3, released 2019-10-02: Tesla Q3 2019 Vehicle Production & Deliveries" in out
    assert "Model S/X: delivered 17,400 -> 17,500" in out and "Model 3: unchanged" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("dry run: 2019Q3 is already in") and "--replace" in last
    assert last.endswith("nothing written")
    assert deliveries_copy.read_bytes() == before
    assert ingest(changed, "--data", deliveries_copy) == 2  # without --dry-run: still refused
    assert "--replace" in capsys.readouterr().err
    assert deliveries_copy.read_bytes() == before


def test_dry_run_json_on_a_quarter_in_the_data_keeps_stdout_json(
    deliveries_copy: Path, capsys
) -> None:
    assert ingest(FIXTURES / "2019Q3.txt", "--data", deliveries_copy, "--dry-run", "--json") == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["quarter"] == "2019Q3"
    assert "Total: unchanged" in captured.err and "nothing written" in captured.err


def test_replace_shows_the_differences_and_replaces(
    deliveries_copy: Path, tmp_path: Path, capsys
) -> None:
    changed = changed_2019q3(tmp_path)
    before = deliveries_copy.read_bytes()
    assert ingest(changed, "--data", deliveries_copy, "--replace") == 0
    out = capsys.readouterr().out
    assert "Model S/X: delivered 17,400 -> 17,500" in out
    assert "Model 3: unchanged" in out
    assert "Total: delivered 97,000 -> 97,100" in out
    rows = dataset.load_deliveries(deliveries_copy)
    total = rows[(rows["quarter"] == "2019Q3") & rows["is_total"]].iloc[0]
    assert total["delivered"] == 97100
    untouched = [line for line in before.splitlines() if not line.startswith(b"2019Q3,")]
    after = deliveries_copy.read_bytes().splitlines()
    assert [line for line in after if not line.startswith(b"2019Q3,")] == untouched
    assert len(after) == len(before.splitlines())


def test_dry_run_writes_nothing(deliveries_copy: Path, capsys) -> None:
    without_quarter(deliveries_copy, "2020Q1")
    before = deliveries_copy.read_bytes()
    assert ingest(FIXTURES / "2020Q1.txt", "--data", deliveries_copy, "--dry-run") == 0
    assert "dry run" in capsys.readouterr().out
    assert deliveries_copy.read_bytes() == before
    assert sorted(p.name for p in deliveries_copy.parent.iterdir()) == sorted(
        p.name for p in DATA.glob("*.csv")
    )


def test_dry_run_replace_shows_differences_but_writes_nothing(
    deliveries_copy: Path, capsys
) -> None:
    before = deliveries_copy.read_bytes()
    assert ingest(FIXTURES / "2020Q1.txt", "--data", deliveries_copy, "--dry-run", "--replace") == 0
    out = capsys.readouterr().out
    assert "Model S/X: unchanged" in out and "dry run" in out
    assert deliveries_copy.read_bytes() == before


def test_json_output(deliveries_copy: Path, capsys) -> None:
    without_quarter(deliveries_copy, "2022Q3")
    assert ingest(FIXTURES / "2022Q3.txt", "--data", deliveries_copy, "--json", "--dry-run") == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["quarter"] == "2022Q3" and data["release_date"] == "2022-10-02"
    assert data["totals"] == {"produced": 365923, "delivered": 343830, "lease_pct": 3}
    assert [row["model_line"] for row in data["rows"]] == ["Model S/X", "Model 3/Y", "Total"]
    assert all(row["delivered_approx"] is False for row in data["rows"])
    assert "dry run" in captured.err


def test_stdin_input(deliveries_copy: Path, capsys, monkeypatch) -> None:
    without_quarter(deliveries_copy, "2021Q1")
    monkeypatch.setattr("sys.stdin", io.StringIO((FIXTURES / "2021Q1.txt").read_text()))
    assert ingest("-", "--data", deliveries_copy) == 0
    rows = dataset.load_deliveries(deliveries_copy)
    assert (
        "ingested from standard input" in rows.loc[rows["quarter"] == "2021Q1", "verified"].iloc[0]
    )


def test_crlf_line_endings_are_kept(deliveries_copy: Path) -> None:
    text = deliveries_copy.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    deliveries_copy.write_bytes(text)
    without_quarter(deliveries_copy, "2016Q2")
    assert ingest(FIXTURES / "2016Q2.txt", "--data", deliveries_copy) == 0
    result = deliveries_copy.read_bytes()
    assert result.count(b"\n") == result.count(b"\r\n") == text.count(b"\r\n")


def test_a_missing_file_ending_newline_is_handled(tmp_path: Path) -> None:
    data = tmp_path / "deliveries.csv"
    header = b"quarter,model_line,produced,delivered,lease_pct,delivered_approx,release_date,source"
    data.write_bytes(header + b"\n2016Q1,Total,,14820,,true,2016-04-04,x")
    assert ingest(FIXTURES / "2016Q2.txt", "--data", data) == 0
    lines = data.read_bytes().splitlines()
    assert lines[1] == b"2016Q1,Total,,14820,,true,2016-04-04,x"
    assert [line.split(b",")[:2] for line in lines[2:]] == [
        [b"2016Q2", b"Model S"],
        [b"2016Q2", b"Model X"],
        [b"2016Q2", b"Total"],
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("Production Deliveries\nModel S/X 10 20\nModel 3/Y 30 40\nTotal 40 60\n", "which quarter"),
        ("Tesla Q3 2019: nothing to report.", "no vehicle counts"),
        (
            "Tesla Q3 2019\n\nProduction Deliveries\nModel S/X 16,318 17,400\n"
            "Model 3 79,837 79,600\n"
            "Total 96,155 97,100\n",
            "do not add up",
        ),
    ],
)
def test_errors_are_one_line_and_write_nothing(
    text: str, message: str, deliveries_copy: Path, tmp_path: Path, capsys
) -> None:
    release = tmp_path / "release.txt"
    release.write_text(text)
    without_quarter(deliveries_copy, "2019Q3")
    before = deliveries_copy.read_bytes()
    assert ingest(release, "--data", deliveries_copy) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: release.txt: ") and message in err[0]
    assert deliveries_copy.read_bytes() == before
    assert not [path.name for path in tmp_path.iterdir() if path.name.startswith(".")]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda folder: folder / "missing.txt", "file not found"),
        (lambda folder: folder, "is a folder"),
        (
            lambda folder: (folder / "empty.txt", (folder / "empty.txt").write_text("  \n"))[0],
            "is empty",
        ),
    ],
)
def test_unreadable_input_is_a_one_line_error(
    make, message, deliveries_copy: Path, tmp_path: Path, capsys
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    before = deliveries_copy.read_bytes()
    assert ingest(make(folder), "--data", deliveries_copy) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert deliveries_copy.read_bytes() == before


def test_missing_data_file_is_an_error(tmp_path: Path, capsys) -> None:
    assert ingest(FIXTURES / "2019Q3.txt", "--data", tmp_path / "none.csv") == 2
    assert "data file not found" in capsys.readouterr().err


def test_bad_quarter_option_is_an_error(deliveries_copy: Path, capsys) -> None:
    before = deliveries_copy.read_bytes()
    assert ingest(FIXTURES / "2019Q3.txt", "--data", deliveries_copy, "--quarter", "2019Q5") == 2
    assert "--quarter" in capsys.readouterr().err
    assert deliveries_copy.read_bytes() == before


def test_quarter_option_that_differs_from_the_text_warns(deliveries_copy: Path, capsys) -> None:
    without_quarter(deliveries_copy, "2019Q4")
    assert (
        ingest(
            FIXTURES / "2019Q3.txt", "--data", deliveries_copy, "--quarter", "2019Q4", "--dry-run"
        )
        == 0
    )
    assert "warning: --quarter 2019Q4 differs" in capsys.readouterr().err


def test_a_workbook_given_as_the_release_is_one_short_error(
    deliveries_copy: Path, tmp_path: Path, capsys
) -> None:
    workbook = tmp_path / "deliveries.xlsx"
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", "\x00\x01\x02" * 400)
    before = deliveries_copy.read_bytes()
    assert ingest(workbook, "--data", deliveries_copy) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].isprintable() and len(err[0]) < 200
    assert err[0].startswith("error: ") and "not a text or HTML release" in err[0]
    assert "Excel workbook" in err[0]
    assert deliveries_copy.read_bytes() == before


@pytest.mark.parametrize("table", ["production_deliveries.csv", "goals.csv", "consensus.csv"])
def test_a_data_table_given_as_the_release_says_so(
    table: str, deliveries_copy: Path, capsys
) -> None:
    before = deliveries_copy.read_bytes()
    assert ingest(DATA / table, "--data", deliveries_copy) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and f"{table} is a CSV table" in err[0]
    assert "not a press release" in err[0]
    assert deliveries_copy.read_bytes() == before
