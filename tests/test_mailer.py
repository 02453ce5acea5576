"""`deliveries email` against real SMTP servers (aiosmtpd on 127.0.0.1) and as a .eml file.

The 2019Q3 report is rendered once per session; every test reuses it through ``--out``.
"""

from __future__ import annotations

import datetime
import errno
import inspect
import ipaddress
import re
import socket
import ssl
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from deliveries import cli, config, render
from deliveries.delivery import mailer
from deliveries.errors import DeliveriesError, MailError

from .conftest import free_port

QUARTER = "2019Q3"
USER = "analyst"
PASSWORD = "Zq9-distinctive-P4ssw0rd-7731"
MAX_MESSAGE_BYTES = 2_000_000
ENV_NAMES = (*mailer.SETTING_NAMES, "DEBUG")


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def report_root(tmp_path_factory) -> Path:
    """The 2019Q3 report, rendered once for the whole session."""
    root = tmp_path_factory.mktemp("report")
    render.ensure_quarter(QUARTER, out_root=root)
    return root


@pytest.fixture
def pdf(report_root) -> Path:
    return config.quarter_paths(report_root, QUARTER)["pdf"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No SMTP_* from the developer's shell or .env: each test sets what it needs."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@dataclass
class Received:
    """One message as the server received it."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    login: str | None


class Recorder:
    """An aiosmtpd handler keeping what it receives; refuses the addresses in ``refuse``."""

    def __init__(self, refuse: tuple[str, ...] = ()):
        self.refuse = set(refuse)
        self.messages: list[Received] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.login.decode() if session.authenticated else None
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, login)
        )
        return "250 Message accepted for delivery"


def check_password(server, session, envelope, mechanism, auth_data) -> AuthResult:
    """Accept USER/PASSWORD only."""
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@pytest.fixture
def start_server():
    """Start an SMTP server on 127.0.0.1: ``start_server(**smtp_options) -> (recorder, port)``."""
    controllers = []

    def start(refuse: tuple[str, ...] = (), **options) -> tuple[Recorder, int]:
        recorder = Recorder(refuse)
        port = free_port()
        controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return recorder, port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture(scope="session")
def certificates(tmp_path_factory) -> dict[str, Path]:
    """A throwaway CA and a certificate it signed for CN/SAN localhost (and 127.0.0.1)."""
    folder = tmp_path_factory.mktemp("tls")
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tesla-deliveries test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = {name: folder / f"{name}.pem" for name in ("ca", "cert", "key")}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def _key_usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


@pytest.fixture
def tls_server(start_server, certificates):
    """An SMTP server that requires STARTTLS and a login (offered only after TLS)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates["cert"], certificates["key"])
    return start_server(
        tls_context=context,
        require_starttls=True,
        authenticator=check_password,
        auth_required=True,
    )


# --- helpers -----------------------------------------------------------------------------------


def email_args(report_root: Path, to: str = "analyst@example.com", **options) -> dict:
    """The arguments of ``mailer.email_report``, reusing the session's report."""
    return {"quarter": QUARTER, "to": to, "out_root": report_root, **options}


def email(arguments: dict) -> int:
    return mailer.email_report(arguments.pop("quarter"), **arguments)


def use_server(monkeypatch, port: int, host: str = "127.0.0.1", security: str = "none") -> None:
    monkeypatch.setenv("SMTP_HOST", host)
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", security)


