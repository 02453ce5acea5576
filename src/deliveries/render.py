"""Execute a report notebook with papermill's parameters, export HTML with nbconvert, print the
same HTML to PDF with WeasyPrint, and move the finished files into place atomically.

Everything happens in one process. A :class:`KernelSession` can be kept across several reports
(the batch does so); each report then starts from a cleared namespace, so it gives exactly the
output a fresh kernel gives.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import quarters
from .dataset import REPO_ROOT, Dataset, display_path, load
from .errors import ParameterError, RenderError

NOTEBOOKS = REPO_ROOT / "notebooks"
QUARTERLY_NOTEBOOK = NOTEBOOKS / "quarterly_report.ipynb"
HISTORY_NOTEBOOK = NOTEBOOKS / "history.ipynb"
TEMPLATE_DIR = Path(__file__).parent / "templates"
PAPERS = {"a4": "A4", "letter": "Letter"}
KERNEL_NAME = "python3"
START_TIMEOUT = 60  # seconds for the kernel to come up
CELL_TIMEOUT = 120  # seconds per cell: a hung kernel cannot hang `make report`
# Run before each report in a kept kernel: an empty user namespace and default matplotlib
# settings, as a fresh kernel would have. Imported modules stay loaded: that is the saving.
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


def quarter_paths(out_root: Path, quarter: str) -> dict[str, Path]:
    """Where a quarter's report files go: ``report/2019Q3/tesla-deliveries-2019Q3.*``."""
    folder = Path(out_root) / quarter
    stem = f"tesla-deliveries-{quarter}"
    return {ext: folder / f"{stem}.{ext}" for ext in ("ipynb", "html", "pdf")}


def history_paths(out_root: Path) -> dict[str, Path]:
    """Where the history report goes: ``report/history/tesla-deliveries-history.*``."""
    folder = Path(out_root) / "history"
    return {ext: folder / f"tesla-deliveries-history.{ext}" for ext in ("ipynb", "html", "pdf")}


# --- notebook parameters -----------------------------------------------------------------------


def _read_notebook(path: Path):
    """Read a notebook without JSON-schema validation (see ``_quiet_imports`` for why)."""
    from nbformat.v4 import reads

    nb = reads(Path(path).read_text(encoding="utf-8"))
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])  # papermill looks tags up as attributes
    return nb


def notebook_parameters(path: Path) -> dict[str, str]:
    """Parameter names and their inferred types, from the notebook's ``parameters`` cell."""
    from papermill.inspection import _infer_parameters

    nb = _read_notebook(path)
    return {p.name: p.inferred_type_name for p in _infer_parameters(nb)}


def check_parameters(path: Path, parameters: dict) -> None:
    """Unknown names or values of the wrong type are errors, before any kernel starts."""
    declared = notebook_parameters(path)
    if not declared:
        raise RenderError(f"{display_path(path)} has no cell tagged 'parameters'")
    for name, value in parameters.items():
        if name not in declared:
            raise ParameterError(
                f"{display_path(path)} has no parameter {name!r} (it has: {', '.join(declared)})"
            )
        allowed = {"str": (str,), "int": (int,), "None": (type(None),)}
        kind = declared[name]
        if value is None:
            continue  # every parameter of ours defaults to None or accepts it
        if kind in allowed and not isinstance(value, allowed[kind]) and kind != "None":
            raise ParameterError(f"parameter {name}={value!r} should be of type {kind}")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ParameterError(f"parameter {name}={value!r} should be a string or a number")


def parameterize(path: Path, parameters: dict):
    """The notebook with papermill's injected-parameters cell (values written as literals)."""
    from papermill.parameterize import parameterize_notebook

    nb = _read_notebook(path)
    nb.metadata.setdefault("papermill", {})
    return parameterize_notebook(nb, parameters, kernel_name=KERNEL_NAME, language="python")


# --- kernel and execution ----------------------------------------------------------------------


