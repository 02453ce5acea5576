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
- ``jobs``: :class:`Job`, where files go, fingerprints and :func:`is_up_to_date`.
- ``pipeline``: :func:`run_job`, :func:`run_in_turn` (several reports through one kernel, their
  PDFs printed in forked processes) and the entry points :func:`render_quarter`,
  :func:`render_history`, :func:`ensure_quarter`.

Writing goes through :mod:`deliveries.atomic`. Importing this package stays light: the heavy
libraries are imported when first used.
"""

from __future__ import annotations

from ..errors import ParameterError, RenderError
from .exporters import export_html, report_exporter, warm_up_exporters, write_pdf
from .jobs import (
    HISTORY_NOTEBOOK,
    NOTEBOOKS,
    PAPERS,
    QUARTERLY_NOTEBOOK,
    Job,
    code_files,
    default_out_root,
    history_job,
    history_paths,
    is_up_to_date,
    parse_paper,
    quarter_job,
    quarter_paths,
    stamp_path,
)
from .kernel import CELL_TIMEOUT, KERNEL_NAME, START_TIMEOUT, KernelSession
from .parameters import check_parameters, notebook_parameters, parameterize
from .pipeline import (
    ensure_quarter,
    load_data,
    notebook_text,
    render_history,
    render_quarter,
    run_in_turn,
    run_job,
)

__all__ = [
    "CELL_TIMEOUT",
    "HISTORY_NOTEBOOK",
    "KERNEL_NAME",
    "NOTEBOOKS",
    "PAPERS",
    "QUARTERLY_NOTEBOOK",
    "START_TIMEOUT",
    "Job",
    "KernelSession",
    "ParameterError",
    "RenderError",
    "check_parameters",
    "code_files",
    "default_out_root",
    "ensure_quarter",
    "export_html",
    "history_job",
    "history_paths",
    "is_up_to_date",
    "load_data",
    "notebook_parameters",
    "notebook_text",
    "parameterize",
    "parse_paper",
    "quarter_job",
    "quarter_paths",
    "render_history",
    "render_quarter",
    "report_exporter",
    "run_in_turn",
    "run_job",
    "stamp_path",
    "warm_up_exporters",
    "write_pdf",
]