def snapshot(report_root: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and modification time of each report file."""
    return {
        ext: (path.read_bytes(), path.stat().st_mtime_ns)
        for ext, path in config.quarter_paths(report_root, QUARTER).items()
    }


@pytest.fixture
def report_before(report_root) -> dict[str, tuple[bytes, int]]:
    """The report's files before the test, brought up to date first (inputs may have changed)."""
    render.ensure_quarter(QUARTER, out_root=report_root)
    return snapshot(report_root)


def fails(args, *fragments: str) -> str:
    """``mailer.email_report`` raises a one-line error containing each fragment."""
    with pytest.raises(DeliveriesError) as caught:
        email(args)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def check_message(raw: bytes, pdf: Path):
    """Parse the message and check every part; return it."""
    assert len(raw) < MAX_MESSAGE_BYTES
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == (
        "Tesla Q3 2019 production and deliveries: ~97,000 delivered, missed consensus (99,000)"
    )
    assert message["Date"] and message["Message-ID"]
    plain = message.get_body(preferencelist=("plain",))
    text = plain.get_content()
    for figure in ("96,155", "~97,000", "100,000", "+10.5%", "+20.0%", "2,515 to 3,485"):
        assert figure in text, figure
    assert "3,000 short of the 100,000 goal" in text
    assert "missed the FactSet consensus of 99,000 by ~2,000 (2.0%)" in text
    assert "- Consensus: 99,000 (FactSet)" in text
    html_part = message.get_body(preferencelist=("html",))
    markup = html_part.get_content()
    assert "96,155" in markup and "~97,000" in markup
    cid = re.search(r'<img src="cid:([^"]+)"', markup).group(1)
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert [p["Content-ID"] for p in images] == [f"<{cid}>"]
    assert images[0].get_content().startswith(b"\x89PNG")
    related = [p for p in message.walk() if p.get_content_type() == "multipart/related"]
    assert related and images[0] in related[0].iter_parts()
    attached = list(message.iter_attachments())
    assert [(a.get_filename(), a.get_content_type()) for a in attached] == [
        (pdf.name, "application/pdf")
    ]
    assert attached[0].get_content() == pdf.read_bytes()
    return message


# --- the .eml default --------------------------------------------------------------------------


@pytest.mark.e2e
def test_without_smtp_host_writes_a_eml_beside_the_pdf(report_root, pdf, capsys):
    args = email_args(report_root, cc='"Doe, Jane" <jane@example.org>')
    assert email(args) == 0
    eml = pdf.with_suffix(".eml")
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and str(eml) in out[0]
    message = check_message(eml.read_bytes(), pdf)
    assert message["To"] == "analyst@example.com"
    assert message["Cc"].addresses[0].display_name == "Doe, Jane"
    assert message["From"] == mailer.DEFAULT_SENDER
    assert not list(eml.parent.glob(".*.tmp")), "temporary file left behind"


@pytest.mark.e2e
def test_html_escapes_data_derived_text(report_root, pdf, monkeypatch):
    real_footer = mailer.message._footer
    with_markup = lambda s: [*real_footer(s), "<script>x</script>"]  # noqa: E731
    monkeypatch.setattr(mailer.message, "_footer", with_markup)
    assert email(email_args(report_root)) == 0
    message = message_from_bytes(pdf.with_suffix(".eml").read_bytes(), policy=policy.default)
    markup = message.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in markup and "&lt;script&gt;" in markup


@pytest.mark.e2e
def test_the_report_is_rendered_through_ensure_quarter(report_root, monkeypatch):
    calls = []
    real = render.ensure_quarter

    def spy(quarter, **kwargs):
        calls.append((quarter, kwargs))
        return real(quarter, **kwargs)

    monkeypatch.setattr(render, "ensure_quarter", spy)
    assert email(email_args(report_root, dry_run=True)) == 0
    assert calls and calls[0][0] == QUARTER
    assert Path(calls[0][1]["out_root"]) == report_root


@pytest.mark.e2e
def test_dry_run_prints_headers_and_attachments_and_writes_nothing(
    report_root, pdf, capsys, monkeypatch
):
    folder = pdf.parent
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    use_server(monkeypatch, free_port())  # nothing listens there: a send would fail
    assert email(email_args(report_root, dry_run=True, cc="cfo@example.com")) == 0
    out = capsys.readouterr().out
    for header in (
        "From: ",
        "To: analyst@example.com",
        "Cc: cfo@example.com",
        "Subject: ",
        "Date:",
    ):
        assert header in out
    assert f"{pdf.name}  application/pdf  {pdf.stat().st_size:,} bytes" in out
    assert "image/png" in out
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


# --- SMTP --------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_sends_over_plain_smtp(report_root, pdf, start_server, monkeypatch, capsys):
    recorder, port = start_server()
    use_server(monkeypatch, port)
    monkeypatch.setenv("MAIL_FROM", "Reports <reports@example.com>")
    args = email_args(report_root, cc="cfo@example.com", to="analyst@example.com,ir@example.com")
    assert email(args) == 0
    (received,) = recorder.messages
    assert received.mail_from == "reports@example.com"
    assert received.rcpt_tos == ["analyst@example.com", "ir@example.com", "cfo@example.com"]
    assert received.login is None
    message = check_message(received.content, pdf)
    assert message["To"] == "analyst@example.com, ir@example.com"
    assert message["Cc"] == "cfo@example.com"
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "analyst@example.com, ir@example.com, cfo@example.com" in out[0]


@pytest.mark.e2e
def test_sends_with_login_on_a_plain_local_connection(report_root, pdf, start_server, monkeypatch):
    recorder, port = start_server(authenticator=check_password, auth_require_tls=False)
    use_server(monkeypatch, port)
    monkeypatch.setenv("SMTP_USER", USER)
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    assert email(email_args(report_root)) == 0
    assert recorder.messages[0].login == USER
    check_message(recorder.messages[0].content, pdf)


@pytest.mark.e2e
def test_sends_over_starttls_with_a_verified_certificate(
    report_root, pdf, tls_server, certificates, monkeypatch
):
    recorder, port = tls_server
    use_server(monkeypatch, port, host="localhost", security="starttls")
    monkeypatch.setenv("SMTP_CAFILE", str(certificates["ca"]))
    monkeypatch.setenv("SMTP_USER", USER)
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    assert email(email_args(report_root)) == 0
    assert recorder.messages[0].login == USER
    check_message(recorder.messages[0].content, pdf)


@pytest.mark.e2e
def test_an_untrusted_certificate_is_refused(report_root, tls_server, monkeypatch):
    recorder, port = tls_server
    use_server(monkeypatch, port, host="localhost", security="starttls")
    monkeypatch.setenv("SMTP_USER", USER)
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    fails(email_args(report_root), "could not be verified", "SMTP_CAFILE")
    assert recorder.messages == []


@pytest.mark.e2e
def test_sends_over_implicit_tls(report_root, pdf, start_server, certificates, monkeypatch):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates["cert"], certificates["key"])
    # aiosmtpd counts only STARTTLS as TLS for AUTH; this connection is TLS from the start
    recorder, port = start_server(
        ssl_context=context, authenticator=check_password, auth_require_tls=False
    )
    use_server(monkeypatch, port, host="localhost", security="ssl")
    monkeypatch.setenv("SMTP_CAFILE", str(certificates["ca"]))
    monkeypatch.setenv("SMTP_USER", USER)
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    assert email(email_args(report_root)) == 0
    assert recorder.messages[0].login == USER
    check_message(recorder.messages[0].content, pdf)


