"""Execute a report notebook with papermill's parameters, export HTML with nbconvert, print the
same HTML to PDF with WeasyPrint, and move the finished files into place atomically.

Everything happens in one process, arranged so that start-up costs overlap: the kernel is
spawned first and imports pandas/matplotlib/seaborn while this process imports nbconvert and
WeasyPrint, and WeasyPrint loads its fonts while the kernel runs the notebook. A
:class:`KernelSession` can be kept across several reports (the batch does so); each report then
starts from a cleared namespace, so it gives exactly the output a fresh kernel gives.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .errors import ParameterError, RenderError
from .paths import REPO_ROOT, display_path

# jsonschema (imported by nbformat) loads the optional `rfc3987_syntax` package when it is
# installed, and JupyterLab installs it; building its grammar costs ~1.3 s per process. We never
# validate the "iri" format, so this process declines that optional import; jsonschema handles
# the ImportError by leaving that one checker out. JupyterLab's own processes are unaffected.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)

NOTEBOOKS = REPO_ROOT / "notebooks"
QUARTERLY_NOTEBOOK = NOTEBOOKS / "quarterly_report.ipynb"
HISTORY_NOTEBOOK = NOTEBOOKS / "history.ipynb"
TEMPLATE_DIR = Path(__file__).parent / "templates"
PAPERS = {"a4": "A4", "letter": "Letter"}
KERNEL_NAME = "python3"
START_TIMEOUT = 60  # seconds for the kernel to come up
CELL_TIMEOUT = 120  # seconds per cell: a hung kernel cannot hang `make report`
STAMP_NAME = ".inputs.sha256"
# Sent to a new kernel at once, so its imports overlap with ours. Binds no names.
WARM_UP_SOURCE = (
    "import importlib as _importlib\n"
    "for _name in ('pandas', 'matplotlib', 'seaborn', 'deliveries.plots', 'deliveries.sections'):\n"
    "    _importlib.import_module(_name)\n"
    "del _importlib, _name"
)
# Run before each further report in a kept kernel: an empty user namespace and default
# matplotlib settings, as a fresh kernel has. Imported modules stay loaded: that is the saving.
RESET_SOURCE = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "import matplotlib as _mpl; _mpl.rcdefaults(); del _mpl"
)


def default_out_root() -> Path:
    """``$DELIVERIES_REPORT_DIR`` or the repository's ``report/`` folder."""
    return Path(os.environ.get("DELIVERIES_REPORT_DIR") or REPO_ROOT / "report")


def parse_paper(paper: str) -> str:
    """``a4``/``A4``/``letter`` -> the CSS page size name."""
    try:
        return PAPERS[str(paper).strip().lower()]
    except KeyError:
        raise ParameterError(f'paper "{paper}" is not one of A4, Letter') from None


def quarter_paths(out_root: Path | str, quarter: str) -> dict[str, Path]:
    """Where a quarter's report files go: ``report/2019Q3/tesla-deliveries-2019Q3.*``."""
    folder = Path(out_root) / quarter
    return {ext: folder / f"tesla-deliveries-{quarter}.{ext}" for ext in ("ipynb", "html", "pdf")}


def history_paths(out_root: Path | str) -> dict[str, Path]:
    """Where the history report goes: ``report/history/tesla-deliveries-history.*``."""
    folder = Path(out_root) / "history"
    return {ext: folder / f"tesla-deliveries-history.{ext}" for ext in ("ipynb", "html", "pdf")}


# --- notebook parameters -------------------------------------------------------------------------


def _read_notebook(path: Path):
    """Read a notebook (no JSON-schema validation: the file is ours and read on every render)."""
    from nbformat.v4 import reads

    nb = reads(Path(path).read_text(encoding="utf-8"))
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])  # papermill looks tags up as attributes
    return nb


def notebook_parameters(path: Path) -> dict[str, str]:
    """Parameter names and their inferred types, from the notebook's ``parameters`` cell."""
    from papermill.inspection import _infer_parameters

    return {p.name: p.inferred_type_name for p in _infer_parameters(_read_notebook(path))}


