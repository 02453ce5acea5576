"""Parsing press releases: the historical layouts, copies, datelines, inputs that are not text."""

from __future__ import annotations

import io
import json
import random
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from deliveries.errors import IngestError
from deliveries.sources.ingest import parse_release, read_release
from deliveries.sources.ingest.dates import release_date_candidates

from .conftest import DATA_DIR, expected_rows

FIXTURES = Path(__file__).parent / "fixtures" / "releases"
COPIES = FIXTURES / "copies"  # other sites' copies of a release: <quarter>-<site>.txt
DATA = DATA_DIR
RELEASES = sorted(p for p in FIXTURES.iterdir() if p.is_file())
COMPARED = ["model_line", "produced", "delivered", "lease_pct", "delivered_approx"]


def parsed_rows(parsed) -> list[tuple]:
    return [
        tuple(row.to_dict()[c] for c in COMPARED) + (parsed.release_date,) for row in parsed.rows
    ]


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
    assert set(data) == {
        "quarter",
        "release_date",
        "rows",
        "totals",
        "storage_mwh",
        "storage_as_stated",
    }
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


# --- copies and datelines (issue 13) ---------------------------------------------------------

COPY_FILES = sorted(COPIES.glob("*.txt"))


@pytest.mark.parametrize("copy", COPY_FILES, ids=[p.name for p in COPY_FILES])
def test_a_copy_with_its_dateline_inside_a_paragraph_gives_the_rows_and_date(
    copy: Path, reference: pd.DataFrame
) -> None:
    quarter = copy.stem.split("-")[0]
    parsed = parse_release(copy.read_text(encoding="utf-8"), source_name=copy.name)
    assert parsed.quarter == quarter
    assert parsed_rows(parsed) == expected_rows(reference, quarter)


TEXT_RELEASES = [p for p in RELEASES if p.suffix == ".txt"]


@pytest.mark.parametrize("release", TEXT_RELEASES, ids=[p.name for p in TEXT_RELEASES])
def test_every_release_run_into_one_paragraph_gives_the_same_result(release: Path) -> None:
    text = release.read_text(encoding="utf-8")
    joined = re.sub(r"\s*\n\s*", " ", text)
    as_given, run_together = parse_release(text), parse_release(joined)
    assert run_together.release_date is not None
    assert (run_together.to_dict(), run_together.title) == (as_given.to_dict(), as_given.title)


def test_the_electrek_copy_is_dated_by_its_dateline() -> None:
    parsed = parse_release((COPIES / "2019Q3-electrek.txt").read_text(encoding="utf-8"))
    assert parsed.release_date == "2019-10-02"
    assert parsed.title == "Tesla Q3 2019 Vehicle Production & Deliveries"  # not the blog's


@pytest.mark.parametrize(
    "dateline, day",
    [
        ("PALO ALTO, Calif., October 2, 2019 - In the third quarter", "2019-10-02"),
        ("PALO ALTO, Calif., Oct. 2, 2019 -- In the third quarter", "2019-10-02"),
        ("AUSTIN, Texas, January 2, 2024 - In the fourth quarter", "2024-01-02"),
        ("AUSTIN, Texas, Tuesday, January 2, 2024 \u2014 In the fourth quarter", "2024-01-02"),
        ("AUSTIN, Texas, Tue., Jan. 2, 2024\u2013In the fourth quarter", "2024-01-02"),
        ("FREMONT, Calif., 2 January 2024 \u2212 In the fourth quarter", "2024-01-02"),
    ],
)
def test_a_dateline_inside_a_paragraph_is_found(dateline: str, day: str) -> None:
    text = f"Tesla's numbers are out; the release follows. Tesla Vehicle Deliveries {dateline}"
    assert [d.isoformat() for d in release_date_candidates(text)[0]] == [day]


@pytest.mark.parametrize(
    "text",
    [
        "Inventory as of September 30, 2019 - the usual level for the end of a quarter.",
        "We will post results on Wednesday, October 23, 2019 - at 2:30 p.m. Pacific Time.",
        "Tesla Q3 2019 Update, October 23, 2019 - webcast at 2:30 p.m.",
        "In the quarter we delivered 97,000 cars, October 2, 2019 - a record.",
    ],
)
def test_other_dates_in_a_paragraph_are_not_datelines(text: str) -> None:
    assert release_date_candidates(f"Some words before. {text}")[0] == []


def test_an_inline_dateline_dates_a_release_in_one_paragraph() -> None:
    text = (
        "Tesla Q4 2023 Vehicle Production & Deliveries AUSTIN, Texas, January 2, 2024 - In the "
        "fourth quarter, we delivered 900 vehicles, of which 850 were Model 3 and 50 were Model S. "
        "We will post our "
        "financial results on Wednesday, January 24, 2024 - after market close."
    )
    parsed = parse_release(text)
    assert (parsed.quarter, parsed.release_date) == ("2023Q4", "2024-01-02")


# --- inputs that are not text (issue 13) -----------------------------------------------------


def _workbook() -> bytes:
    """The bytes of a minimal .xlsx file (a ZIP archive with the workbook under ``xl/``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(
            "xl/worksheets/sheet1.xml", "<worksheet>" + "\x01\x02" * 50 + "</worksheet>"
        )
    return buffer.getvalue()


BINARIES = {
    "deliveries.xlsx": (_workbook(), "an Excel workbook"),
    "release.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + random.Random(1).randbytes(2000), "a PDF"),
    "release.txt": (random.Random(2).randbytes(4000), "a binary file"),
    "utf16-garbage.txt": (b"Q3 2019\x00\x00\x00delivered 97,000\x00", "a binary file"),
}


@pytest.mark.parametrize("name", list(BINARIES))
def test_a_file_that_is_not_text_is_refused_in_one_short_line(name: str, tmp_path: Path) -> None:
    content, looks_like = BINARIES[name]
    release = tmp_path / name
    release.write_bytes(content)
    with pytest.raises(IngestError) as caught:
        read_release(str(release))
    message = str(caught.value)
    assert "\n" not in message and len(message) < 200 and message.isprintable()
    assert message.startswith(f"{release}: is not a text or HTML release")
    assert looks_like in message


def test_binary_standard_input_is_refused(monkeypatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(BINARIES["deliveries.xlsx"][0]))
    monkeypatch.setattr("sys.stdin", stdin)
    with pytest.raises(IngestError, match="^standard input: is not a text or HTML release"):
        read_release("-")


@pytest.mark.parametrize(
    "encoded",
    [
        "Tesla Q3 2019 \u2013 delivered".encode("utf-16"),
        "\ufeffTesla Q3 2019 \u2013 delivered".encode(),
        "Tesla Q3 2019 \u2013 delivered".encode("cp1252"),
    ],
)
def test_text_in_the_usual_encodings_is_read(encoded: bytes, tmp_path: Path) -> None:
    release = tmp_path / "release.txt"
    release.write_bytes(encoded)
    assert read_release(str(release)) == ("Tesla Q3 2019 \u2013 delivered", "release.txt")


def test_text_from_standard_input_bytes(monkeypatch) -> None:
    text = (FIXTURES / "2019Q3.txt").read_text(encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    assert read_release("-") == (text, "standard input")
