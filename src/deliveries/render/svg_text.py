"""WeasyPrint draws an SVG text one word-run at a time, not one letter at a time.

WeasyPrint's SVG ``text`` drawer lays out and draws each letter of a text on its own (so that
``dx``, ``dy`` and ``rotate`` lists can place every letter). matplotlib's labels have none of
those: one ``x`` and ``y`` (or a transform) per label. For such a text, the drawer is handed the
text as a single run, so that it makes one Pango layout instead of one per letter: measured,
~0.1 s less per report PDF, and the run is shaped as a whole (kerning as in the HTML's text).
Texts with per-letter positions, spacing or length, and ``textPath``, are drawn as before.
"""

from __future__ import annotations

import functools
from types import ModuleType

# Attributes that place or space letters one by one: with any of them, letter by letter it is.
PER_LETTER_ATTRIBUTES = ("dx", "dy", "rotate", "textLength", "letter-spacing")
TEXT_TAGS = ("a", "text", "textPath", "tspan")


class WholeRun(str):
    """A text that iterates as one item, itself: the drawer's "for each letter" loop then lays
    out the whole run at once."""

    def __iter__(self):
        yield str(self)


def _one_value(value) -> bool:
    """True for a missing attribute or a single coordinate (not a per-letter list)."""
    return value is None or len(str(value).replace(",", " ").split()) <= 1


def drawn_as_run(node) -> bool:
    """Whether ``node``'s text can be drawn as one run: two letters or more, no per-letter
    placement, and not on a path."""
    text = getattr(getattr(node, "_etree_node", None), "text", None)
    return (
        isinstance(text, str)
        and len(text) > 1
        and node.tag != "textPath"
        and all(node.get(name) is None for name in PER_LETTER_ATTRIBUTES)
        and _one_value(node.get("x"))
        and _one_value(node.get("y"))
    )


def draw_text_in_runs(svg_package: ModuleType) -> bool:
    """Install the run-at-a-time drawer in ``weasyprint.svg``; False (nothing changed) when that
    module is not laid out as expected."""
    tags = getattr(svg_package, "TAGS", None)
    original = getattr(svg_package, "text", None)
    if not isinstance(tags, dict) or not callable(original) or tags.get("text") is not original:
        return False
    if getattr(original, "draws_runs", False):
        return True  # installed already

    @functools.wraps(original)
    def text(svg, node, font_size):
        if not drawn_as_run(node):
            return original(svg, node, font_size)
        letters = node._etree_node.text
        node._etree_node.text = WholeRun(letters)
        try:
            return original(svg, node, font_size)
        finally:
            node._etree_node.text = letters

    text.draws_runs = True
    for tag in TEXT_TAGS:
        if tags.get(tag) is original:
            tags[tag] = text
    # draw_node recognises text nodes by comparing their drawer with this module-level name.
    svg_package.text = text
    return True
