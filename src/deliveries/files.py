"""Files: where the repository is, how a user's input file is read, and how every output is
written, whole or not at all.

Every output (a report's files, the index page, an ``.eml``, the data table that ``ingest``
rewrites) is written to a temporary file beside its target and renamed over it, so a crash,
Ctrl-C or a full disk never leaves a half-written file in place of a good one. A failure of the
user's environment (full disk, read-only file system, missing folder, no permission) becomes an
:class:`~deliveries.errors.OutputError`: one line naming the path and the cause. Input files
(CSV tables, releases) are sniffed first, so a workbook or a PDF given by mistake is refused in
one line and never echoed. Kept free of heavy imports: the CLI starts a kernel before pandas.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import OutputError

REPO_ROOT = Path(__file__).resolve().parents[2]


# --- reading: paths as the user knows them, input files that may not be text --------------


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


# --- writing: whole, or not at all ----------------------------------------------------------

READABLE = 0o644  # temporary files are made private; reports and data are for reading

_CAUSES = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "is a folder",
    errno.EEXIST: "a file is in the way",
}


def cause(exc: OSError) -> str:
    """A short, plain reason for an ``OSError`` ("no space left on the device")."""
    return _CAUSES.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()


def output_error(path: Path | str, exc: OSError, doing: str = "cannot write") -> OutputError:
    """The one-line error for an ``OSError`` met while writing ``path``."""
    return OutputError(f"{doing} {display_path(path)}: {cause(exc)}")


def make_folder(folder: Path | str, *, parents: bool = True) -> Path:
    """Create ``folder`` (and, with ``parents``, missing parents); failures are OutputErrors.

    ``parents=False`` is for a folder the user named (``--out DIR``): a missing parent is more
    likely a typing mistake than a wish for a new tree of folders.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=parents, exist_ok=True)
    except FileNotFoundError:
        if folder.parent.is_dir():  # e.g. /proc: the parent exists but takes no new entries
            raise OutputError(
                f"cannot create the folder {display_path(folder)}: "
                f"{display_path(folder.parent)} does not accept new folders"
            ) from None
        raise OutputError(
            f"cannot create the folder {display_path(folder)}: its parent folder "
            f"{display_path(folder.parent)} does not exist"
        ) from None
    except OSError as exc:
        raise output_error(folder, exc, "cannot create the folder") from None
    return folder


@contextlib.contextmanager
def output_folder(folder: Path | str, *, parents: bool = True) -> Iterator[Path]:
    """Create ``folder`` for the body's files; if the body fails, remove what was created here.

    Only folders this call created are removed, innermost first, and only while empty: a failed
    write leaves no empty folder behind, and never touches anything that was already there.
    """
    folder = Path(folder)
    created = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        created.append(probe)
        probe = probe.parent
    try:
        make_folder(folder, parents=parents)
        yield folder
    except BaseException:
        for path in created:
            try:
                path.rmdir()
            except FileNotFoundError:  # not made yet: the failure came first
                continue
            except OSError:
                break
        raise


def write_atomically(
    path: Path | str,
    content: str | bytes,
    *,
    check: Callable[[Path], None] | None = None,
    mode: int | None = READABLE,
) -> Path:
    """Write ``content`` to ``path`` through a temporary file beside it, renamed into place.

    ``check``, when given, is called with the temporary file before the rename (e.g. to validate a
    rewritten data table); if it raises, nothing is replaced. ``mode=None`` keeps the permissions of
    the file being replaced. The folder must exist. Returns ``path``.
    """
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    temporary = unclaimed_name(path.parent, f".{path.name}.", ".tmp")
    try:
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            temporary = None  # not ours to remove (exists: a name taken by chance)
            raise output_error(path, exc) from None
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            if mode is None and path.exists():
                shutil.copymode(path, temporary)
            else:
                os.chmod(temporary, mode if mode is not None else READABLE)
        except OSError as exc:
            raise output_error(path, exc) from None
        if check is not None:
            check(temporary)
        try:
            os.replace(temporary, path)
        except OSError as exc:
            raise output_error(path, exc) from None
    except BaseException:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise
    return path


def write_together(writes: list[tuple[Path, bytes, Callable[[Path], None] | None]]) -> None:
    """Write several files, each with :func:`write_atomically` (``(path, content, check)``),
    all or nothing: when one fails, those already replaced are put back as they were."""
    done: list[tuple[Path, bytes | None]] = []
    try:
        for path, content, check in writes:
            old = path.read_bytes() if path.exists() else None
            write_atomically(path, content, check=check, mode=None)
            done.append((path, old))
    except BaseException:
        for path, old in reversed(done):
            if old is None:
                path.unlink(missing_ok=True)
            else:
                write_atomically(path, old, mode=None)
        raise


@contextlib.contextmanager
def staging_folder(target_folder: Path | str, prefix: str = ".staging-") -> Iterator[Path]:
    """A temporary folder inside ``target_folder`` for files to be moved into place together.

    Removed on exit, whatever happened; move finished files out of it with :func:`publish`.
    """
    folder = make_folder(target_folder)
    staging = unclaimed_name(folder, prefix)
    try:
        try:
            staging.mkdir(0o700)
        except OSError as exc:
            staging = None  # not ours to remove (exists: a name taken by chance)
            raise output_error(folder, exc) from None
        yield staging
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def unclaimed_name(folder: Path | str, prefix: str, suffix: str = "") -> Path:
    """A random name in ``folder`` for a temporary file or folder, to be created inside the
    ``try`` whose ``finally`` removes it: created by ``mkstemp``/``mkdtemp`` before that
    ``try``, a Ctrl-C arriving just after the creation would leave it behind."""
    return Path(folder) / f"{prefix}{secrets.token_hex(8)}{suffix}"


def publish(staged: Path, target: Path) -> None:
    """Rename a finished file from a staging folder over its target (same file system)."""
    try:
        os.chmod(staged, READABLE)
        os.replace(staged, target)
    except OSError as exc:
        raise output_error(target, exc) from None
