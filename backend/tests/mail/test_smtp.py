"""Outgoing mail against a real SMTP server on loopback (``devtools.mailcatcher``, aiosmtpd): plain,
STARTTLS and TLS from the first byte, with a login; every failure in words, never with the password."""

from __future__ import annotations

from pathlib import Path

import pytest

from janitor.cli import main
from janitor.core.config import Settings
from janitor.devtools.mailcatcher import MailCatcher, free_port, self_signed
from janitor.mail import smtp
from janitor.mail.compose import render
from janitor.mail.errors import MailError, MailNotConfigured

PASSWORD = "s3cret-smtp-password"


def _settings(port: int, **values: object) -> Settings:
    base: dict[str, object] = {"smtp_security": "none", "mail_from": "Janitor <janitor@example.org>"}
    return Settings(smtp_host="127.0.0.1", smtp_port=port, **(base | values))  # type: ignore[arg-type]


async def test_a_mail_arrives_with_its_plain_and_html_bodies_and_values_escaped_in_html_only() -> None:
    with MailCatcher() as catcher:
        await smtp.send(_settings(catcher.port), render("test", "ana@example.org", site="<b>media</b> & co"))
        (mail,) = catcher.mails
    assert mail.recipients == ["ana@example.org"]
    assert mail.sender == "janitor@example.org"
    assert mail.subject == "Media Janitor: a test mail"
    assert str(mail.message["From"]) == "Janitor <janitor@example.org>"
    assert mail.message["Message-ID"].endswith("@example.org>")
    assert "<b>media</b> & co" in mail.body("plain")
    assert "&lt;b&gt;media&lt;/b&gt; &amp; co" in mail.body("html")
    assert "<b>media</b>" not in mail.body("html")


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_tls_with_a_login_against_a_trusted_certificate(tmp_path: Path, security: str) -> None:
    cert = self_signed(tmp_path)
    login = ("janitor", PASSWORD)
    with MailCatcher(security=security, certificate=cert, login=login) as catcher:  # type: ignore[arg-type]
        settings = _settings(
            catcher.port, smtp_security=security, smtp_username="janitor", smtp_password=PASSWORD, smtp_ca_file=cert[0]
        )
        await smtp.send(settings, render("test", "ana@example.org", site="here"))
        assert [m.recipients for m in catcher.mails] == [["ana@example.org"]]


async def test_a_wrong_password_is_refused_in_words_without_the_password(tmp_path: Path) -> None:
    cert = self_signed(tmp_path)
    with MailCatcher(security="starttls", certificate=cert, login=("janitor", "another")) as catcher:
        settings = _settings(
            catcher.port,
            smtp_security="starttls",
            smtp_username="janitor",
            smtp_password=PASSWORD,
            smtp_ca_file=cert[0],
        )
        with pytest.raises(MailError) as caught:
            await smtp.send(settings, render("test", "ana@example.org", site="here"))
        assert catcher.mails == []
    assert "refused the login of 'janitor'" in str(caught.value)
    assert PASSWORD not in str(caught.value) and not caught.value.transient


async def test_a_certificate_this_host_does_not_trust_is_refused(tmp_path: Path) -> None:
    cert = self_signed(tmp_path)
    with MailCatcher(security="tls", certificate=cert) as catcher:
        with pytest.raises(MailError, match="certificate this host does not trust"):
            await smtp.send(_settings(catcher.port, smtp_security="tls"), render("test", "a@example.org", site="x"))
        assert catcher.mails == []


async def test_a_server_without_starttls_is_named_and_nothing_goes_in_clear() -> None:
    with MailCatcher() as catcher:
        with pytest.raises(MailError, match="does not offer STARTTLS"):
            await smtp.send(
                _settings(catcher.port, smtp_security="starttls"), render("test", "a@example.org", site="x")
            )
        assert catcher.mails == []


async def test_no_server_is_not_configured_and_an_unreachable_one_is_transient() -> None:
    with pytest.raises(MailNotConfigured, match="JANITOR_SMTP_HOST"):
        await smtp.send(Settings(smtp_host=""), render("test", "a@example.org", site="x"))
    with pytest.raises(MailError) as caught:
        await smtp.send(_settings(free_port()), render("test", "a@example.org", site="x"))
    assert caught.value.transient and "could not be reached" in str(caught.value)


def test_a_template_needs_every_value_and_an_unknown_one_is_an_error() -> None:
    with pytest.raises(MailError, match="needs the value 'site'"):
        render("test", "a@example.org")
    with pytest.raises(MailError, match="no mail template 'nope'"):
        render("nope", "a@example.org")


def test_the_cli_sends_a_test_mail_or_says_why_not(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with MailCatcher() as catcher:
        for key, value in {"HOST": "127.0.0.1", "PORT": str(catcher.port), "SECURITY": "none"}.items():
            monkeypatch.setenv(f"JANITOR_SMTP_{key}", value)
        assert main(["send-test-mail", "Ana@Example.org"]) == 0
        assert [m.recipients for m in catcher.mails] == [["Ana@example.org"]]
    assert "sent a test mail to Ana@example.org" in capsys.readouterr().out
    assert main(["send-test-mail", "not-an-address"]) == 2
    assert "not an e-mail address" in capsys.readouterr().err
    monkeypatch.setenv("JANITOR_SMTP_HOST", "")
    assert main(["send-test-mail", "ana@example.org"]) == 1
    assert "JANITOR_SMTP_HOST" in capsys.readouterr().err


async def test_a_login_the_server_does_not_offer_is_named_and_nothing_is_sent() -> None:
    with MailCatcher() as catcher:
        settings = _settings(catcher.port, smtp_username="janitor", smtp_password=PASSWORD)
        with pytest.raises(MailError, match="offers no login here") as caught:
            await smtp.send(settings, render("test", "a@example.org", site="x"))
        assert catcher.mails == []
    assert PASSWORD not in str(caught.value)
