"""Defaults in one place: the report's quarter, where data and reports live, the paper size.

Two environment variables move the folders for users who keep data or output elsewhere:

- ``DELIVERIES_DATA_DIR``: the folder with ``production_deliveries.csv``, ``goals.csv`` and the
  optional ``revisions.csv`` and ``consensus.csv`` (default: the repository's ``data/``).
- ``DELIVERIES_REPORT_DIR``: where reports are written (default: the repository's ``report/``).

Command-line options (``--data``, ``--out``, ...) win over both. Kept free of heavy imports.
"""

from __future__ import annotations

import os
from pathlib import Path

from .paths import REPO_ROOT

DEFAULT_QUARTER = "2019Q3"  # the reference case: what `make report` renders with no QUARTER
LATEST = "latest"  # as a quarter: the newest quarter in the data
DEFAULT_PAPER = "A4"
DATA_DIR_VARIABLE = "DELIVERIES_DATA_DIR"
REPORT_DIR_VARIABLE = "DELIVERIES_REPORT_DIR"

DELIVERIES_FILE = "production_deliveries.csv"
GOALS_FILE = "goals.csv"
REVISIONS_FILE = "revisions.csv"
CONSENSUS_FILE = "consensus.csv"


def data_dir() -> Path:
    """``$DELIVERIES_DATA_DIR`` if set, else the repository's ``data/`` folder."""
    return Path(os.environ.get(DATA_DIR_VARIABLE) or REPO_ROOT / "data")


def report_dir() -> Path:
    """``$DELIVERIES_REPORT_DIR`` if set, else the repository's ``report/`` folder."""
    return Path(os.environ.get(REPORT_DIR_VARIABLE) or REPO_ROOT / "report")
