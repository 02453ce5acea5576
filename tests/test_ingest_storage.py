"""The release's storage sentence: parsed in each wording, added to storage.csv by ``deliveries
ingest`` and ``deliveries update`` in the same all-or-nothing write as the vehicle rows.

The releases here are written for the tests in the layout of Tesla's releases (a title, a
datelined first sentence, the Production/Deliveries table); the figures are the data's own
where a quarter is in the data, and made up for 2026Q4.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from deliveries import files
from deliveries.cli import main
from deliveries.data import dataset
from deliveries.delivery import update as update_module
from deliveries.errors import IngestError
from deliveries.sources.ingest import parse_release
from deliveries.sources.ingest.storage import find_storage

from .conftest import DATA_DIR
from .edgar_server import RELEASES_2026, release_exhibit
from .test_update import edgar, environment, run, snapshot, work  # noqa: F401 - fixtures

URL = "https://ir.tesla.com/press-release/q4-2026"


def release(first_sentence_end: str, quarter: str = "Fourth", year: int = 2026) -> str:
    """A release for ``quarter`` ``year`` (2026Q4's made-up figures) whose first sentence ends
    with ``first_sentence_end``."""
    return (
        f"Tesla {quarter} Quarter {year} Production, Deliveries & Deployments\n\n"
        f"AUSTIN, Texas, January 2, {year + 1} -- In the {quarter.lower()} quarter, we produced "
        f"470,000 vehicles, delivered 480,000 vehicles{first_sentence_end}\n\n"
        "                Production   Deliveries\n"
        "Model 3/Y          460,000      470,000\n"
        "Other Models        10,000       10,000\n"
        "Total              470,000      480,000\n\n"
        f"Tesla will post its financial results for the {quarter.lower()} quarter of {year} after "
        "market close later this month.\n"
    )


MWH = " and deployed 4,053 MWh of energy storage products."
GWH = " and deployed 13.7 GWh of energy storage products."
GWH_SHORT = " and deployed 13.7 GWh."
NONE = "."


@pytest.mark.parametrize(
    "text, expected",
    [
        ("We deployed 4,053 MWh of energy storage products in Q1.", (4053, "4,053 MWh")),
        ("... and deployed 13.7 GWh of energy storage products.", (13700, "13.7 GWh")),
        ("we produced 1 vehicle, delivered 2 vehicles and deployed 13.7 GWh.", (13700, "13.7 GWh")),
        ("and deployed 9.4 gwh of energy storage", (9400, "9.4 GWh")),
        ("We delivered 480,000 vehicles.", None),
        ("Over the full year we deployed 46.7 GWh of energy storage.", None),
    ],
)
def test_the_storage_sentence_in_each_wording(text, expected):
    assert find_storage(text) == expected


def test_two_different_quarterly_figures_are_refused():
    with pytest.raises(IngestError, match=r"more than one storage figure \(9.4 GWh, 9,500 MWh\)"):
        find_storage("We deployed 9.4 GWh. Separately, we deployed 9,500 MWh of Megapacks.")


@pytest.mark.parametrize(
    "ending, mwh, stated",
    [(MWH, 4053, "4,053 MWh"), (GWH, 13700, "13.7 GWh"), (GWH_SHORT, 13700, "13.7 GWh")],
)
def test_a_whole_release_in_each_wording(ending, mwh, stated):
    parsed = parse_release(release(ending))
    assert (parsed.quarter, parsed.totals["delivered"]) == ("2026Q4", 480000)
    assert (parsed.storage_mwh, parsed.storage_as_stated) == (mwh, stated)


def test_a_release_without_the_sentence_has_no_storage():
    parsed = parse_release(release(NONE))
    assert (parsed.storage_mwh, parsed.storage_as_stated) == (None, None)


# --- deliveries ingest -----------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of data/ (all tables)."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("README.md"))
    return target


def ingest(folder: Path, text: str, *options: str) -> int:
    path = folder.parent / "release.txt"
    path.write_text(text)
    return main(
        ["ingest", str(path), "--data", str(folder / "production_deliveries.csv"), *options]
    )


def test_ingest_adds_the_storage_row_with_the_vehicle_rows(folder, capsys):
    assert ingest(folder, release(GWH), "--source-url", URL) == 0
    out = capsys.readouterr().out
    assert "storage deployed: 13.7 GWh" in out
    assert "added 3 rows for 2026Q4 in" in out and "and its storage row in" in out
    data = dataset.load(folder)
    row = data.storage[data.storage["quarter"] == "2026Q4"].iloc[0]
    assert (int(row["storage_mwh"]), row["as_stated"], row["stated_in"]) == (
        13700,
        "13.7 GWh",
        "release",
    )
    assert row["source_url"] == URL and row["note"].startswith("ingested from release.txt")
    assert "2026Q4" in data.quarters
    assert (folder / "storage.csv").read_text().splitlines()[-1].startswith("2026Q4,13700,")


def test_dry_run_json_shows_the_storage_figure_or_null(folder, capsys):
    before = snapshot(folder)
    assert ingest(folder, release(MWH), "--dry-run", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["storage_mwh"], data["storage_as_stated"]) == (4053, "4,053 MWh")
    assert ingest(folder, release(NONE), "--dry-run", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["storage_mwh"], data["storage_as_stated"]) == (None, None)
    assert snapshot(folder) == before


def test_a_release_without_storage_adds_no_storage_row(folder, capsys):
    storage_before = (folder / "storage.csv").read_bytes()
    assert ingest(folder, release(NONE)) == 0
    assert "added 3 rows for 2026Q4" in capsys.readouterr().out
    assert (folder / "storage.csv").read_bytes() == storage_before


def test_a_new_storage_row_needs_its_source(folder, capsys):
    before = snapshot(folder)
    assert ingest(folder, release(GWH)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "--source-url" in err
    assert snapshot(folder) == before


def test_a_source_that_is_no_web_address_is_named(folder, capsys):
    before = snapshot(folder)
    assert ingest(folder, release(GWH), "--source-url", "ir.tesla.com/q4") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and '"ir.tesla.com/q4" is not an http(s) address' in err
    assert snapshot(folder) == before


def test_another_storage_figure_for_the_quarter_stops_naming_both(folder, capsys):
    # 2026Q3 is in storage.csv as 13.7 GWh; take its vehicle rows out and ingest 13.9 GWh
    table = folder / "production_deliveries.csv"
    lines = table.read_text().splitlines(keepends=True)
    table.write_text("".join(line for line in lines if not line.startswith("2026Q3,")))
    text = release(" and deployed 13.9 GWh.", quarter="Third").replace(
        "January 2, 2027", "October 2, 2026"
    )
    before = snapshot(folder)
    assert ingest(folder, text, "--source-url", URL) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "storage: data 13.7 GWh, release 13.9 GWh" in err
    assert "nothing written" in err
    assert snapshot(folder) == before
    assert ingest(folder, text, "--source-url", URL, "--replace") == 0  # replaced on request
    capsys.readouterr()
    data = dataset.load(folder)
    assert int(data.storage_rows[data.totals.index[-1]]["storage_mwh"]) == 13900


def test_the_same_storage_figure_keeps_its_row_and_source(folder, capsys):
    table = folder / "production_deliveries.csv"
    lines = table.read_text().splitlines(keepends=True)
    table.write_text("".join(line for line in lines if not line.startswith("2026Q3,")))
    text = release(GWH_SHORT, quarter="Third").replace("January 2, 2027", "October 2, 2026")
    storage_before = (folder / "storage.csv").read_bytes()
    assert ingest(folder, text) == 0  # no --source-url needed: the row is there already
    capsys.readouterr()
    assert (folder / "storage.csv").read_bytes() == storage_before


def test_a_failed_second_write_leaves_both_tables_as_they_were(folder, capsys, monkeypatch):
    before = snapshot(folder)
    real = files.write_atomically

    def failing(path, content, **options):
        if Path(path).name == "storage.csv":
            raise files.output_error(path, OSError(28, "No space left on device"))
        return real(path, content, **options)

    monkeypatch.setattr(files, "write_atomically", failing)
    assert ingest(folder, release(GWH), "--source-url", URL) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "storage.csv" in err
    assert {path: content for path, (_, content) in snapshot(folder).items()} == {
        path: content for path, (_, content) in before.items()
    }


# --- deliveries update -----------------------------------------------------------------------


def test_update_adds_the_new_quarters_storage_row(edgar, work, run, monkeypatch):  # noqa: F811
    edgar.add_new_quarter(storage="14.0 GWh")
    pdf = work / "report" / "x.pdf"
    monkeypatch.setattr(update_module, "render_new_quarter", lambda *a, **k: ([pdf], None))
    code, out, err = run()
    assert (code, err) == (0, [])
    data = dataset.load(work / "data")
    row = data.storage[data.storage["quarter"] == "2026Q4"].iloc[0]
    assert (int(row["storage_mwh"]), row["as_stated"], row["stated_in"]) == (
        14000,
        "14.0 GWh",
        "release",
    )
    assert row["source_url"].startswith("http") and row["source_url"].endswith(".htm")
    assert "fetched from SEC EDGAR" in row["note"]


def test_update_with_another_storage_figure_stops_naming_both(edgar, work, run):  # noqa: F811
    filed = date(2026, 10, 2)
    lines = RELEASES_2026["2026Q3"][1]  # the data's vehicle figures: only storage differs
    exhibit = release_exhibit("2026Q3", filed, lines=lines, storage="13.9 GWh")
    edgar.filing(filed).documents[1].content = exhibit
    before = snapshot(work / "data")
    code, out, err = run()
    assert code == 2 and out == [] and len(err) == 1
    assert "storage: data 13.7 GWh, EDGAR 13.9 GWh" in err[0]
    assert snapshot(work / "data") == before


def test_a_failed_render_puts_storage_back_too(edgar, work, run, monkeypatch):  # noqa: F811
    edgar.add_new_quarter(storage="14.0 GWh")
    before = snapshot(work / "data")

    def broken(*args, **kwargs):
        raise IngestError("the kernel died")

    monkeypatch.setattr(update_module, "render_new_quarter", broken)
    code, out, err = run()
    assert code == 2 and err == ["error: the kernel died"]
    assert snapshot(work / "data") == before
