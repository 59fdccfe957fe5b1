"""Plex Media Server routes: formats, paging, filters, streams, history, deletion."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx

from mediasim.model import World

JSON = {"Accept": "application/json"}


async def test_xml_by_default_json_on_accept(client: httpx.AsyncClient, plex_headers: dict[str, str]) -> None:
    r = await client.get("/pms/home/library/sections", headers=plex_headers)
    assert r.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(r.content)
    assert root.tag == "MediaContainer"
    assert [d.get("type") for d in root.findall("Directory")] == ["movie", "show", "artist"]
    r = await client.get("/pms/home/library/sections", headers={**plex_headers, "Accept": "application/json, */*"})
    assert r.headers["content-type"].startswith("application/json")
    mc = r.json()["MediaContainer"]
    assert [d["key"] for d in mc["Directory"]] == ["1", "2", "3"]  # section keys are strings
    assert mc["Directory"][0]["Location"][0]["path"].startswith("/data/")


async def test_token_required_and_identity_open(client: httpx.AsyncClient, plex_headers: dict[str, str]) -> None:
    assert (await client.get("/pms/home/identity")).status_code == 200
    r = await client.get("/pms/home/library/sections")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("text/html")
    assert (await client.get("/pms/home/library/sections", headers={"X-Plex-Token": "nope"})).status_code == 401
    # any X-Plex-* header may be a query argument
    tok = plex_headers["X-Plex-Token"]
    assert (await client.get(f"/pms/home/library/sections?X-Plex-Token={tok}")).status_code == 200


async def test_paging_type_and_total_size(
    client: httpx.AsyncClient, plex_headers: dict[str, str], world: World
) -> None:
    n_tracks = sum(1 for i in world.pms("home").items.values() if i.type == "track")
    seen: list[str] = []
    start = 0
    while True:
        h = {**plex_headers, **JSON, "X-Plex-Container-Start": str(start), "X-Plex-Container-Size": "70"}
        r = await client.get("/pms/home/library/sections/3/all?type=10", headers=h)
        mc = r.json()["MediaContainer"]
        assert mc["totalSize"] == n_tracks
        assert r.headers["X-Plex-Container-Total-Size"] == str(n_tracks)
        assert mc["offset"] == start and mc["size"] == len(mc.get("Metadata", []))
        seen += [m["ratingKey"] for m in mc.get("Metadata", [])]
        start += 70
        if start >= mc["totalSize"]:
            break
    assert len(seen) == len(set(seen)) == n_tracks
    # size 0 gives just totalSize and no Metadata key at all (empty containers omit the child key)
    r = await client.get(
        "/pms/home/library/sections/3/all?type=10",
        headers={**plex_headers, **JSON, "X-Plex-Container-Start": "0", "X-Plex-Container-Size": "0"},
    )
    mc = r.json()["MediaContainer"]
    assert mc["size"] == 0 and mc["totalSize"] == n_tracks and "Metadata" not in mc
    # default level: artists for a music library
    r = await client.get("/pms/home/library/sections/3/all", headers={**plex_headers, **JSON})
    assert {m["type"] for m in r.json()["MediaContainer"]["Metadata"]} == {"artist"}
    # query-arg paging works too
    r = await client.get(
        "/pms/home/library/sections/1/all?X-Plex-Container-Start=2&X-Plex-Container-Size=3",
        headers={**plex_headers, **JSON},
    )
    assert r.json()["MediaContainer"]["size"] == 3


async def test_track_fields_and_types(client: httpx.AsyncClient, plex_headers: dict[str, str]) -> None:
    r = await client.get(
        "/pms/home/library/sections/3/all?type=10", headers={**plex_headers, **JSON, "X-Plex-Container-Size": "200"}
    )
    tracks = r.json()["MediaContainer"]["Metadata"]
    t = tracks[0]
    assert isinstance(t["ratingKey"], str) and isinstance(t["addedAt"], int)
    assert {"grandparentTitle", "parentTitle", "index", "parentRatingKey", "grandparentRatingKey"} <= t.keys()
    part = t["Media"][0]["Part"][0]
    assert part["file"].startswith("/data/music/") and part["size"] > 0
    assert "Stream" not in part  # listings carry no streams
    watched = [x for x in tracks if "viewCount" in x]
    unwatched = [x for x in tracks if "viewCount" not in x]
    assert watched and unwatched
    assert all("lastViewedAt" not in x for x in unwatched)


async def test_filters_and_sort(client: httpx.AsyncClient, plex_headers: dict[str, str], world: World) -> None:
    movies = [i for i in world.pms("home").items.values() if i.type == "movie"]
    cut = sorted(m.added_at for m in movies)[len(movies) // 2]
    r = await client.get(
        f"/pms/home/library/sections/1/all?type=1&addedAt>>={cut}&sort=addedAt:desc", headers={**plex_headers, **JSON}
    )
    got = r.json()["MediaContainer"]["Metadata"]
    assert [m["addedAt"] for m in got] == sorted((m.added_at for m in movies if m.added_at > cut), reverse=True)


async def test_batched_metadata_with_streams(
    client: httpx.AsyncClient, plex_headers: dict[str, str], world: World
) -> None:
    movies = [i for i in world.pms("home").items.values() if i.type == "movie"][:10]
    ids = ",".join(str(m.id) for m in movies)
    r = await client.get(f"/pms/home/library/metadata/{ids}", headers={**plex_headers, **JSON})
    md = r.json()["MediaContainer"]["Metadata"]
    assert [m["ratingKey"] for m in md] == [str(m.id) for m in movies]
    streams = [s for m in md for p in m["Media"][0]["Part"] for s in p["Stream"]]
    assert {s["streamType"] for s in streams} >= {1, 2}
    for s in streams:
        if "languageCode" in s and s["languageCode"] != "und":
            assert len(s["languageCode"]) == 3 and "languageTag" in s and "language" in s
    # bibliographic codes as PMS writes them
    codes = {s["languageCode"] for s in streams if "languageCode" in s}
    assert not codes & {"deu", "fra", "nld", "zho"}
    # XML variant: Stream elements under Part
    r = await client.get(f"/pms/home/library/metadata/{movies[0].id}", headers=plex_headers)
    root = ET.fromstring(r.content)
    assert root.find("Video/Media/Part/Stream") is not None
    assert (await client.get("/pms/home/library/metadata/999999999", headers=plex_headers)).status_code == 404


async def test_untagged_streams_have_no_language(
    client: httpx.AsyncClient, plex_headers: dict[str, str], world: World
) -> None:
    rk = world.planted["untagged_audio"][0]
    r = await client.get(f"/pms/home/library/metadata/{rk}", headers={**plex_headers, **JSON})
    audio = [
        s for s in r.json()["MediaContainer"]["Metadata"][0]["Media"][0]["Part"][0]["Stream"] if s["streamType"] == 2
    ]
    assert any("languageCode" not in s and "language" not in s for s in audio)


async def test_children_and_all_leaves(client: httpx.AsyncClient, plex_headers: dict[str, str], world: World) -> None:
    show = next(i for i in world.pms("home").items.values() if i.type == "show")
    h = {**plex_headers, **JSON}
    seasons = (await client.get(f"/pms/home/library/metadata/{show.id}/children", headers=h)).json()
    assert {m["type"] for m in seasons["MediaContainer"]["Metadata"]} == {"season"}
    eps = (await client.get(f"/pms/home/library/metadata/{show.id}/allLeaves", headers=h)).json()
    md = eps["MediaContainer"]["Metadata"]
    assert len(md) == len(show.leaves())
    assert all(e["grandparentTitle"] == show.title and e["type"] == "episode" for e in md)
    assert all(e["parentTitle"].startswith("Season ") for e in md)


async def test_history_filters_sort_paging(
    client: httpx.AsyncClient, plex_headers: dict[str, str], world: World
) -> None:
    srv = world.pms("home")
    h = {**plex_headers, **JSON}
    r = await client.get(
        "/pms/home/status/sessions/history/all?sort=viewedAt:desc",
        headers={**h, "X-Plex-Container-Start": "0", "X-Plex-Container-Size": "25"},
    )
    mc = r.json()["MediaContainer"]
    assert mc["totalSize"] == len(srv.history) and mc["size"] == 25
    ts = [m["viewedAt"] for m in mc["Metadata"]]
    assert ts == sorted(ts, reverse=True)
    assert all(isinstance(m["librarySectionID"], str) and isinstance(m["accountID"], int) for m in mc["Metadata"])
    friend = next(u for u in world.plextv.users if u.friend)
    r = await client.get(f"/pms/home/status/sessions/history/all?accountID={friend.id}&librarySectionID=1", headers=h)
    rows = r.json()["MediaContainer"].get("Metadata", [])
    assert all(x["accountID"] == friend.id and x["librarySectionID"] == "1" for x in rows)
    cut = sorted(x.viewed_at for x in srv.history)[len(srv.history) // 2]
    r = await client.get(f"/pms/home/status/sessions/history/all?viewedAt>={cut}", headers=h)
    assert r.json()["MediaContainer"]["totalSize"] == sum(1 for x in srv.history if x.viewed_at >= cut)
    show = next(
        i
        for i in srv.items.values()
        if i.type == "show" and any(x.item_id in {e.id for e in i.leaves()} for x in srv.history)
    )
    r = await client.get(f"/pms/home/status/sessions/history/all?metadataItemID={show.id}", headers=h)
    assert r.json()["MediaContainer"]["totalSize"] == sum(
        1 for x in srv.history if x.item_id in {e.id for e in show.leaves()}
    )


async def test_shared_user_sees_own_history_only(client: httpx.AsyncClient, info: dict[str, Any], world: World) -> None:
    friend = next(u for u in world.plextv.users if u.friend)
    tok = info["pms"]["home"]["user_tokens"][friend.title]
    r = await client.get("/pms/home/status/sessions/history/all", headers={"X-Plex-Token": tok, **JSON})
    rows = r.json()["MediaContainer"].get("Metadata", [])
    assert rows and {x["accountID"] for x in rows} == {friend.id}


async def test_accounts(client: httpx.AsyncClient, plex_headers: dict[str, str], world: World) -> None:
    r = await client.get("/pms/home/accounts", headers={**plex_headers, **JSON})
    accs = r.json()["MediaContainer"]["Account"]
    ids = {a["id"] for a in accs}
    assert 1 in ids and all(u.id in ids for u in world.plextv.users)


async def test_delete_item_and_mutation_log(
    client: httpx.AsyncClient, plex_headers: dict[str, str], world: World
) -> None:
    srv = world.pms("home")
    movie = next(i for i in srv.items.values() if i.type == "movie" and i.id in {h.item_id for h in srv.history})
    r = await client.delete(f"/pms/home/library/metadata/{movie.id}", headers=plex_headers)
    assert r.status_code == 200 and r.content == b""
    assert (await client.get(f"/pms/home/library/metadata/{movie.id}", headers=plex_headers)).status_code == 404
    assert (await client.delete(f"/pms/home/library/metadata/{movie.id}", headers=plex_headers)).status_code == 404
    log = (await client.get("/_admin/mutations?kind=delete")).json()
    assert len(log) == 1 and log[0]["ratingKey"] == str(movie.id) and log[0]["files"]
    # history rows of deleted media lose key/ratingKey
    r = await client.get("/pms/home/status/sessions/history/all", headers={**plex_headers, **JSON})
    gone = [x for x in r.json()["MediaContainer"]["Metadata"] if x["title"] == movie.title and "ratingKey" not in x]
    assert gone
    assert (await client.delete("/_admin/mutations")).status_code == 200
    assert (await client.get("/_admin/mutations")).json() == []


async def test_delete_refused_when_media_deletion_disabled(
    client: httpx.AsyncClient, plex_headers: dict[str, str], world: World, info: dict[str, Any]
) -> None:
    await client.put("/_admin/pms/home/settings", json={"allow_media_deletion": False})
    r = await client.get("/pms/home/", headers={**plex_headers, **JSON})
    assert "allowMediaDeletion" not in r.json()["MediaContainer"]
    movie = next(i for i in world.pms("home").items.values() if i.type == "movie")
    r = await client.delete(f"/pms/home/library/metadata/{movie.id}", headers=plex_headers)
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert not movie.deleted
    friend_tok = next(iter(info["pms"]["home"]["user_tokens"].values()))
    await client.put("/_admin/pms/home/settings", json={"allow_media_deletion": True})
    r = await client.delete(f"/pms/home/library/metadata/{movie.id}", headers={"X-Plex-Token": friend_tok})
    assert r.status_code == 401 and not movie.deleted
    kinds = [m["kind"] for m in (await client.get("/_admin/mutations")).json()]
    assert kinds == ["delete_refused", "delete_refused"]


async def test_delete_single_media_version(
    client: httpx.AsyncClient, plex_headers: dict[str, str], world: World
) -> None:
    rk = world.planted["movie_multi_version"][0]
    item = world.pms("home").items[rk]
    keep, drop = item.media
    r = await client.delete(f"/pms/home/library/metadata/{rk}/media/{drop.id}", headers=plex_headers)
    assert r.status_code == 200
    md = (await client.get(f"/pms/home/library/metadata/{rk}", headers={**plex_headers, **JSON})).json()
    assert [m["id"] for m in md["MediaContainer"]["Metadata"][0]["Media"]] == [keep.id]


async def test_webhook_post(sim: Any) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received: list[bytes] = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            received.append(self.headers["Content-Type"].encode())
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a: Any) -> None:
            pass

    hs = HTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=hs.serve_forever, daemon=True)
    t.start()
    try:
        url = f"http://127.0.0.1:{hs.server_address[1]}/hook"
        async with httpx.AsyncClient(base_url=sim.url) as c:
            await c.post("/_admin/pms/home/webhooks", json={"url": url})
            track = next(i for i in sim.state.world.pms("home").items.values() if i.type == "track")
            before = len(sim.state.world.pms("home").history)
            r = await c.post("/_admin/pms/home/play", json={"ratingKey": track.id, "accountID": 1})
            assert r.json()["deliveries"] == [{"url": url, "status": 200}]
            assert len(sim.state.world.pms("home").history) == before + 1
    finally:
        hs.shutdown()
    assert b'name="payload"' in received[0] and b"media.scrobble" in received[0]
    assert received[1].startswith(b"multipart/form-data")
