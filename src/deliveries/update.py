"""``deliveries update``: delivery day in one command, for a person or a timer.

Fetch Tesla's newest production & deliveries release from SEC EDGAR. When its quarter is not in
the data yet: add its rows to ``production_deliveries.csv`` (validated, written atomically; the
filing date stands in for a missing dateline and ``source_url`` cites the exhibit), keep the
exhibit in ``data/releases/``, render the quarter's report and the history report (in parallel,
one kernel each), rewrite the index, and e-mail the quarter's PDF when there are recipients
(``--to``, else ``MAIL_TO`` from the environment or ``.env``). One summary line at the end.

Nothing new (the quarter is there with the same figures): say so, render and send nothing, exit 0.
The quarter there with other figures, or figures that do not add up: stop before writing
anything and say what differs. ``watch`` polls until a release appears, then updates once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path

from . import config
from .errors import DeliveriesError, ParameterError
from .paths import display_path

MAIL_TO_VARIABLE = "MAIL_TO"
DEFAULT_EVERY = 600  # seconds between polls in --watch: EDGAR's data changes at most that often
MINIMUM_EVERY = 10  # a floor that keeps a watch polite whatever is asked
_FIGURES = ("produced", "delivered", "delivered_approx")


class UpdateError(DeliveriesError):
    """The release cannot go into the data as it is (it conflicts with what is there)."""


@dataclass
class UpdateOutcome:
    """What one update did."""

    quarter: str
    new: bool
    exhibit_url: str
    written: list[Path] = field(default_factory=list)
    mailed: str | None = None

    def summary(self) -> str:
        """The one line printed at the end."""
        if not self.new:
            return (
                f"update: nothing new; the latest release on EDGAR ({self.quarter}) is already "
                "in the data (nothing rendered or sent)"
            )
        sent = f"; {self.mailed}" if self.mailed else ""
        return (
            f"update: added {self.quarter} from {self.exhibit_url}; rendered "
            f"{', '.join(display_path(p) for p in self.written)}{sent}"
        )


def _data_path(data: str | Path | None) -> Path:
    return Path(data) if data else config.data_dir() / config.DELIVERIES_FILE


def _figure_differences(existing: list[dict], rows: list[dict]) -> list[str]:
    """Per model line, the figures that differ (lease % only where both give one)."""
    before = {row.get("model_line", "").strip(): row for row in existing}
    after = {row["model_line"]: row for row in rows}
    differences = []
    for line in dict.fromkeys([*after, *before]):
        old, new = before.get(line), after.get(line)
        if old is None or new is None:
            where = "only in the release" if old is None else "only in the data"
            differences.append(f"{line}: {where}")
            continue
        both_give_lease = bool(old.get("lease_pct") and new["lease_pct"])
        names = list(_FIGURES) + (["lease_pct"] if both_give_lease else [])
        for name in names:
            a, b = (old.get(name) or "").replace(",", "").lower(), (new[name] or "").lower()
            if name == "lease_pct":
                a, b = float(a.rstrip("%")), float(b.rstrip("%"))
            if a != b:
                differences.append(f"{line}: {name} {old.get(name) or '(empty)'} -> {new[name]}")
    return differences


def recipients(to: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """``--to``, else ``MAIL_TO`` from the environment or ``.env``; None when neither is set."""
    if to:
        return to
    from .edgar.settings import settings_environment

    return settings_environment(environ).get(MAIL_TO_VARIABLE, "").strip() or None


def update(
    *,
    to: str | None = None,
    cc: str | None = None,
    data: str | Path | None = None,
    out_root: str | Path | None = None,
    paper: str = config.DEFAULT_PAPER,
    environ: Mapping[str, str] | None = None,
    say: Callable[[str], None] = print,
) -> UpdateOutcome:
    """Fetch the newest release and, when it is new, add, render, index and mail it."""
    from . import ingest
    from .edgar import find_release, keep_release

    data_path = _data_path(data)
    mail_to = recipients(to, environ)
    if mail_to or cc:
        from .mailer import parse_addresses

        parse_addresses(mail_to, "--to")  # a typo in an address stops us before anything else
        parse_addresses(cc, "--cc")
    found = find_release(data_dir=data_path.parent, environ=environ)
    addition = ingest.prepare_addition(
        found.parsed,
        data_path,
        source=found.parsed.title or f"Tesla {found.quarter} production & deliveries release",
        source_url=found.exhibit_url,
        verified=(
            f"fetched from SEC EDGAR: {found.form} filed {found.filing_date.isoformat()}, "
            f"accession {found.accession}, exhibit 99.1; added by deliveries update on "
            f"{date.today().isoformat()}"
        ),
        release_date=found.filing_date,
    )
    if addition.existing:
        differences = _figure_differences(addition.existing, addition.rows)
        if differences:
            raise UpdateError(
                f"{found.quarter} is already in {display_path(data_path)} with other figures than "
                f"the release on EDGAR ({'; '.join(differences)}); nothing written. Check "
                f"{found.exhibit_url} and use deliveries ingest --replace if the release is right"
            )
        return UpdateOutcome(found.quarter, False, found.exhibit_url)
    previous = data_path.read_bytes()
    ingest.write_addition(addition)
    try:
        keep_release(found, data_path.parent)
    except BaseException:
        from .atomic import write_atomically

        write_atomically(data_path, previous, mode=None)  # data/ as it was
        raise
    say(f"update: added {found.quarter} to {display_path(data_path)}; rendering")
    outcome = UpdateOutcome(found.quarter, True, found.exhibit_url)
    outcome.written = render_new_quarter(found.quarter, data_path, out_root, paper)
    if mail_to:
        from .mailer import email_report

        email_report(
            found.quarter,
            to=mail_to,
            cc=cc,
            data_paths={"deliveries": str(data_path)},
            out_root=out_root,
        )
        outcome.mailed = f"e-mailed to {mail_to}"
    return outcome


def render_new_quarter(
    quarter: str, data_path: Path, out_root: str | Path | None, paper: str
) -> list[Path]:
    """The quarter's report and the history report (two workers at once), then the index."""
    from . import batch, index, render

    dataset = render.load_data({"deliveries": str(data_path)})
    out = Path(out_root) if out_root else render.default_out_root()
    jobs = [
        render.history_job(dataset, None, None, out, paper),
        render.quarter_job(dataset, quarter, None, out, paper),
    ]
    outcomes = batch.run_jobs(jobs, workers=min(2, batch.default_jobs()), report=lambda _: None)
    failed = [o for o in outcomes if o.error]
    if failed:
        raise DeliveriesError(f"{failed[0].name}: {failed[0].error}")
    page = index.write_index(dataset, out)
    return [jobs[1].paths["pdf"], jobs[0].paths["pdf"], page]


