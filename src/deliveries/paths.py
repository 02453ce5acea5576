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


# How the binary files people most often give where text is expected start, and what they are.
_SIGNATURES = [
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.xls or .doc)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
]
ZIP_SIGNATURE = b"PK\x03\x04"  # .xlsx, .docx, .ods: zip archives
_ZIP_CONTENTS = [  # an Office file is a zip archive with one of these folders
    (b"xl/", "an Excel workbook (.xlsx)"),
    (b"word/", "a Word document (.docx)"),
    (b"ppt/", "a PowerPoint file (.pptx)"),
]
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
SNIFF_BYTES = 65536  # how much of a file is looked at to tell text from binary


def binary_kind(head: bytes) -> str | None:
    """What a file that is not text looks like, from its first bytes ("an Excel workbook
    (.xlsx)", "a PDF document", "a binary file"); None for text, UTF-16 with a byte-order mark
    included. The one place binary input is recognised."""
    if head.startswith(ZIP_SIGNATURE):
        for folder, kind in _ZIP_CONTENTS:
            if folder in head:
                return kind
        return "a zip archive"
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if not head.startswith(UTF16_MARKS) and b"\0" in head:
        return "a binary file"
    return None


def not_text_message(where: str, kind: str, expected: str, advice: str) -> str:
    """The one-line refusal of a binary input; it never quotes the content."""
    return f"{where}: is not {expected} but looks like {kind}; {advice}"


def read_input(
    path: Path | str,
    *,
    limit: int,
    expected: str,
    error: type[Exception],
    advice: str = "save it as CSV (UTF-8) and give that file",
    accept_utf16: bool = False,
) -> bytes:
    """The bytes of a user-given input file, or ``error`` with one line saying what is wrong.

    ``expected`` names what the file should hold ("a CSV table"); ``limit`` is the size in bytes
    above which the file is refused unread, since it cannot be the right one. A binary file (a
    workbook, anything with NUL bytes) is refused with a short line that never echoes it and
    ends with ``advice``; so is UTF-16 text unless ``accept_utf16``.
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
    head = raw[:SNIFF_BYTES]
    kind = binary_kind(head)
    if kind is not None:
        raise error(not_text_message(where, kind, expected, advice))
    if head.startswith(UTF16_MARKS) and not accept_utf16:
        raise error(f"{where}: is UTF-16 text, expected {expected} in UTF-8; {advice}")
    return raw
