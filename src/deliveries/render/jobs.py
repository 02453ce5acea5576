"""Jobs: which notebook, with what parameters, into which files; and whether it is up to date.

A job's fingerprint is a digest of everything its report depends on (the rows it reads, the
goals and revisions, the notebook and the package's code, the parameters); a report whose stamp
holds the same fingerprint need not be rendered again.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..config import REPORT_FILES, history_paths, quarter_paths, report_dir
from ..errors import ParameterError
from ..files import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "notebooks"
QUARTERLY_NOTEBOOK = NOTEBOOKS / "quarterly_report.ipynb"
HISTORY_NOTEBOOK = NOTEBOOKS / "history.ipynb"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
PAPERS = {"a4": "A4", "letter": "Letter"}
STAMP_NAME = ".inputs.sha256"


def parse_paper(paper: str) -> str:
    """``a4``/``A4``/``letter`` -> the CSS page size name."""
    try:
        return PAPERS[str(paper).strip().lower()]
    except KeyError:
        raise ParameterError(f'paper "{paper}" is not one of A4, Letter') from None


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


def quarter_job(
    dataset,
    quarter: str,
    goal: int | str | None,
    out_root,
    paper: str,
    consensus: int | str | None = None,
) -> Job:
    """The job for one quarterly report; checks the quarter, goal, consensus and paper first.

    ``consensus`` is the user's own consensus figure (None: the headline in the table).
    """
    from ..data import quarters
    from ..data.consensus import parse_consensus
    from ..data.dataset import parse_goal
    from ..writing.wording import quarter_name

    goal = parse_goal(goal)
    consensus = parse_consensus(consensus)
    period = dataset.require_quarter(quarter)
    label = quarters.label(period)
    parameters = {
        "quarter": label,
        "goal": goal,
        "consensus": consensus,
        **_data_parameters(dataset),
    }
    job = Job(
        name=label,
        notebook=QUARTERLY_NOTEBOOK,
        parameters=parameters,
        paths=quarter_paths(Path(out_root or report_dir()), label),
        title=f"Tesla {quarter_name(period)} production and deliveries",
        running_head=f"{quarter_name(period)} \u00b7 tesla-deliveries",
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
        paths=history_paths(Path(out_root or report_dir())),
        title="Tesla production and deliveries: history",
        running_head="History \u00b7 tesla-deliveries",
        paper=parse_paper(paper),
    )
    return _with_fingerprint(job, dataset, upto=None)


def _data_parameters(dataset) -> dict:
    paths = dataset.paths
    revisions, consensus = paths.get("revisions"), paths.get("consensus")
    storage = paths.get("storage")
    return {
        "data_file": str(Path(paths["deliveries"]).resolve()),
        "goals_file": str(Path(paths["goals"]).resolve()),
        "revisions_file": str(Path(revisions).resolve()) if revisions else None,
        "consensus_file": str(Path(consensus).resolve()) if consensus else None,
        "storage_file": str(Path(storage).resolve()) if storage else None,
    }


def code_files() -> list[Path]:
    """The package's code and template files: a change in any of them can change a report."""
    suffixes = {".py", ".j2", ".css", ".json"}
    return sorted(p for p in PACKAGE_DIR.rglob("*") if p.is_file() and p.suffix in suffixes)


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
    consensus = dataset.consensus
    if upto is not None and not consensus.empty:
        consensus = consensus[[quarter <= _label(upto) for quarter in consensus["quarter"]]]
    digest.update(consensus.to_csv(index=False).encode())
    storage = dataset.storage
    if upto is not None and not storage.empty:
        storage = storage[[quarter <= _label(upto) for quarter in storage["quarter"]]]
    digest.update(storage.to_csv(index=False).encode())
    for name in ("goals", "revisions"):
        path = dataset.paths.get(name)
        digest.update(Path(path).read_bytes() if path else b"")
    digest.update(_source_digest(job.notebook).encode())
    settings = {"parameters": job.parameters, "paper": job.paper, "paths": str(job.paths)}
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return Job(**{**job.__dict__, "fingerprint": digest.hexdigest()})


def _label(period) -> str:
    return f"{period.year}Q{period.quarter}"


def stamp_path(job: Job) -> Path:
    """The file beside the report holding the fingerprint it was rendered from."""
    return job.paths["pdf"].parent / STAMP_NAME.replace(".inputs", f".{job.name}.inputs")


def is_up_to_date(job: Job) -> bool:
    """True when the job's three files exist and were rendered from exactly these inputs."""
    if not all(job.paths[ext].exists() for ext in REPORT_FILES):
        return False
    try:
        return stamp_path(job).read_text().strip() == job.fingerprint
    except OSError:
        return False
