"""Scenario files describe an exact small world; the CLI parses its options."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from mediasim import build_app, load_scenario, world_from_scenario
from mediasim.cli import parse_args
from mediasim.model import World

SCENARIO = """
seed: 3
now: 2026-01-01T00:00:00Z
plex:
  owner: {username: hank, email: hank@example.com}
  friends: [alice]
  home_users: [kid]
  servers:
    - name: home
      friendly_name: Hank's Server
      allow_media_deletion: true
      libraries:
        - type: movie
          title: Movies
          items:
            - {label: matrix, title: The Matrix, year: 1999, tmdb: 603, imdb: tt0133093, added: 2024-01-02,
               released: 1999-03-31,
               media: [{size: 8GB, resolution: "1080", audio: [eng, ger], subtitles: [eng, null]},
                       {size: 40GB, resolution: 4k, audio: [eng]}],
               watched: [{user: hank, at: 2025-05-01}, {user: alice, at: 2025-06-01, count: 2}]}
            - {label: unwatched, title: Old Film, year: 1950, tmdb: 999, size: 1GB, audio: [null]}
        - type: show
          title: TV
          items:
            - title: Show Z
              tmdb: 1399
              tvdb: 121361
              seasons:
                - episodes:
                    - {label: pilot, title: Pilot, released: 2019-03-04, watched: [alice]}
                    - {title: Second}
        - type: artist
          title: Music
          items:
            - artist: Artist X
              albums:
                - title: Album Y
                  year: 2001
                  tracks:
                    - {label: a1, title: Song A, duration: 241, media: [{container: flac, bitrate: 900}]}
                    - {label: a2, title: Song A, duration: 243, media: [{container: mp3, bitrate: 320}]}
jellyfin:
  users: [{name: admin, admin: true, password: pw}, {name: alice}]
jellyseerr:
  requests:
    - {type: movie, tmdb: 603, status: 5, requested_by: alice}
    - {type: movie, tmdb: 4242, status: 1, title: Not Yet Out, media_status: 2}
planted:
  music_near_duplicates: [[a1, a2]]
faults:
  - {server: "pms:home", route: "/status/sessions/history/all", status: 503, times: 1}
pace:
  jellyseerr: {pace_ms: 5, max_in_flight: 2}
