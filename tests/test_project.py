"""Project hygiene: dependency lists agree, notebooks carry no outputs, parameters match."""

from __future__ import annotations

import json
import re
import tomllib

from deliveries import render

from .conftest import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_lists_the_same_runtime_packages_as_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = {_name(r) for r in pyproject["project"]["dependencies"]}
    conda = set()
    section = None
    for line in (ROOT / "environment.yml").read_text().splitlines():
        item = line.strip()
        if not line.startswith(" ") and item.endswith(":"):
            section = item[:-1]
        elif item.startswith("- pip:"):
            section = "pip"
        elif item.startswith("- ") and section == "dependencies":
            conda.add(_name(item[2:]))
    assert conda - {"python", "pip"} == runtime


def test_notebooks_are_committed_without_outputs():
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            assert not cell.get("outputs"), f"{path.name} has outputs"
            assert not cell.get("execution_count"), f"{path.name} has execution counts"


def test_parameters_cell_lists_what_render_passes(real_data, tmp_path):
    declared = render.notebook_parameters(render.QUARTERLY_NOTEBOOK)
    job = render.quarter_job(real_data, "2019Q3", None, tmp_path, "A4")
    assert set(job.parameters) == set(declared)
    history = render.history_job(real_data, None, None, tmp_path, "A4")
    assert set(history.parameters) == set(render.notebook_parameters(render.HISTORY_NOTEBOOK))


def test_report_folder_keeps_only_its_readme_in_git():
    ignore = (ROOT / ".gitignore").read_text()
    assert "report/*" in ignore and "!report/README.md" in ignore
