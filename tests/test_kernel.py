"""The kernel process: start-up failures and a kernel that dies mid-notebook are one error line,
and leave no process or socket folder behind."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from deliveries.errors import RenderError
from deliveries.render import kernel

from .conftest import ROOT

pytestmark = pytest.mark.e2e  # kernels, renders, browsers or make runs


def _socket_folders() -> set[str]:
    return {p.name for p in Path(kernel.tempfile.gettempdir()).glob("deliveries-kernel-*")}


def test_a_kernel_that_exits_while_starting_is_one_error_with_its_last_words(tmp_path):
    # The kernel starts in the report's folder as `python -m ipykernel_launcher`, as
    # jupyter_client starts it; a module of that name there stands in for a broken one.
    (tmp_path / "ipykernel_launcher.py").write_text(
        "import sys\nsys.stderr.write('no kernel here\\n')\nsys.exit(3)\n"
    )
    before = _socket_folders()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    with pytest.raises(RenderError) as caught, kernel.KernelSession(cwd=tmp_path) as session:
        session.execute(notebook)
    message = str(caught.value)
    assert "exited while starting (exit code 3)" in message
    assert "(kernel said: no kernel here)" in message
    assert _socket_folders() <= before


def test_a_kernel_that_dies_mid_notebook_ends_the_run_at_once():
    # In a child process with a deadline: before, nbclient waited on the dead kernel forever.
    script = textwrap.dedent(
        """
        import nbformat
        from deliveries.render import kernel
        cells = [nbformat.v4.new_code_cell(s) for s in ("x = 1", "import os; os._exit(7)", "2")]
        session = kernel.KernelSession()
        try:
            session.execute(nbformat.v4.new_notebook(cells=cells))
        except kernel.KernelDied as exc:
            print(kernel.failure_message(None, exc, kernel.REPO_ROOT / "kept.ipynb"))
        finally:
            session.close()
        print("alive" if session.process else "closed")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    first, second = result.stdout.strip().splitlines()
    assert first.startswith("the Python kernel died while running the notebook (exit code 7)")
    assert first.endswith("; the executed notebook is kept at kept.ipynb")
    assert second == "closed"


def test_a_spawned_kernel_starts_before_jupyter_client_is_imported_and_runs_later():
    # update spawns the kernel before asking EDGAR; connecting (jupyter_client) comes after.
    script = textwrap.dedent(
        """
        import sys
        import nbformat
        from deliveries.render import kernel
        session = kernel.KernelSession().spawn()
        print(session.process.poll() is None, "jupyter_client" in sys.modules)
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
        session.execute(notebook)
        print(notebook.cells[0].outputs[0]["text"].strip())
        session.close()
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["True", "False", "42"]
