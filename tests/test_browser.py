"""A real browser opens the HTML report and the index offline: nothing fails, nothing leaks.

Needs Debian's chromium (``.ci/run`` installs it); skipped with a message where it is absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deliveries import dataset, render

from .conftest import DATA_DIR

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install chromium); browser test skipped",
)
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


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    data = dataset.load(DATA_DIR)
    render.render_quarter("2019Q3", out_root=out)
    from deliveries import index

    index.write_index(data, out)
    return out


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def visit(browser, path: Path, screenshot: Path | None = None) -> dict:
    """Open ``path`` with every request off this file blocked; return what happened."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
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
    seen = visit(browser, render.quarter_paths(site, "2019Q3")["html"], shot)
    assert seen["blocked"] == [] and seen["failed"] == []
    assert seen["console_errors"] == []
    assert len(seen["images"]) == 4
    for alt, complete, width, height in seen["images"]:
        assert complete and width > 0 and height > 0, alt
    assert not seen["overflow"]
    assert shot.stat().st_size > 10_000


def test_index_loads_offline_without_errors(browser, site):
    seen = visit(browser, site / "index.html")
    assert seen["blocked"] == [] and seen["failed"] == [] and seen["console_errors"] == []
