"""The one way this project writes a file a user keeps: whole, or not at all.

Every output (a report's files, the index page, an ``.eml``, the data table that ``ingest``
rewrites) is written to a temporary file beside its target and renamed over it, so a crash,
Ctrl-C or a full disk never leaves a half-written file in place of a good one. A failure of the
user's environment (full disk, read-only file system, missing folder, no permission) becomes an
:class:`~deliveries.errors.OutputError`: one line naming the path and the cause.
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
from .paths import display_path

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
