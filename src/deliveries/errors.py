"""Everything that can go wrong, in one tree; and the exit status and quiet for Ctrl-C.

A :class:`DeliveriesError` is a problem the user can fix: the command line prints it as one
``error:`` line per line of its message and exits 2. Anything else is a bug (exit 1).

::

    DeliveriesError            a problem the user can fix
    ├── DataError              a data file is malformed: file, row and column named
    ├── ParameterError         a parameter (quarter, goal, path, ...) is not valid
    ├── RenderError            executing or exporting a report failed
    ├── IngestError            a press release cannot be turned into rows
    ├── UpdateError            a release conflicts with the data already there
    ├── MailError              building or sending the e-mail failed
    ├── OutputError            the environment refused a write (full disk, read-only, ...)
    └── FetchError             fetching from SEC EDGAR failed
        ├── EdgarUnavailable   EDGAR did not answer usefully: worth trying again later
        └── UnclassifiedFiling an 8-K that cannot be told a release or not: a later poll may
                               find the release

    KernelDied                 the kernel process ended mid-notebook (made a RenderError)
    DataWarning                something unusual in a data file that could be handled
"""

import sys
import warnings

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report an interrupted command


def quiet_after_interrupt() -> None:
    """After a Ctrl-C, print nothing but the command's one line: objects the interrupt left half
    made (an event loop caught mid-construction, a coroutine never started) complain when they
    are freed, in words that mean nothing to the user."""
    sys.unraisablehook = lambda _unraisable: None
    warnings.simplefilter("ignore")


class DeliveriesError(Exception):
    """Base class: a problem the user can fix. The CLI prints it on one line and exits 2."""


class DataError(DeliveriesError):
    """A data file is malformed: each line of the message names file, row and column."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class ParameterError(DeliveriesError):
    """A parameter (quarter, goal, path, ...) is not valid."""


class RenderError(DeliveriesError):
    """Executing or exporting a report failed; the message says where and why."""


class IngestError(DeliveriesError):
    """A press release could not be turned into rows."""


class UpdateError(DeliveriesError):
    """The release cannot go into the data as it is (it conflicts with what is there)."""


class MailError(DeliveriesError):
    """Building or sending the e-mail failed."""


class OutputError(DeliveriesError):
    """The user's environment refused a write (full disk, read-only, missing folder, ...)."""


class FetchError(DeliveriesError):
    """Fetching a release from SEC EDGAR failed; the message says which request and why."""


class EdgarUnavailable(FetchError):
    """EDGAR did not answer usefully after the retries (throttled, server errors, no connection):
    worth trying again later, which ``deliveries update --watch`` does."""


class UnclassifiedFiling(FetchError):
    """An 8-K's exhibit looked like a release in part but could not be read: it cannot be told
    a release or not. ``deliveries update --watch`` goes on polling (a newer filing may be the
    release); a one-off fetch or update fails with it."""


class KernelDied(Exception):
    """The kernel process ended while a notebook was running (reported as a RenderError)."""


class DataWarning(UserWarning):
    """Something in a data file was unusual but could be handled (e.g. an unknown column)."""