"""


async def test_yaml_scenario(tmp_path: Path) -> None:
    f = tmp_path / "world.yaml"
    f.write_text(SCENARIO)
    world = load_scenario(f)
    labels = world.planted["labels"]
    assert world.plextv.owner.username == "hank"
    matrix = world.pms("home").items[int(labels["matrix"]["ratingKey"])]  # type: ignore[union-attr]
    assert len(matrix.media) == 2 and matrix.media[0].parts[0].size == 8_000_000_000
    assert labels["matrix"]["jellyfinId"]
    app = build_app(world)
    tok = world.plextv.owner.token
    h = {"X-Plex-Token": tok, "Accept": "application/json"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as c:
        r = await c.get(f"/pms/home/library/metadata/{matrix.id}", headers=h)
        md = r.json()["MediaContainer"]["Metadata"][0]
        assert md["title"] == "The Matrix" and md["viewCount"] == 1
        langs = [s.get("languageCode") for s in md["Media"][0]["Part"][0]["Stream"] if s["streamType"] == 3]
        assert langs == ["eng", None]
        assert (await c.get("/pms/home/status/sessions/history/all", headers=h)).status_code == 503
        hist = (await c.get("/pms/home/status/sessions/history/all", headers=h)).json()["MediaContainer"]
        assert hist["totalSize"] == 4
        assert world.jellyfin is not None
        alice = next(u for u in world.jellyfin.users if u.name == "alice")
        jf = (
            await c.get(
                f"/jellyfin/Items?Ids={labels['matrix']['jellyfinId']}&userId={alice.id}",
                headers={"X-Emby-Token": world.jellyfin.api_keys[0]},
            )
        ).json()
        assert jf["Items"][0]["UserData"]["PlayCount"] == 2
        assert world.seerr is not None
        reqs = (await c.get("/jellyseerr/api/v1/request?take=50", headers={"X-Api-Key": world.seerr.api_key})).json()
        assert reqs["pageInfo"]["results"] == 2
        avail = next(x for x in reqs["results"] if x["status"] == 5)
        assert avail["media"]["ratingKey"] == str(matrix.id) and avail["requestedBy"]["displayName"] == "alice"
        d = (await c.get("/jellyseerr/api/v1/movie/4242", headers={"X-Api-Key": world.seerr.api_key})).json()
        assert d["title"] == "Not Yet Out"
    assert world.planted["music_near_duplicates"] == [["a1", "a2"]]
    assert app.state.pace["jellyseerr"].pace_ms == 5 and app.state.pace["jellyseerr"].max_in_flight == 2


async def test_a_request_meets_the_item_of_its_own_media_type() -> None:
    """TMDB numbers movies and shows apart: movie 1399 and show 1399 are two titles."""
    world = world_from_scenario(
        {
            "plex": {
                "servers": [
                    {
                        "name": "home",
                        "libraries": [
                            {"type": "movie", "title": "Movies", "items": [{"title": "A Film", "tmdb": 1399}]},
                            {
                                "type": "show",
                                "title": "TV",
                                "items": [{"title": "A Show", "tmdb": 1399, "seasons": [{"episodes": [{}]}]}],
                            },
                        ],
                    }
                ]
            },
            "jellyseerr": {"requests": [{"type": "tv", "tmdb": 1399, "status": 5}]},
        }
    )
    assert world.seerr is not None
    (media,) = world.seerr.media.values()
    show = next(i for i in world.pms("home").items.values() if i.type == "show")  # type: ignore[union-attr]
    assert (media.media_type, media.title, media.rating_key) == ("tv", "A Show", str(show.id))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(world)), base_url="http://sim") as c:
        h = {"X-Api-Key": world.seerr.api_key}
        assert (await c.get("/jellyseerr/api/v1/tv/1399", headers=h)).json()["name"] == "A Show"
        assert (await c.get("/jellyseerr/api/v1/movie/1399", headers=h)).json()["title"] == "A Film"


def test_json_scenario_with_generate(tmp_path: Path) -> None:
    f = tmp_path / "world.json"
    f.write_text('{"generate": {"seed": 4, "size": "tiny", "friends": 1}, "seed": 4}')
    world = load_scenario(f)
    assert len([u for u in world.plextv.users if u.friend]) == 1


def test_cli_args() -> None:
    a = parse_args(["--seed", "3", "--size", "large", "--port", "9000", "--tracks", "5", "--pace", "pms:home=150:4"])
    assert (a.seed, a.size, a.port, a.tracks, a.pace) == (3, "large", 9000, 5, ["pms:home=150:4"])


def test_example_scenario_loads() -> None:
    world = load_scenario(Path(__file__).parent.parent / "examples" / "demo.yaml")
    labels = world.planted["labels"]
    srv = world.pms("home")
    assert srv is not None
    assert srv.items[int(labels["old"]["ratingKey"])].media[0].parts[0].size == 1_000_000_000
    assert len(srv.items[int(labels["a3"]["ratingKey"])].media) == 2
    assert world.seerr is not None and len(world.seerr.requests) == 3


def test_cli_starts_and_prints_connection_info() -> None:
    import subprocess
    import sys
    import time

    from mediasim import free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mediasim", "--size", "tiny", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                info = httpx.get(f"http://127.0.0.1:{port}/_admin").json()
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert info["pms"]["home"]["base_url"] == f"http://127.0.0.1:{port}/pms/home"
        r = httpx.get(info["jellyseerr"]["api_base"] + "/status")
        assert r.status_code == 200
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0].decode()
    assert "X-Plex-Token" in out and "API key" in out and "X-Api-Key" in out


STREAMS_SCENARIO = {
    "seed": 4,
    "plex": {
        "servers": [
            {
                "name": "home",
                "libraries": [
                    {
                        "type": "movie",
                        "title": "Movies",
                        "items": [
                            {
                                "label": "flags",
                                "title": "Flags",
                                "media": [
                                    {
                                        "container": "mp4",
                                        "audio": ["fre"],
                                        "subtitles": ["fre", "eng"],
                                        "forced_subtitles": [0],
                                        "external_subtitles": [1],
                                    }
                                ],
                            },
                            {"label": "raw", "title": "Raw", "media": [{"analysed": False, "size": "3GB"}]},
                        ],
                    }
                ],
            }
        ]
    },
    "jellyfin": {},
}


def _streams_world() -> tuple[World, dict[str, Any], dict[str, str], dict[str, str]]:
    """The streams world, its labels, and the owner's Plex and Jellyfin headers."""
    world = world_from_scenario(STREAMS_SCENARIO)
    assert world.jellyfin is not None
    plex = {"X-Plex-Token": world.plextv.owner.token, "Accept": "application/json"}
    return world, world.planted["labels"], plex, {"X-Emby-Token": world.jellyfin.api_keys[0]}


