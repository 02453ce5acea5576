"""The report's HTML exporter makes the same document as nbconvert's stock HTMLExporter."""

from __future__ import annotations

import base64
import copy
import functools

import nbformat
import pytest
from bs4 import BeautifulSoup, Tag
from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import bc_magic
from nbconvert import HTMLExporter

from deliveries.render import exporters

RESOURCES = {
    "report": {
        "title": "Q3 2019 & more",
        "running_head": "Q3 2019",
        "paper": "A4",
        "rendered_on": "2026-11-27",
    }
}
TINY_PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode()


def _notebook():
    """Cells of every kind a report holds: markdown, HTML blocks with a chart, a table, a
    stream, a PNG, a hidden cell and a cell tagged ``remove``."""
    new = nbformat.v4
    chart = '<figure class="chart"><img src="data:image/svg+xml;base64,PHN2Zy8+" alt="A chart"/>'
    cells = [
        new.new_markdown_cell("# Title\n\nSome *prose* with a [link](https://ir.tesla.com)."),
        new.new_code_cell(
            "x = 1",
            outputs=[
                new.new_output("display_data", data={"text/html": chart + "</figure>"}),
                new.new_output(
                    "execute_result",
                    data={"text/html": "<table><tr><td>96,155</td></tr></table>"},
                    execution_count=1,
                ),
            ],
        ),
        new.new_code_cell("print(1)", outputs=[new.new_output("stream", text="1\n")]),
        new.new_code_cell(
            "chart", outputs=[new.new_output("display_data", data={"image/png": TINY_PNG})]
        ),
        new.new_code_cell("hidden = 2", metadata={"tags": ["remove"]}),
    ]
    return new.new_notebook(cells=cells, metadata={"language_info": {"name": "python"}})


def test_the_page_is_the_stock_exporters_document_without_the_soup_pass():
    notebook = _notebook()
    ours, _ = exporters.report_exporter().from_notebook_node(
        copy.deepcopy(notebook), resources=copy.deepcopy(RESOURCES)
    )
    stock, _ = exporters.set_up_exporter(HTMLExporter).from_notebook_node(
        notebook, resources=copy.deepcopy(RESOURCES)
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
    exporter = exporters.report_exporter_class()()
    monkeypatch.delattr(HTMLExporter if missing == "_init_resources" else exporter, missing)
    called = []

    def stock(self, nb, resources=None, **kw):
        called.append(nb)
        return "<html></html>", resources

    monkeypatch.setattr(HTMLExporter, "from_notebook_node", stock)
    notebook = _notebook()
    assert exporter.from_notebook_node(notebook)[0] == "<html></html>"
    assert called == [notebook]


def _export(exporter) -> str:
    return exporter.from_notebook_node(_notebook_fixed(), resources=copy.deepcopy(RESOURCES))[0]


@functools.cache
def _notebook_fixed():
    return _notebook()


def _with_cache(cache):
    exporter = exporters.report_exporter_class()(
        template_name="report", extra_template_basedirs=[str(exporters.TEMPLATE_DIR)]
    )
    exporter.environment.bytecode_cache = cache
    return exporter


def test_compiled_templates_are_cached_and_a_damaged_or_unwritable_cache_is_passed_over(tmp_path):
    assert isinstance(
        exporters.report_exporter().environment.bytecode_cache, FileSystemBytecodeCache
    )
    expected = _export(_with_cache(None))
    folder = tmp_path / "cache"
    folder.mkdir()
    assert _export(_with_cache(exporters.template_cache(str(folder)))) == expected
    entries = list(folder.iterdir())
    assert entries  # the compiled templates were written
    for entry in entries:
        entry.write_bytes(bc_magic + b"damaged")  # Jinja's header, then no pickle
    assert _export(_with_cache(exporters.template_cache(str(folder)))) == expected
    blocked = tmp_path / "a-file-not-a-folder"  # nothing can be read or written there
    blocked.write_text("")
    assert _export(_with_cache(exporters.template_cache(str(blocked)))) == expected
