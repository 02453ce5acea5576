"""``deliveries email``: build the message, then send it, write a ``.eml``, or show it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from pathlib import Path

from ... import render
from ...analysis import metrics
from ...data import dataset, quarters
from ...data.consensus import parse_consensus
from ...errors import DeliveriesError, MailError
from ...files import display_path
from .message import attachments, build_message, chart_png
from .settings import Settings, dedupe, load_settings, parse_addresses
from .transport import eml_path, send_or_write


def email_report(
    quarter: str,
    *,
    to: str | Sequence[str],
    cc: str | Sequence[str] | None = None,
    subject: str | None = None,
    goal: int | str | None = None,
    consensus: int | str | None = None,
    data_paths: dict | None = None,
    out_root: Path | str | None = None,
    dry_run: bool = False,
) -> int:
    """E-mail ``quarter``'s PDF report (rendered first if missing or stale); returns 0.

    ``to`` and ``cc`` are addresses as one comma-separated string or a list. Without
    ``SMTP_HOST`` the message is written as a ``.eml`` beside the PDF; ``dry_run`` only prints
    the headers and attachments. ``data_paths`` holds ``deliveries``/``goals``/``revisions``/
    ``consensus`` (None: the defaults); ``consensus`` is the user's own consensus figure (None:
    the headline in the consensus table). Every failure is a one-line DeliveriesError without
    the password.
    """
    settings = None
    try:
        if subject and ("\n" in subject or "\r" in subject):
            raise MailError("--subject must be a single line")
        to_addresses = parse_addresses(_joined(to), "--to")
        cc_addresses = parse_addresses(_joined(cc), "--cc") if cc else []
        settings = load_settings()
        goal = dataset.parse_goal(goal)
        consensus = parse_consensus(consensus)
        names = ("deliveries", "goals", "revisions", "consensus")
        given = {key: (data_paths or {}).get(key) for key in names}
        resolved = dataset.resolve_paths(**given)
        ds = dataset.load(**resolved)
        quarter = quarters.label(ds.require_quarter(quarter))
        summary = metrics.summarize(ds, quarter, goal=goal, consensus=consensus)
        paths = render.ensure_quarter(
            quarter,
            goal=goal,
            data_paths=resolved,
            out_root=out_root,
            consensus=consensus,
            dataset=ds,  # loaded once, above
        )
        message = build_message(
            summary,
            chart_png(ds, summary),
            paths["pdf"],
            to_addresses,
            cc_addresses,
            settings,
            subject,
        )
        recipients = dedupe(to_addresses + cc_addresses)
        if dry_run:
            print(dry_run_text(message, settings, eml_path(paths["pdf"])))
        elif target := send_or_write(message, settings, paths["pdf"], recipients):
            print(
                f"wrote {display_path(target)} (no SMTP_HOST set: open it in a mail "
                "client to send it)"
            )
        else:
            print(f"sent {paths['pdf'].name} to {', '.join(recipients)} via {settings.where}")
        return 0
    except DeliveriesError as exc:
        password = settings.password if settings else os.environ.get("SMTP_PASSWORD")
        if password and password in str(exc):
            raise type(exc)(str(exc).replace(password, "***")) from None
        raise


def _joined(addresses: str | Sequence[str] | None) -> str:
    """Addresses given as a list become one comma-separated string."""
    if addresses is None or isinstance(addresses, str):
        return addresses or ""
    return ", ".join(addresses)


def dry_run_text(message: EmailMessage, settings: Settings, eml: Path) -> str:
    """The headers and attachments that would be sent, and how; nothing is sent or written."""
    lines = [f"{name}: {message[name]}" for name in ("From", "To", "Cc", "Subject", "Date")]
    lines = [line for line in lines if not line.endswith(": None")]
    lines.append("Attachments:")
    for name, content_type, size in attachments(message):
        lines.append(f"  {name}  {content_type}  {size:,} bytes")
    size = len(message.as_bytes(policy=policy.SMTP))
    how = f"send via {settings.where}" if settings.host else f"write {display_path(eml)}"
    lines.append(f"Message size: {size:,} bytes; would {how} (dry run: nothing sent or written)")
    return "\n".join(lines)