async def test_streams_can_be_forced_external_or_not_analysed_yet_like_the_real_servers() -> None:
    world, labels, h, jf = _streams_world()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(world)), base_url="http://sim") as c:
        keys = f"{labels['flags']['ratingKey']},{labels['raw']['ratingKey']}"
        flags, raw = (await c.get(f"/pms/home/library/metadata/{keys}", headers=h)).json()["MediaContainer"]["Metadata"]
        subs = [s for s in flags["Media"][0]["Part"][0]["Stream"] if s["streamType"] == 3]
        assert [(s["languageCode"], s.get("forced"), "key" in s) for s in subs] == [
            ("fre", True, False),
            ("eng", None, True),
        ]
        # Scanned, not analysed: the file and its size are known, no streams, nothing analysis measures.
        media = raw["Media"][0]
        assert "Stream" not in media["Part"][0] and media["Part"][0]["size"] == 3_000_000_000
        assert not {"bitrate", "duration", "videoCodec", "audioCodec"} & set(media)
        ids = f"{labels['flags']['jellyfinId']},{labels['raw']['jellyfinId']}"
        items = (await c.get(f"/jellyfin/Items?Ids={ids}&Fields=MediaSources", headers=jf)).json()["Items"]
        by_name = {i["Name"]: i["MediaSources"][0] for i in items}
        streams = by_name["Flags"]["MediaStreams"]
        # an MP4's own tags are ISO 639-2/T; the sidecar keeps the code it was written with
        assert [(s["Type"], s.get("Language"), s["IsForced"], s["IsExternal"]) for s in streams[1:]] == [
            ("Audio", "fra", False, False),
            ("Subtitle", "fra", True, False),
            ("Subtitle", "eng", False, True),
        ]
        source = by_name["Raw"]
        assert source["MediaStreams"] == [] and source["Path"].endswith(".mkv")
        assert not {"Size", "RunTimeTicks", "Bitrate"} & set(source)


async def test_files_wait_for_analysis_then_show_their_streams() -> None:
    world, labels, h, jf = _streams_world()
    flags, raw = labels["flags"], labels["raw"]

    async def plex_streams(c: httpx.AsyncClient, rk: str) -> list[Any] | None:
        md = (await c.get(f"/pms/home/library/metadata/{rk}", headers=h)).json()["MediaContainer"]["Metadata"][0]
        return md["Media"][0]["Part"][0].get("Stream")

    async def jf_streams(c: httpx.AsyncClient, jid: str) -> list[Any]:
        items = (await c.get(f"/jellyfin/Items?Ids={jid}&Fields=MediaSources", headers=jf)).json()["Items"]
        return items[0]["MediaSources"][0]["MediaStreams"]

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(world)), base_url="http://sim") as c:
        assert await plex_streams(c, flags["ratingKey"]) and await jf_streams(c, flags["jellyfinId"])
        # the file is replaced: the servers list it without streams until they analyse it
        r = await c.post("/_admin/items/analysis", json={"service": "pms:home", "ids": [flags["ratingKey"]]})
        assert r.json()["items"] == [
            {"ratingKey": flags["ratingKey"], "jellyfinId": flags["jellyfinId"], "title": "Flags"}
        ]
        assert await plex_streams(c, flags["ratingKey"]) is None
        assert await jf_streams(c, flags["jellyfinId"]) == []
        # the raw file is analysed at last: its streams show on both servers
        await c.post("/_admin/items/analysis", json={"ids": [raw["ratingKey"]], "analysed": True})
        assert [s["streamType"] for s in await plex_streams(c, raw["ratingKey"]) or []] == [1, 2]
        assert [s["Type"] for s in await jf_streams(c, raw["jellyfinId"])] == ["Video", "Audio"]
        # by default, the newest movie or episode waits
        newest = await c.post("/_admin/items/analysis", json={})
        assert len(newest.json()["items"]) == 1
        assert (await c.get("/_admin/mutations?kind=analysis")).json()[-1]["analysed"] is False
