"""How to send: the ``SMTP_*`` settings (environment first, then ``./.env``) and addresses."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from email import policy
from email.errors import HeaderParseError, ObsoleteHeaderDefect
from email.headerregistry import Address
from pathlib import Path

from ...config import DOTENV, read_dotenv
from ...errors import MailError
from ...files import display_path

SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_SENDER = "tesla-deliveries@localhost"
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


def reason(exc: BaseException) -> str:
    """The plain reason of an exception, for a one-line message."""
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


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


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path = DOTENV) -> Settings:
    """The transport settings: environment variables win over ``.env`` (even when empty)."""
    environ = os.environ if environ is None else environ
    from_file = read_dotenv(dotenv, MailError)
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
        raise MailError(f"SMTP_CAFILE {display_path(cafile)} is not a readable file")
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


def dedupe(addresses: list[Address]) -> list[str]:
    seen, result = set(), []
    for address in addresses:
        if address.addr_spec.lower() not in seen:
            seen.add(address.addr_spec.lower())
            result.append(address.addr_spec)
    return result
