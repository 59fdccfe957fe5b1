"""Sending a mail through the configured SMTP server (``JANITOR_SMTP_*``).

``smtplib`` in a thread: one short conversation per mail, bounded by ``smtp_timeout_seconds``. The
server's certificate is always verified (``starttls`` and ``tls``), against ``smtp_ca_file`` when it
is set. Errors say what failed in words an operator can act on and never carry the password; a
refusal the server calls temporary (4xx), a dropped connection or a timeout are ``transient`` (the
worker's job tries again later), anything else is not."""

from __future__ import annotations

import asyncio
import smtplib
import ssl

import structlog

from janitor.core.config import Settings
from janitor.mail.compose import Mail, message
from janitor.mail.errors import MailError, MailNotConfigured

log = structlog.get_logger(__name__)


def _tls_context(settings: Settings) -> ssl.SSLContext:
    cafile = str(settings.smtp_ca_file) if settings.smtp_ca_file is not None else None
    return ssl.create_default_context(cafile=cafile)


def _send(settings: Settings, mail: Mail) -> None:
    host = settings.smtp_host
    if not host:
        raise MailNotConfigured()
    where = f"the SMTP server {host}:{settings.smtp_port}"
    timeout = settings.smtp_timeout_seconds
    try:
        client: smtplib.SMTP
        if settings.smtp_security == "tls":
            client = smtplib.SMTP_SSL(host, settings.smtp_port, timeout=timeout, context=_tls_context(settings))
        else:
            client = smtplib.SMTP(host, settings.smtp_port, timeout=timeout)
        with client:
            client.ehlo()
            if settings.smtp_security == "starttls":
                if not client.has_extn("starttls"):
                    raise MailError(f"{where} does not offer STARTTLS: set JANITOR_SMTP_SECURITY to tls or none")
                client.starttls(context=_tls_context(settings))
                client.ehlo()
            if settings.smtp_username:
                if not client.has_extn("auth"):
                    raise MailError(f"{where} offers no login here: leave JANITOR_SMTP_USERNAME empty or use TLS")
                password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                client.login(settings.smtp_username, password)
            client.send_message(message(mail, sender=settings.mail_from))
    except MailError:
        raise
    except smtplib.SMTPAuthenticationError as e:
        raise MailError(f"{where} refused the login of {settings.smtp_username!r} ({e.smtp_code})") from None
    except smtplib.SMTPNotSupportedError:
        raise MailError(f"{where} does not support what these settings ask of it") from None
    except smtplib.SMTPRecipientsRefused as e:
        codes = sorted({code for code, _ in e.recipients.values()})
        raise MailError(
            f"{where} refused the address {mail.to!r} ({codes})", transient=all(c < 500 for c in codes)
        ) from None
    except smtplib.SMTPResponseException as e:
        raise MailError(f"{where} answered {e.smtp_code}", transient=400 <= e.smtp_code < 500) from None
    except ssl.SSLCertVerificationError as e:
        raise MailError(f"{where} has a certificate this host does not trust ({e.verify_message})") from None
    except ssl.SSLError as e:
        raise MailError(f"TLS with {where} failed ({e.reason}): check JANITOR_SMTP_SECURITY") from None
    except TimeoutError:
        raise MailError(f"{where} did not answer within {timeout:g} s", transient=True) from None
    except (smtplib.SMTPServerDisconnected, ConnectionError, OSError) as e:
        raise MailError(f"{where} could not be reached ({type(e).__name__})", transient=True) from None


async def send(settings: Settings, mail: Mail) -> None:
    """Send ``mail`` (raises ``MailError``; ``MailNotConfigured`` when no server is set)."""
    await asyncio.to_thread(_send, settings, mail)
    log.info("mail_sent", subject=mail.subject, host=settings.smtp_host)
