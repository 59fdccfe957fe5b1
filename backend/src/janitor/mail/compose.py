"""A mail from a template: ``templates/<name>.txt`` (the first line ``Subject: …``, a blank line,
the plain-text body) and ``templates/<name>.html`` (the HTML body), both ``string.Template`` texts
(``$name``). Values are escaped in the HTML body, never in the plain one."""

from __future__ import annotations

import html
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from functools import cache
from importlib import resources
from string import Template

from janitor.mail.errors import MailError


@dataclass(frozen=True)
class Mail:
    """One mail to one address, ready to send."""

    to: str
    subject: str
    text: str
    html: str


@cache
def _template(name: str, suffix: str) -> Template:
    source = resources.files("janitor.mail").joinpath("templates", f"{name}.{suffix}")
    try:
        return Template(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MailError(f"there is no mail template {name!r}") from None


def render(name: str, to: str, **values: str) -> Mail:
    """The mail ``name`` to ``to``, its placeholders filled from ``values`` (a missing one is an error)."""
    try:
        text = _template(name, "txt").substitute(values)
        body = _template(name, "html").substitute({k: html.escape(v) for k, v in values.items()})
    except KeyError as missing:
        raise MailError(f"the mail template {name!r} needs the value {missing}") from None
    head, _, plain = text.partition("\n\n")
    if not head.startswith("Subject: "):
        raise MailError(f"the mail template {name!r} must begin with a 'Subject: ' line")
    return Mail(to=to, subject=head.removeprefix("Subject: ").strip(), text=plain, html=body)


def message(mail: Mail, *, sender: str) -> EmailMessage:
    """``mail`` as an RFC 5322 message from ``sender``: plain text, with the HTML as its alternative."""
    out = EmailMessage()
    out["From"] = sender
    out["To"] = mail.to
    out["Subject"] = mail.subject
    domain = _domain(sender)
    out["Message-ID"] = make_msgid(domain=domain) if domain else make_msgid()
    out.set_content(mail.text)
    out.add_alternative(mail.html, subtype="html")
    return out


def _domain(sender: str) -> str | None:
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    try:
        return Address(addr_spec=address).domain or None
    except (ValueError, IndexError):
        return None
