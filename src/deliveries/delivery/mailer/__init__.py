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

import importlib

# public name -> the module that holds it. Loaded on first use: checking an address (what
# ``update`` does before anything else) must not import matplotlib with the message module.
_LAZY = {
    "dry_run_text": "command",
    "email_report": "command",
    "KeyFigure": "message",
    "attachments": "message",
    "build_message": "message",
    "chart_png": "message",
    "default_subject": "message",
    "html_body": "message",
    "key_figures": "message",
    "plain_body": "message",
    "read_pdf": "message",
    "DEFAULT_PORTS": "settings",
    "DEFAULT_SENDER": "settings",
    "SECURITY_MODES": "settings",
    "SETTING_NAMES": "settings",
    "Settings": "settings",
    "load_settings": "settings",
    "parse_addresses": "settings",
    "read_dotenv": "settings",
    "eml_path": "transport",
    "send": "transport",
    "send_or_write": "transport",
    "write_eml": "transport",
}


def __getattr__(name: str):
    """Import a public name's module on first access (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


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
    "send_or_write",
    "write_eml",
]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
