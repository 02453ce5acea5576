"""The whole render: execute, export, print, and move the finished files into place together.

Files are written into a staging folder beside the target and then renamed, so a failed or
interrupted render, a full disk or a read-only folder leaves the previous report untouched, and
no partial file, staging folder or empty report folder behind.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import multiprocessing.pool
import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .. import config
from .. import files as atomic
from ..config import REPORT_FILES
from ..errors import RenderError
from .exporters import export_html, wait_for_warm_ups, warm_up_exporters, write_pdf
from .jobs import Job, history_job, is_up_to_date, quarter_job, stamp_path
from .kernel import KernelSession, failure_message
from .parameters import check_parameters, parameterize

STAGING_PREFIX = ".rendering-"
ABANDONED_AFTER = 3600  # seconds: an older staging folder belongs to a render that was killed


def run_job(job: Job, session: KernelSession | None = None) -> dict[str, Path]:
    """Execute, export and print one report; on success move the files into place.

    The output root must exist or be creatable in an existing folder; the report's own folder
    is created, and removed again if the render fails before anything is written in it.
    """
    owned = session is None
    session = session or KernelSession()
    try:
        return run_in_turn([job], session)[0]
    finally:
        if owned:
            session.close()


def run_in_turn(
    jobs: list[Job],
    session: KernelSession,
    while_printing: Callable[[], None] | None = None,
) -> list[dict[str, Path]]:
    """Several reports through one kernel, moved into place together when all are finished.

    Each PDF prints in a forked process while the kernel runs the next notebook (put the slowest
    PDF first); a failure leaves every previous report as it was. ``while_printing()`` runs once
    the last notebook has: the kernel is free then, and this process would only wait.
    """
    for job in jobs:
        check_parameters(job.notebook, job.parameters)
    with contextlib.ExitStack() as stack:
        session.start()
        exporters = warm_up_exporters()
        notebooks = [parameterize(job.notebook, job.parameters) for job in jobs]
        staged = []
        for job in jobs:
            folder = job.paths["pdf"].parent
            stack.enter_context(atomic.output_folder(folder.parent, parents=False))
            stack.enter_context(atomic.output_folder(folder))
            _remove_abandoned_staging(folder)
            staging = stack.enter_context(atomic.staging_folder(folder, prefix=STAGING_PREFIX))
            staged.append({ext: staging / path.name for ext, path in job.paths.items()})
        printer = None
        for job, nb, files in zip(jobs, notebooks, staged, strict=True):
            _execute(session, nb, job)
            _write_staged(files["ipynb"], notebook_text(nb), job.paths["ipynb"])
            exporters.join()
            html = export_html(nb, title=job.title, running_head=job.running_head, paper=job.paper)
            _write_staged(files["html"], html, job.paths["html"])
            if printer is None:  # forked once WeasyPrint is loaded here, so the workers have it
                printer = stack.enter_context(PdfPrinter(len(jobs)))
            printer.submit(html, files["pdf"], job.paths["pdf"])
        if while_printing is not None:
            while_printing()
        if printer is not None:  # None only for no jobs at all
            printer.wait()
        for job, files in zip(jobs, staged, strict=True):
            _remove(stamp_path(job))  # the old stamp must not vouch for new files
            for ext in REPORT_FILES:
                atomic.publish(files[ext], job.paths[ext])
        for job in jobs:
            atomic.write_atomically(stamp_path(job), job.fingerprint + "\n")
            _remove(failed_notebook_path(job))
    return [dict(job.paths) for job in jobs]


class PdfPrinter:
    """WeasyPrint in forked worker processes; in this process for a single report (nothing to
    overlap) or where there is no fork."""

    def __init__(self, workers: int):
        self.pool = None
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            self.pool = forked_pool(workers, ignore_interrupts)
        self.pending: list[tuple] = []

    def submit(self, html: str, staged: Path, target: Path) -> None:
        """Print ``html`` into ``staged`` (``target`` names the file in an error)."""
        if self.pool is None:
            try:
                write_pdf(html, staged)
            except OSError as exc:
                raise atomic.output_error(target, exc) from None
        else:
            self.pending.append((self.pool.apply_async(_print, (html, str(staged))), target))

    def wait(self) -> None:
        """Wait for every PDF; the first failure as one error line."""
        for result, target in self.pending:
            failure = result.get()
            if failure is None:
                continue
            kind, *details = failure
            if kind == "os":
                raise atomic.output_error(target, OSError(*details)) from None
            raise RenderError(f"printing {target.name} failed: {details[0]}")

    def __enter__(self) -> PdfPrinter:
        return self

    def __exit__(self, kind, *_) -> None:
        if self.pool is not None:
            end_pool(self.pool, failed=kind is not None)  # before the staging folders go


def end_pool(pool: multiprocessing.pool.Pool, failed: bool) -> None:
    """Let the workers finish and exit, or after a failure (Ctrl-C too) stop them at once; then
    wait for them, so that no worker outlives the command."""
    if failed:
        pool.terminate()
    else:
        pool.close()
    pool.join()


def forked_pool(processes: int, initializer: Callable[[], None]) -> multiprocessing.pool.Pool:
    """A pool of forked worker processes, forked once no exporter warm-up is importing (see
    :func:`wait_for_warm_ups`). A Ctrl-C while they are forked is acted on just after: Python
    drops a KeyboardInterrupt raised in its own at-fork handlers, so it would be lost."""
    wait_for_warm_ups()
    context = multiprocessing.get_context("fork")
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        return context.Pool(processes, initializer=initializer)
    caught = []
    signal.signal(signal.SIGINT, lambda *_: caught.append(True))
    try:
        pool = context.Pool(processes, initializer=initializer)
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if caught:
        pool.terminate()
        pool.join()
        raise KeyboardInterrupt
    return pool


def ignore_interrupts() -> None:
    """For a worker process: Ctrl-C is the parent's to handle (it stops the workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _print(html: str, staged: str) -> tuple | None:
    """Print one PDF; a failure as plain values (they cross the process boundary)."""
    try:
        write_pdf(html, Path(staged))
    except OSError as exc:
        return ("os", exc.errno, exc.strerror or str(exc))
    except Exception as exc:  # a WeasyPrint error may not survive pickling: keep its words
        return ("error", f"{type(exc).__name__}: {exc}")
    return None


