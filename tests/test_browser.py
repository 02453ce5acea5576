"""A real browser opens the HTML reports and the index offline: nothing fails, nothing leaks,
and the pages read well at a desktop width and a phone width (no overlapping or clipped text).

Needs Debian's chromium (``.ci/run`` installs it); skipped with a message where it is absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deliveries import config, render
from deliveries.data import dataset

from .conftest import DATA_DIR

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.e2e,  # kernels, renders, browsers or make runs
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed (apt-get install chromium); browser test skipped",
    ),
]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


DESKTOP, PHONE = 1280, 390
# Tolerance in CSS pixels: anti-aliasing and sub-pixel layout make boxes touch, not overlap.
SLACK = 1.5

# Runs in the page: every text box that overlaps another, every table cell whose content is wider
# than the cell (clipped or spilling into the next), and text drawn outside its own cell.
LAYOUT_PROBLEMS = """
(slack) => {
  const problems = [];
  const label = (el) => (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
  const visible = (el) => {
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.display !== 'none';
  };
  for (const cell of document.querySelectorAll('th, td, caption, h1, h2, dt, dd, p, li')) {
    if (!visible(cell) || !label(cell)) continue;
    if (cell.scrollWidth > cell.clientWidth + 1) {
      problems.push(`overflowing: "${label(cell)}" needs ${cell.scrollWidth}px, `
                    + `has ${cell.clientWidth}px`);
    }
  }
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim() || !node.parentElement || !visible(node.parentElement)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const cell = node.parentElement.closest('th, td');
    const text = node.textContent.trim().replace(/\\s+/g, ' ').slice(0, 40);
    for (const r of range.getClientRects()) {
      if (r.width < 1 || r.height < 1) continue;
      boxes.push({node, r, text});
      if (cell) {
        const c = cell.getBoundingClientRect();
        if (r.left < c.left - slack || r.right > c.right + slack) {
          problems.push(`outside its cell: "${text}"`);
        }
      }
    }
  }
  // A figure (a count, percentage, date or range) in a table cell broken across two lines.
  const figure = /^[~+\\u2212(]?\\d[\\d,.%\\u2013\\u2212-]*[)%]?[.,;]?$/;
  for (const cell of document.querySelectorAll('td, th')) {
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        if (!figure.test(match[0])) continue;
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) problems.push(`figure broken across lines: "${match[0]}"`);
      }
    }
  }
  boxes.sort((a, b) => a.r.top - b.r.top);
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i];
    for (let j = i + 1; j < boxes.length && boxes[j].r.top < a.r.bottom - slack; j++) {
      const b = boxes[j];
      if (a.node === b.node) continue;
      const wide = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const high = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (wide > slack && high > slack) problems.push(`overlapping: "${a.text}" and "${b.text}"`);
    }
  }
  // A chart is as wide as the screen at most: it scales, and never needs scrolling sideways.
  const screen = document.documentElement.clientWidth;
  for (const chart of document.querySelectorAll('figure.chart')) {
    const img = chart.querySelector('img, svg');
    const wide = img ? img.getBoundingClientRect() : null;
    if (chart.scrollWidth > chart.clientWidth + 1 || (wide && wide.right > screen + slack)) {
      problems.push(`chart wider than the screen: "${(img && img.alt) || label(chart)}"`);
    }
  }
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth + 1) {
    problems.push(`page wider than the window: ${document.documentElement.scrollWidth}px`);
  }
  return [...new Set(problems)];
}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    data = dataset.load(DATA_DIR)
    render.render_quarter("2019Q3", out_root=out)
    render.render_history(out_root=out)
    from deliveries.pages import index

    index.write_index(data, out)
    return out


def pages(site: Path) -> dict[str, Path]:
    return {
        "index": site / "index.html",
        "quarterly": config.quarter_paths(site, "2019Q3")["html"],
        "history": config.history_paths(site)["html"],
    }


def layout_problems(browser, path: Path, width: int, screenshot: Path | None = None) -> list:
    """What reads badly on ``path`` at ``width`` CSS pixels (phone widths as a phone renders)."""
    phone = width < 600
    page = browser.new_page(
        viewport={"width": width, "height": 900},
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
    )
    page.goto(path.as_uri(), wait_until="load")
    problems = page.evaluate(LAYOUT_PROBLEMS, SLACK)
    if screenshot:
        page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    return problems


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def visit(browser, path: Path, screenshot: Path | None = None) -> dict:
    """Open ``path`` with every request off this file blocked; return what happened."""
    page = browser.new_page(viewport={"width": DESKTOP, "height": 900})
    seen = {"blocked": [], "failed": [], "console_errors": []}

    def route(request_route):
        url = request_route.request.url
        if url.startswith(("file://", "data:")):
            request_route.continue_()
        else:
            seen["blocked"].append(url)
            request_route.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda request: seen["failed"].append(request.url))
    page.on(
        "console",
        lambda message: message.type == "error" and seen["console_errors"].append(message.text),
    )
    page.on("pageerror", lambda error: seen["console_errors"].append(str(error)))
    page.goto(path.as_uri(), wait_until="load")
    seen["images"] = page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight])"
    )
    seen["overflow"] = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    if screenshot:
        page.screenshot(path=str(screenshot))
    page.close()
    return seen


