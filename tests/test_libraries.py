"""WeasyPrint's system libraries are found in the linker's cache, without starting a compiler."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deliveries.render import libraries

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import os, subprocess
started = []
original = subprocess.Popen.__init__
def recording(self, args, *rest, **options):
    started.append(os.path.basename(args[0] if isinstance(args, (list, tuple)) else args))
    original(self, args, *rest, **options)
subprocess.Popen.__init__ = recording
from deliveries.render.exporters import write_pdf
write_pdf("<p>0</p>", os.devnull)
print(" ".join(started))
"""

# Lines as `ldconfig -p` prints them, for two word sizes.
CACHE = """\
3 libs found in cache `/etc/ld.so.cache'
\tlibpango-1.0.so.0 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libpango-1.0.so.0
\tlibpango-1.0.so.0 (libc6) => /usr/lib/i386-linux-gnu/libpango-1.0.so.0
\tlibgobject-2.0.so.0 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libgobject-2.0.so.0
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the lookup is Linux's")
def test_printing_a_pdf_starts_no_compiler_or_linker_to_find_libraries():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, check=True
    )
    started = result.stdout.split()
    assert not {"gcc", "cc", "ld"} & set(started), started
    assert started.count("ldconfig") <= 1


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the sample cache is x86-64's")
def test_names_are_found_as_ctypes_finds_them_for_this_machine():
    assert libraries.find_in_linker_cache("pango-1.0", CACHE) == "libpango-1.0.so.0"
    assert libraries.find_in_linker_cache("gobject-2.0", CACHE) == "libgobject-2.0.so.0"
    # a dot in a name is a dot, and a name for another platform is not found
    assert libraries.find_in_linker_cache("pango-1a0", CACHE) is None
    assert libraries.find_in_linker_cache("gobject-2.0-0", CACHE) is None


@pytest.mark.skipif(libraries.linker_cache() is None, reason="no ldconfig here")
def test_the_lookup_agrees_with_ctypes_and_is_put_back_after_the_block():
    standard = ctypes.util.find_library
    with libraries.libraries_from_linker_cache():
        assert ctypes.util.find_library is not standard
        assert ctypes.util.find_library("c") == standard("c")
        assert ctypes.util.find_library("no-such-library-anywhere") is None
    assert ctypes.util.find_library is standard


def test_without_a_linker_cache_the_standard_lookup_stays(monkeypatch):
    monkeypatch.setattr(libraries, "LDCONFIG_PROGRAMS", ("/nonexistent/ldconfig",))
    libraries.linker_cache.cache_clear()
    try:
        standard = ctypes.util.find_library
        with libraries.libraries_from_linker_cache():
            assert ctypes.util.find_library is standard
    finally:
        libraries.linker_cache.cache_clear()
