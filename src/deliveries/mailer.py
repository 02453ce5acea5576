"""E-mail a quarter's PDF report: one MIME message, sent over SMTP or written as a ``.eml`` file.

The message has a plain-text body (headline paragraph and key figures), an HTML alternative with
the main chart inline (``cid:``), and the PDF attached. The transport comes from ``SMTP_*``
variables (environment first, then ``./.env``); without ``SMTP_HOST`` the message is written to
``report/<Q>/tesla-deliveries-<Q>.eml``. Credentials are never printed or written anywhere.
"""

from __future__ import annotations

import contextlib
import errno
import html
import io
import os
import smtplib
import socket
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from email import policy
from email.errors import HeaderParseError, ObsoleteHeaderDefect
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from . import dataset, metrics, narrative, plots, quarters, render, sections
from . import formatting as fmt
from .errors import DeliveriesError, MailError

SMTP_TIMEOUT = 20  # seconds, for connecting and for each reply
SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_SENDER = "tesla-deliveries@localhost"
DOTENV = Path(".env")
SETTING_NAMES = (
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "SMTP_SECURITY",
    "SMTP_CAFILE",
    "MAIL_FROM",
)
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
CHART_DISPLAY_WIDTH = 720  # CSS pixels in the HTML body; the PNG has twice as many for sharpness
PDF_TYPE = ("application", "pdf")


# --- settings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """How to send: the SMTP server, or ``host=None`` for the ``.eml`` file."""

    host: str | None
    port: int
    security: str
    user: str | None
    password: str | None = field(default=None, repr=False)
    cafile: Path | None = None
    sender: Address = field(default_factory=lambda: Address(addr_spec=DEFAULT_SENDER))

    @property
    def where(self) -> str:
        """``host:port (security)``, for messages; never the credentials."""
        return f"{self.host}:{self.port} ({self.security})"


