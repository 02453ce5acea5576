"""The release's storage sentence: "We deployed 4,053 MWh of energy storage products", "... and
deployed 13.7 GWh of energy storage products", "... and deployed 13.7 GWh." (from 2024Q1)."""

from __future__ import annotations

import re

from ...data.storage import stated_mwh
from ...errors import IngestError

_DEPLOYED = re.compile(
    r"\bdeployed\s+(?:(?:approximately|about|over|nearly|a\s+record(?:\s+of)?)\s+)?"
    r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<decimals>\d+))?\s*(?P<unit>[MG]Wh)\b",
    re.IGNORECASE,
)
# A sentence with these words gives a year's figure, not the quarter's ("over the full year we
# deployed 14,724 MWh").
_NOT_THE_QUARTER = re.compile(
    r"\b(?:full[- ]year|annual|cumulative|the year|this year|year[- ]to[- ]date)\b", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def find_storage(text: str) -> tuple[int, str] | None:
    """``(MWh, the figure as stated)`` from the release's text; None when it states none.

    Several different figures are an IngestError naming them (the release is not ours to pick).
    """
    found = {}
    for match in _DEPLOYED.finditer(text):
        if _NOT_THE_QUARTER.search(_sentence(text, match.start(), match.end())):
            continue
        whole, decimals, unit = match.group("whole", "decimals", "unit")
        stated = f"{whole}{'.' + decimals if decimals else ''} {unit[0].upper()}Wh"
        mwh = stated_mwh(stated)
        if mwh is not None:
            found.setdefault(mwh, stated)
    if len(found) > 1:
        shown = ", ".join(found.values())
        raise IngestError(f"the release states more than one storage figure ({shown})")
    return next(iter(found.items()), None)


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around ``text[start:end]``."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    after = _SENTENCE_END.search(text, end)
    return text[ends[-1] if ends else 0 : after.end() if after else len(text)]