TYPES = {"str": str, "int": int}


def _allowed(annotation: str) -> tuple[type | None, bool]:
    """``"Optional[int]"`` -> (int, True); ``"str"`` -> (str, False); unknown -> (None, True)."""
    text = annotation.replace(" ", "")
    optional = text.startswith("Optional[") and text.endswith("]")
    if optional:
        text = text[len("Optional[") : -1]
    return TYPES.get(text), optional or text not in TYPES


def check_parameters(path: Path, parameters: dict) -> None:
    """Unknown names or values of the wrong type are errors, before any notebook runs.

    Types come from the annotations in the notebook's ``parameters`` cell, read by papermill.
    """
    declared = notebook_parameters(path)
    if not declared:
        raise RenderError(f"{display_path(path)} has no cell tagged 'parameters'")
    for name, value in parameters.items():
        if name not in declared:
            raise ParameterError(
                f"{display_path(path)} has no parameter {name!r} (it has: {', '.join(declared)})"
            )
        wanted, may_be_none = _allowed(declared[name])
        if value is None:
            if not may_be_none:
                raise ParameterError(f"parameter {name} needs a value of type {declared[name]}")
            continue
        if isinstance(value, bool) or (wanted and not isinstance(value, wanted)):
            raise ParameterError(f"parameter {name}={value!r} should be of type {declared[name]}")


def parameterize(path: Path, parameters: dict):
    """The notebook with papermill's injected-parameters cell (values written as literals)."""
    from papermill.parameterize import parameterize_notebook

    nb = _read_notebook(path)
    nb.metadata.setdefault("papermill", {})
    nb = parameterize_notebook(nb, parameters, kernel_name=KERNEL_NAME, language="python")
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.tags:
            cell.id = "injected-parameters"  # papermill's is random; ours keeps output repeatable
    return nb


# --- kernel and execution ------------------------------------------------------------------------


