"""The notebooks run top to bottom, are committed clean, and give the report's figures.

Also the public API they use (``from deliveries import ...``) and the explorer behind
``notebooks/explore.ipynb``.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import deliveries
from deliveries.analysis import metrics
from deliveries.pages import explore, quarterly
from deliveries.writing import narrative

from .conftest import ROOT

pytestmark = pytest.mark.e2e  # kernels, renders, browsers or make runs

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "python3"
CELL_TIMEOUT = 120
VOLATILE_METADATA = ("papermill", "widgets", "execution")
HEAVY_MODULES = ("matplotlib", "weasyprint", "nbconvert", "ipywidgets", "papermill")


def execute(path: Path, cwd: Path) -> nbformat.NotebookNode:
    """Run a notebook with its default parameters, as a person would in JupyterLab."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(cwd)}}
    )
    return client.execute()


def html_output(nb: nbformat.NotebookNode, source: str) -> str:
    """The text/html output of the code cell whose source is ``source``."""
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.strip() == source:
            for output in cell.outputs:
                if "text/html" in output.get("data", {}):
                    return output["data"]["text/html"]
    raise AssertionError(f"no HTML output from a cell {source!r}")


def test_the_notebooks_are_the_expected_ones():
    names = {path.name for path in NOTEBOOKS}
    assert {"quarterly_report.ipynb", "history.ipynb", "explore.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom_with_its_defaults(path):
    nb = execute(path, cwd=ROOT)
    errors = [
        output
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for number, cell in enumerate(nb["cells"], start=1):
        assert not cell.get("outputs"), f"{path.name} cell {number} has outputs: run 'make strip'"
        assert not cell.get("execution_count"), f"{path.name} cell {number} has a count"
        assert not set(cell.get("metadata", {})) & set(VOLATILE_METADATA)
    assert not set(nb["metadata"]) & set(VOLATILE_METADATA), f"{path.name}: run 'make strip'"
    assert nb["metadata"]["kernelspec"]["name"] == KERNEL


def load_stripper():
    """tools/strip_notebooks.py as a module (tools/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "strip_notebooks", ROOT / "tools" / "strip_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_file_is_what_jupyter_saves(path):
    # Jupyter's contents manager saves with nbformat.write: nbformat's JSON and a final newline.
    # A file laid out otherwise changes on the first save from Lab.
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    assert path.read_text(encoding="utf-8") == nbformat.writes(nb) + "\n"
    assert all(cell.get("id") for cell in nb.cells)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_carries_the_metadata_lab_sets_when_the_kernel_starts(path):
    # Lab replaces kernelspec and language_info with the kernel's on opening; any difference
    # marks the notebook modified before the user has touched it (issue 13).
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_client.kernelspec import KernelSpecManager

    metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    assert metadata["kernelspec"] == {
        "display_name": spec.display_name,
        "language": spec.language,
        "name": KERNEL,
    }
    # The kernel reports its Python's full version; another patch release of the pinned Python
    # (environment.yml) makes Lab mark the notebooks modified until 'make strip' records it.
    expected = dict(IPythonKernel.language_info)
    recorded = dict(metadata["language_info"])
    minor = ".".join(expected.pop("version").split(".")[:2])
    assert recorded.pop("version").startswith(minor + "."), "run 'make strip'"
    assert recorded == expected, "run 'make strip'"


def test_the_stripper_keeps_what_lab_adds_and_removes_outputs(tmp_path):
    stripper = load_stripper()
    nb = nbformat.read(ROOT / "notebooks" / "explore.ipynb", as_version=nbformat.NO_CONVERT)
    nb.metadata["language_info"] = {"name": "python"}  # as the notebooks were first written
    nb.metadata["papermill"] = {"duration": 1.0}
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="hello")]
    nb.cells[1].execution_count = 3
    dirty = tmp_path / "explore.ipynb"
    dirty.write_text(json.dumps(nb, indent=2), encoding="utf-8")
    assert stripper.main(["--check", str(dirty)]) == 1
    assert stripper.main([str(dirty)]) == 0
    committed = (ROOT / "notebooks" / "explore.ipynb").read_text(encoding="utf-8")
    assert dirty.read_text(encoding="utf-8") == committed
    assert stripper.main(["--check", str(dirty)]) == 0


def test_the_notebooks_have_no_generator_to_drift_from():
    # tools/make_notebooks.py generated the first notebooks; the .ipynb files are the source now.
    assert not (ROOT / "tools" / "make_notebooks.py").exists()


def test_explore_notebook_code_cells_are_short_calls_into_the_package():
    nb = nbformat.read(ROOT / "notebooks" / "explore.ipynb", as_version=4)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(1 <= len(source.splitlines()) <= 5 for source in code)
    assert "from deliveries import" in code[0]
    assert any("quarter_explorer(" in source for source in code)


def test_quarterly_report_run_by_hand_matches_make_report(real_data, tmp_path):
    # A person opening the notebook runs it from wherever they are: not the repository root.
    nb = execute(ROOT / "notebooks" / "quarterly_report.ipynb", cwd=tmp_path)
    summary = metrics.summarize(real_data, "2019Q3")
    headline_html = html_output(nb, "quarterly.headline_block(summary)")
    headline = html.unescape(re.sub(r"<[^>]+>", "", headline_html))
    assert headline == narrative.headline(summary)
    kpis = html_output(nb, "quarterly.kpi_table(summary, data)")
    assert kpis == quarterly.kpi_table(summary, real_data)


# --- the explorer ---------------------------------------------------------------------------


def test_explorer_shows_the_report_headline_for_2019q3(real_data):
    headline, kpis, chart = explore.quarter_sections(real_data, "2019Q3")
    assert "96,155" in headline
    assert "3,000 short of the 100,000 goal" in headline
    assert headline == quarterly.headline_block(metrics.summarize(real_data, "2019Q3"))
    assert kpis == quarterly.kpi_table(metrics.summarize(real_data, "2019Q3"), real_data)
    assert chart.startswith('<figure class="chart">')


def test_explorer_follows_the_goal(real_data):
    headline = explore.quarter_sections(real_data, "2019Q3", goal=110_000)[0]
    assert "13,000 short of the 110,000 goal" in headline
    assert (
        explore.quarter_sections(real_data, "2019Q3", goal=0)[0]
        == (explore.quarter_sections(real_data, "2019Q3")[0])
    )


def test_explorer_widget_offers_every_quarter(real_data):
    box = explore.quarter_explorer(real_data, quarter="2019Q3", goal=110_000)
    quarter_picker, goal_box, consensus_box, _ = box.children[0].children
    assert list(quarter_picker.options) == real_data.quarters
    assert quarter_picker.value == "2019Q3"
    assert goal_box.value == 110_000
    assert consensus_box.value == 0  # 0: the headline consensus reported


def test_explorer_takes_your_own_consensus(real_data):
    blocks = explore.quarter_sections(real_data, "2019Q3", consensus=100_000)
    assert "the consensus of 100,000 you gave" in blocks[0]
    assert "<th>Consensus you gave</th><td>100,000</td>" in blocks[1]


def test_goal_results_lists_quarters_with_a_stated_goal(real_data):
    results = explore.goal_results(real_data)
    assert results.loc["2019Q3", "shortfall"] == 3000
    assert not results.loc["2019Q3", "met"]
    assert results["goal"].notna().all()


# --- the public API -------------------------------------------------------------------------


def test_public_api_gives_the_report_figures(real_data):
    from deliveries import headline, load, summarize

    summary = summarize(load(), "2019Q3")
    assert headline(summary) == narrative.headline(metrics.summarize(real_data, "2019Q3"))
    for name in deliveries.__all__:
        assert getattr(deliveries, name) is not None
        assert name in deliveries.__doc__


def test_importing_the_package_is_light():
    names = ", ".join(map(repr, HEAVY_MODULES))
    code = (
        "import sys, deliveries\n"
        "from deliveries import load, summarize, headline\n"
        f"print([m for m in ({names}) if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError):
        _ = deliveries.no_such_name
