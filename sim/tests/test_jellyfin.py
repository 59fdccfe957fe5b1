"""Jellyfin: auth header forms, items query, fields opt-in, per-user data, relations, deletion codes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from mediasim.model import World

JF = "/jellyfin"


def auth_forms(token: str) -> list[tuple[dict[str, str], str]]:
    mb = f'MediaBrowser Client="t", Device="d", DeviceId="x", Version="1", Token="{token}"'
    return [
        ({"Authorization": mb}, ""),
        ({"Authorization": mb.replace("MediaBrowser", "mediabrowser")}, ""),
        ({"X-Emby-Authorization": mb}, ""),
        ({"Authorization": mb.replace("MediaBrowser", "Emby")}, ""),
        ({"X-Emby-Token": token}, ""),
        ({"X-MediaBrowser-Token": token}, ""),
        ({}, f"ApiKey={token}"),
        ({}, f"api_key={token}"),
    ]


async def test_every_auth_form(client: httpx.AsyncClient, jf_key: str, info: dict[str, Any]) -> None:
    user_token = info["jellyfin"]["users"][0]["token"]
    for tok in (jf_key, user_token):
        for headers, query in auth_forms(tok):
            r = await client.get(f"{JF}/System/Info?{query}", headers=headers)
            assert r.status_code == 200, (headers, query)
    assert (await client.get(f"{JF}/System/Info")).status_code == 401
    assert (await client.get(f"{JF}/System/Info", headers={"X-Emby-Token": "bad"})).status_code == 401
    assert (await client.get(f"{JF}/System/Info/Public")).status_code == 200


async def test_legacy_forms_off_like_12_0(client: httpx.AsyncClient, jf_key: str) -> None:
    await client.put("/_admin/jellyfin/settings", json={"legacy_auth": False})
    for headers, query in auth_forms(jf_key):
        r = await client.get(f"{JF}/System/Info?{query}", headers=headers)
        accepted = (
            "Authorization" in headers and headers["Authorization"].lower().startswith("mediabrowser")
        ) or query.startswith("ApiKey=")
        assert (r.status_code == 200) == accepted, (headers, query)


async def test_items_paging_and_total(client: httpx.AsyncClient, jf_key: str, world: World) -> None:
    assert world.jellyfin is not None
    n = sum(1 for i in world.jellyfin.items.values() if i.type == "track")
    ids: list[str] = []
    start = 0
    while True:
        r = await client.get(
            f"{JF}/Items?Recursive=true&IncludeItemTypes=Audio&StartIndex={start}&Limit=64",
            headers={"X-Emby-Token": jf_key},
        )
        body = r.json()
        assert body["TotalRecordCount"] == n and body["StartIndex"] == start
        ids += [x["Id"] for x in body["Items"]]
        start += 64
        if start >= n:
            break
    assert len(set(ids)) == n and all(len(i) == 32 and "-" not in i for i in ids)
    # case-insensitive query names; without Recursive only direct children
    r = await client.get(f"{JF}/Items?recursive=TRUE&includeItemTypes=Audio&limit=1", headers={"X-Emby-Token": jf_key})
    assert r.json()["TotalRecordCount"] == n
    r = await client.get(f"{JF}/Items?IncludeItemTypes=Audio", headers={"X-Emby-Token": jf_key})
    assert r.json()["TotalRecordCount"] == 0


async def test_fields_are_opt_in_and_nulls_omitted(client: httpx.AsyncClient, jf_key: str) -> None:
    h = {"X-Emby-Token": jf_key}
    bare = (await client.get(f"{JF}/Items?Recursive=true&IncludeItemTypes=Movie&Limit=5", headers=h)).json()
    for it in bare["Items"]:
        assert "MediaSources" not in it and "Path" not in it and "DateCreated" not in it and "UserData" not in it
        assert None not in it.values()
    full = (
        await client.get(
            f"{JF}/Items?Recursive=true&IncludeItemTypes=Movie&Limit=5"
            "&Fields=MediaSources,Path,DateCreated,ProviderIds",
            headers=h,
        )
    ).json()
    for it in full["Items"]:
        src = it["MediaSources"][0]
        assert src["Size"] > 0 and src["Protocol"] == "File" and it["DateCreated"].endswith("0000000Z")
        types = {s["Type"] for s in src["MediaStreams"]}
        assert "Video" in types and "Audio" in types
        assert set(it["ProviderIds"]) <= {"Tmdb", "Imdb", "Tvdb"}


async def test_user_data_per_user(client: httpx.AsyncClient, jf_key: str, world: World) -> None:
    jf = world.jellyfin
    assert jf is not None
    item_id, per_user = next(
        (k, v) for k, v in jf.user_data.items() if v and all(d.played and d.last_played for d in v.values())
    )
    uid, data = next(iter(per_user.items()))
    pc = data.play_count
    other = next(u for u in jf.users if u.id not in per_user)
    h = {"X-Emby-Token": jf_key}
    for u, played in ((uid, True), (other.id, False)):
        for path in (f"/Items?Ids={item_id}&userId={u}", f"/Users/{u}/Items?Ids={item_id}"):
            d = (await client.get(JF + path, headers=h)).json()["Items"][0]["UserData"]
            assert d["Played"] is played and (d["PlayCount"] == pc if played else d["PlayCount"] == 0)
            assert ("LastPlayedDate" in d) is played
    # user token without userId -> its own data; another user's id with a non-admin token -> 403
    non_admin = next(u for u in jf.users if not u.is_admin)
    r = await client.get(f"{JF}/Items?Ids={item_id}", headers={"X-Emby-Token": non_admin.token})
    assert "UserData" in r.json()["Items"][0]
    admin = next(u for u in jf.users if u.is_admin)
    r = await client.get(f"{JF}/Items?Ids={item_id}&userId={admin.id}", headers={"X-Emby-Token": non_admin.token})
    assert r.status_code == 403


async def test_series_relations(client: httpx.AsyncClient, jf_key: str) -> None:
    h = {"X-Emby-Token": jf_key}
    series = (await client.get(f"{JF}/Items?Recursive=true&IncludeItemTypes=Series&Limit=1", headers=h)).json()
    s = series["Items"][0]
    seasons = (await client.get(f"{JF}/Items?ParentId={s['Id']}", headers=h)).json()["Items"]
    assert seasons and all(x["Type"] == "Season" and x["SeriesId"] == s["Id"] for x in seasons)
    eps = (
        await client.get(f"{JF}/Items?ParentId={s['Id']}&Recursive=true&IncludeItemTypes=Episode", headers=h)
    ).json()["Items"]
    assert eps and all(e["SeriesId"] == s["Id"] and e["SeriesName"] == s["Name"] for e in eps)
    assert {e["SeasonId"] for e in eps} <= {x["Id"] for x in seasons}
    shows_eps = (await client.get(f"{JF}/Shows/{s['Id']}/Episodes", headers=h)).json()
    assert shows_eps["TotalRecordCount"] == len(eps)


async def test_delete_status_codes(client: httpx.AsyncClient, jf_key: str, world: World) -> None:
    jf = world.jellyfin
    assert jf is not None
    movies = [i for i in jf.order if i.type == "movie"]
    no_perm = next(u for u in jf.users if not u.can_delete)
    r = await client.delete(f"{JF}/Items/{movies[0].jf_id}", headers={"X-Emby-Token": no_perm.token})
    assert r.status_code == 401 and not movies[0].deleted
    r = await client.delete(f"{JF}/Items/{movies[0].jf_id}", headers={"X-Emby-Token": jf_key})
    assert r.status_code == 204 and movies[0].deleted
    assert (await client.delete(f"{JF}/Items/{movies[0].jf_id}", headers={"X-Emby-Token": jf_key})).status_code == 404
    assert (await client.delete(f"{JF}/Items/{movies[1].jf_id}")).status_code == 401
    # dashed GUID form is accepted on input; batch delete
    dashed = "-".join(
        (
            movies[1].jf_id[:8],
            movies[1].jf_id[8:12],
            movies[1].jf_id[12:16],
            movies[1].jf_id[16:20],
            movies[1].jf_id[20:],
        )
    )
    r = await client.delete(f"{JF}/Items?ids={dashed},{movies[2].jf_id}", headers={"X-Emby-Token": jf_key})
    assert r.status_code == 204 and movies[1].deleted and movies[2].deleted
    log = (await client.get("/_admin/mutations?service=jellyfin")).json()
    assert [m["kind"] for m in log] == ["delete_refused", "delete", "delete", "delete"]
    # old servers answered 500 to API-key deletes (the item is gone nevertheless)
    await client.put("/_admin/jellyfin/settings", json={"delete_status_for_api_key": 500})
    r = await client.delete(f"{JF}/Items/{movies[3].jf_id}", headers={"X-Emby-Token": jf_key})
    assert r.status_code == 500 and movies[3].deleted


@pytest.mark.parametrize("version", ["10.8.13", "10.11.0"])
async def test_version_specific_routes(client: httpx.AsyncClient, jf_key: str, world: World, version: str) -> None:
    await client.put("/_admin/jellyfin/settings", json={"version": version})
    jf = world.jellyfin
    assert jf is not None
    it = next(i for i in jf.order if i.type == "movie")
    u = jf.users[0]
    h = {"X-Emby-Token": jf_key}
    legacy = await client.get(f"{JF}/Users/{u.id}/Items/{it.jf_id}", headers=h)
    assert legacy.status_code == 200  # served by every version (hidden on 10.9+)
    modern = await client.get(f"{JF}/Items/{it.jf_id}?userId={u.id}", headers=h)
    assert modern.status_code == (404 if version.startswith("10.8") else 200)
    info = (await client.get(f"{JF}/System/Info/Public")).json()
    assert info["Version"] == version


async def test_played_toggle(client: httpx.AsyncClient, jf_key: str, world: World) -> None:
    jf = world.jellyfin
    assert jf is not None
    u = jf.users[1]
    it = next(i for i in jf.order if i.type == "track" and u.id not in jf.user_data.get(i.jf_id or "", {}))
    h = {"X-Emby-Token": jf_key}
    r = await client.post(f"{JF}/UserPlayedItems/{it.jf_id}?userId={u.id}", headers=h)
    assert r.json()["Played"] is True
    d = (await client.get(f"{JF}/UserItems/{it.jf_id}/UserData?userId={u.id}", headers=h)).json()
    assert d["PlayCount"] == 1
    r = await client.delete(f"{JF}/Users/{u.id}/PlayedItems/{it.jf_id}", headers=h)
    assert r.json()["Played"] is False


async def test_authenticate_by_name(client: httpx.AsyncClient, info: dict[str, Any]) -> None:
    u = info["jellyfin"]["users"][1]
    r = await client.post(f"{JF}/Users/AuthenticateByName", json={"Username": u["name"], "Pw": u["password"]})
    assert r.status_code == 200 and r.json()["AccessToken"] == u["token"]
    r = await client.post(f"{JF}/Users/AuthenticateByName", json={"Username": u["name"], "Pw": "wrong"})
    assert r.status_code == 401


async def test_activity_log_playback_entries(client: httpx.AsyncClient, jf_key: str, world: World) -> None:
    jf = world.jellyfin
    assert jf is not None
    h = {"X-Emby-Token": jf_key}
    body = (await client.get(f"{JF}/System/ActivityLog/Entries?startIndex=0&limit=20", headers=h)).json()
    plays = sum(1 for per in jf.user_data.values() for d in per.values() if d.play_count and d.last_played)
    assert body["TotalRecordCount"] == plays and len(body["Items"]) == 20
    dates = [e["Date"] for e in body["Items"]]
    assert dates == sorted(dates, reverse=True)
    assert {e["Type"] for e in body["Items"]} <= {"AudioPlayback", "VideoPlayback"}
    recent = (await client.get(f"{JF}/System/ActivityLog/Entries?minDate={dates[5]}", headers=h)).json()
    assert recent["TotalRecordCount"] >= 6
    non_admin = next(u for u in jf.users if not u.is_admin)
    r = await client.get(f"{JF}/System/ActivityLog/Entries", headers={"X-Emby-Token": non_admin.token})
    assert r.status_code == 403


async def test_items_saved_since_a_date_and_their_date_last_saved(
    client: httpx.AsyncClient, jf_key: str, world: World
) -> None:
    assert world.jellyfin is not None
    movies = [i for i in world.jellyfin.items.values() if i.type == "movie" and not i.deleted]
    newest = max(i.updated_at for i in movies)
    h = {"X-Emby-Token": jf_key}
    base = f"{JF}/Items?Recursive=true&IncludeItemTypes=Movie&Fields=DateLastSaved"
    every = (await client.get(base, headers=h)).json()
    assert every["TotalRecordCount"] == len(movies)
    assert all(it["DateLastSaved"].endswith("Z") for it in every["Items"])
    since = datetime.fromtimestamp(newest, UTC).isoformat().replace("+00:00", "Z")
    recent = (await client.get(f"{base}&MinDateLastSaved={since}", headers=h)).json()
    expected = sum(1 for i in movies if i.updated_at >= newest)
    assert recent["TotalRecordCount"] == len(recent["Items"]) == expected < len(movies)
    later = datetime.fromtimestamp(newest + 1, UTC).isoformat()  # an offset: "+00:00"
    query = {"Recursive": "true", "IncludeItemTypes": "Movie", "Fields": "DateLastSaved"}
    before = await client.get(
        f"{JF}/Items", params={**query, "MinDateLastSaved": "2000-01-01T00:00:00+00:00"}, headers=h
    )
    assert before.json()["TotalRecordCount"] == len(movies)
    after = await client.get(f"{JF}/Items", params={**query, "MinDateLastSaved": later}, headers=h)
    assert after.json()["TotalRecordCount"] == 0
    assert (await client.get(base, params={"MinDateLastSaved": "yesterday"}, headers=h)).status_code == 400


async def test_a_mount_moves_every_path_jellyfin_shows(client: httpx.AsyncClient, jf_key: str, world: World) -> None:
    """Two containers over one disk: Jellyfin sees under /media what Plex sees under /data."""
    jf = world.jellyfin
    assert jf is not None
    it = next(i for i in jf.order if i.type == "movie")
    plex_path = it.media[0].parts[0].file
    assert plex_path.startswith("/data/")
    h = {"X-Emby-Token": jf_key}
    url = f"{JF}/Items?ids={it.jf_id}&fields=Path,MediaSources"

    async def paths() -> tuple[str, str]:
        item = (await client.get(url, headers=h)).json()["Items"][0]
        return item["Path"], item["MediaSources"][0]["Path"]

    assert await paths() == (plex_path, plex_path)
    r = await client.put("/_admin/jellyfin/settings", json={"mount": {"from": "/data/", "to": "/media"}})
    assert r.json()["mount"] == {"from": "/data", "to": "/media"}
    moved = "/media/" + plex_path.removeprefix("/data/")
    assert await paths() == (moved, moved)
    await client.put("/_admin/jellyfin/settings", json={"mount": None})
    assert await paths() == (plex_path, plex_path)
