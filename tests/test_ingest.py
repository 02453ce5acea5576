"""Tests for ``deliveries ingest``: parsing press releases and adding their rows to the data."""

from __future__ import annotations

import io
import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from deliveries import dataset
from deliveries.cli import main
from deliveries.errors import IngestError
from deliveries.ingest import parse_release

FIXTURES = Path(__file__).parent / "fixtures" / "releases"
DATA = dataset.REPO_ROOT / "data"
RELEASES = sorted(FIXTURES.iterdir())
COMPARED = ["model_line", "produced", "delivered", "lease_pct", "delivered_approx"]


def _plain(value):
    """A cell as a plain Python value (pandas' NA and NaN become None)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return dataset.load_deliveries(DATA / "production_deliveries.csv")


def expected_rows(reference: pd.DataFrame, quarter: str) -> list[tuple]:
    rows = reference[reference["quarter"] == quarter]
    return [
        tuple(_plain(row[c]) for c in COMPARED + ["release_date"]) for _, row in rows.iterrows()
    ]


def parsed_rows(parsed) -> list[tuple]:
    return [
        tuple(row.to_dict()[c] for c in COMPARED) + (parsed.release_date,) for row in parsed.rows
    ]


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


# --- parsing the historical layouts ---------------------------------------------------------


@pytest.mark.parametrize("release", RELEASES, ids=[p.name for p in RELEASES])
def test_fixture_parses_to_the_rows_in_data(release: Path, reference: pd.DataFrame) -> None:
    quarter = release.stem
    parsed = parse_release(release.read_text(encoding="utf-8"), source_name=release.name)
    assert parsed.quarter == quarter
    assert parsed_rows(parsed) == expected_rows(reference, quarter)
    assert parsed.title


def test_2018_shape_keeps_combined_production_and_separate_deliveries() -> None:
    parsed = parse_release((FIXTURES / "2018Q3.txt").read_text())
    shape = [(r.model_line, r.produced, r.delivered) for r in parsed.rows]
    assert shape == [
        ("Model S", None, 14470),
        ("Model X", None, 13190),
        ("Model S/X", 26903, None),
        ("Model 3", 53239, 55840),
        ("Total", 80142, 83500),
    ]


def test_2016q1_has_no_production_at_all() -> None:
    parsed = parse_release((FIXTURES / "2016Q1.txt").read_text())
    assert all(row.produced is None for row in parsed.rows)
    assert parsed.totals == {"produced": None, "delivered": 14820, "lease_pct": None}


def test_dash_in_a_count_cell_is_zero() -> None:
    parsed = parse_release((FIXTURES / "2021Q1.txt").read_text())
    assert parsed.rows[0].model_line == "Model S/X"
    assert (parsed.rows[0].produced, parsed.rows[0].delivered) == (0, 2020)


def test_a_copy_that_dropped_the_empty_cell_is_completed_from_the_total() -> None:
    text = (
        "Q1 2021 production and deliveries\n\nProduction Deliveries Subject to operating lease "
        "accounting\nModel S/X 2,020 6%\nModel 3/Y 180,338 182,780 7%\n"
        "Total 180,338 184,800 7%\n"
    )
    parsed = parse_release(text)
    assert (parsed.rows[0].produced, parsed.rows[0].delivered) == (0, 2020)


def test_cells_run_together_are_split_by_their_thousands_groups() -> None:
    text = (
        "Tesla Q2 2019 Vehicle Production & Deliveries\n\n  ProductionDeliveries\n"
        " Model S/X14,51717,650\n Model 372,53177,550\n Total87,04895,200\n"
    )
    parsed = parse_release(text)
    assert [(r.model_line, r.produced, r.delivered) for r in parsed.rows] == [
        ("Model S/X", 14517, 17650),
        ("Model 3", 72531, 77550),
        ("Total", 87048, 95200),
    ]


def test_column_order_follows_the_table_header() -> None:
    text = (
        "Tesla Q2 2019\n\nDeliveries Production\nModel S/X 17,650 14,517\n"
        "Model 3 77,550 72,531\nTotal 95,200 87,048\n"
    )
    assert parse_release(text).totals["produced"] == 87048
    no_header = (
        "Tesla Q2 2019: records for deliveries and production.\n\n"
        "Model S/X 14,517 17,650\nModel 3 72,531 77,550\nTotal 87,048 95,200\n"
    )
    assert parse_release(no_header).totals["produced"] == 87048


def test_html_title_and_entities(reference: pd.DataFrame) -> None:
    parsed = parse_release((FIXTURES / "2025Q1.html").read_text())
    assert parsed.title == "Tesla First Quarter 2025 Production, Deliveries & Deployments"
    assert parsed.totals == {"produced": 362615, "delivered": 336681, "lease_pct": 4.0}


def test_total_row_may_be_the_only_one_with_a_lease_percentage() -> None:
    parsed = parse_release((FIXTURES / "2024Q4.txt").read_text())
    assert [r.lease_pct for r in parsed.rows] == [None, None, 5.0]


def test_release_in_january_is_about_the_previous_years_fourth_quarter() -> None:
    text = (
        "AUSTIN, Texas, January 2, 2026 -- In the fourth quarter we produced 1,000 vehicles "
        "and delivered 900 vehicles.\n\nProduction Deliveries\nModel 3/Y 800 700\n"
        "Other Models 200 200\nTotal 1,000 900\n"
    )
    parsed = parse_release(text)
    assert (parsed.quarter, parsed.release_date) == ("2025Q4", "2026-01-02")


def test_webcast_dates_are_not_the_release_date() -> None:
    text = (
        "Tesla Q2 2030 production and deliveries\n\nProduction Deliveries\nModel 3/Y 800 700\n"
        "Total 800 700\n\nWe will post results on Wednesday, July 24, 2030 at 4:30 p.m.\n"
    )
    assert parse_release(text).release_date is None


def test_given_quarter_wins_and_works_without_one_in_the_text() -> None:
    text = "Production Deliveries\nModel S/X 10 20\nModel 3/Y 30 40\nTotal 40 60\n"
    assert parse_release(text, quarter="2020Q2").quarter == "2020Q2"
    assert parse_release(text, quarter="Q2 2020").quarter == "2020Q2"


def test_other_numbers_in_sentences_are_ignored() -> None:
    text = (
        "Tesla Q3 2017 Vehicle Production and Deliveries\n\n"
        "In 2017 Tesla delivered 90,000 Model S and X vehicles. In Q3, Tesla delivered 26,150 "
        "vehicles, of which 14,065 were Model S, 11,865 were Model X and 220 were Model 3. "
        "Deliveries rose 4.5% over the 25,000 of Q2. About 4,820 Model S and X vehicles were "
        "in transit at quarter end. In the last week, Tesla built 500 Model 3 vehicles. "
        "Q3 production totaled 25,336 vehicles, with 260 of them being Model 3, and the "
        "Model 3 line reached 1,000 per week.\n"
    )
    parsed = parse_release(text)
    assert [(r.model_line, r.produced, r.delivered) for r in parsed.rows] == [
        ("Model S", None, 14065),
        ("Model X", None, 11865),
        ("Model 3", 260, 220),
        ("Total", 25336, 26150),
    ]
    assert not parsed.delivered_approx


def test_to_dict_shape() -> None:
    data = parse_release((FIXTURES / "2019Q3.txt").read_text()).to_dict()
    assert set(data) == {"quarter", "release_date", "rows", "totals"}
    assert set(data["totals"]) == {"produced", "delivered", "lease_pct"}
    for row in data["rows"]:
        assert set(row) == {
            "quarter",
            "model_line",
            "produced",
            "delivered",
            "lease_pct",
            "delivered_approx",
        }
        assert isinstance(row["delivered"], int)
    json.dumps(data)


# --- parse errors ----------------------------------------------------------------------------


def test_no_quarter_is_an_error() -> None:
    text = "Production Deliveries\nModel S/X 10 20\nModel 3/Y 30 40\nTotal 40 60\n"
    with pytest.raises(IngestError, match="which quarter"):
        parse_release(text)


def test_text_without_figures_is_an_error() -> None:
    with pytest.raises(IngestError, match="no vehicle counts"):
        parse_release("Tesla Q3 2019 update. Nothing to report this time.")


def test_text_without_production_or_delivery_figures_is_an_error() -> None:
    with pytest.raises(IngestError, match="no model lines"):
        parse_release("Tesla Q3 2019 update: our store count rose to 400 and the team to 9,000.")


def test_table_totals_that_do_not_add_up_are_an_error() -> None:
    text = (
        "Tesla Q3 2019\n\nProduction Deliveries\nModel S/X 16,318 17,400\n"
        "Model 3 79,837 79,600\nTotal 96,155 97,100\n"
    )
    with pytest.raises(IngestError, match="do not add up.*97,000.*97,100"):
        parse_release(text)


def test_sentence_totals_that_do_not_add_up_are_an_error() -> None:
    text = (
        "Tesla Q2 2016 release. Tesla delivered 14,370 vehicles, of which 9,745 were Model S "
        "and 4,000 were Model X."
    )
    with pytest.raises(IngestError, match="do not add up"):
        parse_release(text)


def test_errors_name_the_source() -> None:
    with pytest.raises(IngestError, match="^release.txt: "):
        parse_release("no numbers here", source_name="release.txt")


# --- the command -----------------------------------------------------------------------------


def test_round_trip_restores_the_real_rows(deliveries_copy: Path, capsys, reference) -> None:
    original = without_quarter(deliveries_copy, "2019Q3")
    assert ingest(FIXTURES / "2019Q3.txt", "--data", deliveries_copy) == 0
    assert "added 3 rows for 2019Q3" in capsys.readouterr().out
    restored = dataset.load_deliveries(deliveries_copy)
    got = restored[restored["quarter"] == "2019Q3"]
    assert [
        tuple(_plain(r[c]) for c in COMPARED + ["release_date"]) for _, r in got.iterrows()
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
        tuple(_plain(r[c]) for c in COMPARED + ["release_date"]) for _, r in got.iterrows()
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


def test_replace_shows_the_differences_and_replaces(
    deliveries_copy: Path, tmp_path: Path, capsys
) -> None:
    changed = tmp_path / "changed.txt"
    changed.write_text(
        (FIXTURES / "2019Q3.txt")
        .read_text()
        .replace("17,400", "17,500")
        .replace("97,000 |", "97,100 |")
    )
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
    assert not list(tmp_path.glob(".*ingest"))


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
