"""The generator is deterministic and records the planted cases."""

from __future__ import annotations

import httpx

from mediasim import build_app, generate_world
from mediasim.model import World

PAGES = [
    ("/pms/home/library/sections/3/all?type=10", {"Accept": "application/json", "X-Plex-Container-Size": "300"}),
    ("/pms/home/library/sections/3/all?type=10", {"X-Plex-Container-Size": "300"}),
    ("/pms/home/library/sections/1/all?includeGuids=1", {"Accept": "application/json"}),
    ("/pms/home/library/sections/2/all?type=4", {}),
    ("/pms/home/status/sessions/history/all?sort=viewedAt:desc", {"Accept": "application/json"}),
    ("/plextv/api/v2/resources", {"Accept": "application/json"}),
    ("/plextv/api/users", {}),
    ("/jellyfin/Items?Recursive=true&Fields=MediaSources,Path,DateCreated,ProviderIds&Limit=500", {}),
    ("/jellyseerr/api/v1/request?take=100", {}),
    ("/jellyseerr/api/v1/media?take=100", {}),
]


async def _pages(world: World) -> list[bytes]:
    app = build_app(world)
    assert world.jellyfin is not None and world.seerr is not None
    auth = {
        "X-Plex-Token": world.plextv.owner.token,
        "X-Emby-Token": world.jellyfin.api_keys[0],
        "X-Api-Key": world.seerr.api_key,
    }
    out = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as c:
        for path, h in PAGES:
            r = await c.get(path, headers={**auth, **h})
            assert r.status_code == 200, path
            out.append(r.content)
    return out


async def test_same_seed_gives_byte_identical_pages() -> None:
    a = await _pages(generate_world(seed=11, size="tiny"))
    b = await _pages(generate_world(seed=11, size="tiny"))
    assert a == b
    c = await _pages(generate_world(seed=12, size="tiny"))
    assert a != c


def test_planted_duplicates_are_real() -> None:
    w = generate_world(seed=5, tracks=3000, movies=300, episodes=50)
    items = w.pms("home").items  # type: ignore[union-attr]
    p = w.planted
    assert p["music_exact_duplicates"] and p["music_near_duplicates"] and p["music_multi_version"]
    assert p["movie_duplicates"] and p["movie_multi_version"] and p["future_releases"]
    for a, b in p["music_exact_duplicates"]:
        x, y = items[a], items[b]
        assert (x.title, x.parent, x.duration) == (y.title, y.parent, y.duration)
        assert x.media[0].container != y.media[0].container or x.media[0].bitrate != y.media[0].bitrate
    for a, b in p["music_near_duplicates"]:
        x, y = items[a], items[b]
        assert x.title == y.title and x.parent is y.parent
        assert 1000 <= abs((x.duration or 0) - (y.duration or 0)) <= 4000
    for rk in p["music_multi_version"] + p["movie_multi_version"]:
        assert len(items[rk].media) == 2
    for a, b in p["movie_duplicates"]:
        assert items[a].guids["tmdb"] == items[b].guids["tmdb"] and items[a].id != items[b].id
    for rk in p["future_releases"]:
        assert (items[rk].originally_available_at or "") > "2026-01-01" or items[rk].type == "show"


def test_realistic_mixes() -> None:
    w = generate_world(seed=9, size="small")
    srv = w.pms("home")
    assert srv is not None
    videos = [i for i in srv.items.values() if i.type in ("movie", "episode")]
    sizes = [p.size for v in videos for m in v.media for p in m.parts]
    assert min(sizes) >= 500_000_000 and max(sizes) <= 80_000_000_000 and max(sizes) > 15_000_000_000
    langs = {s.language_code for v in videos for s in v.media[0].parts[0].streams if s.stream_type == 2}
    assert None in langs and {"eng", "ger", "fre", "jpn"} <= langs
    subs = {s.language_code for v in videos for s in v.media[0].parts[0].streams if s.stream_type == 3}
    assert None in subs and len(subs) > 5
    years = {int(h.viewed_at // 31_536_000) for h in srv.history}
    assert len(years) >= 3  # watched dates across years
    per_user = {h.account_id for h in srv.history}
    assert len(per_user) >= 4
    assert w.jellyfin is not None and len(w.jellyfin.users) >= 3


def test_sizes_scale() -> None:
    w = generate_world(seed=1, tracks=10, movies=1, episodes=1, requests=5, jellyfin=False, seerr=False)
    assert w.jellyfin is None and w.seerr is None
    assert sum(1 for i in w.pms("home").items.values() if i.type == "track") == 10  # type: ignore[union-attr]


def test_the_world_can_be_dated_today_or_any_instant_and_defaults_to_a_fixed_day() -> None:
    import time

    from mediasim.cli import world_now
    from mediasim.generator import DEFAULT_NOW

    assert world_now(None) == DEFAULT_NOW
    assert world_now("1700000000") == 1_700_000_000
    today = world_now("today")
    assert today % 86400 == 0
    assert 0 <= time.time() - today < 86400
    world = generate_world(seed=1, size="tiny", now=today)
    assert world.now == today
    # Every added date is in the past but the one planted in the future on purpose.
    future = set(world.planted["future_added"])
    assert max(i.added_at for s in world.plex_servers for i in s.items.values() if i.id not in future) <= today
    assert all(world.plex_servers[0].items[rk].added_at > today for rk in future)