def read_dotenv(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of a ``.env`` file: ``#`` comments, optional ``export`` and quotes.

    A malformed line is an error naming its number only (the line may hold a password).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise MailError(f"cannot read {dataset.display_path(path)}: {_reason(exc)}") from None
    values = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key.replace("_", "").isalnum() or key[0].isdigit():
            raise MailError(
                f"{dataset.display_path(path)}, line {number}: expected KEY=VALUE "
                "(the line is not shown: it may hold a password)"
            )
        values[key] = _unquote(value)
    return values


def _unquote(value: str) -> str:
    """Strip matching quotes (``\\"`` and ``\\\\`` unescaped inside double quotes), or a comment."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        inner = value[1:-1]
        if value[0] == '"':
            inner = inner.replace('\\"', '"').replace("\\\\", "\\")
        return inner
    if " #" in value:
        value = value.split(" #", 1)[0].rstrip()
    return value


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path = DOTENV) -> Settings:
    """The transport settings: environment variables win over ``.env`` (even when empty)."""
    environ = os.environ if environ is None else environ
    from_file = read_dotenv(dotenv)
    values = {}
    for name in SETTING_NAMES:
        value = environ[name] if name in environ else from_file.get(name, "")
        values[name] = value.strip() if name != "SMTP_PASSWORD" else value
    security = (values["SMTP_SECURITY"] or "starttls").lower()
    if security not in SECURITY_MODES:
        raise MailError(
            f'SMTP_SECURITY "{values["SMTP_SECURITY"]}" is not one of {", ".join(SECURITY_MODES)}'
        )
    port = _parse_port(values["SMTP_PORT"], security)
    user, password = values["SMTP_USER"] or None, values["SMTP_PASSWORD"] or None
    if bool(user) != bool(password):
        missing = "SMTP_PASSWORD" if user else "SMTP_USER"
        raise MailError(f"{missing} is not set: give both SMTP_USER and SMTP_PASSWORD, or neither")
    host = values["SMTP_HOST"] or None
    if host and password and security == "none" and host.lower() not in LOOPBACK_HOSTS:
        raise MailError(
            f"SMTP_SECURITY=none would send the password unencrypted to {host}; use starttls or ssl"
        )
    cafile = Path(values["SMTP_CAFILE"]) if values["SMTP_CAFILE"] else None
    if cafile and not cafile.is_file():
        raise MailError(f"SMTP_CAFILE {dataset.display_path(cafile)} is not a readable file")
    sender = parse_addresses(values["MAIL_FROM"] or DEFAULT_SENDER, "MAIL_FROM")
    if len(sender) != 1:
        raise MailError("MAIL_FROM must be exactly one address")
    return Settings(host, port, security, user, password, cafile, sender[0])


def _parse_port(text: str, security: str) -> int:
    if not text:
        return DEFAULT_PORTS[security]
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise MailError(f'SMTP_PORT "{text}" is not a port number (1-65535)')
    return int(text)


# --- addresses ---------------------------------------------------------------------------------


def parse_addresses(text: str | None, option: str) -> list[Address]:
    """``a@x.com, "Doe, Jane" <j@y.org>`` -> Addresses; anything malformed is a MailError."""
    addresses = []
    for item in _split_addresses(text or ""):
        try:
            header = policy.default.header_factory("To", item)
            invalid = [d for d in header.defects if not isinstance(d, ObsoleteHeaderDefect)]
            found = header.addresses
        except (ValueError, IndexError, HeaderParseError):  # the stdlib parser can trip
            invalid, found = True, ()
        if invalid or len(found) != 1 or not _plausible(found[0].addr_spec, item):
            raise MailError(f'{option}: "{item}" is not an e-mail address (expected name@domain)')
        addresses.append(found[0])
    if not addresses:
        raise MailError(f"{option}: no address given")
    return addresses


def _split_addresses(text: str) -> list[str]:
    """Split on commas (or semicolons) outside quotes and angle brackets; drop empty items."""
    items, current, quoted, angled = [], [], False, False
    previous = ""
    for char in text:
        if char == '"' and previous != "\\":
            quoted = not quoted
        elif char == "<" and not quoted:
            angled = True
        elif char == ">" and not quoted:
            angled = False
        if char in ",;" and not quoted and not angled:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
        previous = char
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def _plausible(addr_spec: str, item: str) -> bool:
    """Exactly one @, a local part, a domain with a dot (or localhost); ASCII, no spaces."""
    if not addr_spec.isascii() or any(c.isspace() for c in addr_spec) or addr_spec not in item:
        return False
    if addr_spec.count("@") != 1:
        return False
    local, domain = addr_spec.split("@")
    labels = domain.split(".")
    return bool(local) and (domain.lower() == "localhost" or (len(labels) > 1 and all(labels)))


def _dedupe(addresses: list[Address]) -> list[str]:
    seen, result = set(), []
    for address in addresses:
        if address.addr_spec.lower() not in seen:
            seen.add(address.addr_spec.lower())
            result.append(address.addr_spec)
    return result


# --- the message -------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyFigure:
    """One line of the key figures: a label, the value as in the report, and a note."""

    label: str
    value: str
    note: str = ""


def key_figures(summary: metrics.QuarterSummary) -> list[KeyFigure]:
    """Produced, delivered (with growth), goal, shortfall and its +-0.5% range, as the report."""
    s = summary
    previous, year_ago = _display(s.previous_quarter), _display(s.year_ago_quarter)

    def growth(qoq: float | None, yoy: float | None) -> str:
        return f"{fmt.percent(qoq)} QoQ vs {previous}, {fmt.percent(yoy)} YoY vs {year_ago}"

    rows = [
        KeyFigure("Produced", fmt.count(s.produced), growth(s.produced_qoq, s.produced_yoy)),
        KeyFigure(
            "Delivered",
            fmt.count(s.delivered, s.delivered_approx),
            growth(s.delivered_qoq, s.delivered_yoy),
        ),
    ]
    if s.goal is None:
        return rows + [KeyFigure("Deliveries goal", fmt.NOT_AVAILABLE, "no goal stated")]
    word = "Shortfall" if s.shortfall >= 0 else "Beat by"
    rows += [
        KeyFigure("Deliveries goal", fmt.count(s.goal)),
        KeyFigure(
            f"{word} (goal \u2212 delivered)",
            fmt.count(abs(s.shortfall), s.delivered_approx),
            f"{fmt.percent(abs(s.shortfall_fraction), signed=False)} of goal",
        ),
    ]
    low, high = s.shortfall_low, s.shortfall_high
    if low != high:
        ends = sorted((low, high), key=abs) if s.shortfall < 0 else (low, high)
        if ends[0] * ends[1] > 0:
            band = f"{fmt.count(abs(ends[0]))} to {fmt.count(abs(ends[1]))}"
        else:
            band = f"{fmt.count(ends[0], signed=True)} to {fmt.count(ends[1], signed=True)}"
        rows.append(
            KeyFigure(f"{word}, \u00b10.5% range", band, "deliveries were announced as approximate")
        )
    return rows


def default_subject(summary: metrics.QuarterSummary) -> str:
    """``Tesla Q3 2019 production and deliveries: ~97,000 delivered``."""
    delivered = fmt.count(summary.delivered, summary.delivered_approx)
    return f"Tesla {_display(summary.quarter)} production and deliveries: {delivered} delivered"


def plain_body(summary: metrics.QuarterSummary, pdf_name: str) -> str:
    """The text/plain part: headline paragraph, key figures, where the full report is."""
    lines = [narrative.headline(summary), "", f"Key figures, {_display(summary.quarter)}"]
    for row in key_figures(summary):
        note = f" ({row.note})" if row.note else ""
        lines.append(f"- {row.label}: {row.value}{note}")
    lines += ["", f"The full report is attached: {pdf_name}", "", *_footer(summary)]
    return "\n".join(lines) + "\n"


def html_body(summary: metrics.QuarterSummary, pdf_name: str, chart_cid: str, alt: str) -> str:
    """The text/html part: the same text, a key-figures table and the chart as ``cid:``."""
    e = html.escape
    quarter = e(_display(summary.quarter))
    cell = 'style="padding:3px 12px 3px 0;border-bottom:1px solid #ddd;text-align:{}"'
    rows = "\n".join(
        f"<tr><th {cell.format('left')}>{e(r.label)}</th>"
        f"<td {cell.format('right')}>{e(r.value)}</td>"
        f'<td {cell.format("left")}><span style="color:#555">{e(r.note)}</span></td></tr>'
        for r in key_figures(summary)
    )
    footer = "<br>".join(e(line) for line in _footer(summary))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(default_subject(summary))}</title></head>
<body style="font-family:Helvetica,Arial,sans-serif;font-size:14px;color:#111;max-width:760px">
<p>{e(narrative.headline(summary))}</p>
<table style="border-collapse:collapse;margin:12px 0">
<caption style="text-align:left;font-weight:bold;padding-bottom:4px">Key figures, {quarter}
</caption>
{rows}
</table>
<p><img src="cid:{e(chart_cid)}" alt="{e(alt)}" width="{CHART_DISPLAY_WIDTH}"
 style="max-width:100%;height:auto"></p>
<p>The full report is attached: <b>{e(pdf_name)}</b></p>
<p style="color:#777;font-size:12px">{footer}</p>
</body></html>
"""


def _footer(summary: metrics.QuarterSummary) -> list[str]:
    released = f" of {summary.release_date}" if summary.release_date else ""
    return [
        "--",
        f"tesla-deliveries: figures from Tesla's production and deliveries release{released}"
        f" ({summary.source}).",
    ]


def chart_png(ds: dataset.Dataset, summary: metrics.QuarterSummary) -> tuple[bytes, str]:
    """The report's main chart as PNG bytes (twice the display width in pixels) and its title."""
    figure = plots.production_vs_deliveries(
        metrics.quarterly_table(ds), summary.quarter, summary.goal
    )
    dpi = 2 * CHART_DISPLAY_WIDTH / figure.get_figwidth()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue(), sections.figure_title(figure)


def build_message(
    summary: metrics.QuarterSummary,
    chart: tuple[bytes, str],
    pdf: Path,
    to: list[Address],
    cc: list[Address],
    settings: Settings,
    subject: str | None = None,
) -> EmailMessage:
    """The whole message: text, HTML with the inline chart, and the PDF attached."""
    pdf_bytes = read_pdf(pdf)
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = settings.sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject or default_subject(summary)
    message["Date"] = formatdate(localtime=True)
    domain = settings.sender.domain or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(plain_body(summary, pdf.name))
    png, title = chart
    cid = make_msgid(domain=domain)
    message.add_alternative(html_body(summary, pdf.name, cid[1:-1], title), subtype="html")
    html_part = message.get_payload()[1]
    html_part.add_related(
        png, "image", "png", cid=cid, disposition="inline", filename="production-vs-deliveries.png"
    )
    message.add_attachment(pdf_bytes, *PDF_TYPE, filename=pdf.name)
    return message


def read_pdf(path: Path) -> bytes:
    """The report's PDF bytes; a missing, unreadable or non-PDF file is a MailError."""
    shown = dataset.display_path(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise MailError(f"the report {shown} does not exist; render it with make report") from None
    except OSError as exc:
        raise MailError(f"cannot read the report {shown}: {_reason(exc)}") from None
    if not data.startswith(b"%PDF-"):
        raise MailError(f"{shown} is not a PDF file; render it again with make report")
    return data


def attachments(message: EmailMessage) -> list[tuple[str, str, int]]:
    """(file name, content type, decoded size in bytes) of every attached or inline file."""
    return [
        (part.get_filename() or "", part.get_content_type(), len(part.get_content()))
        for part in message.walk()
        if part.get_filename()
    ]


# --- delivery ----------------------------------------------------------------------------------


def eml_path(pdf: Path) -> Path:
    """``report/<Q>/tesla-deliveries-<Q>.eml`` beside the PDF."""
    return pdf.with_suffix(".eml")


def write_eml(message: EmailMessage, target: Path) -> None:
    """Write the message atomically: a temporary file beside the target, then renamed."""
    data = message.as_bytes(policy=policy.SMTP)
    descriptor, temporary = tempfile.mkstemp(prefix=".writing-", suffix=".eml", dir=target.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise MailError(f"cannot write {dataset.display_path(target)}: {_reason(exc)}") from None


def send(message: EmailMessage, settings: Settings, recipients: list[str]) -> None:
    """Send over SMTP: every recipient is accepted or nothing is sent."""
    payload = message.as_bytes(policy=policy.SMTP)
    try:
        context = ssl.create_default_context(cafile=settings.cafile)
    except (OSError, ssl.SSLError) as exc:
        raise MailError(f"SMTP_CAFILE: cannot load CA certificates: {_reason(exc)}") from None
    stage = "connect"
    try:
        if settings.security == "ssl":
            client = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=SMTP_TIMEOUT, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT)
        with client:
            client.ehlo()
            if settings.security == "starttls":
                stage = "starttls"
                client.starttls(context=context)
                client.ehlo()
            if settings.user:
                stage = "login"
                client.login(settings.user, settings.password)
            stage = "send"
            _transmit(client, settings.sender.addr_spec, recipients, payload)
    except MailError:
        raise
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(_failure(exc, stage, settings)) from exc


def _transmit(client: smtplib.SMTP, sender: str, recipients: list[str], payload: bytes) -> None:
    options = [f"SIZE={len(payload)}"] if client.has_extn("size") else []
    code, reply = client.mail(sender, options)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for recipient in recipients:
        code, reply = client.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
    if refused:
        with contextlib.suppress(smtplib.SMTPException):
            client.rset()  # abandon the transaction: nobody gets the message
        details = "; ".join(f"{r} ({_reply(c, m)})" for r, (c, m) in refused.items())
        raise MailError(f"the SMTP server refused the recipient {details}; nothing was sent")
    client.data(payload)


def _failure(exc: BaseException, stage: str, settings: Settings) -> str:
    """One line saying what went wrong with the SMTP server and what to check."""
    where = settings.where
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(exc.__context__, OSError):
        exc = exc.__context__  # smtplib reports a read timeout or reset as a disconnection
    if isinstance(exc, socket.gaierror):
        return f"cannot find the SMTP host {settings.host} (DNS lookup failed); check SMTP_HOST"
    if isinstance(exc, ConnectionRefusedError):
        return f"{where} refused the connection; check SMTP_HOST and SMTP_PORT"
    if isinstance(exc, TimeoutError):
        return f"{where} did not answer within {SMTP_TIMEOUT} s; check SMTP_HOST and SMTP_PORT"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"the TLS certificate of {settings.host} could not be verified "
            f"({exc.verify_message}); set SMTP_CAFILE to a CA bundle that trusts it"
        )
    if isinstance(exc, ssl.SSLError):
        hint = "; try SMTP_SECURITY=starttls with port 587" if settings.security == "ssl" else ""
        return f"TLS with {where} failed: {_reason(exc)}{hint}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (
            f"{where} refused the login of SMTP_USER {settings.user} "
            f"({_reply(exc.smtp_code, exc.smtp_error)}); check SMTP_USER and SMTP_PASSWORD"
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError) and stage == "starttls":
        return f"{where} does not offer STARTTLS; set SMTP_SECURITY=ssl (or none, locally)"
    if isinstance(exc, smtplib.SMTPNotSupportedError) and stage == "login":
        return f"{where} does not offer login (AUTH) here; unset SMTP_USER or use TLS"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return (
            f"{where} refused the sender {exc.sender} ({_reply(exc.smtp_code, exc.smtp_error)});"
            " check MAIL_FROM"
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{where} refused the message ({_reply(exc.smtp_code, exc.smtp_error)})"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{where} closed the connection ({stage}): {exc or 'no reason given'}"
    if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return f"cannot reach the SMTP host {settings.host} ({_reason(exc)}); check SMTP_HOST"
    return f"sending to {where} failed: {_reason(exc)}"


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}".strip()


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _display(label: str) -> str:
    return quarters.display(quarters.parse_quarter(label))