def failed_notebook_path(job: Job) -> Path:
    """Where the executed notebook of a failed render is kept for reading."""
    return job.paths["ipynb"].with_suffix(".failed.ipynb")


def _execute(session: KernelSession, nb, job: Job) -> None:
    """Run the notebook; a failing cell keeps the notebook and becomes one RenderError line."""
    try:
        session.execute(nb)
    except RenderError:
        raise
    except Exception as exc:
        kept = failed_notebook_path(job)
        atomic.write_atomically(kept, notebook_text(nb))
        raise RenderError(failure_message(nb, exc, kept)) from exc


def _write_staged(staged: Path, text: str, target: Path) -> None:
    """Write a report file into the staging folder; a failure names the file's final path."""
    try:
        staged.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise atomic.output_error(target, exc) from None


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise atomic.output_error(path, exc, "cannot remove") from None


def _remove_abandoned_staging(folder: Path, older_than: float = ABANDONED_AFTER) -> None:
    """Delete staging folders a killed render left behind (old ones only: a render running
    at the same moment keeps its own)."""
    now = time.time()
    for staging in folder.glob(f"{STAGING_PREFIX}*"):
        with contextlib.suppress(OSError):
            if now - staging.stat().st_mtime > older_than:
                shutil.rmtree(staging, ignore_errors=True)


def notebook_text(nb) -> str:
    """The executed notebook as written to disk."""
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def load_data(data_paths: dict | None):
    """The validated tables from ``{"deliveries": ..., "goals": ..., "revisions": ...,
    "consensus": ..., "storage": ...}`` (a missing key: the default beside the deliveries table)."""
    from ..data.dataset import load

    data_paths = data_paths or {}
    names = ("deliveries", "goals", "revisions", "consensus", "storage")
    return load(**{key: data_paths.get(key) for key in names})


def render_quarter(
    quarter: str,
    goal: int | None = None,
    data_paths: dict | None = None,
    out_root: Path | str | None = None,
    paper: str = config.DEFAULT_PAPER,
    session: KernelSession | None = None,
    consensus: int | None = None,
) -> dict[str, Path]:
    """Render ``report/<Q>/tesla-deliveries-<Q>.{ipynb,html,pdf}``; returns the paths.

    ``consensus``: the user's own consensus figure (None: the headline in the table).
    """
    job = quarter_job(load_data(data_paths), quarter, goal, out_root, paper, consensus)
    return run_job(job, session)


def render_history(
    start: str | None = None,
    end: str | None = None,
    data_paths: dict | None = None,
    out_root: Path | str | None = None,
    paper: str = config.DEFAULT_PAPER,
    session: KernelSession | None = None,
) -> dict[str, Path]:
    """Render ``report/history/tesla-deliveries-history.{ipynb,html,pdf}``."""
    return run_job(history_job(load_data(data_paths), start, end, out_root, paper), session)


def ensure_quarter(
    quarter: str,
    goal: int | None = None,
    data_paths: dict | None = None,
    out_root: Path | str | None = None,
    paper: str = config.DEFAULT_PAPER,
    consensus: int | None = None,
    dataset=None,
) -> dict[str, Path]:
    """The quarter's report files, rendered first when missing or made from other inputs.

    ``dataset``: the tables of ``data_paths`` when the caller has already loaded them.
    """
    data = dataset if dataset is not None else load_data(data_paths)
    job = quarter_job(data, quarter, goal, out_root, paper, consensus)
    return dict(job.paths) if is_up_to_date(job) else run_job(job)
