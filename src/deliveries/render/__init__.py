"""Render a report: execute a notebook with papermill's parameters, export HTML with nbconvert,
print the same HTML to PDF with WeasyPrint, and move the finished files into place atomically.

Everything happens in one process, arranged so that start-up costs overlap: the kernel is
spawned first and imports pandas/matplotlib/seaborn while this process imports nbconvert and
WeasyPrint, and WeasyPrint loads its fonts while the kernel runs the notebook. A
:class:`KernelSession` can be kept across several reports (the batch does so); each report then
starts from a cleared namespace, so it gives exactly the output a fresh kernel gives.

- ``kernel``: :class:`KernelSession`, the ipykernel and how a notebook runs in it.
- ``parameters``: the notebook's declared parameters, checking values, injecting them.
- ``exporters``: HTML (nbconvert) and PDF (WeasyPrint), and their warm-up.
- ``jobs``: :class:`Job`, fingerprints and :func:`is_up_to_date`.
- ``pipeline``: :func:`run_job`, :func:`run_in_turn` (several reports through one kernel, their
  PDFs printed in forked processes) and the entry points :func:`render_quarter`,
  :func:`render_history`, :func:`ensure_quarter`.
- ``batch``: every report, on worker processes with a kernel each, then the index page.

Writing goes through :mod:`deliveries.files`. Importing this package stays light: the heavy
libraries are imported when first used.
"""

from __future__ import annotations

from .jobs import (
    HISTORY_NOTEBOOK,
    QUARTERLY_NOTEBOOK,
    Job,
    history_job,
    is_up_to_date,
    parse_paper,
    quarter_job,
    stamp_path,
)
from .kernel import KernelSession
from .parameters import check_parameters, notebook_parameters, parameterize
from .pipeline import (
    ensure_quarter,
    load_data,
    render_history,
    render_quarter,
    run_in_turn,
    run_job,
)

__all__ = [
    "HISTORY_NOTEBOOK",
    "QUARTERLY_NOTEBOOK",
    "Job",
    "KernelSession",
    "check_parameters",
    "ensure_quarter",
    "history_job",
    "is_up_to_date",
    "load_data",
    "notebook_parameters",
    "parameterize",
    "parse_paper",
    "quarter_job",
    "render_history",
    "render_quarter",
    "run_in_turn",
    "run_job",
    "stamp_path",
]