# --- the command -------------------------------------------------------------------------------


def run(args) -> int:
    """``deliveries email``: build the message, then send it, write a .eml, or show it."""
    settings = None
    try:
        if args.subject and ("\n" in args.subject or "\r" in args.subject):
            raise MailError("--subject must be a single line")
        to = parse_addresses(args.to, "--to")
        cc = parse_addresses(args.cc, "--cc") if args.cc else []
        settings = load_settings()
        goal = dataset.parse_goal(args.goal)
        data_paths = dataset.resolve_paths(
            deliveries=args.data, goals=args.goals, revisions=args.revisions
        )
        ds = dataset.load(**data_paths)
        quarter = quarters.label(ds.require_quarter(args.quarter))
        summary = metrics.summarize(ds, quarter, goal=goal)
        paths = render.ensure_quarter(quarter, goal=goal, data_paths=data_paths, out_root=args.out)
        message = build_message(
            summary, chart_png(ds, summary), paths["pdf"], to, cc, settings, args.subject
        )
        recipients = _dedupe(to + cc)
        if args.dry_run:
            print(dry_run_text(message, settings, eml_path(paths["pdf"])))
        elif settings.host is None:
            target = eml_path(paths["pdf"])
            write_eml(message, target)
            print(
                f"wrote {dataset.display_path(target)} (no SMTP_HOST set: open it in a mail "
                "client to send it)"
            )
        else:
            send(message, settings, recipients)
            print(f"sent {paths['pdf'].name} to {', '.join(recipients)} via {settings.where}")
        return 0
    except DeliveriesError as exc:
        password = settings.password if settings else os.environ.get("SMTP_PASSWORD")
        if password and password in str(exc):
            raise type(exc)(str(exc).replace(password, "***")) from None
        raise


def dry_run_text(message: EmailMessage, settings: Settings, eml: Path) -> str:
    """The headers and attachments that would be sent, and how; nothing is sent or written."""
    lines = [f"{name}: {message[name]}" for name in ("From", "To", "Cc", "Subject", "Date")]
    lines = [line for line in lines if not line.endswith(": None")]
    lines.append("Attachments:")
    for name, content_type, size in attachments(message):
        lines.append(f"  {name}  {content_type}  {size:,} bytes")
    size = len(message.as_bytes(policy=policy.SMTP))
    how = f"send via {settings.where}" if settings.host else f"write {dataset.display_path(eml)}"
    lines.append(f"Message size: {size:,} bytes; would {how} (dry run: nothing sent or written)")
    return "\n".join(lines)