class KernelSession:
    """One ipykernel kept for several notebooks; each run starts from a cleared namespace.

    ``start()`` returns as soon as the kernel process is spawned and has been asked to import the
    libraries the notebooks use; ``execute`` waits for it to be ready.
    """

    def __init__(self, cwd: Path | None = None, single_use: bool = False):
        self.cwd = Path(cwd or REPO_ROOT)
        self.single_use = single_use  # True: ask the kernel to exit as soon as its run is done
        self.km = None
        self.kc = None
        self.runs = 0
        self._socket_dir: str | None = None

    def start(self) -> KernelSession:
        from jupyter_client.manager import KernelManager

        if self.km is not None:
            return self
        # "python3" resolves to the ipykernel of this interpreter: jupyter_client replaces a
        # kernelspec's bare "python" with sys.executable, so the kernel runs in this venv.
        # Unix-socket transport: local only, and no "unencrypted TCP" warning from ipykernel.
        self._socket_dir = tempfile.mkdtemp(prefix="deliveries-kernel-")
        self.km = KernelManager(
            kernel_name=KERNEL_NAME, transport="ipc", ip=str(Path(self._socket_dir) / "k")
        )
        # The kernel's own log goes to a file: on an interrupt it would otherwise print
        # tracebacks about closed sockets into the user's terminal.
        self._log = open(Path(self._socket_dir) / "kernel.log", "wb")  # noqa: SIM115
        self.km.start_kernel(
            cwd=str(self.cwd),
            extra_arguments=["--HistoryManager.enabled=False"],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.execute(WARM_UP_SOURCE, silent=True, store_history=False)
        self._ready = False
        return self

    def _wait_ready(self) -> None:
        if self._ready:
            return
        try:
            # The kernel answers in order, so "ready" also means the warm-up imports are done
            # (wait_for_ready reads and drops the warm-up's reply; a failed warm-up is harmless).
            self.kc.wait_for_ready(timeout=START_TIMEOUT)
        except RuntimeError as exc:
            self.close()
            message = f"the Python kernel did not start within {START_TIMEOUT} s: {exc}"
            message += self._log_tail()
            raise RenderError(message) from None
        self._ready = True

    def _log_tail(self) -> str:
        try:
            lines = (Path(self._socket_dir) / "kernel.log").read_text().strip().splitlines()
        except (OSError, TypeError):
            return ""
        return f" (kernel said: {lines[-1]})" if lines else ""

    def _await_reply(self, msg_id: str, what: str) -> None:
        while True:
            reply = self.kc.get_shell_msg(timeout=CELL_TIMEOUT)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if reply["content"].get("status") != "ok":
            error = reply["content"].get("evalue", "")
            raise RenderError(f"could not {what}: {reply['content'].get('ename')}: {error}")

    def execute(self, nb):
        """Execute ``nb`` in place and return it; raises nbclient's CellExecutionError."""
        from nbclient import NotebookClient

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
        client.kc = self.kc
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
            if self.single_use and self.km is not None:
                # The kernel winds down while we export; close() then only has to reap it.
                self.km.request_shutdown()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["nb"]

    def close(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        if getattr(self, "_log", None):
            self._log.close()
        if self._socket_dir:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
        self.km = self.kc = self._socket_dir = None

    def __enter__(self) -> KernelSession:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def _failure_message(nb, exc, kept: Path) -> str:
    """One readable line: which cell failed, the exception, and where the notebook was kept."""
    from nbclient.exceptions import CellExecutionError

    where = f"the executed notebook is kept at {display_path(kept)}"
    if isinstance(exc, CellExecutionError):
        number, first_line = "?", ""
        for index, cell in enumerate(nb.cells):
            if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                number, first_line = index + 1, cell.source.strip().splitlines()[0][:60]
        detail = str(exc.evalue).strip().splitlines()[0] if exc.evalue else ""
        return f"notebook cell {number} ({first_line}) raised {exc.ename}: {detail}; {where}"
    return f"executing the notebook failed: {type(exc).__name__}: {exc}; {where}"


# --- export --------------------------------------------------------------------------------------


@functools.cache
def report_exporter():
    """nbconvert's HTML exporter set up as ``--no-input`` with our template (built once)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="report",
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"remove"}, enabled=True), enabled=True
    )
    return exporter


def export_html(nb, *, title: str, running_head: str, paper: str) -> str:
    """HTML with no code, no prompts, no scripts, made from the executed notebook."""
    resources = {
        "report": {
            "title": title,
            "running_head": running_head,
            "paper": paper,
            "rendered_on": date.today().isoformat(),
        }
    }
    html, _ = report_exporter().from_notebook_node(nb, resources=resources)
    return html


def _offline_fetcher():
    """A WeasyPrint URL fetcher that serves ``data:`` URLs only: a PDF never reaches the network."""
    try:
        from weasyprint.urls import URLFetcher  # WeasyPrint >= 66
    except ImportError:  # older releases take a plain function
        from weasyprint import default_url_fetcher

        def fetch(url: str, *args, **kwargs):
            if url.startswith("data:"):
                return default_url_fetcher(url, *args, **kwargs)
            raise ValueError(f"refusing to fetch {url}: reports are self-contained")

        return fetch
    return URLFetcher(allowed_protocols={"data"})


def write_pdf(html: str, target: Path) -> None:
    """Print the HTML to PDF with WeasyPrint."""
    import weasyprint

    weasyprint.HTML(string=html, url_fetcher=_offline_fetcher()).write_pdf(target)


def warm_up_exporters() -> threading.Thread:
    """Import nbconvert and WeasyPrint and load fonts in a thread, while the kernel works."""

    def warm() -> None:
        # Only a warm-up: the real render reports any problem.
        with contextlib.suppress(Exception):
            from nbformat.v4 import new_notebook

            export_html(new_notebook(), title="", running_head="", paper="A4")  # loads templates
            write_pdf('<p style="font-family: DejaVu Sans">0</p>', Path(os.devnull))

    thread = threading.Thread(target=warm, name="pdf-warm-up", daemon=True)
    thread.start()
    return thread


# --- jobs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One report to render: which notebook, with what parameters, into which files."""

    name: str
    notebook: Path
    parameters: dict
    paths: dict[str, Path]
    title: str
    running_head: str
    paper: str
    fingerprint: str = field(default="", compare=False)


def quarter_job(dataset, quarter: str, goal: int | str | None, out_root, paper: str) -> Job:
    """The job for one quarterly report; checks the quarter and paper first."""
    from . import quarters
    from .dataset import parse_goal

    goal = parse_goal(goal)
    period = dataset.require_quarter(quarter)
    label = quarters.label(period)
    parameters = {"quarter": label, "goal": goal, **_data_parameters(dataset)}
    job = Job(
        name=label,
        notebook=QUARTERLY_NOTEBOOK,
        parameters=parameters,
        paths=quarter_paths(Path(out_root or default_out_root()), label),
        title=f"Tesla {quarters.display(period)} production and deliveries",
        running_head=f"{quarters.display(period)} \u00b7 tesla-deliveries",
        paper=parse_paper(paper),
    )
    return _with_fingerprint(job, dataset, upto=period)


def history_job(dataset, start: str | None, end: str | None, out_root, paper: str) -> Job:
    """The job for the history report."""
    for value in (start, end):
        if value:
            dataset.require_quarter(value)
    parameters = {"start": start, "end": end, **_data_parameters(dataset)}
    job = Job(
        name="history",
        notebook=HISTORY_NOTEBOOK,
        parameters=parameters,
        paths=history_paths(Path(out_root or default_out_root())),
        title="Tesla production and deliveries: history",
        running_head="History \u00b7 tesla-deliveries",
        paper=parse_paper(paper),
    )
    return _with_fingerprint(job, dataset, upto=None)


def _data_parameters(dataset) -> dict:
    paths = dataset.paths
    revisions = paths.get("revisions")
    return {
        "data_file": str(Path(paths["deliveries"]).resolve()),
        "goals_file": str(Path(paths["goals"]).resolve()),
        "revisions_file": str(Path(revisions).resolve()) if revisions else None,
    }


def code_files() -> list[Path]:
    """The package's code and template files: a change in any of them can change a report."""
    package = Path(__file__).parent
    suffixes = {".py", ".j2", ".css", ".json"}
    return sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in suffixes)


@functools.cache
def _source_digest(notebook: Path) -> str:
    """Digest of the notebook and the package's code: read once per process, not once per job."""
    digest = hashlib.sha256()
    for path in (notebook, *code_files()):
        digest.update(str(path.relative_to(REPO_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _with_fingerprint(job: Job, dataset, upto) -> Job:
    """Attach a digest of everything the report's content depends on.

    A quarterly report reads only the quarters up to its own (growth, records, cumulative gap,
    trailing charts), so a changed row of a later quarter leaves its fingerprint alone.
    """
    digest = hashlib.sha256()
    rows = dataset.deliveries
    if upto is not None:
        rows = rows[rows["period"] <= upto]
    digest.update(rows.drop(columns=["period"]).to_csv(index=False).encode())
    for name in ("goals", "revisions"):
        path = dataset.paths.get(name)
        digest.update(Path(path).read_bytes() if path else b"")
    digest.update(_source_digest(job.notebook).encode())
    settings = {"parameters": job.parameters, "paper": job.paper, "paths": str(job.paths)}
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return Job(**{**job.__dict__, "fingerprint": digest.hexdigest()})


def stamp_path(job: Job) -> Path:
    return job.paths["pdf"].parent / STAMP_NAME.replace(".inputs", f".{job.name}.inputs")


def is_up_to_date(job: Job) -> bool:
    """True when the job's three files exist and were rendered from exactly these inputs."""
    if not all(job.paths[ext].exists() for ext in ("ipynb", "html", "pdf")):
        return False
    try:
        return stamp_path(job).read_text().strip() == job.fingerprint
    except OSError:
        return False


# --- the whole render ----------------------------------------------------------------------------


def run_job(job: Job, session: KernelSession | None = None) -> dict[str, Path]:
    """Execute, export and print one report; on success move the files into place.

    Files are written into a temporary folder beside the target and then renamed, so a failed or
    interrupted render leaves the previous report untouched and no partial file.
    """
    check_parameters(job.notebook, job.parameters)
    folder = job.paths["pdf"].parent
    folder.mkdir(parents=True, exist_ok=True)
    owned = session is None
    session = session or KernelSession()
    session.start()
    exporters = warm_up_exporters()
    nb = parameterize(job.notebook, job.parameters)
    _remove_abandoned_staging(folder)
    staging = Path(tempfile.mkdtemp(prefix=".rendering-", dir=folder))
    try:
        try:
            session.execute(nb)
        except RenderError:
            raise
        except Exception as exc:
            kept = job.paths["ipynb"].with_suffix(".failed.ipynb")
            write_atomically(kept, _notebook_text(nb))
            raise RenderError(_failure_message(nb, exc, kept)) from exc
        staged = {ext: staging / path.name for ext, path in job.paths.items()}
        staged["ipynb"].write_text(_notebook_text(nb), encoding="utf-8")
        exporters.join()
        html = export_html(nb, title=job.title, running_head=job.running_head, paper=job.paper)
        staged["html"].write_text(html, encoding="utf-8")
        write_pdf(html, staged["pdf"])
        stamp_path(job).unlink(missing_ok=True)  # the old stamp must not vouch for new files
        for ext in ("ipynb", "html", "pdf"):
            os.replace(staged[ext], job.paths[ext])
        write_atomically(stamp_path(job), job.fingerprint + "\n")
        job.paths["ipynb"].with_suffix(".failed.ipynb").unlink(missing_ok=True)
        return dict(job.paths)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if owned:
            session.close()


def _remove_abandoned_staging(folder: Path, older_than: float = 3600) -> None:
    """Delete staging folders a killed render left behind (old ones only: a render running
    at the same moment keeps its own)."""
    now = time.time()
    for staging in folder.glob(".rendering-*"):
        with contextlib.suppress(OSError):
            if now - staging.stat().st_mtime > older_than:
                shutil.rmtree(staging, ignore_errors=True)


def _notebook_text(nb) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it over ``path``."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes files private; reports are for reading
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_data(data_paths: dict | None):
    """The validated tables from ``{"deliveries": ..., "goals": ..., "revisions": ...}``."""
    from .dataset import load

    data_paths = data_paths or {}
    return load(**{key: data_paths.get(key) for key in ("deliveries", "goals", "revisions")})


def render_quarter(
    quarter: str,
    goal: int | None = None,
    data_paths: dict | None = None,
    out_root: Path | str | None = None,
    paper: str = "A4",
    session: KernelSession | None = None,
) -> dict[str, Path]:
    """Render ``report/<Q>/tesla-deliveries-<Q>.{ipynb,html,pdf}``; returns the paths."""
    return run_job(quarter_job(load_data(data_paths), quarter, goal, out_root, paper), session)


def render_history(
    start: str | None = None,
    end: str | None = None,
    data_paths: dict | None = None,
    out_root: Path | str | None = None,
    paper: str = "A4",
    session: KernelSession | None = None,
) -> dict[str, Path]:
    """Render ``report/history/tesla-deliveries-history.{ipynb,html,pdf}``."""
    return run_job(history_job(load_data(data_paths), start, end, out_root, paper), session)


def ensure_quarter(
    quarter: str,
    goal: int | None = None,
    data_paths: dict | None = None,
    out_root: Path | str | None = None,
    paper: str = "A4",
) -> dict[str, Path]:
    """The quarter's report files, rendered first when missing or made from other inputs."""
    job = quarter_job(load_data(data_paths), quarter, goal, out_root, paper)
    return dict(job.paths) if is_up_to_date(job) else run_job(job)
