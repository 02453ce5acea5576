"""Settings files: the ``.env`` in the working directory, one reader for every command.

``KEY=VALUE`` lines, ``#`` comments, an optional ``export``, optional quotes. A variable set in the
environment wins over the file, even when set empty. The mailer (``SMTP_*``, ``MAIL_FROM``),
EDGAR (``SEC_USER_AGENT``, ``EDGAR_*``) and ``update`` (``MAIL_TO``) all read it through here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .errors import DeliveriesError
from .paths import display_path

DOTENV = Path(".env")


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
