"""Several reports through one kernel (``render.run_in_turn``, what ``deliveries update`` uses):
all published together or none, PDFs printed in forked processes, the kernel free afterwards."""

from __future__ import annotations

import os
import signal
import threading

import nbformat
import pytest
from pypdf import PdfReader

from deliveries import render
from deliveries.errors import OutputError, RenderError
from deliveries.render import exporters, pipeline

pytestmark = pytest.mark.e2e  # kernels, renders, browsers or make runs


@pytest.fixture(scope="module")
def session():
    with render.KernelSession() as kept:
        yield kept


def notebook(folder, name: str, body: str):
    """A small notebook with a parameters cell and one cell of ``body``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.metadata["language_info"] = {"name": "python"}
    parameters = nbformat.v4.new_code_cell("label: 'Optional[str]' = None")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, nbformat.v4.new_code_cell(body)]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def job(folder, name: str, body: str) -> render.Job:
    out = folder / "report" / name
    return render.Job(
        name=name,
        notebook=notebook(folder, name, body),
        parameters={"label": name},
        paths={ext: out / f"{name}.{ext}" for ext in render.jobs.REPORT_FILES},
        title=name,
        running_head=name,
        paper="A4",
        fingerprint=f"fingerprint of {name}",
    )


def previous_files(jobs) -> dict:
    """Give each job a previous report, as a folder rendered earlier has; return the bytes."""
    before = {}
    for each in jobs:
        for path in each.paths.values():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"previous {path.name}")
            before[path] = path.read_bytes()
    return before


def leftovers(folder) -> list:
    return sorted(p.name for p in folder.rglob(f"{pipeline.STAGING_PREFIX}*"))


def test_every_report_is_published_with_its_stamp(tmp_path, session):
    jobs = [
        job(tmp_path, "first", "print('the first report, ' + label)"),
        job(tmp_path, "second", "from IPython.display import HTML\nHTML('<p>second page</p>')"),
    ]
    paths = render.run_in_turn(jobs, session)
    for each, written in zip(jobs, paths, strict=True):
        assert written == each.paths
        assert PdfReader(written["pdf"]).pages  # a real PDF
        assert render.stamp_path(each).read_text().strip() == each.fingerprint
        assert render.is_up_to_date(each)
    text = PdfReader(paths[1]["pdf"]).pages[0].extract_text()
    assert "second page" in text
    assert leftovers(tmp_path) == []


def _printed(session, code: str) -> str:
    """What one notebook cell running ``code`` printed, in the kept kernel."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    session.execute(nb)
    return "".join(output.get("text", "") for output in nb.cells[0].outputs)


def test_each_notebook_starts_from_a_cleared_namespace(session):
    assert _printed(session, "leftover = 1\nprint(6 * 7)") == "42\n"
    assert _printed(session, "print('leftover' in globals())") == "False\n"


def test_the_libraries_loaded_at_warm_up_are_kept_out_of_garbage_collection(session):
    # frozen: a full collection (a reset between reports runs two) skips their objects
    assert int(_printed(session, "import gc; print(gc.get_freeze_count())")) > 100_000
    # the reset leaves them loaded but unnamed, as in a fresh kernel
    assert _printed(session, "print('pandas' in dir())") == "False\n"


def test_a_failing_notebook_leaves_every_previous_report_as_it_was(tmp_path, session):
    jobs = [
        job(tmp_path, "fine", "print('fine')"),
        job(tmp_path, "broken", "raise ValueError('no such figure')"),
    ]
    before = previous_files(jobs)
    with pytest.raises(RenderError, match="raised ValueError: no such figure"):
        render.run_in_turn(jobs, session)
    assert {path: path.read_bytes() for path in before} == before  # the first one too
    assert pipeline.failed_notebook_path(jobs[1]).is_file()  # kept for reading
    assert leftovers(tmp_path) == []


def test_a_pdf_that_cannot_be_written_is_one_error_and_publishes_nothing(
    tmp_path, session, monkeypatch
):
    def full_disk(html, target):
        raise OSError(28, "No space left on device")

    # The printing processes are forked from this one, so they print with the patched writer.
    monkeypatch.setattr(pipeline, "write_pdf", full_disk)
    jobs = [job(tmp_path, "one", "print(1)"), job(tmp_path, "two", "print(2)")]
    before = previous_files(jobs)
    with pytest.raises(OutputError, match=r"cannot write .*one\.pdf: no space left"):
        render.run_in_turn(jobs, session)
    assert {path: path.read_bytes() for path in before} == before
    assert leftovers(tmp_path) == []


