"""Time our pipeline against the naive one, on the machine at hand.

The naive way: the papermill CLI executes the notebook, ``jupyter nbconvert --to html
--no-input`` exports it, the ``weasyprint`` CLI prints the PDF: three processes, three start-ups.
Ours: ``deliveries report`` does all three in one process; ``deliveries reports`` renders a batch
with one kernel per worker; ``make report`` with nothing changed runs no Python at all. Delivery
day: ``make update`` against the tests' local EDGAR-shaped server (``tests/edgar_server.py``)
holding a new quarter (fetch, add, render the quarter and the history, index, ``.eml``), then
again with nothing new.

The naive chain is timed twice: as installed, and with jsonschema's optional
``rfc3987_syntax`` import declined, as ``deliveries`` declines it (see ``cli.py``). With
JupyterLab's dependencies installed, that import costs each papermill and nbconvert process ~3 s
here, so the second is the fair baseline for our own work.

Runs alternate (naive, ours, naive, ours, ...) so that drift in the machine's speed cancels.
Prints median wall seconds, the ratios, and peak memory (resident set of a worker process plus
its kernel). Usage: ``make bench`` or ``python benchmarks/bench.py [--runs N] [--smoke]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "quarterly_report.ipynb"


# --- measuring -----------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class PeakMemory(threading.Thread):
    """Samples a process tree; ``worker_peak`` is the largest RSS of a non-kernel Python process
    plus the kernels it started (MiB), ``tree_peak`` the whole tree's."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.worker_peak, self.tree_peak = pid, 0.0, 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            tree, stack = [], [self.pid]
            while stack:
                pid = stack.pop()
                tree.append(pid)
                stack.extend(_children(pid))
            rss = {pid: _rss_kib(pid) for pid in tree}
            self.tree_peak = max(self.tree_peak, sum(rss.values()) / 1024)
            for pid in tree:
                if "ipykernel" in _cmdline(pid) or "python" not in _cmdline(pid):
                    continue
                kernels = [c for c in _children(pid) if "ipykernel" in _cmdline(c)]
                total = rss[pid] + sum(rss.get(k, _rss_kib(k)) for k in kernels)
                self.worker_peak = max(self.worker_peak, total / 1024)
            self.stopped.wait(0.05)


