"""Project hygiene: dependency lists agree, notebooks carry no outputs, parameters match."""

from __future__ import annotations

import json
import re
import tomllib

from deliveries import render

from .conftest import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _locked() -> dict[str, str]:
    """requirements.lock as {package name: exact version}."""
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (ROOT / "requirements.lock").read_text(), re.M)
    return {_name(name): version for name, version in pins}


def _conda() -> dict[str, str]:
    """environment.yml's conda packages as {name: version spec}."""
    packages, section = {}, None
    for line in (ROOT / "environment.yml").read_text().splitlines():
        item = line.strip()
        if not line.startswith(" ") and item.endswith(":"):
            section = item[:-1]
        elif item.startswith("- pip:"):
            section = "pip"
        elif item.startswith("- ") and section == "dependencies":
            name = _name(item[2:])
            packages[name] = item[2 + len(name) :].lstrip("=")
    return packages


def test_the_lock_pins_every_package_with_hashes_and_satisfies_pyproject():
    from packaging.requirements import Requirement

    text = (ROOT / "requirements.lock").read_text()
    entries = re.findall(
        r"^([A-Za-z0-9_.-]+)==\S+((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})+)", text, re.M
    )
    assert len(entries) == len(_locked()), "every pin carries its hashes"
    locked = _locked()
    project = _pyproject()["project"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        wanted = Requirement(requirement)
        name = _name(wanted.name)
        assert name in locked, f"{name} is not in requirements.lock (run make lock)"
        assert wanted.specifier.contains(locked[name]), f"{name}=={locked[name]} vs {wanted}"


def test_environment_yml_pins_the_runtime_packages_at_the_locks_versions():
    runtime = {_name(r) for r in _pyproject()["project"]["dependencies"]}
    conda = _conda()
    assert set(conda) - {"python", "pip"} == runtime
    locked = _locked()
    for name in runtime:
        assert conda[name] == locked[name], (
            f"environment.yml {name} {conda[name]}, lock {locked[name]}"
        )


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
