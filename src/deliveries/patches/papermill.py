"""papermill's patch ``papermill-inference``: a notebook's parameters inferred from the notebook
already read.

papermill's public ``inspect_notebook`` takes a path, and reads and validates the file again;
its private ``_infer_parameters`` takes the notebook. When that function is missing or changed
shape, the public path is used instead (``render.parameters``), and a test compares both on the
project's notebooks.
"""

from __future__ import annotations


def private_inferrer():
    """papermill's ``_infer_parameters(nb)``, or None when this papermill has no such function."""
    try:
        from papermill.inspection import _infer_parameters
    except ImportError:
        return None
    return _infer_parameters


def inferred_parameters_fast(nb) -> dict[str, str] | None:
    """Names and types of notebook ``nb``'s parameters through papermill's private
    ``_infer_parameters``; None when the function is missing or unusable."""
    infer = private_inferrer()
    if infer is None:
        return None
    try:
        return {p.name: p.inferred_type_name for p in infer(nb)}
    except (TypeError, AttributeError):  # the private function changed shape
        return None
