"""Posters: Plex's ``/library/metadata/{id}/thumb[/{ts}]`` (token needed) and Jellyfin's
``/Items/{id}/Images/Primary`` (open, as on Jellyfin); a 404 where the item has no artwork."""

from __future__ import annotations

from typing import Any

import httpx

from mediasim.app import SimApp
from mediasim.model import World

JSON = {"Accept": "application/json"}


def _is_png(r: httpx.Response) -> bool:
    return r.headers["content-type"] == "image/png" and r.content.startswith(b"\x89PNG\r\n\x1a\n")


async def test_plex_serves_the_thumb_its_listing_names(
    client: httpx.AsyncClient, plex_headers: dict[str, str], world: World, app: SimApp
) -> None:
    movie = next(i for i in world.pms("home").items.values() if i.type == "movie")
    r = await client.get(f"/pms/home/library/metadata/{movie.id}", headers={**plex_headers, **JSON})
    thumb = r.json()["MediaContainer"]["Metadata"][0]["thumb"]
    assert thumb == f"/library/metadata/{movie.id}/thumb/{movie.updated_at}"
    first = await client.get(f"/pms/home{thumb}", headers=plex_headers)
    assert first.status_code == 200 and _is_png(first)
    by_key = await client.get(f"/pms/home/library/metadata/{movie.id}/thumb", headers=plex_headers)
    assert by_key.content == first.content
    assert (await client.get(f"/pms/home{thumb}")).status_code == 401
    assert (await client.get("/pms/home/library/metadata/999999/thumb", headers=plex_headers)).status_code == 404

    movie.poster = False  # no artwork: the listing names no thumb and the route answers 404
    app.state.forget_parts("home", movie.id)
    app.state.invalidate()
    r = await client.get(f"/pms/home/library/metadata/{movie.id}", headers={**plex_headers, **JSON})
    assert "thumb" not in r.json()["MediaContainer"]["Metadata"][0]
    assert (await client.get(f"/pms/home{thumb}", headers=plex_headers)).status_code == 404


async def test_jellyfin_serves_primary_images(client: httpx.AsyncClient, jf_key: str, info: dict[str, Any]) -> None:
    r = await client.get("/jellyfin/Items?Recursive=true&IncludeItemTypes=Movie", headers={"X-Emby-Token": jf_key})
    item = r.json()["Items"][0]
    assert "Primary" in item["ImageTags"]
    image = await client.get(f"/jellyfin/Items/{item['Id']}/Images/Primary")
    assert image.status_code == 200 and _is_png(image)
    assert (await client.get(f"/jellyfin/Items/{item['Id']}/Images/Backdrop")).status_code == 404
    assert (await client.get(f"/jellyfin/Items/{'0' * 32}/Images/Primary")).status_code == 404
