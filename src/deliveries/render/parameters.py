"""A notebook's parameters: read them, check given values against them, inject them.

Types come from the annotations in the notebook's ``parameters`` cell, read by papermill.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ParameterError, RenderError
from ..files import display_path
from .kernel import KERNEL_NAME

TYPES = {"str": str, "int": int}


def read_notebook(path: Path):
    """Read a notebook (no JSON-schema validation: the file is ours and read on every render)."""
    from nbformat.v4 import reads

    nb = reads(Path(path).read_text(encoding="utf-8"))
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])  # papermill looks tags up as attributes
    return nb


def notebook_parameters(path: Path) -> dict[str, str]:
    """Parameter names and their inferred types, from the notebook's ``parameters`` cell."""
    from papermill import inspect_notebook

    return {
        name: details["inferred_type_name"] for name, details in inspect_notebook(str(path)).items()
    }


def _allowed(annotation: str) -> tuple[type | None, bool]:
    """``"Optional[int]"`` -> (int, True); ``"str"`` -> (str, False); unknown -> (None, True)."""
    text = annotation.replace(" ", "")
    optional = text.startswith("Optional[") and text.endswith("]")
    if optional:
        text = text[len("Optional[") : -1]
    return TYPES.get(text), optional or text not in TYPES


def check_parameters(path: Path, parameters: dict) -> None:
    """Unknown names or values of the wrong type are errors, before any notebook runs."""
    declared = notebook_parameters(path)
    if not declared:
        raise RenderError(f"{display_path(path)} has no cell tagged 'parameters'")
    for name, value in parameters.items():
        if name not in declared:
            raise ParameterError(
                f"{display_path(path)} has no parameter {name!r} (it has: {', '.join(declared)})"
            )
        wanted, may_be_none = _allowed(declared[name])
        if value is None:
            if not may_be_none:
                raise ParameterError(f"parameter {name} needs a value of type {declared[name]}")
            continue
        if isinstance(value, bool) or (wanted and not isinstance(value, wanted)):
            raise ParameterError(f"parameter {name}={value!r} should be of type {declared[name]}")


def parameterize(path: Path, parameters: dict):
    """The notebook with papermill's injected-parameters cell (values written as literals)."""
    from papermill.parameterize import parameterize_notebook

    nb = read_notebook(path)
    nb.metadata.setdefault("papermill", {})
    nb = parameterize_notebook(nb, parameters, kernel_name=KERNEL_NAME, language="python")
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.tags:
            cell.id = "injected-parameters"  # papermill's is random; ours keeps output repeatable
    return nb
