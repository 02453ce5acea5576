"""Command line: argument parsing, exit codes and process-wide settings; the work happens in the
modules, called with explicit arguments (none of them sees the argparse namespace).

Exit codes: 0 success, 2 a user mistake or an environment failure (one ``error: ...`` line per
problem, no traceback), 1 an internal error (traceback with ``--verbose`` or ``DEBUG=1``), 130
interrupted, 141 standard output closed early (``deliveries metrics --json | head -1``): the
command stops quietly, as Unix tools do.

Process-wide measures, taken by :func:`run` (the ``deliveries`` command and
``python -m deliveries``) and not when the package is imported:

- ``MPLBACKEND`` defaults to ``Agg``: this process draws charts off screen.
- jsonschema's optional IRI grammar is declined (``patches.jsonschema``; ~3 s per process).
- After the command, the process exits at once (``os._exit``) instead of freeing ~150 MB of
  modules object by object (~0.3 s); every file is written and closed, every kernel and worker
  shut down, and the output streams flushed by then. Set ``DELIVERIES_FAST_EXIT=0`` for a
  normal interpreter exit (e.g. under a profiler or coverage).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
import warnings

from . import config
from .errors import EXIT_INTERRUPTED, DeliveriesError, ParameterError, quiet_after_interrupt

EXIT_USAGE = 2
EXIT_INTERNAL = 1
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a tool stopped by a closed pipe
FAST_EXIT_VARIABLE = "DELIVERIES_FAST_EXIT"


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose mistakes are one ``error:`` line and exit code 2."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        sys.stderr.write(f"error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(EXIT_USAGE)


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        metavar="CSV",
        help="production & deliveries table (default: data/production_deliveries.csv)",
    )
    parser.add_argument("--goals", metavar="CSV", help="stated goals (default: data/goals.csv)")
    parser.add_argument(
        "--revisions",
        metavar="CSV",
        help="later restatements (default: revisions.csv beside --data, if present)",
    )
    parser.add_argument(
        "--consensus-table",
        metavar="CSV",
        help="analysts' consensus figures (default: consensus.csv beside --data, if present)",
    )
    parser.add_argument(
        "--storage",
        metavar="CSV",
        help="energy storage deployed (default: storage.csv beside --data, if present)",
    )


def _add_consensus_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--consensus",
        metavar="N",
        help="your own consensus figure for deliveries (default: the headline figure in the table)",
    )


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR", help="output root (default: report/)")
    parser.add_argument("--paper", default=config.DEFAULT_PAPER, help="A4 (default) or Letter")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="deliveries", description="Tesla quarterly production & deliveries reports."
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show tracebacks and progress details"
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    metrics = commands.add_parser("metrics", help="print a quarter's figures")
    metrics.add_argument(
        "--quarter", required=True, help=f"e.g. {config.DEFAULT_QUARTER}, or {config.LATEST}"
    )
    metrics.add_argument("--goal", help="deliveries goal (default: the stated goal, if any)")
    _add_consensus_option(metrics)
    _add_data_options(metrics)
    metrics.add_argument("--json", action="store_true", help="one JSON object instead of a table")

    report = commands.add_parser("report", help="render one quarter's report (HTML + PDF)")
    report.add_argument(
        "--quarter",
        default=config.DEFAULT_QUARTER,
        help=f"e.g. {config.DEFAULT_QUARTER} (default), or {config.LATEST}",
    )
    report.add_argument("--goal", help="deliveries goal (default: the stated goal, if any)")
    _add_consensus_option(report)
    _add_data_options(report)
    _add_output_options(report)

    reports = commands.add_parser("reports", help="render every quarter, the history and the index")
    _add_data_options(reports)
    _add_output_options(reports)
    reports.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        help="worker processes (default: the number of cores)",
    )
    reports.add_argument("--quarters", metavar="Q,Q,...", help="only these quarters")
    reports.add_argument("--force", action="store_true", help="re-render even if up to date")

    history = commands.add_parser("history", help="render the history report (HTML + PDF)")
    _add_data_options(history)
    history.add_argument("--start", help="first quarter (default: the first in the data)")
    history.add_argument("--end", help="last quarter (default: the last in the data)")
    _add_output_options(history)

    ingest = commands.add_parser("ingest", help="add a press release's figures to the data")
    ingest.add_argument("file", help="the release as text or HTML ('-' for standard input)")
    ingest.add_argument("--quarter", help="the quarter, if the text does not say it clearly")
    ingest.add_argument(
        "--data", metavar="CSV", help="table to add to (default: data/production_deliveries.csv)"
    )
    ingest.add_argument("--dry-run", action="store_true", help="parse and show; write nothing")
    ingest.add_argument("--json", action="store_true", help="print what was parsed as JSON")
    ingest.add_argument(
        "--replace",
        action="store_true",
        help="replace a quarter already in the data (shows the differences)",
    )
    ingest.add_argument(
        "--source-url",
        metavar="URL",
        default="",
        help="the release's address: the rows' source (a new storage row needs one)",
    )

    email = commands.add_parser("email", help="e-mail a quarter's PDF report")
    email.add_argument(
        "--quarter",
        default=config.DEFAULT_QUARTER,
        help=f"e.g. {config.DEFAULT_QUARTER} (default), or {config.LATEST}",
    )
    email.add_argument("--to", required=True, help="ADDR[,ADDR...]")
    email.add_argument("--cc", help="ADDR[,ADDR...]")
    email.add_argument("--subject", help="subject line (default names the quarter)")
    email.add_argument("--goal", help="deliveries goal used for the report")
    _add_consensus_option(email)
    _add_data_options(email)
    email.add_argument("--out", metavar="DIR", help="report root (default: report/)")
    email.add_argument(
        "--dry-run", action="store_true", help="print the headers and attachments; send nothing"
    )

    fetch = commands.add_parser(
        "fetch", help="fetch Tesla's production & deliveries release from SEC EDGAR"
    )
    which = fetch.add_mutually_exclusive_group()
    which.add_argument("--quarter", help="the quarter whose release to fetch, e.g. 2025Q4")
    which.add_argument("--latest", action="store_true", help="the newest release (the default)")
    fetch.add_argument(
        "--data", metavar="CSV", help="the data table; releases are kept in releases/ beside it"
    )
    fetch.add_argument("--json", action="store_true", help="print what was found as JSON")

    update = commands.add_parser(
        "update",
        help="fetch the newest release; if new: add it, render it, the history and the index, "
        "e-mail it",
    )
    update.add_argument("--to", help="ADDR[,ADDR...] (default: MAIL_TO from the environment/.env)")
    update.add_argument("--cc", help="ADDR[,ADDR...]")
    update.add_argument(
        "--data", metavar="CSV", help="table to add to (default: data/production_deliveries.csv)"
    )
    _add_output_options(update)
    update.add_argument(
        "--watch", action="store_true", help="poll until a new release appears, update, exit"
    )
    update.add_argument(
        "--every",
        type=float,
        default=None,
        metavar="SECONDS",
        help="with --watch: seconds between polls (default 600)",
    )
    update.add_argument("--until", metavar="HH:MM", help="with --watch: give up at this time")
    return parser


def run_metrics(args: argparse.Namespace) -> int:
    from .analysis import metrics
    from .data import dataset
    from .data.consensus import parse_consensus
    from .writing.metrics_text import metrics_text

    goal = dataset.parse_goal(args.goal)
    consensus = parse_consensus(args.consensus)
    data = dataset.load(**_data_paths(args))
    summary = metrics.summarize(data, args.quarter, goal=goal, consensus=consensus)
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print(metrics_text(summary))
    return 0


def _render_and_report(render_one, **arguments) -> int:
    """Run ``render_one`` (render_quarter or render_history) and say where the files went."""
    from . import render

    # Spawn the kernel first: its imports (pandas, matplotlib) overlap with ours.
    with render.KernelSession(single_use=True) as session:
        from .files import display_path

        paths = render_one(session=session, **arguments)
    for path in paths.values():
        print(f"wrote {display_path(path)}")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from . import render

    return _render_and_report(
        render.render_quarter,
        quarter=args.quarter,
        # goal and consensus are checked in render, after the kernel has been spawned: parsing
        # them here would import pandas first and lose the overlap.
        goal=args.goal,
        consensus=args.consensus,
        data_paths=_data_paths(args),
        out_root=args.out,
        paper=args.paper,
    )


def run_history(args: argparse.Namespace) -> int:
    from . import render

    return _render_and_report(
        render.render_history,
        start=args.start,
        end=args.end,
        data_paths=_data_paths(args),
        out_root=args.out,
        paper=args.paper,
    )


def _data_paths(args: argparse.Namespace) -> dict:
    """The table paths given on the command line (None: the default in data/)."""
    return {
        "deliveries": args.data,
        "goals": args.goals,
        "revisions": args.revisions,
        "consensus": args.consensus_table,
        "storage": args.storage,
    }


def run_reports(args: argparse.Namespace) -> int:
    from .render import batch

    return batch.render_all(
        data_paths=_data_paths(args),
        out_root=args.out,
        paper=args.paper,
        jobs=args.jobs,
        only=args.quarters.split(",") if args.quarters else None,
        force=args.force,
    )


def run_ingest(args: argparse.Namespace) -> int:
    from .sources.ingest import ingest_release

    return ingest_release(
        args.file,
        quarter=args.quarter,
        data=args.data,
        dry_run=args.dry_run,
        as_json=args.json,
        replace=args.replace,
        source_url=args.source_url,
    )


def run_email(args: argparse.Namespace) -> int:
    from .data.consensus import parse_consensus
    from .delivery import mailer

    return mailer.email_report(
        args.quarter,
        to=args.to,
        cc=args.cc,
        subject=args.subject,
        goal=args.goal,
        consensus=parse_consensus(args.consensus),
        data_paths=_data_paths(args),
        out_root=args.out,
        dry_run=args.dry_run,
    )


def run_fetch(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .sources.edgar import fetch_command

    return fetch_command(
        quarter=args.quarter,
        latest=args.latest,
        as_json=args.json,
        data_dir=Path(args.data).parent if args.data else None,
    )


def run_update(args: argparse.Namespace) -> int:
    from .delivery import update

    if not args.watch and (args.every is not None or args.until):
        raise DeliveriesError("--every and --until go with --watch")
    return update.update_command(
        to=args.to,
        cc=args.cc,
        data=args.data,
        out_root=args.out,
        paper=args.paper,
        watch_for_release=args.watch,
        every=update.DEFAULT_EVERY if args.every is None else args.every,
        until=args.until,
        verbose=is_verbose(args),
    )


COMMANDS = {
    "metrics": run_metrics,
    "report": run_report,
    "reports": run_reports,
    "history": run_history,
    "ingest": run_ingest,
    "email": run_email,
    "fetch": run_fetch,
    "update": run_update,
}


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    sys.stderr.write(f"warning: {message}\n")


def is_verbose(args: argparse.Namespace) -> bool:
    """``--verbose``, or ``DEBUG`` set to anything but 0."""
    return args.verbose or os.environ.get("DEBUG", "") not in ("", "0")


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the command, return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    verbose = is_verbose(args)
    warnings.showwarning = _show_warning
    try:
        _check_patch_switch()
        return COMMANDS[args.command](args)
    except BrokenPipeError:
        return _stdout_closed()
    except DeliveriesError as exc:
        if verbose:
            traceback.print_exc()
        for line in str(exc).splitlines() or [type(exc).__name__]:
            sys.stderr.write(f"error: {line}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        if not verbose:
            quiet_after_interrupt()
        sys.stderr.write("error: interrupted; no report was replaced\n")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: say so plainly, traceback on request
        if verbose:
            traceback.print_exc()
        sys.stderr.write(
            f"internal error: {type(exc).__name__}: {exc} "
            "(run with --verbose or DEBUG=1 for the traceback)\n"
        )
        return EXIT_INTERNAL


def _check_patch_switch() -> None:
    """A mistyped ``DELIVERIES_PATCHES`` word is a ParameterError, not a quiet "all"."""
    from .patches import PATCHES, SWITCH, unknown_words

    unknown = unknown_words()
    if unknown:
        raise ParameterError(
            f"{SWITCH}: {', '.join(repr(w) for w in unknown)} names no patch (known: all, none, "
            f"{', '.join(PATCHES)}, or -name to leave one out)"
        )


def _stdout_closed() -> int:
    """The reader of standard output has gone (``| head``): stop without a word.

    Standard output is pointed at ``/dev/null`` so that the interpreter's own flush at exit
    does not fail again on the closed pipe.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (e.g. captured by a test)
        pass
    return EXIT_BROKEN_PIPE


def _enabled(variable: str) -> bool:
    """An opt-out switch: on unless the variable is ``0``, ``no``, ``false`` or ``off``."""
    return os.environ.get(variable, "").strip().lower() not in ("0", "no", "false", "off")


def configure_process() -> None:
    """The process-wide measures described in this module's docstring (opt-outs included)."""
    from .patches.jsonschema import decline_iri_grammar

    os.environ.setdefault("MPLBACKEND", "Agg")
    decline_iri_grammar()


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point (``deliveries`` and ``python -m deliveries``): ``main``, then
    a quick exit (see the module docstring for both measures and their opt-outs)."""
    configure_process()
    code = main(argv)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = _stdout_closed()
    sys.stderr.flush()
    if _enabled(FAST_EXIT_VARIABLE):
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
