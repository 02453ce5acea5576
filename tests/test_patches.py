"""Each patch of another library's internals (``deliveries.patches``): it is on, it does what it
is for, the library still has the internal it leans on (these tests fail when a release changes
it), and the switch turns it off."""

from __future__ import annotations

import ctypes.util
import importlib.metadata
import inspect
import os
import subprocess
import sys

import pytest

from deliveries import patches
from deliveries.patches import weasyprint as libraries

from .conftest import ROOT

# --- the switch ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "on"),
    [
        (None, set(patches.PATCHES)),
        ("all", set(patches.PATCHES)),
        ("none", set()),
        ("0", set()),
        ("-weasyprint-lookup", set(patches.PATCHES) - {"weasyprint-lookup"}),
        ("jsonschema-iri", {"jsonschema-iri"}),
        (" weasyprint-lookup, jsonschema-iri", set(patches.PATCHES)),
        ("jsonschema-iri,-jsonschema-iri", set()),
    ],
)
def test_one_switch_turns_the_patches_on_and_off(monkeypatch, value, on):
    if value is None:
        monkeypatch.delenv(patches.SWITCH, raising=False)
    else:
        monkeypatch.setenv(patches.SWITCH, value)
    assert {name for name in patches.PATCHES if patches.enabled(name)} == on


def test_a_mistyped_switch_word_is_one_error_line(monkeypatch, capsys):
    from deliveries import cli

    assert patches.unknown_words({patches.SWITCH: "all, -weasyprint-lookup,none"}) == []
    assert patches.unknown_words({patches.SWITCH: "weasyprint,-jsonschema"}) == [
        "weasyprint",
        "-jsonschema",
    ]
    monkeypatch.setenv(patches.SWITCH, "weasyprint-lookups")
    assert cli.main(["metrics", "--quarter", "2019Q3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'weasyprint-lookups' names no patch" in err


def test_an_unknown_patch_name_is_a_bug_not_a_quiet_no():
    with pytest.raises(KeyError):
        patches.enabled("weasyprint")


# --- weasyprint-lookup ----------------------------------------------------------------------

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


@pytest.mark.e2e
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


@pytest.mark.e2e
def test_the_lookup_is_asked_while_weasyprint_is_imported():
    # cffi consults ctypes.util.find_library for the names it cannot open directly: the
    # internal this patch leans on. Counted in a fresh interpreter.
    probe = (
        "import ctypes.util\n"
        "from deliveries.patches import weasyprint as patch\n"
        "asked = []\n"
        "standard = patch.find_in_linker_cache\n"
        "def counted(name, cache):\n"
        "    asked.append(name)\n"
        "    return standard(name, cache)\n"
        "patch.find_in_linker_cache = counted\n"
        "patch.import_weasyprint()\n"
        "print(len(asked))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert int(result.stdout) > 0, "WeasyPrint no longer looks its libraries up by name"


@pytest.mark.e2e
def test_switched_off_weasyprint_finds_its_libraries_the_standard_way():
    probe = (
        "from deliveries.patches import weasyprint as patch\n"
        "asked = []\n"
        "patch.find_in_linker_cache = lambda name, cache: asked.append(name)\n"
        "patch.import_weasyprint()\n"
        "print(len(asked))\n"
    )
    environment = {**os.environ, patches.SWITCH: "none"}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env=environment,
    )
    assert result.stdout.strip() == "0"


# --- jsonschema-iri ------------------------------------------------------------------------

JSONSCHEMA_PROBE = """
import sys
from deliveries.patches.jsonschema import decline_iri_grammar
decline_iri_grammar()
from jsonschema import FormatChecker
print("iri" in FormatChecker.checkers, sys.modules.get("rfc3987_syntax", 0) is None)
"""


@pytest.mark.e2e
@pytest.mark.parametrize(("switch", "expected"), [("all", "False True"), ("none", "True False")])
def test_jsonschema_leaves_out_the_iri_check_when_its_grammar_is_declined(switch, expected):
    # JupyterLab brings it; the patch is moot without. (This process declined it: conftest.py.)
    try:
        importlib.metadata.distribution("rfc3987-syntax")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("rfc3987_syntax is not installed")
    environment = {**os.environ, patches.SWITCH: switch}
    result = subprocess.run(
        [sys.executable, "-c", JSONSCHEMA_PROBE],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        cwd=ROOT,
    )
    assert result.stdout.split() == expected.split()


def test_jsonschema_still_imports_the_grammar_by_that_name():
    import jsonschema._format

    assert "from rfc3987_syntax import" in inspect.getsource(jsonschema._format)


# --- jupyter_client (not switchable: render/kernel.py's own launch leans on it) ------------


def test_jupyter_clients_client_asks_its_manager_whether_the_kernel_lives():
    # kernel.StartedKernelManager answers _async_is_alive from its own process; the client
    # must still ask its parent manager that.
    from jupyter_client.client import KernelClient
    from jupyter_client.manager import KernelManager

    assert "_async_is_alive" in vars(KernelManager)
    assert "parent._async_is_alive" in inspect.getsource(KernelClient._async_is_alive)
