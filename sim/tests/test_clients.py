"""Real client libraries cannot tell the simulator from the real services."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jellyfin_apiclient_python import JellyfinClient
from plexapi.myplex import MyPlexAccount, MyPlexPinLogin, MyPlexResource, MyPlexUser
from plexapi.server import PlexServer

from mediasim import SimServer


@pytest.fixture
def plextv_pointed_at(sim: SimServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point python-plexapi's plex.tv URL constants at the simulated plex.tv."""
    base = sim.info["plextv"]["base_url"]
    for cls in (MyPlexAccount, MyPlexResource, MyPlexUser, MyPlexPinLogin):
        for name, value in list(vars(cls).items()):
            if isinstance(value, str) and value.startswith("https://plex.tv"):
                monkeypatch.setattr(cls, name, base + value[len("https://plex.tv") :])
    return base


def test_plexapi_server_sections_tracks_history(sim: SimServer) -> None:
    pms = sim.info["pms"]["home"]
    world = sim.state.world
    server = PlexServer(pms["base_url"], pms["owner_token"])
    assert server.machineIdentifier == pms["machine_identifier"]
    assert server.allowMediaDeletion is True
    sections = {s.title: s for s in server.library.sections()}
    assert {s.type for s in sections.values()} == {"movie", "show", "artist"}
    tracks = sections["Music"].searchTracks(container_size=37)
    assert len(tracks) == sum(1 for i in world.pms("home").items.values() if i.type == "track")
    t = tracks[0]
    assert t.media[0].parts[0].file.startswith("/data/music/") and t.media[0].parts[0].size > 0
    assert t.grandparentTitle and t.parentTitle
    movie = sections["Movies"].all()[0]
    movie.reload()
    streams = movie.media[0].parts[0].streams
    assert {s.streamType for s in streams} >= {1, 2}
    history = server.history()
    assert len(history) == len(world.pms("home").history)
    assert {h.accountID for h in history} >= {1}
    show = sections["TV Shows"].all()[0]
    assert show.episodes() and show.seasons()
    assert {a.id for a in server.systemAccounts()} >= {1}


def test_plexapi_delete_and_refused_delete(sim: SimServer) -> None:
    pms = sim.info["pms"]["home"]
    server = PlexServer(pms["base_url"], pms["owner_token"])
    movie = server.library.section("Movies").all()[0]
    movie.delete()
    log = httpx.get(sim.url + "/_admin/mutations?kind=delete").json()
    assert log[0]["ratingKey"] == str(movie.ratingKey)
    httpx.put(sim.url + "/_admin/pms/home/settings", json={"allow_media_deletion": False})
    other = server.library.section("Movies").all()[0]
    from plexapi.exceptions import BadRequest

    with pytest.raises(BadRequest):
        other.delete()


def test_plexapi_pin_login_and_account(sim: SimServer, plextv_pointed_at: str) -> None:
    pin = MyPlexPinLogin(oauth=True)
    url = pin.oauthUrl()
    assert url.startswith("https://app.plex.tv/auth/#!?")
    assert pin.checkLogin() is False
    r = httpx.post(sim.url + "/_admin/plextv/pins/approve", json={"code": pin._code})
    assert r.status_code == 200
    assert pin.checkLogin() is True
    account = MyPlexAccount(token=pin.token)
    assert account.username == "owner" and account.subscriptionActive
    resources = account.resources()
    server_res = next(r for r in resources if "server" in r.provides)
    assert {c.local for c in server_res.connections} == {True, False}
    server = server_res.connect()
    assert server.machineIdentifier == sim.info["pms"]["home"]["machine_identifier"]
    users = account.users()
    assert {u.username for u in users if u.username} >= {"alice", "bob"}
    assert users[0].servers[0].machineIdentifier == server.machineIdentifier


def test_plexapi_friend_uses_server_token(sim: SimServer, plextv_pointed_at: str) -> None:
    friend: dict[str, Any] = sim.info["plextv"]["users"][0]
    account = MyPlexAccount(token=friend["token"])
    res = next(r for r in account.resources() if "server" in r.provides)
    assert res.owned is False and res.accessToken != friend["token"]
    # python-plexapi only tries local connections of owned resources; use the sim URI directly
    uri = next(c.uri for c in res.connections if c.uri.startswith(sim.url))
    server = PlexServer(uri, res.accessToken)
    assert {h.accountID for h in server.history()} == {friend["id"]}


def test_jellyfin_apiclient_with_api_key(sim: SimServer) -> None:
    jf = sim.info["jellyfin"]
    world = sim.state.world
    client = JellyfinClient()
    client.config.app("media-janitor-tests", "0.1", "tests", "dev-1")
    client.config.data["auth.ssl"] = False
    state = client.authenticate(
        {"Servers": [{"AccessToken": jf["api_key"], "address": jf["base_url"]}]}, discover=False
    )
    assert str(state["State"]).endswith("SignedIn")
    user = next(u for u in world.jellyfin.users if any(u.id in v for v in world.jellyfin.user_data.values()))
    client.config.data["auth.user_id"] = user.id
    seen: list[dict[str, Any]] = []
    start = 0
    while True:
        page = client.jellyfin.user_items(
            params={
                "Recursive": True,
                "IncludeItemTypes": "Movie,Episode,Audio",
                "Fields": "MediaSources,DateCreated",
                "StartIndex": start,
                "Limit": 100,
                "EnableUserData": True,
            }
        )
        seen += page["Items"]
        start += 100
        if start >= page["TotalRecordCount"]:
            break
    assert len(seen) == sum(1 for i in world.jellyfin.items.values() if i.type in ("movie", "episode", "track"))
    played = {i["Id"] for i in seen if i["UserData"]["Played"]}
    assert played == {k for k, v in world.jellyfin.user_data.items() if v.get(user.id, (0,))[0] > 0}
    assert all(i["MediaSources"][0]["Size"] > 0 for i in seen)
    users = client.jellyfin.get_users()
    assert {u["Name"] for u in users} == {u.name for u in world.jellyfin.users}
