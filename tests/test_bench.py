"""The benchmark script runs end to end on a tiny sample, so it cannot rot (timings unchecked)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.e2e  # kernels, renders, browsers or make runs


def test_bench_smoke_run_prints_every_measurement():
    result = subprocess.run(
        [sys.executable, "benchmarks/bench.py", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for label in (
        "one report, naive CLI chain",
        "rfc3987_syntax declined",
        "one report, deliveries report",
        "per report",
        "no-op make report",
        "make update, new quarter (local EDGAR)",
        "no-op make update",
        "peak memory",
    ):
        assert label in result.stdout
