"""jsonschema's patch ``jsonschema-iri``: its optional IRI grammar is declined.

With JupyterLab installed, jsonschema (which nbformat imports) finds the optional
``rfc3987_syntax`` package and builds its grammar for the "iri" formats on import: ~3 s of every
process that reads a notebook, for a check our notebooks never use. jsonschema treats a failed
import of it as "not installed" and leaves those two format checks out. Only for this process
(the command line and the tests): JupyterLab's own processes keep it.
"""

from __future__ import annotations

import sys

from . import enabled

IRI_MODULE = "rfc3987_syntax"


def decline_iri_grammar() -> None:
    """Make ``rfc3987_syntax`` unimportable here, unless jsonschema is imported already."""
    if enabled("jsonschema-iri") and "jsonschema" not in sys.modules:
        sys.modules.setdefault(IRI_MODULE, None)
