"""Exporters: the executed notebook to HTML with nbconvert, the HTML to PDF with WeasyPrint."""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from datetime import date
from pathlib import Path

from ..pages.elements import TEMPLATES
from ..patches.weasyprint import import_weasyprint


@functools.cache
def report_exporter():
    """The HTML exporter for reports (built once); see :func:`set_up_exporter`."""
    from nbconvert import HTMLExporter

    exporter = set_up_exporter(HTMLExporter)
    exporter.environment.bytecode_cache = template_cache()
    return exporter


def set_up_exporter(kind):
    """An HTML exporter of class ``kind`` set up as ``--no-input``, with our template, leaving
    out cells tagged ``remove``."""
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = kind(
        template_name="report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"remove"}, enabled=True), enabled=True
    )
    return exporter


def template_cache(directory: str | None = None):
    """Jinja's bytecode cache for the compiled templates (~0.3 s of CPU a process), in Jinja's
    private temporary folder; an unusable cache is passed over, None without such a folder."""
    from jinja2 import FileSystemBytecodeCache

    class PassOverCache(FileSystemBytecodeCache):
        def load_bytecode(self, bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:  # unreadable or damaged: compile the template again
                bucket.reset()

        def dump_bytecode(self, bucket) -> None:
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)

    try:
        return PassOverCache(directory)
    except (OSError, RuntimeError):  # Jinja's "cannot determine safe temp directory"
        return None


def export_html(nb, *, title: str, running_head: str, paper: str) -> str:
    """HTML with no code, no prompts, no scripts, made from the executed notebook."""
    resources = {
        "report": {
            "title": title,
            "running_head": running_head,
            "paper": paper,
            "rendered_on": date.today().isoformat(),
        }
    }
    html, _ = report_exporter().from_notebook_node(nb, resources=resources)
    return html


def _offline_fetcher():
    """A WeasyPrint URL fetcher that serves ``data:`` URLs only: a PDF never reaches the network.
    (WeasyPrint is imported already, by :func:`write_pdf`.)"""
    try:
        from weasyprint.urls import URLFetcher  # WeasyPrint >= 66
    except ImportError:  # older releases take a plain function
        from weasyprint import default_url_fetcher

        def fetch(url: str, *args, **kwargs):
            if url.startswith("data:"):
                return default_url_fetcher(url, *args, **kwargs)
            raise ValueError(f"refusing to fetch {url}: reports are self-contained")

        return fetch
    return URLFetcher(allowed_protocols={"data"})


def write_pdf(html: str, target: Path) -> None:
    """Print the HTML to PDF with WeasyPrint."""
    weasyprint = import_weasyprint()
    weasyprint.HTML(string=html, url_fetcher=_offline_fetcher()).write_pdf(target)


_warm_ups: list[threading.Thread] = []  # started by warm_up_exporters, perhaps still running


def warm_up_exporters() -> threading.Thread:
    """Import nbconvert and WeasyPrint and load fonts in a thread, while the kernel works."""

    def warm() -> None:
        # Only a warm-up: the real render reports any problem.
        with contextlib.suppress(Exception):
            from nbformat.v4 import new_notebook

            export_html(new_notebook(), title="", running_head="", paper="A4")  # loads templates
            write_pdf('<p style="font-family: DejaVu Sans">0</p>', Path(os.devnull))

    thread = threading.Thread(target=warm, name="pdf-warm-up", daemon=True)
    thread.start()
    _warm_ups[:] = [*(t for t in _warm_ups if t.is_alive()), thread]
    return thread


def wait_for_warm_ups() -> None:
    """Wait for any warm-up still importing. A process must not be forked meanwhile: WeasyPrint's
    import starts a program (``ldconfig``, to find its libraries), a child forked at that moment
    keeps that program's pipe open, and the import then waits for it forever."""
    for thread in list(_warm_ups):
        thread.join()
