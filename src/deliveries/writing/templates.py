"""The reports' static prose, as Jinja templates in ``prose/``: the footnotes (``notes.j2``), the
methods section (``methods.html.j2``), the title blocks (``title_block.html.j2``) and the index
page (``reports_index.html.j2``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PROSE = Path(__file__).parent / "prose"


@cache
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROSE),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(name: str, **values) -> str:
    """The prose template ``name`` filled with ``values`` (HTML-escaped unless Markup)."""
    return _environment().get_template(name).render(**values)


def notes():
    """The footnotes of ``notes.j2`` as attributes: ``notes().approximate``."""
    return _environment().get_template("notes.j2").module


def markup(html: str):
    """``html`` marked as safe, to pass already-built HTML into a template."""
    from markupsafe import Markup

    return Markup(html)
