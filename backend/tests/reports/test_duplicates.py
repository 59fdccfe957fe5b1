from __future__ import annotations

import csv
import io
from decimal import Decimal

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from janitor.devtools.pytest_plugin import SignupFn
from janitor.devtools.sim_fixtures import RunJob
from janitor.reports.duplicates import DUPLICATE_COLUMNS, duration_claim
from mediasim import SimServer

from .test_stale_and_large import _synced


async def test_duplicates_groups_keepers_and_strict_mode(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    body = (await api.get("/api/v1/reports/duplicates", headers=user.headers)).json()
    groups = {(g["kind"], g["title"].lower()): g for g in body["items"]}
    assert body["total"] == 4
    assert set(groups) == {
        ("duplicates", "song a"),
        ("versions", "song b"),
        ("duplicates", "song c"),
        ("duplicates", "song d"),
    }
    song_a = groups[("duplicates", "song a")]
    assert len(song_a["copies"]) == 2  # the 300 s "Song A" is another recording
    keeper = next(c for c in song_a["copies"] if c["keeper"])
    assert keeper["container"] == "flac"
    assert song_a["keeper_reason"] == "Keep the lossless FLAC over lossy MP3"
    assert song_a["reclaimable_bytes"] > 0
    song_b = groups[("versions", "song b")]
    assert len({c["upstream_id"] for c in song_b["copies"]}) == 1
    assert len({c["part_id"] for c in song_b["copies"]}) == 2  # what would be removed is one part
    assert next(c for c in song_b["copies"] if c["keeper"])["container"] == "flac"
    song_c = groups[("duplicates", "song c")]
    assert next(c for c in song_c["copies"] if c["keeper"])["bitrate_kbps"] == 320
    assert "higher bitrate" in song_c["keeper_reason"]
    assert sum(c["keeper"] for g in body["items"] for c in g["copies"]) == 4  # one keeper per group, never zero
    await api.patch("/api/v1/settings/reports", json={"duplicate_strict": True}, headers=user.headers)
    strict = (await api.get("/api/v1/reports/duplicates", headers=user.headers)).json()
    assert sorted((g["kind"], g["title"]) for g in strict["items"]) == [
        ("duplicates", "Song D"),
        ("versions", "Song B"),
    ]
    await api.patch(
        "/api/v1/settings/reports",
        json={"duplicate_strict": False, "duplicate_tolerance_seconds": 60},
        headers=user.headers,
    )
    wide = (await api.get("/api/v1/reports/duplicates", params={"q": "song a"}, headers=user.headers)).json()
    assert [len(g["copies"]) for g in wide["items"]] == [3]


async def test_dashboard_summarises_every_report(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    empty = await signup()
    blank = (await api.get("/api/v1/dashboard", headers=empty.headers)).json()
    assert blank["has_connections"] is False
    assert blank["last_sync"] is None
    assert {c["report"]: c["count"] for c in blank["cards"]} == {
        "duplicates": 0,
        "stale": 0,
        "large": 0,
        "languages": 0,
        "requests": 0,
        "recently-available": 0,
    }
    user = await _synced(api, signup, sim, run_job)
    board = (await api.get("/api/v1/dashboard", headers=user.headers)).json()
    cards = {c["report"]: c for c in board["cards"]}
    assert cards["stale"]["count"] == 4
    assert cards["large"]["count"] == 1
    assert cards["large"]["reclaimable_bytes"] >= 40 * 10**9
    assert cards["duplicates"]["count"] == 4
    assert cards["requests"]["count"] == 5
    assert cards["recently-available"]["count"] == 2
    assert cards["languages"]["count"] == 4
    assert board["last_sync"]["status"] == "complete"
    assert sum(b["count"] for b in board["stale_by_age"]) == 4
    stale_rows = (await api.get("/api/v1/reports/stale", params={"page_size": 100}, headers=user.headers)).json()
    assert cards["stale"]["reclaimable_bytes"] == sum(r["size_bytes"] or 0 for r in stale_rows["items"]) > 0
    assert {b["label"]: b["count"] for b in board["stale_by_age"]} == {
        "never watched": 1,
        "over 2 years": 0,
        "1-2 years": 3,
        "6-12 months": 0,
        "under 6 months": 0,
    }
    assert {s["library"] for s in board["storage"]} == {"Movies", "Foreign", "TV", "Music"}
    assert board["storage"][0]["library"] == "Movies"  # largest first


async def test_the_user_can_choose_the_keeper(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)

    async def group(title: str) -> dict[str, object]:
        body = (await api.get("/api/v1/reports/duplicates", params={"q": title}, headers=user.headers)).json()
        return next(g for g in body["items"] if g["title"].lower() == title.lower())

    song_a = await group("song a")
    mp3 = next(c for c in song_a["copies"] if c["container"] == "mp3")  # type: ignore[union-attr]
    r = await api.put(
        "/api/v1/reports/duplicates/keeper",
        json={"group_id": song_a["group_id"], "connection_id": mp3["connection_id"], "upstream_id": mp3["upstream_id"]},
        headers=user.headers,
    )
    assert r.status_code == 204, r.text
    song_a = await group("song a")
    keepers = [c for c in song_a["copies"] if c["keeper"]]  # type: ignore[union-attr]
    assert [k["container"] for k in keepers] == ["mp3"]
    assert song_a["keeper_reason"] == "Keep the copy you chose"
    song_b = await group("song b")
    mp3_part = next(c for c in song_b["copies"] if c["container"] == "mp3")  # type: ignore[union-attr]
    r = await api.put(
        "/api/v1/reports/duplicates/keeper",
        json={
            "group_id": song_b["group_id"],
            "connection_id": mp3_part["connection_id"],
            "upstream_id": mp3_part["upstream_id"],
            "part_id": mp3_part["part_id"],
        },
        headers=user.headers,
    )
    assert r.status_code == 204
    song_b = await group("song b")
    assert [c["part_id"] for c in song_b["copies"] if c["keeper"]] == [mp3_part["part_id"]]  # type: ignore[union-attr]
    other = await signup()
    stolen = await api.put(
        "/api/v1/reports/duplicates/keeper",
        json={"group_id": song_a["group_id"], "connection_id": mp3["connection_id"], "upstream_id": mp3["upstream_id"]},
        headers=other.headers,
    )
    assert stolen.status_code == 404
    bad_part = await api.put(
        "/api/v1/reports/duplicates/keeper",
        json={
            "group_id": song_b["group_id"],
            "connection_id": mp3_part["connection_id"],
            "upstream_id": mp3_part["upstream_id"],
            "part_id": "nope",
        },
        headers=user.headers,
    )
    assert bad_part.status_code == 404


async def test_duplicates_export_one_row_per_copy_with_the_keeper_marked(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    body = (await api.get("/api/v1/reports/duplicates", params={"q": "song"}, headers=user.headers)).json()
    exported = await api.get("/api/v1/reports/duplicates/export.csv", params={"q": "song"}, headers=user.headers)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == sum(len(g["copies"]) for g in body["items"]) > 0
    assert {r["group"] for r in rows} == {str(n) for n in range(1, len(body["items"]) + 1)}
    keepers = [r for r in rows if r["keeper"] == "keep"]
    assert len(keepers) == len(body["items"])  # one per group, never zero
    flac_over_mp3 = next(r for r in keepers if r["title"].lower() == "song a")
    assert flac_over_mp3["container"] == "flac"
    assert "lossless FLAC over lossy MP3" in flac_over_mp3["why"]
    other = await signup()
    empty = await api.get("/api/v1/reports/duplicates/export.csv", headers=other.headers)
    assert empty.text.strip().splitlines() == [",".join(DUPLICATE_COLUMNS)]


async def test_album_view_sums_the_groups_of_each_album(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    tracks = (await api.get("/api/v1/reports/duplicates", headers=user.headers)).json()
    albums = (await api.get("/api/v1/reports/duplicates/albums", headers=user.headers)).json()
    assert albums["total"] == 1
    (album,) = albums["items"]
    assert (album["artist"], album["album"]) == ("Artist X", "Album Y")
    assert (album["groups"], album["duplicate_groups"], album["version_groups"]) == (4, 3, 1)
    assert album["extra_copies"] == sum(len(g["copies"]) - 1 for g in tracks["items"]) == 4
    assert album["reclaimable_bytes"] == sum(g["reclaimable_bytes"] for g in tracks["items"]) > 0
    assert album["why"] == "3 tracks held more than once and 1 track with several versions: 4 extra copies"
    # filters narrow the groups counted; a choice of keeper changes what would be freed
    narrowed = (await api.get("/api/v1/reports/duplicates/albums", params={"q": "song d"}, headers=user.headers)).json()
    assert [(a["groups"], a["extra_copies"]) for a in narrowed["items"]] == [(1, 1)]
    song_a = next(g for g in tracks["items"] if g["title"] == "Song A" and g["kind"] == "duplicates")
    mp3 = next(c for c in song_a["copies"] if not c["keeper"])
    chosen = await api.put(
        "/api/v1/reports/duplicates/keeper",
        json={"group_id": song_a["group_id"], "connection_id": mp3["connection_id"], "upstream_id": mp3["upstream_id"]},
        headers=user.headers,
    )
    assert chosen.status_code == 204
    flac = next(c for c in song_a["copies"] if c["keeper"])
    after = (await api.get("/api/v1/reports/duplicates/albums", headers=user.headers)).json()["items"][0]
    assert after["reclaimable_bytes"] == album["reclaimable_bytes"] - mp3["size_bytes"] + flac["size_bytes"]
    other = await signup()
    assert (await api.get("/api/v1/reports/duplicates/albums", headers=other.headers)).json()["items"] == []


async def test_the_tracks_of_one_album_of_the_album_view(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)

    async def groups(**params: str) -> list[str]:
        r = await api.get("/api/v1/reports/duplicates", params=params, headers=user.headers)
        assert r.status_code == 200, r.text
        assert r.json()["total"] == len(r.json()["items"])
        return sorted(g["title"].lower() for g in r.json()["items"])

    every = await groups()
    assert len(every) == 4
    # the album as the album view lists it, in any case; its other filters still apply
    assert await groups(artist="Artist X", album="Album Y") == every
    assert await groups(artist="artist x", album="ALBUM Y", q="song d") == ["song d"]
    # another album, another artist's album of that name, an unknown album: none of these groups
    assert await groups(artist="Artist X", album="Album Z") == []
    assert await groups(artist="Artist W", album="Album Y") == []
    assert await groups(album="Album Y") == []
    assert await groups(artist="Artist X", album="") == []
    other = await signup()
    r = await api.get(
        "/api/v1/reports/duplicates", params={"artist": "Artist X", "album": "Album Y"}, headers=other.headers
    )
    assert r.json()["items"] == []


@pytest.mark.parametrize(
    ("durations", "claim"),
    [
        ([180_000, 180_000], "same duration"),
        ([180_000, 180_001], "durations within 0.1 s"),
        ([180_000, 180_099], "durations within 0.1 s"),
        ([180_000, 180_100], "durations within 0.1 s"),
        ([180_000, 180_101], "durations within 0.2 s"),
        ([180_000, 180_999], "durations within 1 s"),
        ([180_000, 181_000], "durations within 1 s"),
        ([180_000, 181_001], "durations within 1.1 s"),
        ([180_000, 181_400], "durations within 1.4 s"),  # was "within 1 s"
        ([180_000, 181_401], "durations within 1.5 s"),
        ([180_000, 180_500, 182_000], "durations within 2 s"),
        ([0, 0], "same duration"),
        ([0, 1_500], "durations within 1.5 s"),  # a zero is a duration, not a missing one
        ([180_000, None], "some durations unknown"),
    ],
)
def test_a_duration_claim_is_never_rounded_down(durations: list[int | None], claim: str) -> None:
    assert duration_claim(durations) == claim


@given(st.lists(st.integers(0, 10**7), min_size=2, max_size=6))
@example([0, 32_300])  # 32.3 * 1000 is 32299.999... in binary floating point
def test_within_x_is_always_true(durations: list[int]) -> None:
    claim = duration_claim(list(durations))
    spread = max(durations) - min(durations)
    if claim == "same duration":
        assert spread == 0
    else:
        ms = Decimal(claim.removeprefix("durations within ").removesuffix(" s")) * 1000
        assert spread <= ms < spread + 100
