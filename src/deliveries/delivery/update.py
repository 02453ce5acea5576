"""``deliveries update``: delivery day in one command, for a person or a timer.

Fetch Tesla's newest production & deliveries release from SEC EDGAR. When its quarter is not in
the data yet: add its rows to ``production_deliveries.csv`` (validated, written atomically; the
filing date stands in for a missing dateline and ``source_url`` cites the exhibit), keep the
exhibit in ``data/releases/``, render the history report and the quarter's report (one kernel,
its process started before EDGAR is asked; see ``render.run_in_turn``), rewrite the index, and
e-mail the quarter's PDF when there are recipients (``--to``, else ``MAIL_TO`` from the
environment or ``.env``). One summary line at the end.

Nothing new (the quarter is there with the same figures): say so, render and send nothing, exit 0.
The quarter there with other figures, or figures that do not add up: stop before writing
anything and say what differs. The e-mail addresses and SMTP settings are checked before EDGAR
is asked anything; a failed render puts ``data/`` back as it was, so the next run tries again.
``watch`` polls until a release appears, then updates once.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config
from ..errors import (
    EXIT_INTERRUPTED,
    DeliveriesError,
    EdgarUnavailable,
    ParameterError,
    UnclassifiedFiling,
    UpdateError,
    quiet_after_interrupt,
)
from ..files import display_path
from ..render.kernel import KernelSession

if TYPE_CHECKING:
    from email.headerregistry import Address

    from ..sources.edgar import FoundRelease
    from .mailer import Settings

MAIL_TO_VARIABLE = "MAIL_TO"
DEFAULT_EVERY = 600  # seconds between polls in --watch: EDGAR's data changes at most that often
MINIMUM_EVERY = 10  # a floor that keeps a watch polite whatever is asked
_FIGURES = ("produced", "delivered", "delivered_approx")
CHART_TIMEOUT = 30  # seconds for the kernel to draw the e-mail's chart, else it is drawn here


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
                f"update: nothing new: the latest release on EDGAR ({self.quarter}) is already "
                "in the data; nothing rendered or sent"
            )
        sent = f"; {self.mailed}" if self.mailed else "; no e-mail (no --to, no MAIL_TO)"
        return (
            f"update: added {self.quarter}; wrote "
            f"{', '.join(display_path(p) for p in self.written)}{sent}"
        )


@dataclass(frozen=True)
class Mailing:
    """Who gets the quarter's PDF (``to`` and ``cc`` as given, and parsed), and how."""

    to: str
    cc: str | None
    to_addresses: list[Address]
    cc_addresses: list[Address]
    settings: Settings

    def deliver(self, quarter: str, pdf: Path, dataset, chart: tuple[bytes, str] | None) -> str:
        """E-mail the quarter's PDF just rendered (with its paper size; without ``SMTP_HOST``,
        write it as a ``.eml``); what was done, for the summary line. ``chart``: the one the
        kernel drew (see :func:`render_new_quarter`); None: drawn here."""
        from ..analysis import metrics
        from .mailer import build_message, chart_png, send_or_write
        from .mailer.settings import dedupe

        settings, to, cc = self.settings, self.to_addresses, self.cc_addresses
        try:
            summary = metrics.summarize(dataset, quarter)
            chart = chart or chart_png(dataset, summary)
            message = build_message(summary, chart, pdf, to, cc, settings)
            everyone = dedupe([*to, *cc])
            if target := send_or_write(message, settings, pdf, everyone):
                return (
                    f"e-mail to {self.to} written to {display_path(target)} "
                    "(no SMTP_HOST set: open it in a mail client to send it)"
                )
            return f"e-mailed to {', '.join(everyone)} via {settings.where}"
        except DeliveriesError as exc:  # the data and reports are in: say so, never the password
            text = str(exc).replace(settings.password, "***") if settings.password else str(exc)
            raise type(exc)(
                f"{quarter} was added and rendered, but the e-mail failed: {text}; send it "
                f"with make email QUARTER={quarter} TO=..."
            ) from None


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
                shown_old = old.get(name) or "(empty)"
                differences.append(
                    f"{line} {name}: data {shown_old}, EDGAR {new[name] or '(empty)'}"
                )
    return differences


