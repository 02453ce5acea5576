"""Strip outputs, execution counts and run metadata from notebooks/*.ipynb (or --check them).

Notebooks are committed without outputs so that diffs show only what a person changed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VOLATILE_METADATA = ("papermill", "widgets", "execution")


def strip(nb: dict) -> dict:
    """The notebook without outputs, execution counts or run metadata."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        for key in VOLATILE_METADATA:
            cell.get("metadata", {}).pop(key, None)
    for key in VOLATILE_METADATA:
        nb.get("metadata", {}).pop(key, None)
    return nb


def is_clean(nb: dict) -> bool:
    """True when no cell carries outputs or an execution count."""
    return not any(
        cell.get("outputs") or cell.get("execution_count") for cell in nb.get("cells", [])
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report dirty notebooks")
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    dirty = []
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        if is_clean(nb) and not any(k in nb.get("metadata", {}) for k in VOLATILE_METADATA):
            continue
        dirty.append(path)
        if not args.check:
            path.write_text(
                json.dumps(strip(nb), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            print(f"stripped {path}")
    if args.check and dirty:
        for path in dirty:
            print(f"error: {path} carries outputs; run 'make strip'", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
