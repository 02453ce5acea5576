"""nbconvert templates and the stylesheet the reports and the index share."""

from pathlib import Path

STATIC = Path(__file__).parent / "report" / "static"
