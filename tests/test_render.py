"""End to end: render 2019Q3 into a temporary folder and read what a person would read."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from deliveries import config, render
from deliveries.cli import main

pytestmark = pytest.mark.e2e  # kernels, renders, browsers or make runs


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    paths = render.render_quarter("2019Q3", out_root=out)
    return out, paths


def pdf_text(path, pages=None) -> str:
    reader = PdfReader(path)
    chosen = reader.pages if pages is None else [reader.pages[i] for i in pages]
    return " ".join(page.extract_text() for page in chosen)


def test_files_land_in_the_quarter_folder(rendered):
    out, paths = rendered
    assert paths["pdf"] == out / "2019Q3" / "tesla-deliveries-2019Q3.pdf"
    for path in paths.values():
        assert path.stat().st_size > 0
    assert not list((out / "2019Q3").glob(".rendering-*")), "staging folder left behind"


def test_pdf_text_holds_the_hand_worked_figures(rendered):
    text = pdf_text(rendered[1]["pdf"])
    for figure in ("96,155", "97,000", "100,000", "3,000", "10.5%"):
        assert figure in text, figure


def test_page_one_tells_the_story(rendered):
    text = pdf_text(rendered[1]["pdf"], pages=[0])
    for phrase in (
        "Q3 2019",
        "production and deliveries",
        "~97,000",
        "87,048",
        "80,142",
        "+10.5%",
        "+20.0%",
        "3,000 short of the 100,000 goal",
        "2,515 to 3,485",
        "record",
        "missed the FactSet consensus of 99,000 by ~2,000 (2.0%)",
        "reported estimates ranged from 94,422 to 99,000",
        "94,422\u201399,000 (6 figures)",
    ):
        assert phrase in " ".join(text.split()), phrase


def test_sources_cite_every_consensus_figure(rendered):
    text = " ".join(pdf_text(rendered[1]["pdf"]).split())
    for number in range(14, 20):
        assert f"consensus.csv, row {number}" in text, number
    assert "Choosing the headline consensus" in text and "Refinitiv (IBES)" in text


def test_a_consensus_given_on_the_command_line_reaches_the_report(capsys, tmp_path):
    args = ["report", "--quarter", "2019Q3", "--consensus", "100,000", "--out", str(tmp_path)]
    assert main(args) == 0
    page = pdf_text(tmp_path / "2019Q3" / "tesla-deliveries-2019Q3.pdf", pages=[0])
    assert "the consensus of 100,000 you gave by ~3,000 (3.0%)" in " ".join(page.split())


def test_pdf_is_small_and_short(rendered):
    pdf = rendered[1]["pdf"]
    assert pdf.stat().st_size < 1_000_000
    # 4 before the consensus rows in the sources table, 6 with the facts block, the storage
    # chart and the storage rows (issue 23)
    assert len(PdfReader(pdf).pages) <= 6


def test_html_has_no_code_prompts_or_external_references(rendered):
    html = rendered[1]["html"].read_text()
    assert "In&nbsp;[" not in html and "Out[" not in html
    assert "import deliveries" not in html and "quarterly.kpi_table" not in html
    assert not re.search(r"<script", html, re.I)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html.split("<main>")[0])
    for match in re.finditer(r"""<(img|link|script)[^>]+(src|href)=["']([^"']+)""", html):
        assert match.group(3).startswith("data:"), match.group(0)[:80]
    assert "require.js" not in html and "mathjax" not in html.lower()


def test_html_has_the_expected_charts(rendered):
    html = rendered[1]["html"].read_text()
    titles = re.findall(r'<figure class="chart"><img [^>]*alt="([^"]+)"', html)
    assert len(titles) == 5
    assert titles[0].startswith("Production and deliveries per quarter, Q4 2017")
    assert titles[3] == "Energy storage deployed per quarter, Q4 2017\u2013Q3 2019"


def test_executed_notebook_is_kept(rendered):
    assert '"injected-parameters"' in rendered[1]["ipynb"].read_text()


def test_make_report_style_cli_prints_where_it_wrote(capsys, tmp_path):
    code = main(["report", "--quarter", "2019Q2", "--goal", "90000", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert f"wrote {tmp_path}/2019Q2/tesla-deliveries-2019Q2.pdf" in out
    assert "90,000" in pdf_text(tmp_path / "2019Q2" / "tesla-deliveries-2019Q2.pdf", pages=[0])


def test_letter_paper_is_selectable(tmp_path):
    paths = render.render_quarter("2019Q3", out_root=tmp_path, paper="Letter")
    box = PdfReader(paths["pdf"]).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # 8.5 x 11 in


def test_a4_is_the_default(rendered):
    box = PdfReader(rendered[1]["pdf"]).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


# --- the package's layout ---------------------------------------------------------------------


def test_every_name_used_elsewhere_is_exported_by_the_package():
    for name in (
        "render_quarter",
        "render_history",
        "ensure_quarter",
        "run_job",
        "quarter_job",
        "history_job",
        "is_up_to_date",
        "load_data",
        "KernelSession",
        "Job",
        "QUARTERLY_NOTEBOOK",
        "HISTORY_NOTEBOOK",
        "check_parameters",
        "notebook_parameters",
        "parameterize",
    ):
        assert hasattr(render, name), name


def test_the_report_folder_comes_from_config(monkeypatch, tmp_path):
    monkeypatch.setenv(config.REPORT_DIR_VARIABLE, str(tmp_path))
    assert config.report_dir() == tmp_path
    monkeypatch.delenv(config.REPORT_DIR_VARIABLE)
    assert config.report_dir() == config.report_dir()
