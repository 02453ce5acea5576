"""Strip outputs, execution counts and run metadata from notebooks/*.ipynb (or --check them).

Notebooks are committed without outputs so that diffs show only what a person changed. They are
written exactly as JupyterLab saves them (nbformat's JSON layout, a final newline) and keep the
metadata Lab sets when it opens a notebook (``kernelspec`` with its language, the kernel's full
``language_info``, cell ids): a notebook that lacks any of these is marked modified by Lab the
moment its kernel starts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
VOLATILE_METADATA = ("papermill", "widgets", "execution")
KERNEL = "python3"


def lab_metadata(kernel_name: str = KERNEL) -> dict:
    """What Lab writes into a notebook's metadata when its kernel starts.

    ``kernelspec`` from the kernel's spec and ``language_info`` from the kernel itself (ipykernel
    reports the running Python's version, so a new Python means running ``make strip`` once).
    """
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(kernel_name)
    return {
        "kernelspec": {
            "display_name": spec.display_name,
            "language": spec.language,
            "name": kernel_name,
        },
        "language_info": dict(IPythonKernel.language_info),
    }


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without outputs, execution counts or run metadata, with Lab's metadata."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        for key in VOLATILE_METADATA:
            cell.get("metadata", {}).pop(key, None)
    for key in VOLATILE_METADATA:
        nb.get("metadata", {}).pop(key, None)
    kernel_name = nb.get("metadata", {}).get("kernelspec", {}).get("name") or KERNEL
    nb.setdefault("metadata", {}).update(lab_metadata(kernel_name))
    return nb


def as_lab_saves(nb: nbformat.NotebookNode) -> str:
    """The file text Jupyter's contents manager writes for ``nb`` (``nbformat.write``)."""
    text = nbformat.writes(nb, version=nbformat.NO_CONVERT)
    return text if text.endswith("\n") else text + "\n"


def clean_text(path: Path) -> str:
    """What ``path`` should contain: stripped, in Lab's layout."""
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    return as_lab_saves(strip(nb))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report dirty notebooks")
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    dirty = []
    for path in paths:
        text = clean_text(path)
        if path.read_text(encoding="utf-8") == text:
            continue
        dirty.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
            print(f"stripped {path}")
    if args.check and dirty:
        for path in dirty:
            message = f"error: {path} carries outputs or run metadata; run 'make strip'"
            print(message, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
