"""Code that replaces or leans on another library's internals, fenced in: one module per library.

Each patch is a measured speed-up (``benchmarks/README.md`` gives the gain of each, and ``make
bench`` measures it again); each falls back to the library's own way when the internal it relies
on is not there, and ``tests/test_patches.py`` fails when a library changes that internal. The
libraries' upper bounds in ``pyproject.toml`` keep an untested release from arriving unseen.

One switch turns them on and off, ``DELIVERIES_PATCHES``: unset or ``all``, every patch; ``none``,
none; a comma list of names, only those; ``-name`` entries, all but those
(``DELIVERIES_PATCHES=-weasyprint-lookup``). The names are in :data:`PATCHES`.
"""

from __future__ import annotations

import os

SWITCH = "DELIVERIES_PATCHES"
PATCHES = {
    "jsonschema-iri": "jsonschema: decline the optional rfc3987_syntax grammar (IRI formats)",
    "weasyprint-lookup": "WeasyPrint: its system libraries found from one read of the linker cache",
}


def unknown_words(environ: dict | None = None) -> list[str]:
    """The words of ``DELIVERIES_PATCHES`` that name no patch (``all``/``none`` aside)."""
    value = (os.environ if environ is None else environ).get(SWITCH, "")
    words = [w for w in value.replace(" ", "").lower().split(",") if w]
    known = {"all", "none", "off", "0"} | set(PATCHES) | {f"-{name}" for name in PATCHES}
    return [word for word in words if word not in known]


def enabled(name: str) -> bool:
    """Whether patch ``name`` (a key of :data:`PATCHES`) is on, by ``DELIVERIES_PATCHES``."""
    if name not in PATCHES:
        raise KeyError(f"no patch named {name!r}")
    words = os.environ.get(SWITCH, "").replace(" ", "").lower().split(",")
    named = {word for word in words if word in PATCHES}
    dropped = {word[1:] for word in words if word.startswith("-")}
    chosen = set() if {"none", "off", "0"} & set(words) else named or set(PATCHES)
    return name in chosen - dropped