class KernelSession:
    """One ipykernel kept for several notebooks; each run starts from a cleared namespace."""

    def __init__(self, cwd: Path | None = None):
        self.cwd = Path(cwd or REPO_ROOT)
        self.km = None
        self.kc = None
        self.runs = 0

    def start(self) -> None:
        from jupyter_client.manager import KernelManager

        # "python3" resolves to the ipykernel of this interpreter: jupyter_client replaces a
        # kernelspec's bare "python" with sys.executable, so the kernel runs in this venv.
        # Unix-socket transport: local only, and no "unencrypted TCP" warning from ipykernel.
        self.km = KernelManager(
            kernel_name=KERNEL_NAME,
            transport="ipc",
            ip=str(Path(tempfile.mkdtemp(prefix="deliveries-kernel-")) / "k"),
        )
        self.km.start_kernel(cwd=str(self.cwd), extra_arguments=["--HistoryManager.enabled=False"])
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=START_TIMEOUT)
        except RuntimeError as exc:
            self.close()
            raise RenderError(
                f"the Python kernel did not start within {START_TIMEOUT} s: {exc}"
            ) from None

    def execute(self, nb):
        """Execute ``nb`` in place and return it; raises nbclient's CellExecutionError."""
        from nbclient import NotebookClient

        if self.km is None:
            self.start()
        if self.runs:
            self._reset()
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
        return client.execute()

    def _reset(self) -> None:
        msg_id = self.kc.execute(RESET_SOURCE, store_history=False)
        reply = self.kc.get_shell_msg(timeout=CELL_TIMEOUT)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.kc.get_shell_msg(timeout=CELL_TIMEOUT)
        if reply["content"].get("status") != "ok":
            raise RenderError("could not reset the kernel between reports")

    def close(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        self.km = self.kc = None

    def __enter__(self) -> KernelSession:
        return self

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
        return (
            f"notebook cell {number} ({first_line}) raised {exc.ename}: "
            f"{str(exc.evalue).strip().splitlines()[0] if exc.evalue else ''}; {where}"
        )
    return f"executing the notebook failed: {type(exc).__name__}: {exc}; {where}"


# --- export -------------------------------------------------------------------------------------


def export_html(nb, *, title: str, running_head: str, paper: str) -> str:
    """HTML with no code, no prompts, no scripts: nbconvert's ``--no-input`` with our template."""
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
    resources = {
        "report": {
            "title": title,
            "running_head": running_head,
            "paper": paper,
            "rendered_on": date.today().isoformat(),
        }
    }
    html, _ = exporter.from_notebook_node(nb, resources=resources)
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


# --- the whole render ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One report to render: which notebook, with what parameters, into which files."""

    notebook: Path
    parameters: dict
    paths: dict[str, Path]
    title: str
    running_head: str
    paper: str


def quarter_job(
    dataset: Dataset, quarter: str, goal: int | None, out_root: Path | str | None, paper: str
) -> Job:
    """The job for one quarterly report; checks the quarter and paper first."""
    period = dataset.require_quarter(quarter)
    label = quarters.label(period)
    parameters = {"quarter": label, "goal": goal, **_data_parameters(dataset)}
    return Job(
        QUARTERLY_NOTEBOOK,
        parameters,
        quarter_paths(Path(out_root or default_out_root()), label),
        title=f"Tesla {quarters.display(period)} production and deliveries",
        running_head=f"{quarters.display(period)} \u00b7 tesla-deliveries",
        paper=parse_paper(paper),
    )


def history_job(
    dataset: Dataset, start: str | None, end: str | None, out_root: Path | str | None, paper: str
) -> Job:
    """The job for the history report."""
    for value in (start, end):
        if value:
            dataset.require_quarter(value)
    parameters = {"start": start, "end": end, **_data_parameters(dataset)}
    return Job(
        HISTORY_NOTEBOOK,
        parameters,
        history_paths(Path(out_root or default_out_root())),
        title="Tesla production and deliveries: history",
        running_head="History \u00b7 tesla-deliveries",
        paper=parse_paper(paper),
    )


def _data_parameters(dataset: Dataset) -> dict:
    paths = dataset.paths
    return {
        "data_file": str(Path(paths["deliveries"]).resolve()),
        "goals_file": str(Path(paths["goals"]).resolve()),
        "revisions_file": str(Path(paths["revisions"]).resolve())
        if paths.get("revisions")
        else None,
    }


def run_job(job: Job, session: KernelSession | None = None) -> dict[str, Path]:
    """Execute, export and print one report; on success move the files into place.

    Files are written into a temporary folder beside the target and then renamed, so a failed or
    interrupted render leaves the previous report untouched and no partial file.
    """
    check_parameters(job.notebook, job.parameters)
    folder = job.paths["pdf"].parent
    folder.mkdir(parents=True, exist_ok=True)
    nb = parameterize(job.notebook, job.parameters)
    owned = session is None
    session = session or KernelSession()
    staging = Path(tempfile.mkdtemp(prefix=".rendering-", dir=folder))
    try:
        try:
            session.execute(nb)
        except Exception as exc:
            if isinstance(exc, RenderError):
                raise
            kept = job.paths["ipynb"].with_suffix(".failed.ipynb")
            _write_notebook(nb, kept)
            raise RenderError(_failure_message(nb, exc, kept)) from exc
        staged = {ext: staging / path.name for ext, path in job.paths.items()}
        _write_notebook(nb, staged["ipynb"])
        html = export_html(nb, title=job.title, running_head=job.running_head, paper=job.paper)
        staged["html"].write_text(html, encoding="utf-8")
        write_pdf(html, staged["pdf"])
        for ext in ("ipynb", "html", "pdf"):
            os.replace(staged[ext], job.paths[ext])
        job.paths["ipynb"].with_suffix(".failed.ipynb").unlink(missing_ok=True)
        return dict(job.paths)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if owned:
            session.close()


def _write_notebook(nb, path: Path) -> None:
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def render_quarter(
    quarter: str,
    goal: int | None = None,
    data_paths: dict | None = None,
    out_root: Path | str | None = None,
    paper: str = "A4",
) -> dict[str, Path]:
    """Render ``report/<Q>/tesla-deliveries-<Q>.{ipynb,html,pdf}``; returns the paths."""
    dataset = load(**_load_arguments(data_paths))
    return run_job(quarter_job(dataset, quarter, goal, out_root, paper))


def render_history(
    start: str | None = None,
    end: str | None = None,
    data_paths: dict | None = None,
    out_root: Path | str | None = None,
    paper: str = "A4",
) -> dict[str, Path]:
    """Render ``report/history/tesla-deliveries-history.{ipynb,html,pdf}``."""
    dataset = load(**_load_arguments(data_paths))
    return run_job(history_job(dataset, start, end, out_root, paper))


def _load_arguments(data_paths: dict | None) -> dict:
    data_paths = data_paths or {}
    return {key: data_paths.get(key) for key in ("deliveries", "goals", "revisions")}


def code_files() -> list[Path]:
    """The package's code and template files: a change in any of them changes the reports."""
    package = Path(__file__).parent
    return sorted(
        p for p in package.rglob("*") if p.is_file() and p.suffix in {".py", ".j2", ".css", ".json"}
    )


def input_files(job: Job) -> list[Path]:
    """Every file a report's content depends on."""
    data = [Path(v) for k, v in job.parameters.items() if k.endswith("_file") and v]
    return [*data, job.notebook, *code_files()]


def is_up_to_date(job: Job) -> bool:
    """True when all of the job's files exist and are newer than every input."""
    outputs = [job.paths[ext] for ext in ("ipynb", "html", "pdf")]
    if not all(p.exists() for p in outputs):
        return False
    oldest_output = min(p.stat().st_mtime for p in outputs)
    if any(p.stat().st_mtime > oldest_output for p in input_files(job)):
        return False
    try:  # rendered with the same parameters (goal, data files)?
        executed = json.loads(job.paths["ipynb"].read_text(encoding="utf-8"))
        return executed["metadata"]["papermill"]["parameters"] == job.parameters
    except (OSError, ValueError, KeyError):
        return False


def ensure_quarter(
    quarter: str,
    goal: int | None = None,
    data_paths: dict | None = None,
    out_root: Path | str | None = None,
    paper: str = "A4",
) -> dict[str, Path]:
    """The quarter's report files, rendered first when missing or older than their inputs."""
    dataset = load(**_load_arguments(data_paths))
    job = quarter_job(dataset, quarter, goal, out_root, paper)
    if is_up_to_date(job):
        return dict(job.paths)
    return run_job(job)
