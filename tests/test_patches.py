"""Each patch of another library's internals (``deliveries.patches``): it is on, it does what it
is for, the library still has the internal it leans on (these tests fail when a release changes
it), and the switch turns it off."""

from __future__ import annotations

import base64
import copy
import ctypes.util
import inspect
import os
import re
import subprocess
import sys
import types

import pytest
from bs4 import BeautifulSoup, Tag
from nbconvert import HTMLExporter

from deliveries import patches, render
from deliveries.patches import nbconvert as nbconvert_patch
from deliveries.patches import papermill
from deliveries.patches import weasyprint as libraries
from deliveries.patches import weasyprint as svg_text
from deliveries.patches.weasyprint import import_weasyprint
from deliveries.render import exporters, kernel, parameters

from .conftest import REPORT_RESOURCES, ROOT, report_like_notebook

# --- the switch ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "on"),
    [
        (None, set(patches.PATCHES)),
        ("all", set(patches.PATCHES)),
        ("none", set()),
        ("0", set()),
        ("-weasyprint-svg-text", set(patches.PATCHES) - {"weasyprint-svg-text"}),
        ("nbconvert-soup, weasyprint-lookup", {"nbconvert-soup", "weasyprint-lookup"}),
        ("nbconvert-soup,-nbconvert-soup", set()),
    ],
)
def test_one_switch_turns_the_patches_on_and_off(monkeypatch, value, on):
    if value is None:
        monkeypatch.delenv(patches.SWITCH, raising=False)
    else:
        monkeypatch.setenv(patches.SWITCH, value)
    assert {name for name in patches.PATCHES if patches.enabled(name)} == on


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


# --- weasyprint-svg-text --------------------------------------------------------------------

LABEL_STYLE = "font-size: 9px; font-family: 'DejaVu Sans'; fill: #262626"


def _printed(svg_body: str) -> bytes:
    """The uncompressed PDF of a page holding one SVG image (as a report embeds its charts)."""
    weasyprint = import_weasyprint()
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300pt" height="80pt" '
        f'viewBox="0 0 300 80">{svg_body}</svg>'
    )
    data = base64.b64encode(svg.encode()).decode()
    page = f'<img src="data:image/svg+xml;base64,{data}" alt="a chart">'
    return weasyprint.HTML(string=page).write_pdf(uncompressed_pdf=True)


def _runs(pdf: bytes) -> list[bytes]:
    """The text-showing operations (one per run of glyphs drawn together)."""
    return re.findall(rb"\[[^\]]*\]\s*TJ", pdf)


def _text_origins(pdf: bytes) -> list[tuple[float, float]]:
    """Where each run starts: the translation of each text matrix."""
    matrices = re.findall(rb"(-?[\d.]+) (-?[\d.]+) Tm", pdf)
    return [(float(x), float(y)) for x, y in matrices]


@pytest.fixture
def letter_by_letter(monkeypatch):
    """WeasyPrint's own drawer, letter by letter, for the duration of a test."""
    import weasyprint.svg

    import_weasyprint()
    runs = weasyprint.svg.text
    letters = runs.__wrapped__
    for tag in svg_text.TEXT_TAGS:
        if weasyprint.svg.TAGS.get(tag) is runs:
            monkeypatch.setitem(weasyprint.svg.TAGS, tag, letters)
    monkeypatch.setattr(weasyprint.svg, "text", letters)


def test_weasyprint_draws_svg_texts_in_runs_once_imported():
    import_weasyprint()
    import weasyprint.svg

    assert weasyprint.svg.text.draws_runs
    assert weasyprint.svg.TAGS["text"] is weasyprint.svg.text
    assert svg_text.draw_text_in_runs(weasyprint.svg)  # a second time changes nothing
    assert weasyprint.svg.text.__wrapped__.__module__ == "weasyprint.svg.text"


@pytest.mark.parametrize(
    "label",
    [
        f'<text x="150" y="40" style="{LABEL_STYLE}; text-anchor: middle">2019Q3</text>',
        f'<text style="{LABEL_STYLE}" transform="translate(20 40)">400,000</text>',
        f'<text style="{LABEL_STYLE}" transform="translate(20 70) rotate(-90)">Vehicles</text>',
    ],
    ids=["anchored", "translated", "rotated"],
)
def test_a_matplotlib_label_is_one_run(label):
    assert len(_runs(_printed(label))) == 1