def _read_table(data_path: Path) -> bytes:
    """The data table's bytes, read before EDGAR is asked: a missing or wrong file is one
    error line, and no request is made for nothing."""
    from ..data.validation import MAX_FILE_BYTES
    from ..errors import DataError
    from ..files import read_input

    return read_input(data_path, limit=MAX_FILE_BYTES, expected="a CSV table", error=DataError)


def _rows_in_data(table: bytes, quarter: str) -> list[dict[str, str]]:
    """The quarter's rows in the data table, read with the csv module ([] when unreadable:
    ``prepare_addition`` then says what is wrong)."""
    try:
        lines = io.StringIO(table.decode("utf-8-sig"), newline="")
        return [row for row in csv.DictReader(lines) if (row.get("quarter") or "") == quarter]
    except (UnicodeDecodeError, csv.Error):
        return []


def _already_there(
    found: FoundRelease, existing: list[dict], rows: list[dict], data_path: Path
) -> UpdateOutcome:
    """Nothing new when the figures agree; an UpdateError saying what differs when not."""
    differences = _figure_differences(existing, rows) + _storage_difference(found, data_path)
    if differences:
        raise UpdateError(
            f"{found.quarter} is already in {display_path(data_path)} with other figures than "
            f"the release on EDGAR ({'; '.join(differences)}); nothing written. Check "
            f"{found.exhibit_url} and use deliveries ingest --replace if the release is right"
        )
    return UpdateOutcome(found.quarter, False, found.exhibit_url)


def _storage_difference(found: FoundRelease, data_path: Path) -> list[str]:
    """``["storage: data 13.5 GWh, EDGAR 13.7 GWh"]`` when storage.csv holds another figure for
    the release's quarter; [] when it agrees, has none, or the release states none."""
    from ..sources.ingest.results import storage_disagreement

    path = data_path.with_name(config.STORAGE_FILE)
    if found.parsed.storage_mwh is None or not path.is_file():
        return []
    rows = _rows_in_data(path.read_bytes(), found.quarter)
    if not rows:
        return []
    difference = storage_disagreement(found.parsed, rows[0].get("as_stated") or "", "EDGAR")
    return [difference] if difference else []


