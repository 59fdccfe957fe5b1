"""``janitor deletions disable|enable|status``: the operator's global kill switch, seen by every
account's settings and summary."""

from __future__ import annotations

import pytest

from janitor import cli
from janitor.core.config import Settings
from janitor.devtools.pytest_plugin import SignupFn

from .conftest import World


def _run(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    monkeypatch.setenv("JANITOR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("JANITOR_SECRET_KEY", settings.secret_key.get_secret_value())
    assert cli.main(list(argv)) == 0
    return capsys.readouterr().out.strip()


def test_the_commands_set_and_read_the_switch(
    settings: Settings, clean_state: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(settings, monkeypatch, capsys, "deletions", "status") == (
        "deletions are enabled (the operator's kill switch is off)"
    )
    out = _run(settings, monkeypatch, capsys, "deletions", "disable", "--note", "disk check tonight")
    assert out.startswith("deletions are DISABLED for every account since ") and out.endswith(": disk check tonight")
    assert _run(settings, monkeypatch, capsys, "deletions", "status") == out
    assert _run(settings, monkeypatch, capsys, "deletions", "enable").startswith("deletions are enabled")
    assert _run(settings, monkeypatch, capsys, "deletions", "status").startswith("deletions are enabled")
    with pytest.raises(SystemExit):
        cli.main(["deletions", "explode"])


async def test_every_account_sees_the_switch_read_only(settings: Settings, world: World, signup: SignupFn) -> None:
    switch = await cli.deletions_switch(settings, "disable", note="maintenance")
    assert switch.disabled and switch.note == "maintenance"
    other = await signup()
    for headers in (world.headers, other.headers):
        body = (await world.api.get("/api/v1/deletions/settings", headers=headers)).json()
        assert (body["operator_disabled"], body["operator_note"]) == (True, "maintenance")
        assert (await world.api.get("/api/v1/deletions/summary", headers=headers)).json()["operator_disabled"] is True
    # the API cannot change it
    r = await world.put("/settings", {"operator_disabled": False})
    assert r.status_code == 422
    await cli.deletions_switch(settings, "enable")
    assert (await world.get("/settings")).json()["operator_disabled"] is False
