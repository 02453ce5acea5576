"""Render many reports: every quarter, the history report and the index page.

Reports whose inputs have not changed since their last render are skipped (see
``jobs.is_up_to_date``). The rest are shared among worker processes; each worker keeps one
kernel for all its reports (cleared between reports), so the kernel start-up and the imports of
pandas, matplotlib, nbconvert and WeasyPrint are paid once per worker instead of once per report.
A failing report does not stop the others: failures are listed at the end. A failure of the
environment (full disk, read-only folder) does: the other reports would fail the same way, so
the batch stops with that one error and the previous index stays as it was.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..errors import DeliveriesError, OutputError
from ..files import display_path, output_folder, staging_folder
from ..pages import index
from .jobs import Job, history_job, is_up_to_date, quarter_job
from .kernel import KernelSession
from .pipeline import forked_pool, load_data, run_job

EXIT_FAILURES = 2


@dataclass(frozen=True)
class Outcome:
    """What happened to one report."""

    name: str
    error: str | None
    seconds: float
    environment: bool = False  # the error is the environment's (OutputError), not the report's


_worker_session: KernelSession | None = None


def _start_worker() -> None:
    """Pool initializer: one kernel per worker, closed when the worker exits or is terminated."""
    global _worker_session
    from multiprocessing import util

    _worker_session = KernelSession().start()
    util.Finalize(None, _worker_session.close, exitpriority=10)
    # Pool.terminate() (e.g. after Ctrl-C) sends SIGTERM: exit through the finalizers, so the
    # kernel is shut down and the render's staging folder removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C


def _render_in_worker(job: Job) -> Outcome:
    return _render(job, _worker_session)


def _render(job: Job, session: KernelSession | None) -> Outcome:
    started = time.perf_counter()
    error, environment = None, False
    try:
        run_job(job, session)
    except DeliveriesError as exc:
        error, environment = str(exc).splitlines()[0], isinstance(exc, OutputError)
    except Exception as exc:  # a bug in one report must not stop the batch
        error = f"internal error: {type(exc).__name__}: {exc}"
    return Outcome(job.name, error, time.perf_counter() - started, environment)


def default_jobs() -> int:
    """Workers by default: the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan(dataset, out_root: Path, paper: str, only: list[str] | None) -> list[Job]:
    """Every job of a batch: the history first (the longest), then quarters, newest first."""
    quarters = only or dataset.quarters
    jobs = [quarter_job(dataset, q, None, out_root, paper) for q in quarters]
    jobs.reverse()
    if not only:
        jobs.insert(0, history_job(dataset, None, None, out_root, paper))
    return jobs


def run_jobs(jobs: list[Job], workers: int, report=print) -> list[Outcome]:
    """Render ``jobs`` with ``workers`` processes (1: in this process); report each as it ends.

    An environment failure raises its OutputError at once and stops the remaining jobs.
    """
    outcomes = []

    def done(outcome: Outcome) -> None:
        if outcome.environment:
            raise OutputError(outcome.error)
        outcomes.append(outcome)
        status = "ok" if outcome.error is None else f"FAILED: {outcome.error}"
        width = len(str(len(jobs)))
        report(
            f"[{len(outcomes):>{width}}/{len(jobs)}] {outcome.name:<8} "
            f"{outcome.seconds:5.1f} s  {status}"
        )

    if not jobs:
        return outcomes
    if workers <= 1 or len(jobs) <= 1:
        with KernelSession() as session:
            for job in jobs:
                done(_render(job, session))
        return outcomes
    # fork where there is one: workers inherit the imports already made here.
    if "fork" in multiprocessing.get_all_start_methods():
        pool = forked_pool(min(workers, len(jobs)), _start_worker)
    else:
        pool = multiprocessing.get_context("spawn").Pool(
            min(workers, len(jobs)), initializer=_start_worker
        )
    try:
        for outcome in pool.imap_unordered(_render_in_worker, jobs):
            done(outcome)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return outcomes


def render_all(
    data_paths: dict | None = None,
    out_root: Path | str | None = None,
    paper: str = config.DEFAULT_PAPER,
    jobs: int | None = None,
    only: list[str] | None = None,
    force: bool = False,
) -> int:
    """Render what is out of date, then the index; returns the exit code."""
    dataset = load_data(data_paths)
    out_root = Path(out_root or config.report_dir())
    if jobs is not None and jobs < 1:
        raise DeliveriesError(f"--jobs {jobs}: give at least 1 worker")
    every = plan(dataset, out_root, paper, only)
    todo = every if force else [job for job in every if not is_up_to_date(job)]
    skipped = len(every) - len(todo)
    started = time.perf_counter()
    workers = jobs or default_jobs()
    with output_folder(out_root, parents=False):
        with staging_folder(out_root):
            pass  # the folder takes files: found out before any kernel starts
        if todo:
            print(
                f"rendering {len(todo)} report(s) with {min(workers, len(todo))} worker(s)"
                + (f"; {skipped} up to date" if skipped else ""),
                flush=True,
            )
        outcomes = run_jobs(todo, workers, report=lambda line: print(line, flush=True))
        page = index.write_index(dataset, out_root)
    failures = [o for o in outcomes if o.error]
    elapsed = time.perf_counter() - started
    print(
        f"rendered {len(outcomes) - len(failures)}, up to date {skipped}, failed "
        f"{len(failures)} in {elapsed:.1f} s; index: {display_path(page)}"
    )
    for failure in failures:
        print(f"error: {failure.name}: {failure.error}", file=sys.stderr)
    return EXIT_FAILURES if failures else 0
