"""The kernel: one ipykernel kept for several notebooks, each run from a cleared namespace."""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ..errors import KernelDied, RenderError
from ..files import REPO_ROOT, display_path, unclaimed_name

KERNEL_NAME = "python3"
START_TIMEOUT = 60  # seconds for the kernel to come up
CELL_TIMEOUT = 120  # seconds per cell: a hung kernel cannot hang `make report`
# Sent to a new kernel at once, so its imports overlap with ours. Binds no names. Then the
# imported modules' objects are frozen out of garbage collection: every full collection (the
# reset below runs two, and drawing charts triggers more) otherwise walks them all; measured,
# the reset between two reports went from ~0.3 s to ~0.07 s.
WARM_UP_SOURCE = (
    "import importlib as _importlib\n"
    "for _name in ('pandas', 'matplotlib', 'seaborn', 'deliveries.pages.plots',\n"
    "              'deliveries.pages.quarterly'):\n"
    "    _importlib.import_module(_name)\n"
    "del _importlib, _name\n"
    "import gc as _gc; _gc.freeze(); del _gc"
)
# Run before each further report in a kept kernel: an empty user namespace and default
# matplotlib settings, as a fresh kernel has. Imported modules stay loaded: that is the saving.
RESET_SOURCE = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "import matplotlib as _mpl; _mpl.rcdefaults(); del _mpl"
)
# The kernel draws charts off screen whatever the user's shell says: a report shows the
# figures the notebooks embed, never a window or an inline plot of pyplot's own.
KERNEL_ENVIRONMENT = {"MPLBACKEND": "Agg"}


@functools.cache
def _started_kernel_manager():
    """jupyter_client's KernelManager for a kernel process we started ourselves (the class is
    built on first use: importing jupyter_client takes ~0.3 s, which a kernel spawned first
    spends on its own start-up instead of waiting)."""
    from jupyter_client.manager import KernelManager

    class StartedKernelManager(KernelManager):
        """Connection details from the kernel's connection file; the process is ours."""

        process: subprocess.Popen | None = None

        @property
        def has_kernel(self) -> bool:
            return self.process is not None and self.process.poll() is None

        # nbclient asks is_alive(); jupyter_client's client asks its parent _async_is_alive().
        def is_alive(self) -> bool:
            return self.has_kernel

        async def _async_is_alive(self) -> bool:
            return self.has_kernel

        def interrupt_kernel(self) -> None:
            if self.has_kernel:
                self.process.send_signal(signal.SIGINT)

        def client(self, **kwargs):
            """An asyncio client, for nbclient: waiting on a blocking client's output channel,
            nbclient could not notice a kernel that died mid-cell, and waited forever."""
            from jupyter_client.asynchronous import AsyncKernelClient

            return self._client(AsyncKernelClient, **kwargs)

        def blocking_client(self, **kwargs):
            """A blocking client, for our own requests (readiness, reset)."""
            from jupyter_client.blocking import BlockingKernelClient

            return self._client(BlockingKernelClient, **kwargs)

        def _client(self, kind, **kwargs):
            # As KernelManager.client() builds one, but with a session of its own: the kernel
            # sends each reply to the session that asked, and two clients sharing one (as
            # KernelManager's clients do) lose replies to each other.
            from jupyter_client.session import Session

            connection = self.get_connection_info(session=True)
            connection["session"] = Session(
                key=self.session.key, signature_scheme=self.session.signature_scheme
            )
            return kind(**connection, connection_file=self.connection_file, parent=self, **kwargs)

    return StartedKernelManager


def _write_connection_file(folder: Path) -> Path:
    """A kernel connection file for local sockets (ipc) in ``folder``, as jupyter_client
    writes them: a random key signs every message."""
    path = folder / "kernel.json"
    info = {
        "transport": "ipc",
        "ip": str(folder / "k"),
        "shell_port": 1,
        "iopub_port": 2,
        "stdin_port": 3,
        "control_port": 4,
        "hb_port": 5,
        "key": secrets.token_hex(32),
        "signature_scheme": "hmac-sha256",
        "kernel_name": KERNEL_NAME,
    }
    path.write_text(json.dumps(info), encoding="utf-8")
    path.chmod(0o600)
    return path


