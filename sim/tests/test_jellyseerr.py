"""Jellyseerr: auth, request filters/paging/sort, media, TMDB-backed titles."""

from __future__ import annotations

from typing import Any

import httpx

from mediasim.jellyseerr import REQUEST_FILTERS
from mediasim.model import World

API = "/jellyseerr/api/v1"


async def test_status_is_public_and_bad_key_is_403(client: httpx.AsyncClient) -> None:
    r = await client.get(f"{API}/status")
    assert r.status_code == 200 and r.json()["version"] == "2.7.3"
    r = await client.get(f"{API}/request", headers={"X-Api-Key": "wrong"})
    assert r.status_code == 403
    assert r.json() == {"status": 403, "error": "You do not have permission to access this endpoint"}
    assert (await client.get(f"{API}/request")).status_code == 403


async def test_every_status_is_present(world: World) -> None:
    assert world.seerr is not None
    assert {r.status for r in world.seerr.requests} == {1, 2, 3, 4, 5}
    assert {m.status for m in world.seerr.media.values()} >= {1, 2, 3, 4, 5, 6, 7}


async def test_filters_match_the_real_semantics(
    client: httpx.AsyncClient, seerr_headers: dict[str, str], world: World
) -> None:
    assert world.seerr is not None
    media = world.seerr.media
    for flt, (rs, ms) in REQUEST_FILTERS.items():
        r = await client.get(f"{API}/request?take=1000&filter={flt}", headers=seerr_headers)
        got = {x["id"] for x in r.json()["results"]}
        want = {
            q.id
            for q in world.seerr.requests
            if q.status in rs and (media[q.media_id].status4k if q.is4k else media[q.media_id].status) in ms
        }
        assert got == want, flt
        for x in r.json()["results"]:
            assert "title" not in x["media"]  # titles only come from /movie and /tv


async def test_paging_and_sort(client: httpx.AsyncClient, seerr_headers: dict[str, str], world: World) -> None:
    r = await client.get(f"{API}/request", headers=seerr_headers)
    body = r.json()
    assert body["pageInfo"]["pageSize"] == 10 and len(body["results"]) == 10  # default take
    total = body["pageInfo"]["results"]
    ids: list[int] = []
    skip = 0
    while skip < total:
        page = (
            await client.get(f"{API}/request?take=7&skip={skip}&sort=added&sortDirection=asc", headers=seerr_headers)
        ).json()
        assert page["pageInfo"]["page"] == skip // 7 + 1
        ids += [x["id"] for x in page["results"]]
        skip += 7
    assert ids == sorted(ids) and len(ids) == total
    mod = (await client.get(f"{API}/request?take=100&sort=modified", headers=seerr_headers)).json()["results"]
    ups = [x["updatedAt"] for x in mod]
    assert ups == sorted(ups, reverse=True)


async def test_invalid_enum_is_400(client: httpx.AsyncClient, seerr_headers: dict[str, str]) -> None:
    r = await client.get(f"{API}/request?filter=foo", headers=seerr_headers)
    assert r.status_code == 400 and "message" in r.json()
    assert (await client.get(f"{API}/request?take=abc", headers=seerr_headers)).status_code == 400


async def test_media_and_titles(client: httpx.AsyncClient, seerr_headers: dict[str, str], world: World) -> None:
    assert world.seerr is not None
    r = await client.get(f"{API}/media?filter=available&take=100", headers=seerr_headers)
    res = r.json()["results"]
    assert res and all(m["status"] == 5 for m in res)
    m = next(x for x in world.seerr.media.values() if x.media_type == "movie" and x.jellyfin_media_id)
    d = (await client.get(f"{API}/movie/{m.tmdb_id}", headers=seerr_headers)).json()
    assert d["title"] == m.title and d["mediaInfo"]["jellyfinMediaId"] == m.jellyfin_media_id
    t = next(x for x in world.seerr.media.values() if x.media_type == "tv")
    d = (await client.get(f"{API}/tv/{t.tmdb_id}", headers=seerr_headers)).json()
    assert d["name"] == t.title and "title" not in d
    r = await client.get(f"{API}/movie/1", headers=seerr_headers)
    assert r.status_code == 500 and r.json() == {"message": "Unable to retrieve movie."}


async def test_api_user_header_scopes_requests(
    client: httpx.AsyncClient, seerr_headers: dict[str, str], world: World
) -> None:
    assert world.seerr is not None
    r = await client.get(f"{API}/request?take=1000", headers={**seerr_headers, "X-API-User": "2"})
    assert {x["requestedBy"]["id"] for x in r.json()["results"]} <= {2}
    r = await client.get(f"{API}/request?requestedBy=3", headers={**seerr_headers, "X-API-User": "2"})
    assert r.status_code == 403


async def test_delete_media_is_logged(client: httpx.AsyncClient, seerr_headers: dict[str, str], world: World) -> None:
    assert world.seerr is not None
    mid = next(iter(world.seerr.media))
    assert (await client.delete(f"{API}/media/{mid}", headers=seerr_headers)).status_code == 204
    log: list[dict[str, Any]] = (await client.get("/_admin/mutations?service=jellyseerr")).json()
    assert log[0]["kind"] == "delete_media" and log[0]["mediaId"] == mid
