"""Reader-facing provenance of a figure, written from the data files' working notes.

The ``verified`` column of the data files is a researcher's note ("seen in: sec.gov Ex.99.1 ...;
also electrek.co; NOTE: release_date not confirmed"). The report's sources table shows instead
one line for a reader: where the release (or goal) was seen and what could not be confirmed,
e.g. "SEC filing (8-K exhibit 99.1); release date not confirmed". The raw note stays in data/.
"""

from __future__ import annotations

import re

SEC_FILING = "SEC filing (8-K exhibit 99.1)"
MAX_SITES = 3

_SITE = re.compile(r"\b(?:www\.)?((?:[a-z][a-z0-9-]*\.)+[a-z]{2,})\b", re.IGNORECASE)
_SEEN = re.compile(r"^(?:seen in|corroborated in pages?)\s*:\s*", re.IGNORECASE)
_QUOTED = re.compile(r"\(([^()]*)\)|'[^']*'")

# (pattern in a part of the note, what the reader is told); checked in this order.
CAVEATS = [
    (r"release text itself not found", "release text not found"),
    (r"article itself not found", "original article not found"),
    (r"goal number is derived", "goal derived, not stated by Tesla"),
    (
        r"(release_date|release date|stated_on|date)\b.*(not confirmed|unconfirmed|unknown)",
        "date not confirmed",
    ),
    (r"wording/date unconfirmed", "date not confirmed"),
    (r"only secondary reports", "only secondary reports"),
    (r"^weak: found only in", "found in one news summary only"),
    (
        r"primary \(call transcript\) not checked|original guidance date .* not checked",
        "primary source not checked",
    ),
    (r"production not stated in the release", "production not in the release"),
    (r"no lease column", "no lease share in the release"),
    (r"gives no total lease", "no total lease share in the release"),
    (r"per-line lease % not found", "lease share per line not found"),
    (r"total lease % not found|total not found", "total lease share not found"),
    (r"lease % not found", "lease share not found"),
    (r"lease %? ?only as 'roughly'|'roughly", "lease share approximate"),
    (r"lease .*\bfrom\b|\bfrom a podcast", "lease share from another source"),
    (r"paraphrase", "paraphrased"),
]
DATE_CAVEAT = "date not confirmed"


def _parts(note: str) -> list[str]:
    """The note's clauses: split at ';' and 'NOTE:' outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in note:
        depth += char == "("
        depth -= char == ")"
        if char == ";" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    clean = [re.sub(r"^\s*NOTE:\s*", "", part).strip() for part in parts]
    return [part for part in clean if part]


def sites(text: str) -> list[str]:
    """The web sites named in ``text`` (outside quotes and parentheses), in order, once each."""
    found = []
    for site in _SITE.findall(_QUOTED.sub(" ", text)):
        site = site.lower()
        if site not in found and not site.startswith("sec.gov"):
            found.append(site)
    return found


def _site_list(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_SITES])
    more = len(names) - MAX_SITES
    return shown + (f" and {more} more" if more > 0 else "")


def where_seen(note: str, source_url: str | None = None, noun: str = "news copies") -> str:
    """Where a figure was seen: the SEC filing, else the news sites that carried it."""
    parts = _parts(note or "")
    seen = [
        _SEEN.sub("", part)
        for index, part in enumerate(parts)
        if index == 0 or part.lower().startswith("also ")
    ]
    names = [site for part in seen for site in sites(part)]
    names = list(dict.fromkeys(names))
    on_sec = any("sec.gov" in part.lower() for part in seen)
    if not names and not on_sec and source_url:
        names = sites(source_url)
    if on_sec:
        return SEC_FILING + (f"; also {noun} ({_site_list(names)})" if names else "")
    if names:
        return f"{noun} ({_site_list(names)})"
    return noun


def caveats(note: str, date_noun: str = "release date") -> list[str]:
    """What could not be confirmed (or is noted about the release), once each, in order."""
    found = []
    for part in _parts(note or ""):
        for pattern, caveat in CAVEATS:
            if re.search(pattern, part, re.IGNORECASE):
                if caveat == DATE_CAVEAT:
                    caveat = f"{date_noun} not confirmed"
                if caveat not in found:
                    found.append(caveat)
                break
        quoted = re.match(r"^release:\s*(.+)$", part)
        if quoted:
            found.append(f"the release said {quoted.group(1)}")
    return found


def release_provenance(note: str | None, source_url: str | None = None) -> str:
    """A release's figures: ``SEC filing (8-K exhibit 99.1); release date not confirmed``."""
    return _line(note, source_url, "news copies", "release date")


def goal_provenance(note: str | None, source_url: str | None = None) -> str:
    """A stated goal: ``News reports (carbuzz.com, ...); date stated not confirmed``."""
    return _line(note, source_url, "news reports", "date stated")


def _line(note: str | None, source_url: str | None, noun: str, date_noun: str) -> str:
    if not (note or "").strip():
        return "not recorded"
    line = where_seen(note, source_url, noun)
    found = caveats(note, date_noun)
    if found:
        line += "; " + ", ".join(found)
    return line[0].upper() + line[1:]
