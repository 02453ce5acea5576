"""Delivery: over SMTP (every recipient accepted or nothing sent), or as a ``.eml`` file."""

from __future__ import annotations

import contextlib
import errno
import smtplib
import socket
import ssl
from email import policy
from email.message import EmailMessage
from pathlib import Path

from ... import files as atomic
from ...errors import MailError
from .settings import Settings, reason

SMTP_TIMEOUT = 20  # seconds, for connecting and for each reply


def eml_path(pdf: Path) -> Path:
    """``report/<Q>/tesla-deliveries-<Q>.eml`` beside the PDF."""
    return pdf.with_suffix(".eml")


def write_eml(message: EmailMessage, target: Path) -> None:
    """Write the message atomically; a full disk or read-only folder is one OutputError line."""
    atomic.write_atomically(target, message.as_bytes(policy=policy.SMTP))


def send_or_write(
    message: EmailMessage, settings: Settings, pdf: Path, recipients: list[str]
) -> Path | None:
    """Send over SMTP or, without ``SMTP_HOST``, write the ``.eml`` beside the PDF: the
    ``.eml``'s path, or None when the message was sent."""
    if settings.host is None:
        target = eml_path(pdf)
        write_eml(message, target)
        return target
    send(message, settings, recipients)
    return None


def send(message: EmailMessage, settings: Settings, recipients: list[str]) -> None:
    """Send over SMTP: every recipient is accepted or nothing is sent."""
    payload = message.as_bytes(policy=policy.SMTP)
    try:
        context = ssl.create_default_context(cafile=settings.cafile)
    except (OSError, ssl.SSLError) as exc:
        raise MailError(f"SMTP_CAFILE: cannot load CA certificates: {reason(exc)}") from None
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
        return f"TLS with {where} failed: {reason(exc)}{hint}"
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
        return f"cannot reach the SMTP host {settings.host} ({reason(exc)}); check SMTP_HOST"
    return f"sending to {where} failed: {reason(exc)}"


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}".strip()
