"""Shared fixtures: the real data set and helpers to write small hand-made tables."""

from __future__ import annotations

import base64
import math
import shutil
import socket
from pathlib import Path

import pandas as pd
import pytest

from deliveries.data import dataset
from deliveries.patches.jsonschema import decline_iri_grammar

from .edgar_server import EdgarServer

# As the command does (patches/jsonschema.py explains): jsonschema's optional IRI grammar costs
# ~1-3 s per process and checks nothing our notebooks use. The test process declines it too,
# before anything imports nbformat (so nbformat is imported where it is used, below).
decline_iri_grammar()

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"
HEADER = (
    "quarter,model_line,produced,delivered,lease_pct,delivered_approx,release_date,source,"
    "source_url,verified"
)
GOALS_HEADER = "period,metric,scope,goal,goal_high,kind,stated_on,stated_by,quote,source,verified"


@pytest.fixture(scope="session")
def real_data() -> dataset.Dataset:
    """The tables in data/, loaded once."""
    return dataset.load(DATA_DIR)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of data/ in a temporary folder."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("README.md"))
    return target


def write_table(
    folder: Path, rows: list[str], name: str = "production_deliveries.csv", header: str = HEADER
) -> Path:
    """Write a CSV with ``header`` and ``rows`` (already comma-joined) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


RELEASE_COLUMNS = ["model_line", "produced", "delivered", "lease_pct", "delivered_approx"]


def plain(value):
    """A cell as a plain Python value (pandas' NA and NaN become None)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    """data/production_deliveries.csv as loaded: what ingest must reproduce from a release."""
    return dataset.load_deliveries(DATA_DIR / "production_deliveries.csv")


def expected_rows(reference: pd.DataFrame, quarter: str) -> list[tuple]:
    """A quarter's rows in the data as (model line, produced, delivered, lease %, approx, date)."""
    rows = reference[reference["quarter"] == quarter]
    return [
        tuple(plain(row[c]) for c in RELEASE_COLUMNS + ["release_date"])
        for _, row in rows.iterrows()
    ]


def write_goals(folder: Path, rows: list[str]) -> Path:
    """Write a goals.csv with the standard header."""
    return write_table(folder, rows, name="goals.csv", header=GOALS_HEADER)


CONSENSUS_HEADER = (
    "quarter,provider,statistic,deliveries,low,high,approx,analysts,when,provider_as_reported,"
    "url,note"
)


def write_consensus(folder: Path, rows: list[str]) -> Path:
    """Write a consensus.csv with the standard header (rows already comma-joined)."""
    return write_table(folder, rows, name="consensus.csv", header=CONSENSUS_HEADER)


def consensus_row(
    quarter: str = "2019Q3",
    provider: str = "FactSet",
    statistic: str = "mean",
    deliveries: str = "99000",
    low: str = "",
    high: str = "",
    approx: str = "false",
    analysts: str = "",
    when: str = "R",
    url: str = "https://example.com/story",
) -> str:
    """One consensus.csv row; every cell can be replaced to make a good or a bad row."""
    cells = [quarter, provider, statistic, deliveries, low, high, approx, analysts, when]
    return ",".join([*cells, provider, url, "test row"])


# --- a notebook like an executed report, for the exporters ---------------------------------

REPORT_RESOURCES = {
    "report": {
        "title": "Q3 2019 & more",
        "running_head": "Q3 2019",
        "paper": "A4",
        "rendered_on": "2026-11-27",
    }
}
TINY_PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode()


def report_like_notebook():
    """Cells of every kind a report holds: markdown, HTML blocks with a chart, a table, a
    stream, a PNG, a hidden cell and a cell tagged ``remove``."""
    import nbformat

    new = nbformat.v4
    chart = '<figure class="chart"><img src="data:image/svg+xml;base64,PHN2Zy8+" alt="A chart"/>'
    cells = [
        new.new_markdown_cell("# Title\n\nSome *prose* with a [link](https://ir.tesla.com)."),
        new.new_code_cell(
            "x = 1",
            outputs=[
                new.new_output("display_data", data={"text/html": chart + "</figure>"}),
                new.new_output(
                    "execute_result",
                    data={"text/html": "<table><tr><td>96,155</td></tr></table>"},
                    execution_count=1,
                ),
            ],
        ),
        new.new_code_cell("print(1)", outputs=[new.new_output("stream", text="1\n")]),
        new.new_code_cell(
            "chart", outputs=[new.new_output("display_data", data={"image/png": TINY_PNG})]
        ),
        new.new_code_cell("hidden = 2", metadata={"tags": ["remove"]}),
    ]
    return new.new_notebook(cells=cells, metadata={"language_info": {"name": "python"}})


# --- helpers several modules share -----------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (just now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def edgar():
    """The local EDGAR-shaped server (``tests/edgar_server.py``) with the standard filings."""
    with EdgarServer() as server:
        yield server


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    """Where a fetch keeps releases (``data_dir``) and its EDGAR cache (``cache_dir``)."""
    return {"data_dir": tmp_path / "data", "cache_dir": tmp_path / "cache"}


def fetch(server: EdgarServer, folders: dict[str, Path], **options):
    """``fetch_release`` against ``server``, keeping into ``folders``."""
    from deliveries.sources.edgar import fetch_release

    return fetch_release(environ=server.environ(), **folders, **options)
