"""A local SMTP server that keeps every mail it is given, for development and tests (no mail leaves
the machine): ``MailCatcher`` (aiosmtpd on loopback, optionally with STARTTLS or TLS from the first
byte and a login), and ``self_signed`` for a certificate the client is told to trust.

``python -m janitor.devtools.mailcatcher --port 1025 --http-port 1080`` runs one for ``./dev up``,
with the mails readable over HTTP: ``/`` (a page), ``/messages`` (JSON, newest last; ``?to=`` filters
by recipient) and ``DELETE /messages`` (forget them all)."""

from __future__ import annotations

import argparse
import datetime as dt
import html
import ipaddress
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Caught:
    """One mail as the catcher received it."""

    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def body(self, subtype: Literal["plain", "html"]) -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        if part is None or part.get_content_subtype() != subtype:
            return ""
        content: str = part.get_content()
        return content


@dataclass
class _Handler:
    refuse: frozenset[str] = frozenset()
    mails: list[Caught] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.mails.append(Caught(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class MailCatcher:
    """``with MailCatcher() as catcher:`` an SMTP server on ``127.0.0.1:catcher.port``.

    ``security``: ``none``, ``starttls`` (required before MAIL) or ``tls`` (TLS from the first byte),
    the last two with ``certificate`` (a ``(cert, key)`` pair of PEM files). With ``login`` (user,
    password) the server asks for it and refuses any other. Mail to an address in ``refuse`` is refused
    for good (550), as a server refuses a mailbox it does not have."""

    def __init__(
        self,
        *,
        port: int | None = None,
        security: Literal["none", "starttls", "tls"] = "none",
        certificate: tuple[Path, Path] | None = None,
        login: tuple[str, str] | None = None,
        refuse: frozenset[str] = frozenset(),
    ) -> None:
        self.port = port or free_port()
        self._handler = _Handler(refuse=frozenset(a.lower() for a in refuse))
        self._login = login
        kwargs: dict[str, Any] = {}
        if security != "none":
            if certificate is None:
                raise ValueError("a TLS catcher needs a certificate")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*certificate)
            if security == "starttls":
                kwargs |= {"tls_context": context, "require_starttls": True}
            else:
                kwargs["ssl_context"] = context
        if login is not None:
            # aiosmtpd offers AUTH over TLS after STARTTLS only; with TLS from the first byte it does
            # not know the connection is encrypted, so it is told not to ask.
            kwargs |= {"authenticator": self._authenticate, "auth_require_tls": security == "starttls"}
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and self._login is not None:
            ok = (auth_data.login.decode(), auth_data.password.decode()) == self._login
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)

    def __enter__(self) -> MailCatcher:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    @property
    def mails(self) -> list[Caught]:
        with self._handler.lock:
            return list(self._handler.mails)

    def clear(self) -> None:
        with self._handler.lock:
            self._handler.mails.clear()


def as_json(mail: Caught) -> dict[str, Any]:
    return {
        "from": mail.sender,
        "to": mail.recipients,
        "subject": mail.subject,
        "text": mail.body("plain"),
        "html": mail.body("html"),
    }


def http_server(catcher: MailCatcher, port: int) -> ThreadingHTTPServer:
    """An HTTP server on ``127.0.0.1:port`` that shows ``catcher``'s mails (see the module's docstring)."""

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            to = {a.lower() for a in parse_qs(url.query).get("to", [])}
            mails = [as_json(m) for m in catcher.mails if not to or to & {r.lower() for r in m.recipients}]
            if url.path == "/messages":
                self._send(200, json.dumps(mails).encode(), "application/json")
            elif url.path == "/":
                items = "".join(
                    f"<article><h2>{html.escape(m['subject'])}</h2><p>to {html.escape(', '.join(m['to']))}</p>"
                    f"<pre>{html.escape(m['text'])}</pre></article>"
                    for m in reversed(mails)
                )
                page = f"<!doctype html><title>Mails</title><h1>{len(mails)} mail(s)</h1>{items}"
                self._send(200, page.encode(), "text/html; charset=utf-8")
            else:
                self._send(404, b"not found", "text/plain")

        def do_DELETE(self) -> None:
            if urlsplit(self.path).path != "/messages":
                self._send(404, b"not found", "text/plain")
                return
            catcher.clear()
            self._send(204, b"", "text/plain")

        def log_message(self, format: str, *args: Any) -> None:
            return

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def self_signed(directory: Path, host: str = "localhost") -> tuple[Path, Path]:
    """A certificate for ``host`` and 127.0.0.1, valid for a day, and its key: ``(cert.pem, key.pem)``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(host), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def main() -> None:
    parser = argparse.ArgumentParser(description="an SMTP server on loopback that keeps every mail")
    parser.add_argument("--port", type=int, required=True, help="SMTP port")
    parser.add_argument("--http-port", type=int, required=True, help="where the mails can be read")
    args = parser.parse_args()
    with MailCatcher(port=args.port) as catcher:
        server = http_server(catcher, args.http_port)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