def test_letter_by_letter_the_same_label_was_one_run_per_letter(letter_by_letter):
    label = f'<text x="150" y="40" style="{LABEL_STYLE}">2019Q3</text>'
    assert len(_runs(_printed(label))) == len("2019Q3")


@pytest.mark.parametrize(
    "label",
    [
        '<text x="10" y="40" rotate="0 15 30 45">ABCD</text>',
        '<text x="10 30 50 70" y="40">ABCD</text>',
        '<text x="10" y="40" dx="0 4 8 12">ABCD</text>',
        '<text x="10" y="40" letter-spacing="3">ABCD</text>',
        '<text x="10" y="40" textLength="120">ABCD</text>',
    ],
    ids=["rotate", "x-list", "dx", "letter-spacing", "textLength"],
)
def test_texts_placed_letter_by_letter_are_still_drawn_so(label):
    assert len(_runs(_printed(label))) == len("ABCD")


@pytest.mark.parametrize("anchor", ["start", "middle", "end"])
def test_a_run_starts_where_its_first_letter_did(anchor, request):
    label = f'<text x="150" y="40" style="{LABEL_STYLE}; text-anchor: {anchor}">Delivered</text>'
    in_runs = _text_origins(_printed(label))
    request.getfixturevalue("letter_by_letter")
    by_letter = _text_origins(_printed(label))
    assert len(in_runs) == 1 and len(by_letter) == len("Delivered")
    # Kerning may move the run's end a little, and an anchored run with it.
    assert in_runs[0] == pytest.approx(by_letter[0], abs=0.6)


def test_a_module_laid_out_otherwise_is_left_alone():
    def text(svg, node, font_size):
        return None

    other = types.SimpleNamespace(TAGS={"text": lambda *_: None}, text=text)
    assert not svg_text.draw_text_in_runs(other)
    assert other.text is text