def recipients(to: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """``--to``, else ``MAIL_TO`` from the environment or ``.env``; None when neither is set."""
    if to:
        return to
    from ..sources.edgar.settings import settings_environment

    return settings_environment(environ).get(MAIL_TO_VARIABLE, "").strip() or None


def plan_mailing(
    to: str | None, cc: str | None, environ: Mapping[str, str] | None = None
) -> Mailing | None:
    """Who gets the e-mail (None: nobody), its addresses and SMTP settings checked: a
    MailError before EDGAR is asked anything (the settings module is light: the message module,
    which imports matplotlib, is not loaded)."""
    from .mailer.settings import load_settings, parse_addresses

    mail_to = recipients(to, environ)
    if not mail_to:
        if cc:
            raise ParameterError(f"--cc needs --to (or {MAIL_TO_VARIABLE} in the environment/.env)")
        return None
    return Mailing(
        mail_to,
        cc,
        parse_addresses(mail_to, "--to" if to else MAIL_TO_VARIABLE),
        parse_addresses(cc, "--cc") if cc else [],
        load_settings(environ),
    )


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
    from .. import render

    data_path = _data_path(data)
    render.parse_paper(paper)
    mailing = plan_mailing(to, cc, environ)
    table = _read_table(data_path)
    # The kernel process starts before EDGAR is asked (and before httpx is imported): IPython
    # starts up meanwhile, on the other core. Measured in alternating runs, a new quarter took
    # ~0.4 s less; with nothing new the kernel is closed again at once.
    with contextlib.closing(KernelSession()) as session:
        session.spawn()
        from ..sources import ingest
        from ..sources.edgar import find_release
        from ..sources.edgar.fetch import figures_text, keep_release, release_files
        from ..sources.ingest.results import csv_rows

        found = find_release(data_dir=data_path.parent, environ=environ)
        existing = _rows_in_data(table, found.quarter)  # a quick look first: the usual case
        if existing:
            rows = csv_rows(found.parsed, source="", verified="", release_date="")  # the figures
            return _already_there(found, existing, rows, data_path)
        # Most likely new: connect; the kernel imports pandas and matplotlib while this process
        # checks the release against the data and writes it.
        session.start()
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
            return _already_there(found, addition.existing, addition.rows, data_path)
        if addition.storage_conflict:
            raise UpdateError(
                f"{found.quarter}: {display_path(addition.storage_path)} holds another storage "
                f"figure than the release on EDGAR ({addition.storage_conflict}); nothing "
                f"written. Check {found.exhibit_url}"
            )
        say(
            f"update: new on EDGAR: the {found.quarter} release ({figures_text(found.parsed)}), "
            f"{found.form} filed {found.filing_date.isoformat()}"
        )
        restorable = [
            data_path,
            addition.storage_path,
            *release_files(found.quarter, data_path.parent),
        ]
        with _restored_on_failure(restorable):
            ingest.write_addition(addition)
            kept = keep_release(found, data_path.parent)
            say(
                f"update: added {found.quarter} to {display_path(data_path)}, kept "
                f"{display_path(kept.path)}; rendering {found.quarter} and the history report"
            )
            dataset = render.load_data({"deliveries": str(data_path)})
            written, chart = render_new_quarter(
                found.quarter, dataset, out_root, paper, session, with_chart=mailing is not None
            )
    outcome = UpdateOutcome(found.quarter, True, found.exhibit_url, written)
    if mailing:
        outcome.mailed = mailing.deliver(found.quarter, written[0], dataset, chart)
    return outcome


@contextmanager
def _restored_on_failure(paths: list[Path]) -> Iterator[None]:
    """Put these files back as they were (bytes and modification times, so that make sees
    nothing new; absent ones removed) if the block fails or is interrupted."""
    before = {path: _contents(path) for path in paths}
    try:
        yield
    except BaseException:
        from ..files import write_atomically

        for path, old in before.items():
            if old is None:
                path.unlink(missing_ok=True)
            elif _contents(path) != old:
                content, times = old
                write_atomically(path, content, mode=None)
                os.utime(path, ns=times)
        raise


def _contents(path: Path) -> tuple[bytes, tuple[int, int]] | None:
    """A file's bytes and (access, modification) times; None when there is no such file."""
    try:
        status = path.stat()
        return path.read_bytes(), (status.st_atime_ns, status.st_mtime_ns)
    except FileNotFoundError:
        return None


def render_new_quarter(
    quarter: str,
    dataset,
    out_root: str | Path | None,
    paper: str,
    session: KernelSession,
    with_chart: bool = False,
) -> tuple[list[Path], tuple[bytes, str] | None]:
    """The history report and the quarter's report through one kernel, then the index: the
    paths of the quarter's PDF, the history PDF and the index, and (``with_chart``) the e-mail's
    chart, or None when the kernel could not draw it.

    The history runs first: its PDF takes longest to print, and prints while the kernel runs the
    quarter's notebook (see :func:`render.run_in_turn`). While the two PDFs print, the kernel
    (matplotlib loaded) draws the e-mail's chart and this process works out the index's figures.
    """
    from .. import render
    from ..pages import index
    from .mailer.message import chart_request

    out = Path(out_root) if out_root else config.report_dir()
    jobs = [
        render.history_job(dataset, None, None, out, paper),
        render.quarter_job(dataset, quarter, None, out, paper),
    ]
    meanwhile: dict = {}

    def while_printing() -> None:
        if with_chart:
            with contextlib.suppress(DeliveriesError):  # none: the mailing draws it
                meanwhile["chart"] = session.ask(*chart_request(dataset.paths, quarter))
        meanwhile["index"] = index.quarter_figures(dataset)

    history, report = render.run_in_turn(jobs, session, while_printing)
    page = index.write_index(dataset, out, meanwhile.get("index"))
    chart = _kernel_chart(session, meanwhile["chart"]) if "chart" in meanwhile else None
    return [report["pdf"], history["pdf"], page], chart


def _kernel_chart(session: KernelSession, request: str) -> tuple[bytes, str] | None:
    """The chart the kernel drew for ``request``; None if it failed (the mailing then draws it)."""
    from .mailer.message import chart_from_answer

    try:
        return chart_from_answer(session.answer(request, timeout=CHART_TIMEOUT))
    except (DeliveriesError, ValueError):
        return None


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
    attempt: Callable[..., UpdateOutcome] = update,
    **arguments,
) -> UpdateOutcome:
    """Poll EDGAR every ``every`` seconds until a new release is in, or until ``until`` (HH:MM).

    ``attempt`` is one update (``update``). While nothing changes a poll asks EDGAR for the
    submissions document only (one request; conditional where the server gives validators). A
    poll that EDGAR does not answer (throttled, server errors, no connection, after the client's
    own retries) or that meets a filing it cannot classify (a newer one may be the release) is
    said in one timestamped line and the watch goes on; any other failure ends it, as it would
    not go away by waiting.
    """
    if every < MINIMUM_EVERY:
        raise ParameterError(f"--every {every:g}: poll at most every {MINIMUM_EVERY} seconds")
    deadline = parse_until(until)
    started = now()
    end = None if deadline is None else datetime.combine(started.date(), deadline)
    if end is not None and end <= started:
        raise ParameterError(f"--until {until}: that time has passed today")
    while True:
        try:
            outcome, failure = attempt(say=say, **arguments), None
        except (EdgarUnavailable, UnclassifiedFiling) as exc:
            outcome, failure = None, exc
        if outcome is not None and outcome.new:
            return outcome
        wait = every if end is None else min(every, (end - now()).total_seconds())
        if wait <= 0:
            if failure is not None:
                raise type(failure)(f"{failure} (still so at {until})")
            return outcome
        if isinstance(failure, UnclassifiedFiling):
            what = f"a filing could not be classified ({failure})"
        elif failure is not None:
            what = f"EDGAR did not answer ({failure})"
        else:
            what = f"nothing new yet ({outcome.quarter} is the latest)"
        say(f"update: {now():%H:%M:%S} {what}; next look in {wait:.0f} s")
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
    verbose: bool = False,
) -> int:
    """``deliveries update [--watch]``: progress lines, then one summary line; exit code 0.

    Ctrl-C during a watch is a clean stop (one line, exit code 130); ``verbose`` leaves the
    interpreter's own messages about it alone, as the CLI does for any other command.
    """
    arguments = {"to": to, "cc": cc, "data": data, "out_root": out_root, "paper": paper}
    say = _say_now
    if watch_for_release:
        try:
            outcome = watch(every=every, until=until, say=say, **arguments)
        except KeyboardInterrupt:
            if not verbose:
                quiet_after_interrupt()
            say("update: watch stopped (Ctrl-C); nothing was left half-written")
            return EXIT_INTERRUPTED
    else:
        outcome = update(say=say, **arguments)
    say(outcome.summary())
    return 0


def _say_now(line: str) -> None:
    """Print a line at once (make and timers read a pipe, which Python would buffer)."""
    print(line, flush=True)
