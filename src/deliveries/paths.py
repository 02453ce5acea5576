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


def read_input(path: Path | str, *, limit: int, expected: str, error: type[Exception]) -> bytes:
    """The bytes of a user-given input file, or ``error`` with one line saying what is wrong.

    ``expected`` names what the file should hold ("a CSV file"); ``limit`` is the size in bytes
    above which the file is refused unread, since it cannot be the right one.
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
        return path.read_bytes()
    except OSError as exc:
        raise error(f"{where}: cannot be read ({exc.strerror or exc})") from None
