"""The development mail catcher's HTTP side (``./dev up`` prints its address): the mails as JSON and
as a page, filtered by recipient, and forgotten on DELETE."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from janitor.core.config import Settings
from janitor.devtools.mailcatcher import MailCatcher, free_port, http_server
from janitor.mail import smtp
from janitor.mail.compose import render


@pytest.fixture
def catcher() -> Iterator[tuple[MailCatcher, str]]:
    with MailCatcher() as caught:
        server = http_server(caught, free_port())
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield caught, f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()


async def test_mails_are_read_as_json_and_as_a_page_and_can_be_forgotten(catcher: tuple[MailCatcher, str]) -> None:
    caught, base = catcher
    settings = Settings(smtp_host="127.0.0.1", smtp_port=caught.port, smtp_security="none")
    for to, site in (("ana@example.org", "<one>"), ("bo@example.org", "two")):
        await smtp.send(settings, render("test", to, site=site))
    async with httpx.AsyncClient(base_url=base) as client:
        everything = (await client.get("/messages")).json()
        assert [(m["to"], m["subject"]) for m in everything] == [
            (["ana@example.org"], "Media Janitor: a test mail"),
            (["bo@example.org"], "Media Janitor: a test mail"),
        ]
        assert "<one>" in everything[0]["text"] and "&lt;one&gt;" in everything[0]["html"]
        only = (await client.get("/messages", params={"to": "BO@example.org"})).json()
        assert [m["to"] for m in only] == [["bo@example.org"]]
        page = await client.get("/")
        assert page.headers["content-type"].startswith("text/html") and "2 mail(s)" in page.text
        assert "&lt;one&gt;" in page.text and "<one>" not in page.text
        assert (await client.delete("/messages")).status_code == 204
        assert (await client.get("/messages")).json() == []
        assert (await client.get("/nope")).status_code == 404
