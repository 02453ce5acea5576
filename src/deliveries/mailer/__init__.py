"""E-mail a quarter's PDF report: one MIME message, sent over SMTP or written as a ``.eml`` file.

The message has a plain-text body (headline paragraph and key figures), an HTML alternative with
the main chart inline (``cid:``), and the PDF attached. The transport comes from ``SMTP_*``
variables (environment first, then ``./.env``); without ``SMTP_HOST`` the message is written to
``report/<Q>/tesla-deliveries-<Q>.eml``. Credentials are never printed or written anywhere.

- ``settings``: the ``SMTP_*`` settings, ``.env`` and e-mail addresses.
- ``message``: the key figures, the text and HTML bodies, the chart, the whole message.
- ``transport``: SMTP delivery and its one-line failures; the ``.eml`` file.
- ``command``: :func:`email_report`, what ``deliveries email`` calls.
"""

from __future__ import annotations

from .command import dry_run_text, email_report
from .message import (
    KeyFigure,
    attachments,
    build_message,
    chart_png,
    default_subject,
    html_body,
    key_figures,
    plain_body,
    read_pdf,
)
from .settings import (
    DEFAULT_PORTS,
    DEFAULT_SENDER,
    SECURITY_MODES,
    SETTING_NAMES,
    Settings,
    load_settings,
    parse_addresses,
    read_dotenv,
)
from .transport import eml_path, send, write_eml

__all__ = [
    "DEFAULT_PORTS",
    "DEFAULT_SENDER",
    "SECURITY_MODES",
    "SETTING_NAMES",
    "KeyFigure",
    "Settings",
    "attachments",
    "build_message",
    "chart_png",
    "default_subject",
    "dry_run_text",
    "email_report",
    "eml_path",
    "html_body",
    "key_figures",
    "load_settings",
    "parse_addresses",
    "plain_body",
    "read_dotenv",
    "read_pdf",
    "send",
    "write_eml",
]
