"""nbconvert's patch ``nbconvert-soup``: the HTML exporter without its closing BeautifulSoup pass.

``HTMLExporter.from_notebook_node`` ends by parsing the page with BeautifulSoup to give alt text
to images without any (done here with a pattern) and to make the cells of a ``.jp-Notebook``
page focusable (ours is not one). That pass cost ~0.6 s of CPU per process, parsing the page
and compiling its CSS selectors. The exporter below is nbconvert 7's method up to that pass; on
another nbconvert (no ``_init_resources``) the stock method runs. A test checks that the page is
the same document as the stock exporter's.
"""

from __future__ import annotations

import functools
import re

from . import enabled

IMAGE_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)")
DEFAULT_ALT = "No description has been provided for this image"  # as nbconvert words it


@functools.cache
def html_exporter_class():
    """nbconvert's ``HTMLExporter``, without its last step when the patch is on (see above)."""
    from nbconvert import HTMLExporter

    if not enabled("nbconvert-soup"):
        return HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            if "_init_resources" not in vars(HTMLExporter) or not hasattr(self, "_nb_metadata"):
                return super().from_notebook_node(nb, resources, **kw)  # another nbconvert
            # As HTMLExporter.from_notebook_node (nbconvert 7), up to the BeautifulSoup pass.
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            data_types = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", data_types)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return IMAGE_WITHOUT_ALT.sub(f'<img alt="{DEFAULT_ALT}"', html), resources

    return ReportExporter