def timed(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run ``command``; return (wall seconds, peak MiB of a worker + its kernel)."""
    return timed_with_cpu(command, env)[:2]


def timed_with_cpu(command: list[str], env: dict | None = None) -> tuple[float, float, float]:
    """Run ``command``; (wall seconds, peak MiB of a worker + its kernel, CPU seconds of the
    whole process tree: every process it started and waited for, the kernel included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    sampler = PeakMemory(process.pid)
    sampler.start()
    _, err = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.stopped.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"error: {' '.join(command)} failed:\n{err[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, sampler.worker_peak, cpu


# --- the pipelines -------------------------------------------------------------------------------


def naive_commands(quarter: str, folder: Path) -> list[list[str]]:
    """papermill CLI, then nbconvert CLI (no input), then the WeasyPrint CLI."""
    executed = folder / f"{quarter}.ipynb"
    return [
        [
            str(BIN / "papermill"),
            str(NOTEBOOK),
            str(executed),
            "-p",
            "quarter",
            quarter,
            "--no-progress-bar",
            "-k",
            "python3",
        ],
        [
            str(BIN / "jupyter"),
            "nbconvert",
            "--to",
            "html",
            "--no-input",
            str(executed),
            "--output-dir",
            str(folder),
        ],
        [str(BIN / "weasyprint"), str(folder / f"{quarter}.html"), str(folder / f"{quarter}.pdf")],
    ]


def naive(quarter: str, folder: Path, env: dict | None = None) -> tuple[float, float]:
    folder.mkdir(parents=True, exist_ok=True)
    total, peak = 0.0, 0.0
    for command in naive_commands(quarter, folder):
        seconds, memory = timed(command, env)
        total, peak = total + seconds, max(peak, memory)
    return total, peak


def without_rfc3987(work: Path) -> dict[str, str]:
    """An environment in which importing ``rfc3987_syntax`` fails at once, so jsonschema skips
    its optional IRI checks (a module of that name first on PYTHONPATH raises ImportError)."""
    stub = work / "no-rfc3987"
    stub.mkdir(parents=True, exist_ok=True)
    (stub / "rfc3987_syntax.py").write_text('raise ImportError("declined by the benchmark")\n')
    path = os.pathsep.join(filter(None, [str(stub), os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONPATH": path}


def ours(quarter: str, folder: Path) -> tuple[float, float]:
    return timed([str(BIN / "deliveries"), "report", "--quarter", quarter, "--out", str(folder)])


def batch(folder: Path, jobs: int, quarters: list[str] | None) -> tuple[float, float]:
    command = [
        str(BIN / "deliveries"),
        "reports",
        "--force",
        "--jobs",
        str(jobs),
        "--out",
        str(folder),
    ]
    if quarters:
        command += ["--quarters", ",".join(quarters)]
    return timed(command)


def noop_make(folder: Path) -> float:
    """``make report`` a second time with nothing changed."""
    # The venv is already set up (make bench depends on it): never let a timing reinstall it.
    command = [
        "make",
        "--no-print-directory",
        "--assume-old=.venv/.installed",
        "report",
        f"OUT={folder}",
    ]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)  # render once
    seconds, _ = timed(command)
    return seconds


def make_update(work: Path, env: dict[str, str]) -> float:
    """``make update`` on a copy of data/ in ``work``; wall seconds."""
    command = [
        "make",
        "--no-print-directory",
        "--assume-old=.venv/.installed",  # never reinstall the venv from a timing
        "update",
        f"DATA={work / 'data' / 'production_deliveries.csv'}",
        f"OUT={work / 'report'}",
        "TO=bench@example.com",
    ]
    return timed(command, env)[0]


def delivery_day(work: Path, runs: int) -> tuple[list[float], list[float]]:
    """``make update`` with a new quarter on the local EDGAR server, then with nothing new.

    Each run starts from a fresh copy of data/, an empty report folder and an empty cache.
    """
    sys.path.insert(0, str(ROOT))
    from tests.edgar_server import EdgarServer

    new, noop = [], []
    with EdgarServer(through_2026q3=True) as edgar:
        edgar.add_new_quarter()
        for run in range(runs):
            folder = work / f"update-{run}"
            shutil.copytree(ROOT / "data", folder / "data", ignore=shutil.ignore_patterns("*.md"))
            env = {k: v for k, v in os.environ.items() if k != "MAKEFLAGS"}
            env |= edgar.environ(EDGAR_CACHE_DIR=str(folder / "cache"), SMTP_HOST="", MAIL_TO="")
            new.append(make_update(folder, env))
            if not (folder / "report" / "index.html").is_file():
                raise SystemExit("error: make update rendered nothing; is the local server up?")
            noop.append(make_update(folder, env))
    return new, noop


def patch_gains(quarter: str, work: Path, runs: int) -> dict[str, tuple[float, float]]:
    """Per library patch (``deliveries.patches``): what ``deliveries report`` saves with it, as
    (median wall seconds, median CPU seconds) of paired runs, all patches on against all but
    that one (``DELIVERIES_PATCHES=-name``), alternating so that drift cancels."""
    sys.path.insert(0, str(ROOT / "src"))
    from deliveries.patches import PATCHES, SWITCH

    command = [str(BIN / "deliveries"), "report", "--quarter", quarter, "--out"]
    gains = {}
    for name in PATCHES:
        walls, cpus = [], []
        for run in range(runs):
            with_all = timed_with_cpu(
                [*command, str(work / f"{name}-on-{run}")], {**os.environ, SWITCH: "all"}
            )
            without = timed_with_cpu(
                [*command, str(work / f"{name}-off-{run}")], {**os.environ, SWITCH: f"-{name}"}
            )
            walls.append(without[0] - with_all[0])
            cpus.append(without[2] - with_all[2])
        gains[name] = (median(walls), median(cpus))
    return gains


# --- report --------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=positive, default=5, help="alternating runs of each (default 5)"
    )
    parser.add_argument("--quarter", default="2019Q3")
    parser.add_argument(
        "--naive-sample",
        type=positive,
        default=3,
        help="quarters the naive chain renders for the batch comparison",
    )
    parser.add_argument("--jobs", type=positive, default=len(os.sched_getaffinity(0)))
    parser.add_argument(
        "--patches-only",
        action="store_true",
        help="only measure what each library patch saves (paired runs of deliveries report)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="one run each, a two-quarter batch: checks the script, not the speed",
    )
    args = parser.parse_args(argv)
    runs = 1 if args.smoke else args.runs
    sys.path.insert(0, str(ROOT / "src"))
    from deliveries.data import dataset

    all_quarters = dataset.load(ROOT / "data").quarters
    batch_quarters = ["2019Q2", "2019Q3"] if args.smoke else None
    n_batch = len(batch_quarters) if batch_quarters else len(all_quarters) + 1  # + history
    sample = all_quarters[-1:] if args.smoke else all_quarters[-args.naive_sample :]

    work = Path(tempfile.mkdtemp(prefix="deliveries-bench-"))
    if args.patches_only:
        try:
            print_patch_gains(patch_gains(args.quarter, work, runs), runs)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    try:
        single = {"naive": [], "naive_fair": [], "ours": []}
        memory = {"naive": 0.0, "naive_fair": 0.0, "ours": 0.0, "batch": 0.0}
        fair = without_rfc3987(work)
        pipelines = {
            "naive": naive,
            "naive_fair": lambda quarter, folder: naive(quarter, folder, fair),
            "ours": ours,
        }
        for run in range(runs):
            for name, pipeline in pipelines.items():
                seconds, peak = pipeline(args.quarter, work / f"{name}-{run}")
                single[name].append(seconds)
                memory[name] = max(memory[name], peak)
        naive_per_quarter = []
        batch_runs = []
        for run in range(max(1, runs // 2) if not args.smoke else 1):
            for quarter in sample:
                naive_per_quarter.append(naive(quarter, work / f"sample-{run}")[0])
            seconds, peak = batch(work / f"batch-{run}", args.jobs, batch_quarters)
            batch_runs.append(seconds)
            memory["batch"] = max(memory["batch"], peak)
        noop = [noop_make(work / "noop") for _ in range(runs)]
        update_new, update_noop = delivery_day(work, runs)
        gains = patch_gains(args.quarter, work, runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    naive_single, ours_single = median(single["naive"]), median(single["ours"])
    naive_fair = median(single["naive_fair"])
    naive_each = median(naive_per_quarter)
    batch_total = median(batch_runs)
    per_report = batch_total / n_batch
    print(
        f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
        f"Python {platform.python_version()}, {platform.platform()}"
    )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average at the end (1, 5, 15 min): {load} (a shared machine runs slower)")
    print(f"runs: {runs} alternating{' (smoke: not a measurement)' if args.smoke else ''}")
    print()
    print(f"{'':38}{'median s':>10}{'ratio':>9}")
    print(f"{'one report, naive CLI chain':38}{naive_single:10.2f}{1:9.2f}")
    print(
        f"{'  same, rfc3987_syntax declined':38}{naive_fair:10.2f}{naive_fair / naive_single:9.2f}"
    )
    print(
        f"{'one report, deliveries report':38}{ours_single:10.2f}"
        f"{ours_single / naive_single:9.2f}   target <= 0.40"
        f" ({ours_single / naive_fair:.2f} of the chain without rfc3987_syntax)"
    )
    print(f"{'naive chain per quarter (sample)':38}{naive_each:10.2f}{1:9.2f}")
    print(
        f"{f'batch of {n_batch}, {args.jobs} workers, per report':38}{per_report:10.2f}"
        f"{per_report / naive_each:9.2f}   target <= 1.5 s per report"
    )
    print(f"{'  (batch total)':38}{batch_total:10.2f}")
    print(
        f"{'no-op make report':38}{median(noop):10.3f}"
        f"{median(noop) / naive_single:9.3f}   target < 0.3 s"
    )
    print(
        f"{'make update, new quarter (local EDGAR)':38}{median(update_new):10.2f}{'':9}"
        "   target <= 6 s"
    )
    print(f"{'no-op make update':38}{median(update_noop):10.3f}{'':9}   target < 1 s")
    print()
    print(
        f"peak memory, MiB (a worker process + its kernel): naive {memory['naive']:.0f}, "
        f"deliveries report {memory['ours']:.0f}, batch {memory['batch']:.0f}"
        "   target < 400"
    )
    print()
    print_patch_gains(gains, runs)
    return 0


def print_patch_gains(gains: dict[str, tuple[float, float]], runs: int) -> None:
    """What each patch saves per report (positive: the patch is faster)."""
    print(f"what each library patch saves in deliveries report ({runs} paired runs, medians):")
    print(f"  {'patch':24}{'wall s':>9}{'CPU s':>9}")
    for name, (wall, cpu) in gains.items():
        print(f"  {name:24}{wall:9.3f}{cpu:9.3f}")


if __name__ == "__main__":
    sys.exit(main())
