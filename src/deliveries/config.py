"""Settings in one place: the report's quarter, where data and reports live, the paper size,
and the ``.env`` file every command reads its settings from.

Two environment variables move the folders for users who keep data or output elsewhere:

- ``DELIVERIES_DATA_DIR``: the folder with ``production_deliveries.csv``, ``goals.csv`` and the
  optional ``revisions.csv``, ``consensus.csv`` and ``storage.csv`` (default: the repository's
  ``data/``).
- ``DELIVERIES_REPORT_DIR``: where reports are written (default: the repository's ``report/``).

Command-line options (``--data``, ``--out``, ...) win over both. ``.env`` holds ``KEY=VALUE``
lines (``#`` comments, an optional ``export``, optional quotes); a variable set in the
environment wins over the file, even when set empty. The mailer (``SMTP_*``, ``MAIL_FROM``),
EDGAR (``SEC_USER_AGENT``, ``EDGAR_*``) and ``update`` (``MAIL_TO``) read it through here. Kept
free of heavy imports.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .errors import DeliveriesError
from .files import REPO_ROOT, display_path

DEFAULT_QUARTER = "2019Q3"  # the reference case: what `make report` renders with no QUARTER
LATEST = "latest"  # as a quarter: the newest quarter in the data
DEFAULT_PAPER = "A4"
DATA_DIR_VARIABLE = "DELIVERIES_DATA_DIR"
REPORT_DIR_VARIABLE = "DELIVERIES_REPORT_DIR"

DELIVERIES_FILE = "production_deliveries.csv"
GOALS_FILE = "goals.csv"
REVISIONS_FILE = "revisions.csv"
CONSENSUS_FILE = "consensus.csv"
STORAGE_FILE = "storage.csv"
DOTENV = Path(".env")


def data_dir() -> Path:
    """``$DELIVERIES_DATA_DIR`` if set, else the repository's ``data/`` folder."""
    return Path(os.environ.get(DATA_DIR_VARIABLE) or REPO_ROOT / "data")


def report_dir() -> Path:
    """``$DELIVERIES_REPORT_DIR`` if set, else the repository's ``report/`` folder."""
    return Path(os.environ.get(REPORT_DIR_VARIABLE) or REPO_ROOT / "report")


REPORT_FILES = ("ipynb", "html", "pdf")  # each report: the executed notebook, its page, its PDF


def quarter_paths(out_root: Path | str, quarter: str) -> dict[str, Path]:
    """Where a quarter's report files go: ``report/<Q>/tesla-deliveries-<Q>.*``."""
    folder = Path(out_root) / quarter
    return {ext: folder / f"tesla-deliveries-{quarter}.{ext}" for ext in REPORT_FILES}


def history_paths(out_root: Path | str) -> dict[str, Path]:
    """Where the history report goes: ``report/history/tesla-deliveries-history.*``."""
    folder = Path(out_root) / "history"
    return {ext: folder / f"tesla-deliveries-history.{ext}" for ext in REPORT_FILES}


# --- .env -------------------------------------------------------------------------------------


def read_dotenv(
    path: Path | str = DOTENV, error: type[Exception] = DeliveriesError
) -> dict[str, str]:
    """``KEY=VALUE`` lines of a ``.env`` file: ``#`` comments, optional ``export`` and quotes.

    A missing file is ``{}``; a malformed line is ``error`` naming its number only (the line may
    hold a password).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read {display_path(path)}: {exc.strerror or exc}") from None
    values = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key.replace("_", "").isalnum() or key[0].isdigit():
            raise error(
                f"{display_path(path)}, line {number}: expected KEY=VALUE "
                "(the line is not shown: it may hold a password)"
            )
        values[key] = _unquote(value)
    return values


def environment(
    environ: Mapping[str, str] | None = None,
    dotenv: Path | str = DOTENV,
    error: type[Exception] = DeliveriesError,
) -> dict[str, str]:
    """``.env`` overlaid by ``environ`` (default: the process environment)."""
    merged = read_dotenv(dotenv, error)
    merged.update(os.environ if environ is None else environ)
    return merged


def _unquote(value: str) -> str:
    """Strip matching quotes (``\\"`` and ``\\\\`` unescaped inside double quotes), or a comment."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        inner = value[1:-1]
        if value[0] == '"':
            inner = inner.replace('\\"', '"').replace("\\\\", "\\")
        return inner
    if " #" in value:
        value = value.split(" #", 1)[0].rstrip()
    return value
