"""The report exporter's compiled templates are cached, and a bad cache is passed over."""

from __future__ import annotations

import copy
import functools

from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import bc_magic
from nbconvert import HTMLExporter

from deliveries.pages.elements import TEMPLATES
from deliveries.render import exporters

from .conftest import REPORT_RESOURCES, report_like_notebook


def _export(exporter) -> str:
    resources = copy.deepcopy(REPORT_RESOURCES)
    return exporter.from_notebook_node(_notebook_fixed(), resources=resources)[0]


@functools.cache
def _notebook_fixed():
    return report_like_notebook()


def _with_cache(cache):
    exporter = HTMLExporter(template_name="report", extra_template_basedirs=[str(TEMPLATES)])
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
