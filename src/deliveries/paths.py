"""Where things are: the repository, and paths shown the way a user recognises them.

Kept free of heavy imports so the CLI can start a kernel before pandas is loaded.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def display_path(path: Path | str) -> str:
    """A path relative to the working directory when inside it, else as given."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# Signatures of the binary files people most often give where text is expected.
ZIP_SIGNATURE = b"PK\x03\x04"  # .xlsx, .xlsm, .ods, .docx: zip archives
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: the old Office format
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".numbers"}
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
SNIFF_BYTES = 8192  # how much of a file is looked at to tell text from binary


def binary_content_problem(path: Path, head: bytes, expected: str) -> str | None:
    """Why ``head`` (a file's first bytes) is not text, in a few words; None when it is text.

    The message never quotes the content. A spreadsheet gets advice on saving it as CSV.
    """
    as_csv = "CSV" in expected
    save = "save it as CSV (UTF-8) and give that file" if as_csv else "save it as plain text"
    suffix = path.suffix.lower()
    if head.startswith(ZIP_SIGNATURE) or head.startswith(OLE2_SIGNATURE):
        if suffix in SPREADSHEET_SUFFIXES or head.startswith(OLE2_SIGNATURE):
            kind = "a spreadsheet workbook"
        else:
            kind = "a zip archive"
        return f"is {kind}, not {expected} (a text file); {save}"
    if head.startswith(UTF16_MARKS):
        return f"is UTF-16 text, expected {expected} in UTF-8; {save}"
    if b"\0" in head or suffix in SPREADSHEET_SUFFIXES:
        return f"is a binary file, not {expected} (a text file)" + (
            f"; {save}" if suffix in SPREADSHEET_SUFFIXES else ""
        )
    return None


def read_input(path: Path | str, *, limit: int, expected: str, error: type[Exception]) -> bytes:
    """The bytes of a user-given input file, or ``error`` with one line saying what is wrong.

    ``expected`` names what the file should hold ("a CSV table"); ``limit`` is the size in bytes
    above which the file is refused unread, since it cannot be the right one. A binary file (a
    workbook, anything with NUL bytes) is refused with a short line that never echoes it.
    """
    path = Path(path)
    where = display_path(path)
    if not path.exists():
        raise error(f"{where}: file not found")
    if path.is_dir():
        raise error(f"{where}: is a folder, expected {expected}")
    try:
        size = path.stat().st_size
        if size > limit:
            raise error(
                f"{where}: file is {size / 1e6:.0f} MB, larger than the {limit // 2**20} MB "
                f"limit for {expected}; is it the right file?"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{where}: cannot be read ({exc.strerror or exc})") from None
    problem = binary_content_problem(path, raw[:SNIFF_BYTES], expected)
    if problem:
        raise error(f"{where}: {problem}")
    return raw