def test_a_whole_run_iterates_as_one_item_and_stays_a_string():
    run = svg_text.WholeRun("2019Q3")
    assert list(run) == ["2019Q3"]
    assert run == "2019Q3" and len(run) == 6 and run.encode() == b"2019Q3"


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
def test_switched_off_weasyprint_is_imported_as_it_comes():
    probe = (
        "from deliveries.patches.weasyprint import import_weasyprint\n"
        "svg = import_weasyprint().svg\n"
        "print(getattr(svg.text, 'draws_runs', False))\n"
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
    assert result.stdout.strip() == "False"


# --- nbconvert-soup -------------------------------------------------------------------------


def test_the_page_is_the_stock_exporters_document_without_the_soup_pass():
    notebook = report_like_notebook()
    ours, _ = exporters.report_exporter().from_notebook_node(
        copy.deepcopy(notebook), resources=copy.deepcopy(REPORT_RESOURCES)
    )
    stock, _ = exporters.set_up_exporter(HTMLExporter).from_notebook_node(
        notebook, resources=copy.deepcopy(REPORT_RESOURCES)
    )
    assert _document(ours) == _document(stock)
    assert "hidden = 2" not in ours and 'alt="A chart"' in ours
    assert 'alt="No description has been provided for this image"' in ours  # the PNG's


def _document(html: str) -> list:
    """The page as a list of (tag, attributes) and text, the attributes in any order."""
    nodes = []
    for node in BeautifulSoup(html, features="html.parser").descendants:
        if isinstance(node, Tag):
            attributes = {
                k: " ".join(v) if isinstance(v, list) else v for k, v in node.attrs.items()
            }
            nodes.append((node.name, attributes))
        elif node.strip():
            nodes.append(str(node).strip())
    return nodes


@pytest.mark.parametrize("missing", ["_init_resources", "_nb_metadata"])
def test_another_nbconvert_without_those_internals_gets_the_stock_path(monkeypatch, missing):
    exporter = nbconvert_patch.html_exporter_class()()
    monkeypatch.delattr(HTMLExporter if missing == "_init_resources" else exporter, missing)
    called = []

    def stock(self, nb, resources=None, **kw):
        called.append(nb)
        return "<html></html>", resources

    monkeypatch.setattr(HTMLExporter, "from_notebook_node", stock)
    notebook = report_like_notebook()
    assert exporter.from_notebook_node(notebook)[0] == "<html></html>"
    assert called == [notebook]


def test_nbconvert_still_has_the_steps_the_patch_repeats():
    from nbconvert.exporters.html import HTMLExporter as Stock

    assert "_init_resources" in vars(Stock)
    source = inspect.getsource(Stock.from_notebook_node)
    # The method ends with the BeautifulSoup pass the patch leaves out, after the template.
    assert source.index("super().from_notebook_node") < source.index("BeautifulSoup(html")
    assert source.rstrip().endswith("return str(soup), resources")


def test_switched_off_the_exporter_is_nbconverts_own(monkeypatch):
    monkeypatch.setenv(patches.SWITCH, "-nbconvert-soup")
    nbconvert_patch.html_exporter_class.cache_clear()
    try:
        assert nbconvert_patch.html_exporter_class() is HTMLExporter
    finally:
        nbconvert_patch.html_exporter_class.cache_clear()


# --- papermill-inference ------------------------------------------------------------------


@pytest.mark.parametrize("notebook", [render.QUARTERLY_NOTEBOOK, render.HISTORY_NOTEBOOK])
def test_private_and_public_parameter_readers_agree(notebook):
    fast = papermill.inferred_parameters_fast(parameters.read_notebook(notebook))
    assert fast is not None, "papermill.inspection._infer_parameters is gone or changed shape"
    assert fast == parameters.inferred_parameters_public(notebook)
    assert render.notebook_parameters(notebook) == fast
    assert "quarter" in fast or "start" in fast


def test_the_private_function_still_has_the_signature_we_call():
    from papermill.inspection import _infer_parameters

    assert list(inspect.signature(_infer_parameters).parameters)[:1] == ["nb"]


def test_without_the_private_function_the_public_path_is_used(monkeypatch):
    expected = render.notebook_parameters(render.QUARTERLY_NOTEBOOK)
    monkeypatch.setattr(papermill, "private_inferrer", lambda: None)
    nb = parameters.read_notebook(render.QUARTERLY_NOTEBOOK)
    assert papermill.inferred_parameters_fast(nb) is None
    assert render.notebook_parameters(render.QUARTERLY_NOTEBOOK) == expected

    def changed_shape(nb, *, kernel):  # a future papermill asking for more
        raise AssertionError("not reached")

    monkeypatch.setattr(papermill, "private_inferrer", lambda: changed_shape)
    assert render.notebook_parameters(render.QUARTERLY_NOTEBOOK) == expected


def test_switched_off_the_public_reader_is_used(monkeypatch):
    monkeypatch.setenv(patches.SWITCH, "-papermill-inference")
    monkeypatch.setattr(papermill, "private_inferrer", lambda: pytest.fail("private path taken"))
    assert "quarter" in render.notebook_parameters(render.QUARTERLY_NOTEBOOK)


# --- ipykernel-debugger ---------------------------------------------------------------------


@pytest.mark.e2e
def test_the_kernel_runs_without_the_debugger():
    # Importing debugpy was ~0.1 s of the kernel's start-up; a report kernel is never debugged.
    with kernel.KernelSession() as session:
        loaded = "[name for name, module in sys.modules.items() if 'debugpy' in name and module]"
        request = session.ask("import sys", loaded)
        assert session.answer(request) == "[]"
        request = session.ask("import pandas", "pandas.__name__")  # and imports still work
        assert session.answer(request) == "'pandas'"


def test_ipykernel_still_goes_on_without_a_debugger():
    # The patch leans on ipykernel treating a failed import of debugpy as "no debugger".
    source = inspect.getsource(__import__("ipykernel.kernelbase", fromlist=["x"]))
    assert "debugpy" in source or "_is_debugpy_available" in source


def test_switched_off_the_kernel_starts_as_jupyter_client_starts_it(monkeypatch):
    monkeypatch.setenv(patches.SWITCH, "-ipykernel-debugger")
    from deliveries.patches.ipykernel import launcher_arguments

    assert launcher_arguments() == ["-m", "ipykernel_launcher"]


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
    pytest.importorskip("rfc3987_syntax")  # JupyterLab brings it; the patch is moot without
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