@pytest.mark.e2e
def test_starttls_is_required_when_asked_for(report_root, start_server, monkeypatch):
    recorder, port = start_server()  # offers no STARTTLS
    use_server(monkeypatch, port, security="starttls")
    fails(email_args(report_root), "does not offer STARTTLS")
    assert recorder.messages == []


@pytest.mark.e2e
def test_settings_come_from_dotenv_and_the_environment_wins(
    report_root, start_server, monkeypatch, tmp_path
):
    recorder, port = start_server()
    (tmp_path / ".env").write_text(
        "# mail settings\n"
        "export SMTP_HOST=127.0.0.1\n"
        f'SMTP_PORT="{port}"\n'
        "SMTP_SECURITY='none'  \n"
        "\n"
        "MAIL_FROM=dotenv@example.com # overridden below\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("MAIL_FROM", "environment@example.com")
    assert email(email_args(report_root)) == 0
    assert recorder.messages[0].mail_from == "environment@example.com"


def test_an_empty_smtp_host_in_the_environment_overrides_dotenv(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("SMTP_HOST=mail.example.com\n", encoding="utf-8")
    assert mailer.load_settings().host == "mail.example.com"
    monkeypatch.setenv("SMTP_HOST", "")
    assert mailer.load_settings().host is None


def test_read_dotenv_parses_comments_quotes_and_export(tmp_path):
    path = tmp_path / "settings.env"
    path.write_text(
        '# comment\nexport A=1\nB = "two words"\nC=\'x # y\'\nD=plain # note\nE=\nF="q\\"uote"\n',
        encoding="utf-8",
    )
    assert mailer.read_dotenv(path) == {
        "A": "1",
        "B": "two words",
        "C": "x # y",
        "D": "plain",
        "E": "",
        "F": 'q"uote',
    }
    assert mailer.read_dotenv(tmp_path / "missing.env") == {}


def test_a_malformed_dotenv_line_is_named_without_its_content(tmp_path):
    path = tmp_path / ".env"
    path.write_text(f"SMTP_HOST=x\n{PASSWORD}\n", encoding="utf-8")
    with pytest.raises(MailError) as caught:
        mailer.read_dotenv(path, MailError)
    assert "line 2" in str(caught.value) and PASSWORD not in str(caught.value)


# --- credentials -------------------------------------------------------------------------------


@pytest.mark.e2e
def test_the_password_appears_nowhere(
    report_root, pdf, start_server, monkeypatch, capsys, tmp_path
):
    recorder, port = start_server(authenticator=check_password, auth_require_tls=False)
    monkeypatch.setenv("SMTP_USER", USER)
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("DEBUG", "1")  # tracebacks too
    base = ["email", "--quarter", QUARTER, "--to", "analyst@example.com", "--out"]
    # the .eml default, a dry run, a send, and a refused login
    assert cli.main([*base, str(report_root)]) == 0
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", "none")
    assert cli.main([*base, str(report_root), "--dry-run"]) == 0
    assert cli.main([*base, str(report_root)]) == 0
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD + "-wrong")
    assert cli.main([*base, str(report_root)]) == 2
    captured = capsys.readouterr()
    assert PASSWORD not in captured.out + captured.err
    assert "refused the login" in captured.err
    files = [pdf.with_suffix(".eml"), *config.quarter_paths(report_root, QUARTER).values()]
    for path in files:
        assert PASSWORD.encode() not in path.read_bytes(), path
    assert PASSWORD.encode() not in recorder.messages[0].content
    assert PASSWORD not in repr(mailer.load_settings())


# --- failures ----------------------------------------------------------------------------------


@pytest.mark.e2e
def test_authentication_refused(report_root, report_before, start_server, monkeypatch):
    recorder, port = start_server(authenticator=check_password, auth_require_tls=False)
    use_server(monkeypatch, port)
    monkeypatch.setenv("SMTP_USER", USER)
    monkeypatch.setenv("SMTP_PASSWORD", "wrong")
    fails(email_args(report_root), "refused the login", USER, "SMTP_PASSWORD")
    assert recorder.messages == []
    assert snapshot(report_root) == report_before


@pytest.mark.e2e
def test_a_refused_recipient_is_named_and_nobody_gets_the_message(
    report_root, report_before, start_server, monkeypatch
):
    recorder, port = start_server(refuse=("nobody@example.com",))
    use_server(monkeypatch, port)
    args = email_args(report_root, to="analyst@example.com,nobody@example.com")
    message = fails(args, "nobody@example.com", "550", "nothing was sent")
    assert "analyst@example.com" not in message
    assert recorder.messages == []
    assert snapshot(report_root) == report_before


@pytest.mark.e2e
def test_connection_refused(report_root, report_before, monkeypatch):
    use_server(monkeypatch, free_port())
    fails(email_args(report_root), "refused the connection", "SMTP_PORT")
    assert snapshot(report_root) == report_before


@pytest.mark.e2e
def test_unknown_host(report_root, report_before, monkeypatch):
    use_server(monkeypatch, 25, host="mail.nonexistent.invalid")
    fails(email_args(report_root), "cannot find the SMTP host mail.nonexistent.invalid")
    assert snapshot(report_root) == report_before


@pytest.mark.e2e
def test_no_route_to_host(report_root, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OSError(errno.ENETUNREACH, "Network is unreachable")

    use_server(monkeypatch, 25, host="192.0.2.1")
    monkeypatch.setattr(socket, "create_connection", unreachable)
    fails(email_args(report_root), "cannot reach the SMTP host 192.0.2.1", "unreachable")


@pytest.mark.e2e
def test_a_silent_server_times_out(report_root, monkeypatch):
    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        use_server(monkeypatch, silent.getsockname()[1])
        monkeypatch.setattr(mailer.transport, "SMTP_TIMEOUT", 0.5)
        fails(email_args(report_root), "did not answer within 0.5 s")


@pytest.mark.e2e
@pytest.mark.parametrize(
    "to",
    [
        "analyst",
        "analyst@",
        "@example.com",
        "analyst@@example.com",
        "a@b@example.com",
        "analyst@example",
        "analyst@exa mple.com",
        "analyst@example.com bob@example.com",
        "Jane <jane@example.com",
        "analyst@example..com",
        " , ",
    ],
)
def test_malformed_addresses_are_refused_before_connecting(report_root, monkeypatch, to):
    use_server(monkeypatch, free_port())  # connecting would fail differently
    fails(email_args(report_root, to=to), "--to")


@pytest.mark.e2e
def test_malformed_cc_and_sender(report_root, monkeypatch):
    fails(email_args(report_root, cc="cfo"), '--cc: "cfo" is not an e-mail address')
    monkeypatch.setenv("MAIL_FROM", "reports")
    fails(email_args(report_root), "MAIL_FROM")


def test_addresses_with_names_quotes_and_localhost_are_accepted():
    parsed = mailer.parse_addresses(
        '"Doe, Jane" <jane@example.org>; root@localhost, J. R. <jr@sub.example.co.uk>', "--to"
    )
    assert [a.addr_spec for a in parsed] == [
        "jane@example.org",
        "root@localhost",
        "jr@sub.example.co.uk",
    ]


@pytest.mark.e2e
def test_cli_prints_one_error_line_for_a_malformed_address(report_root, capsys):
    argv = [
        "email",
        "--quarter",
        QUARTER,
        "--to",
        "analyst@@example.com",
        "--out",
        str(report_root),
    ]
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --to:"), lines
    assert "analyst@@example.com" in lines[0]


@pytest.mark.e2e
@pytest.mark.parametrize(
    "name, value, fragment",
    [
        ("SMTP_PORT", "smtp", 'SMTP_PORT "smtp" is not a port number'),
        ("SMTP_PORT", "70000", 'SMTP_PORT "70000"'),
        ("SMTP_SECURITY", "tls2", 'SMTP_SECURITY "tls2" is not one of starttls, ssl, none'),
        ("SMTP_CAFILE", "missing-ca.pem", "SMTP_CAFILE missing-ca.pem"),
        ("SMTP_USER", USER, "SMTP_PASSWORD is not set"),
    ],
)
def test_bad_settings(report_root, report_before, monkeypatch, name, value, fragment):
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv(name, value)
    fails(email_args(report_root), fragment)
    assert snapshot(report_root) == report_before


@pytest.mark.e2e
def test_a_password_is_not_sent_unencrypted_to_a_remote_host(report_root, monkeypatch):
    use_server(monkeypatch, 25, host="mail.example.com")
    monkeypatch.setenv("SMTP_USER", USER)
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    message = fails(email_args(report_root), "unencrypted", "mail.example.com")
    assert PASSWORD not in message


@pytest.mark.e2e
def test_a_missing_pdf(report_root, monkeypatch, tmp_path):
    missing = {"pdf": tmp_path / "gone" / "tesla-deliveries-2019Q3.pdf"}
    monkeypatch.setattr(render, "ensure_quarter", lambda *a, **k: missing)
    fails(email_args(report_root), "does not exist")


@pytest.mark.e2e
def test_an_unreadable_pdf(report_root, monkeypatch, tmp_path):
    folder = tmp_path / "tesla-deliveries-2019Q3.pdf"
    folder.mkdir()  # a folder where the file should be: reading it fails on any platform
    monkeypatch.setattr(render, "ensure_quarter", lambda *a, **k: {"pdf": folder})
    fails(email_args(report_root), "cannot read the report")


@pytest.mark.e2e
def test_a_damaged_pdf_is_not_sent_and_stays_as_it_was(report_root, monkeypatch, tmp_path):
    damaged = tmp_path / "2019Q3" / "tesla-deliveries-2019Q3.pdf"
    damaged.parent.mkdir()
    damaged.write_bytes(b"not a pdf")
    before = damaged.stat().st_mtime_ns
    monkeypatch.setattr(render, "ensure_quarter", lambda *a, **k: {"pdf": damaged})
    fails(email_args(report_root), "is not a PDF file")
    assert damaged.read_bytes() == b"not a pdf" and damaged.stat().st_mtime_ns == before
    assert not damaged.with_suffix(".eml").exists()


@pytest.mark.e2e
def test_a_custom_subject_is_used_and_must_be_one_line(report_root, capsys):
    assert email(email_args(report_root, subject="Q3 numbers", dry_run=True)) == 0
    assert "Subject: Q3 numbers" in capsys.readouterr().out
    fails(email_args(report_root, subject="Q3\nBcc: x@example.com"), "single line")


# --- the command's interface -------------------------------------------------------------------


def test_email_report_takes_explicit_arguments():
    signature = inspect.signature(mailer.email_report)
    assert str(signature) == (
        "(quarter: 'str', *, to: 'str | Sequence[str]', cc: 'str | Sequence[str] | None' = None, "
        "subject: 'str | None' = None, goal: 'int | str | None' = None, "
        "consensus: 'int | str | None' = None, "
        "data_paths: 'dict | None' = None, out_root: 'Path | str | None' = None, "
        "dry_run: 'bool' = False) -> 'int'"
    )


@pytest.mark.e2e
def test_addresses_may_be_given_as_a_list(report_root, capsys):
    arguments = email_args(report_root, dry_run=True, cc=["cfo@example.com", "ceo@example.com"])
    arguments["to"] = ["analyst@example.com", "Jane <jane@example.org>"]
    assert email(arguments) == 0
    out = capsys.readouterr().out
    assert "To: analyst@example.com, Jane <jane@example.org>" in out
    assert "Cc: cfo@example.com, ceo@example.com" in out


@pytest.mark.e2e
def test_the_cli_passes_every_email_option_through(report_root, capsys):
    argv = ["email", "--to", "analyst@example.com", "--cc", "cfo@example.com"]
    argv += ["--subject", "Q3 in brief", "--goal", "100000", "--out", str(report_root)]
    assert cli.main([*argv, "--dry-run"]) == 0  # --quarter defaults to config.DEFAULT_QUARTER
    out = capsys.readouterr().out
    assert "Cc: cfo@example.com" in out and "Subject: Q3 in brief" in out
    assert "tesla-deliveries-2019Q3.pdf  application/pdf" in out
    assert "dry run: nothing sent or written" in out


@pytest.mark.e2e
def test_a_consensus_given_for_the_email_sets_the_subject(report_root, capsys):
    argv = ["email", "--to", "analyst@example.com", "--consensus", "95000"]
    assert cli.main([*argv, "--out", str(report_root), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Subject: Tesla Q3 2019 production and deliveries: ~97,000 delivered, beat" in out
    assert "consensus (95,000)" in out
