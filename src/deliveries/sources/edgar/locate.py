"""Find a filing's EX-99.1 document, from the cheapest source that can tell.

1. ``<accession>-index.htm``, the filing's detail page (~6-12 kB), which types every document;
2. ``<accession>-index.html``, the same page under its other name, when the first does not
   answer;
3. ``index.json``, the folder listing (~4 kB), which gives names only: used when a name is
   certainly an EX-99.1 (``exhibit991.htm``, ``tsla-ex99_1.htm``, ``tsla-ex991_6.htm``), not
   for Workiva's ``exhibit9911111.htm`` (EX-99.1 with appended 1s, or EX-99.11?);
4. ``<accession>.txt``, the complete submission, which types every document but is as large as
   the filing (the submissions ``size``: ~160-200 kB for a release 8-K, 4-6 MB for an earnings
   one); read only when the others could not tell.

"No EX-99.1" is a finding only from a typed, whole list (1, 2 or 4); when none answers, the
answer is "could not tell", with what each source said.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...errors import FetchError
from ..ingest.text import decode_text
from .client import EdgarClient, parse_json
from .filings import (
    DocumentList,
    Filing,
    IndexDocument,
    read_full_submission,
    read_index_json,
    read_index_page,
    release_exhibit,
)


@dataclass(frozen=True)
class Located:
    """Where a filing's EX-99.1 is (None: it has none, or, when not ``found_whole``, the
    sources could not tell), the source that said so and what the others answered."""

    exhibit: IndexDocument | None
    source_url: str
    found_whole: bool
    tried: tuple[str, ...] = ()

    @property
    def could_not_tell(self) -> bool:
        return self.exhibit is None and not self.found_whole


def locate_exhibit(client: EdgarClient, filing: Filing, folder_url: str) -> Located:
    """The EX-99.1 of ``filing`` (folder ``folder_url``), from the sources in turn."""
    tried: list[str] = []
    for name in (f"{filing.accession}-index.htm", f"{filing.accession}-index.html"):
        url = f"{folder_url}/{name}"
        page = client.get_bytes(url, missing_ok=True)
        text = None if page is None else decode_text(page)
        found = _typed(read_index_page, text, url, name, tried)
        if found is not None:
            return found
    listing_url = f"{folder_url}/index.json"
    listing = client.get_bytes(listing_url, missing_ok=True)
    if listing is None:
        tried.append("index.json HTTP 404")
    else:
        try:
            certain, maybe = read_index_json(parse_json(listing, listing_url), listing_url)
        except FetchError:
            certain, maybe = [], None
        if certain:
            return Located(certain[0], listing_url, False, tuple(tried))
        if maybe is None:
            tried.append("index.json is not a folder listing")
        elif maybe:
            tried.append(f"index.json names {', '.join(maybe)} (EX-99.1, or EX-99.11 and on?)")
        else:
            tried.append("index.json names no file as an EX-99.1 (its names may not say)")
    name = f"{filing.accession}.txt"
    url = f"{folder_url}/{name}"
    found = _typed(read_full_submission, client.get_bytes(url, missing_ok=True), url, name, tried)
    if found is not None:
        return found
    return Located(None, f"{folder_url}/", False, tuple(tried))


def _typed(
    read: Callable[[Any, str], DocumentList],
    body: str | bytes | None,
    url: str,
    name: str,
    tried: list[str],
) -> Located | None:
    """The finding of a typed list read from ``body``: its EX-99.1, or none when the list is
    whole; None, with what stood in the way in ``tried``, when it did not answer (404), is cut
    short, or is not a list at all (a page served in place of EDGAR's, say)."""
    if body is None:
        tried.append(f"{name} HTTP 404")
        return None
    try:
        listed = read(body, url)
    except FetchError:
        tried.append(f"{name} is not an EDGAR document list")
        return None
    exhibit = release_exhibit(listed.documents)
    if exhibit is not None or listed.whole:
        return Located(exhibit, listed.url, listed.whole, tuple(tried))
    tried.append(f"{name} cut short (no EX-99.1 in what came)")
    return None
