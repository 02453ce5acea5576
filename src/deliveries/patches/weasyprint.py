"""WeasyPrint's patch ``weasyprint-lookup``: its system libraries found without a compiler.

WeasyPrint opens Pango, HarfBuzz and four other libraries through cffi, trying up to six names
per library. cffi looks up each name it cannot open directly with ``ctypes.util.find_library``,
which on Linux runs ``ldconfig -p`` and, when that misses, ``gcc`` and ``ld``: ~60 programs per
import. While WeasyPrint is imported (:func:`import_weasyprint`), ``find_library`` answers from
one reading of the dynamic linker's cache, as its first step does; a name the cache does not know
is not found, and WeasyPrint tries its next one (its list ends with file names, such as
``libpango-1.0.so.0``, that cffi opens directly). Should the import fail, it is tried once more
with the standard lookup.
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
    """``weasyprint``, its libraries found from the linker's cache where the switch allows."""
    with _importing:
        if "weasyprint" in sys.modules:
            return sys.modules["weasyprint"]
        from_cache = enabled("weasyprint-lookup")
        try:
            with libraries_from_linker_cache() if from_cache else contextlib.nullcontext():
                import weasyprint
        except OSError:  # a library the cache did not name: WeasyPrint's own lookup
            import weasyprint
        return weasyprint