class KernelSession:
    """One ipykernel kept for several notebooks; each run starts from a cleared namespace.

    ``start()`` spawns the kernel process first thing (``spawn()`` alone: earlier still), then
    connects to it and asks it to import the libraries the notebooks use; ``execute`` waits for
    it to be ready.
    """

    def __init__(self, cwd: Path | None = None, single_use: bool = False):
        self.cwd = Path(cwd or REPO_ROOT)
        self.single_use = single_use  # True: ask the kernel to exit as soon as its run is done
        self.km = None
        self.kc = None
        self.notebook_kc = None
        self.process: subprocess.Popen | None = None
        self.runs = 0
        self._socket_dir: str | None = None
        self._log = None
        self._ready = False

    def start(self) -> KernelSession:
        """Spawn the kernel (unless :meth:`spawn` has), connect to it and send the warm-up."""
        if self.kc is not None:
            return self
        self.spawn()
        connection = Path(self._socket_dir) / "kernel.json"
        self.km = _started_kernel_manager()(connection_file=str(connection))
        self.km.load_connection_file()
        self.km.process = self.process
        self.kc = self.km.blocking_client()
        # No heartbeat channel: whether the kernel lives is asked of its process (see
        # StartedKernelManager), and a heartbeat socket closed unanswered lingers for 1 s.
        self.kc.start_channels(stdin=False, hb=False)
        self.kc.execute(WARM_UP_SOURCE, silent=True, store_history=False)
        # nbclient's client, connected now so that it hears the kernel's first output later.
        self.notebook_kc = self.km.client()
        self.notebook_kc.start_channels(stdin=False, hb=False)
        self._ready = False
        return self

    def spawn(self) -> KernelSession:
        """Start the kernel process only: IPython starts up (~0.5 s) while this process does
        other work, before jupyter_client is even imported; :meth:`start` connects."""
        if self.process is not None:
            return self
        # The kernel is this interpreter's ipykernel, launched as jupyter_client launches it
        # (in a process session of its own, so a Ctrl-C in the terminal reaches only us;
        # JPY_PARENT_PID, so it exits if we die), but before jupyter_client is even imported.
        # Unix-socket transport: local only, and no "unencrypted TCP" warning from ipykernel.
        # Named before it is made, so that close() removes it after a Ctrl-C at any point.
        self._socket_dir = str(unclaimed_name(tempfile.gettempdir(), "deliveries-kernel-"))
        try:
            os.mkdir(self._socket_dir, 0o700)
        except OSError:
            self._socket_dir = None  # not ours to remove
            raise
        connection = _write_connection_file(Path(self._socket_dir))
        # The kernel's own log goes to a file: on an interrupt it would otherwise print
        # tracebacks about closed sockets into the user's terminal.
        self._log = open(Path(self._socket_dir) / "kernel.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "ipykernel_launcher", "-f", str(connection)),
                "--HistoryManager.enabled=False",
            ],
            cwd=self.cwd,
            env={**os.environ, **KERNEL_ENVIRONMENT, "JPY_PARENT_PID": str(os.getpid())},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            start_new_session=True,
        )
        return self

    def _wait_ready(self) -> None:
        """Wait until the kernel answers (its warm-up imports done) and its output reaches us."""
        if self._ready:
            return
        try:
            self._await_answer(time.monotonic() + START_TIMEOUT)
        except RuntimeError as exc:
            tail, code = self._log_tail(), self.process.poll()
            self.close()
            if code is not None:
                message = f"the Python kernel exited while starting (exit code {code})"
            else:
                message = f"the Python kernel did not start within {START_TIMEOUT} s: {exc}"
            raise RenderError(message + tail) from None
        self._ready = True

    def _await_answer(self, deadline: float) -> None:
        """Ask for the kernel's info until it answers and publishes the end of that request on
        its output channel: then that channel is connected, and what it sent before is read.

        jupyter_client's ``wait_for_ready`` does the same, but ends by waiting for 0.2 s of
        silence on the output channel: 0.2 s of every render spent idle.
        """
        from queue import Empty

        while True:
            asked = self.kc.kernel_info()
            self._reply_to(asked, deadline)  # the kernel answers in order: after its warm-up
            # Its output channel may not be connected yet (then the status is lost): ask again.
            heard_by = time.monotonic() + 0.5
            while (left := heard_by - time.monotonic()) > 0:
                try:
                    message = self.kc.get_iopub_msg(timeout=left)
                except Empty:
                    break
                if (
                    message["parent_header"].get("msg_id") == asked
                    and message["msg_type"] == "status"
                    and message["content"].get("execution_state") == "idle"
                ):
                    return
            if time.monotonic() > deadline:
                raise RuntimeError("no output from the kernel")

    def _log_tail(self) -> str:
        try:
            lines = (Path(self._socket_dir) / "kernel.log").read_text().strip().splitlines()
        except (OSError, TypeError):
            return ""
        return f" (kernel said: {lines[-1]})" if lines else ""

    def _reply_to(self, msg_id: str, deadline: float) -> dict:
        """The kernel's reply to request ``msg_id`` (replies to earlier ones are passed over); a
        RuntimeError once the kernel has exited or ``deadline`` (``time.monotonic``) has passed."""
        from queue import Empty

        while True:
            try:
                reply = self.kc.get_shell_msg(timeout=1)
            except Empty:
                if self.process.poll() is not None:
                    raise RuntimeError("the kernel exited") from None
                if time.monotonic() > deadline:
                    raise RuntimeError("no answer") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def _await_reply(self, msg_id: str, what: str, timeout: float = CELL_TIMEOUT) -> dict:
        """The reply to request ``msg_id``; a RenderError saying what could not be done when
        the kernel exited, did not answer within ``timeout``, or the request failed."""
        try:
            reply = self._reply_to(msg_id, time.monotonic() + timeout)
        except RuntimeError as exc:
            raise RenderError(f"could not {what}: {exc}") from None
        _raise_unless_ok(reply["content"], what)
        return reply

    def ask(self, code: str, expression: str) -> str:
        """Have the kernel run ``code`` and evaluate ``expression`` (a Jupyter user expression)
        without waiting: returns the request's id, for :meth:`answer`."""
        self.start()
        self._wait_ready()
        self.runs += 1  # what the code leaves behind is cleared before the next notebook
        return self.kc.execute(
            code, silent=True, store_history=False, user_expressions={"value": expression}
        )

    def answer(self, request: str, timeout: float = CELL_TIMEOUT) -> str:
        """The ``repr`` of the expression asked for by :meth:`ask`; a RenderError when the code
        or the expression failed, or the kernel died or did not answer within ``timeout``."""
        reply = self._await_reply(request, "answer the question", timeout)
        value = reply["content"].get("user_expressions", {}).get("value", {})
        _raise_unless_ok(value, "answer the question")
        text = value.get("data", {}).get("text/plain")
        if not isinstance(text, str):
            raise RenderError("could not answer the question: the answer has no text")
        return text

    def execute(self, nb):
        """Execute ``nb`` in place and return it; raises nbclient's CellExecutionError, or
        :class:`KernelDied`."""
        from nbclient import NotebookClient
        from nbclient.exceptions import DeadKernelError

        self.start()
        self._wait_ready()
        if self.runs:
            reset = self.kc.execute(RESET_SOURCE, store_history=False)
            self._await_reply(reset, "reset the kernel")
        client = NotebookClient(
            nb,
            km=self.km,
            timeout=CELL_TIMEOUT,
            startup_timeout=START_TIMEOUT,
            kernel_name=KERNEL_NAME,
            resources={"metadata": {"path": str(self.cwd)}},
        )
        client.kc = self.notebook_kc
        self.runs += 1
        outcome: dict = {}

        def run() -> None:
            try:
                outcome["nb"] = client.execute()
            except BaseException as exc:  # handed to the caller below
                outcome["error"] = exc

        # nbclient runs in a thread: in the main thread it would install its own Ctrl-C handler
        # that tears the kernel down mid-message; here Ctrl-C stays a plain KeyboardInterrupt.
        worker = threading.Thread(target=run, name="notebook", daemon=True)
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.05)
        except KeyboardInterrupt:
            self.close()
            raise
        finally:
            if self.single_use and self.kc is not None:
                # The kernel winds down while we export; close() then only has to reap it.
                self.kc.shutdown()
        if isinstance(outcome.get("error"), DeadKernelError):
            self.process.wait()
            raise KernelDied(
                "the Python kernel died while running the notebook "
                f"(exit code {self.process.returncode}){self._log_tail()}"
            ) from None
        if "error" in outcome:
            raise outcome["error"]
        return outcome["nb"]

    def close(self) -> None:
        for client in (self.kc, self.notebook_kc):
            if client is not None:
                client.stop_channels()
        if self.process is not None:
            if self.process.poll() is None:
                # The kernel leads its own process group: end anything it started, too.
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except OSError:
                    self.process.kill()
            self.process.wait()
        if self.km is not None:
            self.km.cleanup_resources()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._socket_dir:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
        self.km = self.kc = self.notebook_kc = self.process = self._socket_dir = None

    def __enter__(self) -> KernelSession:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def _raise_unless_ok(outcome: dict, what: str) -> None:
    """A RenderError for a request's (or a user expression's) failed outcome."""
    if outcome.get("status") != "ok":
        error = outcome.get("evalue", "")
        raise RenderError(f"could not {what}: {outcome.get('ename')}: {error}")


def failure_message(nb, exc, kept: Path) -> str:
    """One readable line: which cell failed, the exception, and where the notebook was kept."""
    from nbclient.exceptions import CellExecutionError

    where = f"the executed notebook is kept at {display_path(kept)}"
    if isinstance(exc, KernelDied):
        return f"{exc}; {where}"
    if isinstance(exc, CellExecutionError):
        number, first_line = "?", ""
        for index, cell in enumerate(nb.cells):
            if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                number, first_line = index + 1, cell.source.strip().splitlines()[0][:60]
        detail = str(exc.evalue).strip().splitlines()[0] if exc.evalue else ""
        return f"notebook cell {number} ({first_line}) raised {exc.ename}: {detail}; {where}"
    return f"executing the notebook failed: {type(exc).__name__}: {exc}; {where}"
