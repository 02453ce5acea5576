"""A chart's labels are printed as whole runs; letters are placed one by one only when asked."""

from __future__ import annotations

import base64
import re
import types

import pytest

from deliveries.render import svg_text
from deliveries.render.libraries import import_weasyprint

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