def test_quarterly_report_loads_offline_without_errors(browser, site, tmp_path):
    shot = tmp_path / "first-screen.png"
    seen = visit(browser, config.quarter_paths(site, "2019Q3")["html"], shot)
    assert seen["blocked"] == [] and seen["failed"] == []
    assert seen["console_errors"] == []
    assert len(seen["images"]) == 5  # four charts and the storage chart
    for alt, complete, width, height in seen["images"]:
        assert complete and width > 0 and height > 0, alt
    assert not seen["overflow"]
    assert shot.stat().st_size > 10_000


def test_index_loads_offline_without_errors(browser, site):
    seen = visit(browser, site / "index.html")
    assert seen["blocked"] == [] and seen["failed"] == [] and seen["console_errors"] == []


def test_history_loads_offline_without_errors(browser, site):
    seen = visit(browser, config.history_paths(site)["html"])
    assert seen["blocked"] == [] and seen["failed"] == [] and seen["console_errors"] == []
    assert len(seen["images"]) == 7  # five charts, the consensus surprise and storage


@pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("name", ["index", "quarterly", "history"])
def test_pages_have_no_overlapping_or_clipped_text(browser, site, tmp_path, name, width):
    problems = layout_problems(browser, pages(site)[name], width, tmp_path / f"{name}.png")
    assert problems == [], f"{name} at {width}px:\n" + "\n".join(problems[:20])


def test_the_layout_check_sees_overlapping_and_clipped_text(browser, tmp_path):
    # The defect the check exists for: fixed-width columns whose labels do not wrap.
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><body><table style='table-layout: fixed; width: 100px'>"
        "<colgroup><col style='width: 50px'><col style='width: 50px'></colgroup>"
        "<tr><th style='white-space: nowrap'>Deliveries QoQ</th>"
        "<th style='white-space: nowrap'>Deliveries YoY</th></tr></table></body></html>",
        encoding="utf-8",
    )
    problems = layout_problems(browser, page, DESKTOP)
    assert any(p.startswith("overlapping") for p in problems), problems
    assert any(p.startswith("overflowing") for p in problems), problems
    assert any(p.startswith("outside its cell") for p in problems), problems


def test_the_layout_check_sees_a_chart_that_scrolls_sideways_on_a_phone(browser, tmp_path):
    # The phone layout the reports had before: a chart kept at 540 px inside a scrolling figure.
    page = tmp_path / "chart.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta name='viewport' content='width=device-width'></head>"
        "<body><figure class='chart' style='overflow-x: auto'>"
        "<img style='min-width: 540px; width: 100%' alt='chart' src='data:image/svg+xml,"
        "%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%22600%22 height=%22300%22/%3E'>"
        "<figcaption>Deliveries</figcaption></figure></body></html>",
        encoding="utf-8",
    )
    problems = layout_problems(browser, page, PHONE)
    assert any(p.startswith("chart wider than the screen") for p in problems), problems


def test_on_a_desktop_the_index_table_fits_without_scrolling(browser, site):
    page = browser.new_page(viewport={"width": DESKTOP, "height": 900})
    page.goto(pages(site)["index"].as_uri(), wait_until="load")
    boxes = page.evaluate(
        "[...document.querySelectorAll('.scroll')].map(b => [b.scrollWidth, b.clientWidth])"
    )
    page.close()
    assert boxes and all(needed <= shown + 1 for needed, shown in boxes), boxes


@pytest.mark.parametrize("name", ["index", "quarterly"])
def test_a_wide_table_scrolled_sideways_keeps_its_caption_and_first_column(browser, site, name):
    page = browser.new_page(viewport={"width": PHONE, "height": 900}, is_mobile=True)
    page.goto(pages(site)[name].as_uri(), wait_until="load")
    positions = page.evaluate(
        """() => {
          const box = [...document.querySelectorAll('.scroll')]
            .find(b => b.scrollWidth > b.clientWidth + 20);
          const lefts = () => ['caption', 'tbody th, tbody td']
            .map(s => box.querySelector(s).getBoundingClientRect().left);
          const before = lefts();
          box.scrollLeft = 100;
          return {scrolled: box.scrollLeft, before, after: lefts()};
        }"""
    )
    page.close()
    assert positions["scrolled"] > 50  # the table is wider than a phone, and it scrolled
    for before, after in zip(positions["before"], positions["after"], strict=True):
        assert abs(before - after) <= SLACK, positions
