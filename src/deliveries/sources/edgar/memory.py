"""What each 8-K was found to be, kept between runs in the cache folder (``verdicts.json``).

Only findings are kept: an exhibit read and classified (a release, or not a release), or a
typed, whole list of the filing's documents without an EX-99.1 (its index page, or its complete
submission text file). Nothing reached while EDGAR answered in part ("could not tell"), and no
exhibit that could not be read, is kept: the next run asks again.

An entry is keyed by the accession number, the filing's size as the submissions document gives
it (a changed filing is read again: the size costs no request, an exhibit's ETag would),
:data:`~.classify.READER_VERSION` (a newer reader reads every exhibit again) and the archives it
was read from (a test server's filings are not EDGAR's); it holds the exhibit's SHA-256, and a
release's exhibit is kept beside it
(``exhibits/<accession>.htm``), checked against that digest when recalled. A damaged or foreign
file or entry is passed over: the cache only saves requests.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

from ...errors import DeliveriesError
from ...files import make_folder, write_atomically
from . import classify
from .filings import Filing

VERDICTS_FILE = "verdicts.json"
EXHIBITS_FOLDER = "exhibits"
RELEASE, OTHER, NO_EXHIBIT = classify.RELEASE, classify.OTHER, "no exhibit"


@dataclass(frozen=True)
class Remembered:
    """A kept verdict: its kind (RELEASE, OTHER, NO_EXHIBIT), the reason given, the URLs read
    and, for a release, the exhibit's bytes."""

    verdict: str
    reason: str
    exhibit_url: str
    index_url: str
    content: bytes | None = None


def digest(content: bytes) -> str:
    """The SHA-256 of ``content`` in hex."""
    return hashlib.sha256(content).hexdigest()


class VerdictCache:
    """The verdicts file of one cache folder; ``save`` writes what was added."""

    def __init__(self, folder: Path, source: str = ""):
        self.folder = Path(folder)
        self.source = source  # the archives' URL
        self.path = self.folder / VERDICTS_FILE
        self._entries: dict[str, dict] = {}
        self._changed = False
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(stored, dict):
            self._entries = {k: v for k, v in stored.items() if isinstance(v, dict)}

    def _exhibit_path(self, accession: str) -> Path:
        return self.folder / EXHIBITS_FOLDER / f"{accession}.htm"

    def recall(self, filing: Filing) -> Remembered | None:
        """The verdict kept for ``filing`` by this reader, or None."""
        entry = self._entries.get(filing.accession)
        if (
            entry is None
            or entry.get("reader") != classify.READER_VERSION
            or entry.get("filing_size") != filing.size
            or entry.get("source", "") != self.source
            or entry.get("verdict") not in (RELEASE, OTHER, NO_EXHIBIT)
        ):
            return None
        content = None
        if entry["verdict"] == RELEASE:
            try:
                content = self._exhibit_path(filing.accession).read_bytes()
            except OSError:
                return None
            if digest(content) != entry.get("sha256"):
                return None
        return Remembered(
            entry["verdict"],
            str(entry.get("reason", "")),
            str(entry.get("exhibit_url", "")),
            str(entry.get("index_url", "")),
            content,
        )

    def remember(
        self,
        filing: Filing,
        verdict: str,
        reason: str,
        index_url: str,
        exhibit_url: str = "",
        content: bytes | None = None,
    ) -> None:
        """Keep a verdict for ``filing`` (a release's exhibit bytes with it)."""
        exhibit = self._exhibit_path(filing.accession)
        if verdict == RELEASE and content is not None and not self._write(exhibit, content):
            return
        self._entries[filing.accession] = {
            "reader": classify.READER_VERSION,
            "filing_size": filing.size,
            "source": self.source,
            "verdict": verdict,
            "reason": reason,
            "index_url": index_url,
            "exhibit_url": exhibit_url,
            "sha256": digest(content) if content is not None else "",
        }
        self._changed = True

    def save(self) -> None:
        """Write the verdicts if any was added; a failure only warns (it is a cache)."""
        if self._changed:
            self._write(self.path, json.dumps(self._entries, indent=1, sort_keys=True) + "\n")
            self._changed = False

    def _write(self, path: Path, content: bytes | str) -> bool:
        try:
            make_folder(path.parent)
            write_atomically(path, content)
        except DeliveriesError as exc:
            warnings.warn(f"EDGAR cache not updated: {exc}", UserWarning, stacklevel=3)
            return False
        return True
