"""Watch state as the real servers keep it: Plex's per-account view fields (partly watched items carry
``viewOffset``), plays that leave no history row, a show's own last view; Jellyfin's per-user data
(``Played`` without a date, ``PlaybackPositionTicks``, how ``Filters`` combine)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx

from mediasim import build_app, world_from_scenario
from mediasim.model import World

JSON = {"Accept": "application/json"}
JF = "/jellyfin"
DAY = 86400
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z

SCENARIO: dict[str, Any] = {
    "seed": 11,
    "now": NOW,
    "plex": {
        "owner": {"username": "hank"},
        "friends": ["alice"],
        "servers": [
            {
                "name": "home",
                "libraries": [
                    {
                        "type": "movie",
                        "title": "Movies",
                        "items": [
                            {
                                "label": "half",
                                "title": "Half Seen",
                                "duration": 6000,
                                "in_progress": [{"user": "hank", "at": NOW - 3 * DAY, "offset": 1200}],
                            },
                            {
                                "label": "marked",
                                "title": "Marked Watched",
                                "watched": [{"user": "hank", "at": NOW - 5 * DAY, "history": False}],
                            },
                            {"label": "fresh", "title": "Never Seen"},
                        ],
                    },
                    {
                        "type": "show",
                        "title": "TV",
                        "items": [
                            {
                                "label": "show",
                                "title": "Show Z",
                                "seasons": [
                                    {
                                        "episodes": [
                                            {
                                                "label": "e1",
                                                "title": "Old",
                                                "watched": [{"user": "hank", "at": NOW - 90 * DAY}],
                                            },
                                            {
                                                "label": "e2",
                                                "title": "New",
                                                "watched": [{"user": "hank", "at": NOW - 2 * DAY}],
                                            },
                                        ]
                                    }
                                ],
                            }
                        ],
                    },
                ],
            }
        ],
    },
    "jellyfin": {
        "users": [{"name": "admin", "admin": True}, {"name": "alice"}],
        "user_data": [{"item": "fresh", "user": "alice", "played": True, "play_count": 1}],
    },
}


def _world() -> World:
    return world_from_scenario(SCENARIO)


async def _client(world: World) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(world)), base_url="http://sim")


def _plex(world: World) -> tuple[dict[str, str], dict[str, str]]:
    token = next(t for t, acc in world.plex_servers[0].tokens.items() if acc == 1)
    labels = {k: v["ratingKey"] for k, v in world.planted["labels"].items()}
    return {"X-Plex-Token": token, "X-Plex-Client-Identifier": "tests"}, labels


async def _meta(client: httpx.AsyncClient, headers: dict[str, str], rk: str) -> dict[str, Any]:
    r = await client.get(f"/pms/home/library/metadata/{rk}", headers={**headers, **JSON})
    assert r.status_code == 200, r.text
    return dict(r.json()["MediaContainer"]["Metadata"][0])


async def _history_keys(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str | None]:
    r = await client.get("/pms/home/status/sessions/history/all", headers={**headers, **JSON})
    return [m.get("ratingKey") for m in r.json()["MediaContainer"].get("Metadata", [])]


async def test_plex_partly_watched_items_carry_view_offset_and_last_view_but_no_count_or_history() -> None:
    world = _world()
    headers, rk = _plex(world)
    async with await _client(world) as client:
        half = await _meta(client, headers, rk["half"])
        assert half["viewOffset"] == 1_200_000 and half["lastViewedAt"] == NOW - 3 * DAY
        assert "viewCount" not in half
        # the listing (JSON and XML) carries the same fields for the token's account
        r = await client.get("/pms/home/library/sections/1/all?type=1", headers={**headers, **JSON})
        listed = {m["ratingKey"]: m for m in r.json()["MediaContainer"]["Metadata"]}
        assert listed[rk["half"]]["viewOffset"] == 1_200_000
        assert "viewOffset" not in listed[rk["fresh"]] and "lastViewedAt" not in listed[rk["fresh"]]
        xml = ET.fromstring((await client.get("/pms/home/library/sections/1/all?type=1", headers=headers)).content)
        video = next(v for v in xml.iter("Video") if v.get("ratingKey") == rk["half"])
        assert video.get("viewOffset") == "1200000" and video.get("viewCount") is None
        # marked watched without playing: counted and dated, yet history has no row for either
        marked = await _meta(client, headers, rk["marked"])
        assert marked["viewCount"] == 1 and marked["lastViewedAt"] == NOW - 5 * DAY
        history = await _history_keys(client, headers)
        assert rk["half"] not in history and rk["marked"] not in history
        # another account sees none of the owner's state
        friend = next(t for t, acc in world.plex_servers[0].tokens.items() if acc != 1)
        other = await _meta(client, {**headers, "X-Plex-Token": friend}, rk["half"])
        assert "viewOffset" not in other and "lastViewedAt" not in other


async def test_plex_scrobble_timeline_and_unscrobble_move_the_view_fields_like_pms() -> None:
    world = _world()
    headers, rk = _plex(world)
    async with await _client(world) as client:
        lib = "com.plexapp.plugins.library"
        r = await client.put(f"/pms/home/:/scrobble?identifier={lib}&key={rk['fresh']}", headers=headers)
        assert r.status_code == 200
        fresh = await _meta(client, headers, rk["fresh"])
        assert fresh["viewCount"] == 1 and fresh["lastViewedAt"] > NOW
        assert rk["fresh"] not in await _history_keys(client, headers)  # "does not create any view history"
        assert (await client.put(f"/pms/home/:/scrobble?key={rk['fresh']}", headers=headers)).status_code == 400
        assert (
            await client.put(f"/pms/home/:/scrobble?identifier={lib}&key=999999", headers=headers)
        ).status_code == 404
        r = await client.put(f"/pms/home/:/unscrobble?identifier={lib}&key={rk['fresh']}", headers=headers)
        assert r.status_code == 200
        assert "viewCount" not in await _meta(client, headers, rk["fresh"])
        # a player stopping part way leaves a resume point; past 90 % it is a view with a history row
        q = f"ratingKey={rk['fresh']}&state=stopped&duration=6000000"
        assert (await client.post(f"/pms/home/:/timeline?{q}&time=600000", headers=headers)).status_code == 200
        fresh = await _meta(client, headers, rk["fresh"])
        assert fresh["viewOffset"] == 600_000 and "viewCount" not in fresh
        await client.post(f"/pms/home/:/timeline?{q}&time=5500000", headers=headers)
        fresh = await _meta(client, headers, rk["fresh"])
        assert fresh["viewCount"] == 1 and "viewOffset" not in fresh
        assert rk["fresh"] in await _history_keys(client, headers)
        assert (
            await client.post(f"/pms/home/:/timeline?ratingKey={rk['fresh']}&state=x", headers=headers)
        ).status_code == 400


async def test_a_show_keeps_its_last_view_when_the_episode_watched_is_deleted() -> None:
    world = _world()
    headers, rk = _plex(world)
    async with await _client(world) as client:
        show = await _meta(client, headers, rk["show"])
        assert show["lastViewedAt"] == NOW - 2 * DAY
        assert (await client.delete(f"/pms/home/library/metadata/{rk['e2']}", headers=headers)).status_code == 200
        show = await _meta(client, headers, rk["show"])
        # history lost the episode's id, the show's own view state did not
        assert rk["e2"] not in await _history_keys(client, headers)
        assert None in await _history_keys(client, headers)
        assert show["lastViewedAt"] == NOW - 2 * DAY and show["leafCount"] == 1


async def _jf_items(client: httpx.AsyncClient, key: str, user: str, filters: str) -> dict[str, dict[str, Any]]:
    r = await client.get(
        f"{JF}/Items?userId={user}&Recursive=true&IncludeItemTypes=Movie,Episode&Filters={filters}",
        headers={"X-Emby-Token": key},
    )
    assert r.status_code == 200, r.text
    return {i["Name"]: i["UserData"] for i in r.json()["Items"]}


async def test_jellyfin_played_without_a_date_resumable_positions_and_filters_that_and_together() -> None:
    world = _world()
    jf = world.jellyfin
    assert jf is not None
    key = jf.api_keys[0]
    admin = next(u for u in jf.users if u.name == "admin")
    alice = next(u for u in jf.users if u.name == "alice")
    async with await _client(world) as client:
        # the Plex owner's partial view mirrors as a started play: counted, dated, not played, a position
        resumable = await _jf_items(client, key, admin.id, "IsResumable")
        assert set(resumable) == {"Half Seen"}
        half = resumable["Half Seen"]
        assert half["PlaybackPositionTicks"] == 1200 * 10_000_000 and half["Played"] is False
        assert half["PlayCount"] == 1 and half["LastPlayedDate"].startswith("2025-12-29")
        assert half["PlayedPercentage"] == 20.0
        played = await _jf_items(client, key, admin.id, "IsPlayed")
        assert "Half Seen" not in played and {"Marked Watched", "Old", "New"} <= set(played)
        # Filters combine with AND (one query flag each): nothing is played and resumable at once
        assert await _jf_items(client, key, admin.id, "IsPlayed,IsResumable") == {}
        # played by a client that sent no date: listed as played, no LastPlayedDate at all
        alice_played = await _jf_items(client, key, alice.id, "IsPlayed")
        assert set(alice_played) == {"Never Seen"}
        assert alice_played["Never Seen"]["Played"] is True and "LastPlayedDate" not in alice_played["Never Seen"]
        # POST /UserItems/{id}/UserData changes only what it is sent
        item = next(i for i in jf.order if i.title == "Old")
        r = await client.post(
            f"{JF}/UserItems/{item.jf_id}/UserData?userId={alice.id}",
            headers={"X-Emby-Token": key},
            json={"PlaybackPositionTicks": 42_000_000},
        )
        assert r.status_code == 200, r.text
        assert r.json()["PlaybackPositionTicks"] == 42_000_000 and r.json()["Played"] is False
        assert "LastPlayedDate" not in r.json()
        assert set(await _jf_items(client, key, alice.id, "IsResumable")) == {"Old"}
        bad = await client.post(
            f"{JF}/UserItems/{item.jf_id}/UserData?userId={alice.id}",
            headers={"X-Emby-Token": key},
            json={"LastPlayedDate": "yesterday"},
        )
        assert bad.status_code == 400
        # 10.8 has no such route
        jf.version = "10.8.13"
        r = await client.post(
            f"{JF}/UserItems/{item.jf_id}/UserData?userId={alice.id}", headers={"X-Emby-Token": key}, json={}
        )
        assert r.status_code == 404


def test_generated_worlds_plant_watch_evidence_nobody_should_take_at_face_value() -> None:
    from mediasim import generate_world

    world = generate_world(seed=7, size="tiny")
    p = world.planted
    main = world.plex_servers[0]
    for name in ("in_progress", "watched_no_history", "future_added", "future_play", "replaced_after_play"):
        assert len(p[name]) == 1, name
    assert main.progress[p["in_progress"][0]][1][0] > 0
    assert main.items[p["future_added"][0]].added_at > world.now
    assert max(h.viewed_at for h in main.history if h.item_id == p["future_play"][0]) > world.now
    replaced = p["replaced_after_play"][0]
    assert max(h.viewed_at for h in main.history if h.item_id == replaced) < main.items[replaced].added_at
    assert not any(h.item_id == p["watched_no_history"][0] for h in main.history)
    jf = world.jellyfin
    assert jf is not None
    undated = main.items[p["jellyfin_played_undated"][0]]
    (data,) = jf.user_data[undated.jf_id or ""].values()
    assert data.played and data.last_played == 0
