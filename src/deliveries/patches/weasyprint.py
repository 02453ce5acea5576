"""WeasyPrint's patches: its system libraries found without a compiler, and SVG labels drawn as
runs. :func:`import_weasyprint` imports WeasyPrint with both (each behind its switch name).

``weasyprint-lookup``: WeasyPrint opens Pango, HarfBuzz and four other libraries through cffi,
trying up to six names per library. cffi looks up each name it cannot open directly with
``ctypes.util.find_library``, which on Linux runs ``ldconfig -p`` and, when that misses, ``gcc``
and ``ld``: ~60 programs per import. While WeasyPrint is imported, ``find_library`` answers from
one reading of the dynamic linker's cache, as its first step does; a name the cache does not know
is not found, and WeasyPrint tries its next one (its list ends with file names, such as
``libpango-1.0.so.0``, that cffi opens directly). Should the import fail, it is tried once more
with the standard lookup.

``weasyprint-svg-text``: WeasyPrint's SVG ``text`` drawer lays out each letter on its own (so that
``dx``, ``dy`` and ``rotate`` lists can place every letter). matplotlib's labels have none of
those, so such a text is handed to the drawer as a single run: one Pango layout instead of one
per letter, shaped as a whole (kerned as the page's text). Texts with per-letter positions,
spacing or length, and ``textPath``, are drawn as before; a ``weasyprint.svg`` laid out otherwise
is left alone.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from types import ModuleType

from . import enabled

LDCONFIG_PROGRAMS = ("/sbin/ldconfig", "/usr/sbin/ldconfig")
# As ctypes.util matches entries of the cache to this interpreter's word size and machine.
_ABI_TYPES = {
    "x86_64-64": "libc6,x86-64",
    "ppc64-64": "libc6,64bit",
    "sparc64-64": "libc6,64bit",
    "s390x-64": "libc6,64bit",
    "ia64-64": "libc6,IA-64",
}
_importing = threading.Lock()  # the warm-up thread and a PDF may ask at the same time


@functools.cache
def linker_cache() -> str | None:
    """The dynamic linker's cache as ``ldconfig -p`` lists it; None where it cannot be read."""
    for program in LDCONFIG_PROGRAMS:
        try:
            listing = subprocess.run(
                [program, "-p"],
                capture_output=True,
                text=True,
                env={"LC_ALL": "C", "LANG": "C"},
                timeout=10,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        return listing.stdout
    return None


def find_in_linker_cache(name: str, cache: str) -> str | None:
    """The file name ``find_library(name)`` finds through the cache (``libpango-1.0.so.0``)."""
    machine = f"{os.uname().machine}-{8 * ctypes.sizeof(ctypes.c_void_p)}"
    abi_type = _ABI_TYPES.get(machine, "libc6")
    found = re.search(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({re.escape(abi_type)}", cache)
    return found.group(1) if found else None


@contextlib.contextmanager
def libraries_from_linker_cache() -> Iterator[None]:
    """``ctypes.util.find_library`` reads the linker's cache only, for the ``with`` block (where
    there is no cache to read, it is left as it is)."""
    cache = linker_cache() if sys.platform.startswith("linux") else None
    if cache is None:
        yield
        return
    standard = ctypes.util.find_library
    ctypes.util.find_library = functools.partial(find_in_linker_cache, cache=cache)
    try:
        yield
    finally:
        ctypes.util.find_library = standard


def import_weasyprint() -> ModuleType:
    """``weasyprint``, imported with this module's patches (those the switch leaves on)."""
    with _importing:
        if "weasyprint" in sys.modules:
            return sys.modules["weasyprint"]
        from_cache = enabled("weasyprint-lookup")
        try:
            with libraries_from_linker_cache() if from_cache else contextlib.nullcontext():
                import weasyprint
        except OSError:  # a library the cache did not name: WeasyPrint's own lookup
            import weasyprint
        import weasyprint.svg

        if enabled("weasyprint-svg-text"):
            draw_text_in_runs(weasyprint.svg)
        return weasyprint


# --- weasyprint-svg-text -------------------------------------------------------------------

# Attributes that place or space letters one by one: with any of them, letter by letter it is.
PER_LETTER_ATTRIBUTES = ("dx", "dy", "rotate", "textLength", "letter-spacing")
TEXT_TAGS = ("a", "text", "textPath", "tspan")


class WholeRun(str):
    """A text that iterates as one item, itself: the drawer's "for each letter" loop then lays
    out the whole run at once."""

    def __iter__(self):
        yield str(self)


def _one_value(value) -> bool:
    """True for a missing attribute or a single coordinate (not a per-letter list)."""
    return value is None or len(str(value).replace(",", " ").split()) <= 1


def drawn_as_run(node) -> bool:
    """Whether ``node``'s text can be drawn as one run: two letters or more, no per-letter
    placement, and not on a path."""
    text = getattr(getattr(node, "_etree_node", None), "text", None)
    return (
        isinstance(text, str)
        and len(text) > 1
        and node.tag != "textPath"
        and all(node.get(name) is None for name in PER_LETTER_ATTRIBUTES)
        and _one_value(node.get("x"))
        and _one_value(node.get("y"))
    )


def draw_text_in_runs(svg_package: ModuleType) -> bool:
    """Install the run-at-a-time drawer in ``weasyprint.svg``; False (nothing changed) when that
    module is not laid out as expected."""
    tags = getattr(svg_package, "TAGS", None)
    original = getattr(svg_package, "text", None)
    if not isinstance(tags, dict) or not callable(original) or tags.get("text") is not original:
        return False
    if getattr(original, "draws_runs", False):
        return True  # installed already

    @functools.wraps(original)
    def text(svg, node, font_size):
        if not drawn_as_run(node):
            return original(svg, node, font_size)
        letters = node._etree_node.text
        node._etree_node.text = WholeRun(letters)
        try:
            return original(svg, node, font_size)
        finally:
            node._etree_node.text = letters

    text.draws_runs = True
    for tag in TEXT_TAGS:
        if tags.get(tag) is original:
            tags[tag] = text
    # draw_node recognises text nodes by comparing their drawer with this module-level name.
    svg_package.text = text
    return True
