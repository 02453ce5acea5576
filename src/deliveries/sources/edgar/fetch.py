"""Keep a found release in data/releases/ and say what was found (``deliveries fetch``).

The exhibit is kept as ``data/releases/<Q>.htm`` (the bytes as filed, its whole text: nothing
is cut away for the figures read now) beside a sidecar ``<Q>.json`` (accession number, filing
date, form, exhibit URL, the exhibit's size and SHA-256), both written atomically and only when
they change.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ... import config
from ...errors import ParameterError
from ...files import display_path, make_folder, publish, staging_folder
from .client import EdgarClient
from .finder import FoundRelease, ReleaseFinder, quarter_label
from .settings import EdgarSettings

if TYPE_CHECKING:
    from ..ingest import ParsedRelease

RELEASES_FOLDER = "releases"


@dataclass(frozen=True, kw_only=True)
class FetchedRelease(FoundRelease):
    """A found release once kept in ``data/releases/``: the found release and its two files."""

    path: Path
    sidecar: Path
    changed: bool = True  # False when the files already held exactly this release

    def to_dict(self) -> dict:
        """A JSON-ready summary (for ``--json``)."""
        return {
            "quarter": self.quarter,
            "accession": self.accession,
            "filing_date": self.filing_date.isoformat(),
            "form": self.form,
            "exhibit_url": self.exhibit_url,
            "path": str(self.path),
            "sidecar": str(self.sidecar),
            "changed": self.changed,
            "asked": {"requests": self.cost.requests, "bytes": self.cost.received},
            "release": self.parsed.to_dict(),
        }


def releases_folder(data_dir: Path | None = None) -> Path:
    """``data/releases/`` (under ``data_dir`` when given)."""
    return Path(data_dir if data_dir is not None else config.data_dir()) / RELEASES_FOLDER


def release_files(quarter: str, data_dir: Path | None = None) -> tuple[Path, Path]:
    """Where quarter's release is kept: the exhibit ``<Q>.htm`` and its sidecar ``<Q>.json``."""
    folder = releases_folder(data_dir)
    return folder / f"{quarter}.htm", folder / f"{quarter}.json"


def figures_text(parsed: ParsedRelease) -> str:
    """The release's totals as one phrase: ``produced 410,831, delivered 418,227``."""
    totals = parsed.to_dict()["totals"]
    return ", ".join(
        f"{name} {totals[name]:,}"
        for name in ("produced", "delivered")
        if isinstance(totals[name], int)
    )


def known_releases(folder: Path) -> dict[str, tuple[dict, Path]]:
    """Releases already kept, by accession number: their sidecar record and exhibit file."""
    known: dict[str, tuple[dict, Path]] = {}
    if not folder.is_dir():
        return known
    for sidecar in sorted(folder.glob("*.json")):
        exhibit = sidecar.with_suffix(".htm")
        try:
            record = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        accession = record.get("accession") if isinstance(record, dict) else None
        if isinstance(accession, str) and exhibit.is_file():
            known[accession] = (record, exhibit)
    return known


def keep_release(found: FoundRelease, data_dir: Path | None = None) -> FetchedRelease:
    """Write the exhibit and its sidecar into ``data/releases/`` (atomically, when changed)."""
    path, sidecar = release_files(found.quarter, data_dir)
    folder = path.parent
    record = (json.dumps(found.sidecar_record(), indent=2) + "\n").encode("utf-8")
    changed = not (_holds(path, found.content) and _holds(sidecar, record))
    if changed:
        make_folder(folder)
        with staging_folder(folder) as staging:
            (staging / path.name).write_bytes(found.content)
            (staging / sidecar.name).write_bytes(record)
            publish(staging / path.name, path)
            publish(staging / sidecar.name, sidecar)
    return FetchedRelease(**vars(found), path=path, sidecar=sidecar, changed=changed)


def _holds(path: Path, content: bytes) -> bool:
    try:
        return path.read_bytes() == content
    except OSError:
        return False


def find_release(
    *,
    quarter: str | None = None,
    data_dir: Path | None = None,
    client: EdgarClient | None = None,
    environ: Mapping[str, str] | None = None,
    cache_dir: Path | None = None,
) -> FoundRelease:
    """The release of ``quarter`` (the newest when None) on EDGAR, without writing anything;
    its ``cost`` says what finding it asked of EDGAR. Raises FetchError, or its kinds
    EdgarUnavailable and UnclassifiedFiling, which are worth trying again later."""
    label = quarter_label(quarter) if quarter else None
    own_client = client is None
    if client is None:
        client = EdgarClient(EdgarSettings.from_environment(environ, cache_dir))
    try:
        before = client.cost
        finder = ReleaseFinder(client, known_releases(releases_folder(data_dir)))
        found = finder.find(label)
        return dataclasses.replace(found, cost=client.cost - before)
    finally:
        if own_client:
            client.close()


def fetch_release(
    *,
    quarter: str | None = None,
    latest: bool = False,
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    client: EdgarClient | None = None,
) -> FetchedRelease:
    """Find the release (``quarter``'s, else the newest) and keep it in ``data/releases/``."""
    if quarter and latest:
        raise ParameterError("--quarter and --latest exclude each other: give one")
    found = find_release(
        quarter=quarter, data_dir=data_dir, client=client, environ=environ, cache_dir=cache_dir
    )
    return keep_release(found, data_dir)


def summary_lines(fetched: FetchedRelease) -> list[str]:
    """What ``deliveries fetch`` prints: the release, its figures, where it was kept."""
    figures = figures_text(fetched.parsed)
    kept = "kept" if fetched.changed else "already kept"
    return [
        f"fetch: {fetched.quarter} production & deliveries release ({figures}), "
        f"{fetched.form} filed {fetched.filing_date.isoformat()}, accession {fetched.accession}",
        f"fetch: exhibit {fetched.exhibit_url}",
        f"fetch: {kept} {display_path(fetched.path)} and {display_path(fetched.sidecar)}",
        f"fetch: asked EDGAR {fetched.cost}",
    ]


def fetch_command(
    *,
    quarter: str | None = None,
    latest: bool = False,
    as_json: bool = False,
    data_dir: Path | None = None,
) -> int:
    """``deliveries fetch``: fetch and keep the release, print what was found; exit code 0.

    Failures raise a DeliveriesError (one line) for the CLI to print with exit code 2.
    """
    fetched = fetch_release(quarter=quarter, latest=latest, data_dir=data_dir)
    if as_json:
        sys.stdout.write(json.dumps(fetched.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(summary_lines(fetched)) + "\n")
    return 0