def test_an_error_while_printing_keeps_its_words(tmp_path, session, monkeypatch):
    def broken(html, target):
        raise RuntimeError("the layout engine gave up")

    monkeypatch.setattr(pipeline, "write_pdf", broken)
    jobs = [job(tmp_path, "one", "print(1)"), job(tmp_path, "two", "print(2)")]  # printed apart
    with pytest.raises(RenderError, match="printing one.pdf failed: RuntimeError: the layout"):
        render.run_in_turn(jobs, session)


class FakeContext:
    """Stands in for multiprocessing's fork context: Ctrl-C arrives while the pool forks."""

    def __init__(self):
        self.pools = []

    def Pool(self, processes, initializer):  # noqa: N802 - multiprocessing's name
        os.kill(os.getpid(), signal.SIGINT)  # handled at once, in the middle of the forks
        pool = FakePool()
        self.pools.append(pool)
        return pool


class FakePool:
    terminated = joined = False

    def terminate(self):
        self.terminated = True

    def join(self):
        self.joined = True


def test_a_ctrl_c_while_workers_fork_is_acted_on_just_after(monkeypatch):
    context = FakeContext()
    monkeypatch.setattr(pipeline.multiprocessing, "get_context", lambda method: context)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            pipeline.forked_pool(2, pipeline.ignore_interrupts)
        assert context.pools[0].terminated
        assert context.pools[0].joined
    finally:
        signal.signal(signal.SIGINT, previous)


def warm_up_held(monkeypatch) -> tuple[threading.Thread, threading.Event]:
    """A warm-up still importing, until the event is set."""
    release = threading.Event()
    warm_up = threading.Thread(target=release.wait)
    warm_up.start()
    monkeypatch.setattr(exporters, "_warm_ups", [warm_up])
    return warm_up, release


def test_while_the_pdfs_print_the_kernel_is_free_for_a_question(tmp_path, session):
    jobs = [job(tmp_path, name, "value = 6 * 7") for name in ("first", "second")]
    asked = []

    def while_printing():
        # Every notebook has run (both executed notebooks are staged), nothing is published yet.
        staged = sorted(p.name for p in tmp_path.rglob(f"{pipeline.STAGING_PREFIX}*/*.ipynb"))
        asked.append((staged, session.ask("answer = value + 1", "answer")))

    render.run_in_turn(jobs, session, while_printing)
    [(staged, request)] = asked
    assert staged == ["first.ipynb", "second.ipynb"]
    assert session.answer(request) == "43"  # asked of the last notebook's namespace


def test_a_failing_question_is_one_error_and_the_kernel_goes_on(session):
    with pytest.raises(RenderError, match="ZeroDivisionError"):
        session.answer(session.ask("x = 1 / 0", "x"))
    with pytest.raises(RenderError, match="NameError"):
        session.answer(session.ask("pass", "no_such_name"))
    assert session.answer(session.ask("y = 'fine'", "y")) == "'fine'"


def test_workers_are_forked_only_once_the_warm_up_has_ended(monkeypatch):
    warm_up, release = warm_up_held(monkeypatch)
    forked = []

    class Context:
        def Pool(self, processes, initializer):  # noqa: N802 - multiprocessing's name
            forked.append(warm_up.is_alive())
            return FakePool()

    monkeypatch.setattr(pipeline.multiprocessing, "get_context", lambda method: Context())
    threading.Timer(0.2, release.set).start()
    pipeline.forked_pool(2, pipeline.ignore_interrupts)
    assert forked == [False]


def test_a_question_before_a_notebook_leaves_nothing_in_its_namespace():
    with render.KernelSession() as fresh:
        assert fresh.answer(fresh.ask("left_over = 1", "left_over")) == "1"
        nb = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell("print('left_over' in dir())")]
        )
        fresh.execute(nb)
    assert nb.cells[0].outputs[0]["text"].strip() == "False"