def parse_until(text: str | None) -> clock_time | None:
    """``--until HH:MM`` (local time) as a time of day."""
    if not text:
        return None
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise ParameterError(f'--until "{text}" is not a time of day (HH:MM, e.g. 18:30)') from None


def watch(
    *,
    every: float = DEFAULT_EVERY,
    until: str | None = None,
    now: Callable[[], datetime] = datetime.now,
    sleep: Callable[[float], None] = time.sleep,
    say: Callable[[str], None] = print,
    **arguments,
) -> UpdateOutcome:
    """Poll EDGAR every ``every`` seconds until a new release is in, or until ``until`` (HH:MM).

    Each poll costs one conditional request for the submissions document while nothing changes.
    """
    if every < MINIMUM_EVERY:
        raise ParameterError(f"--every {every:g}: poll at most every {MINIMUM_EVERY} seconds")
    deadline = parse_until(until)
    started = now()
    end = None if deadline is None else datetime.combine(started.date(), deadline)
    if end is not None and end <= started:
        raise ParameterError(f"--until {until}: that time has passed today")
    while True:
        outcome = update(say=say, **arguments)
        if outcome.new:
            return outcome
        wait = every if end is None else min(every, (end - now()).total_seconds())
        if wait <= 0:
            return outcome
        say(f"update: nothing new yet ({outcome.quarter} is the latest); next look in {wait:.0f} s")
        sleep(wait)


def update_command(
    *,
    to: str | None = None,
    cc: str | None = None,
    data: str | Path | None = None,
    out_root: str | Path | None = None,
    paper: str = config.DEFAULT_PAPER,
    watch_for_release: bool = False,
    every: float = DEFAULT_EVERY,
    until: str | None = None,
) -> int:
    """``deliveries update [--watch]``: print the summary line; exit code 0."""
    arguments = {"to": to, "cc": cc, "data": data, "out_root": out_root, "paper": paper}
    if watch_for_release:
        try:
            outcome = watch(every=every, until=until, **arguments)
        except KeyboardInterrupt:
            print("update: watch stopped (Ctrl-C)")
            return 130
    else:
        outcome = update(**arguments)
    print(outcome.summary())
    return 0
