"""Which items of two servers are one file (or one show): every rule of ``library.copies`` on rows
written as a sync writes them."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.core.context import AppContext
from janitor.devtools.pytest_plugin import SignupFn
from janitor.library.copies import CopyStats, folded, normalise_path, rebuild_copies, unambiguous
from janitor.reports.precompute import refresh_duplicate_candidates

GB = 10**9
_ids = itertools.count(1)


@dataclass
class World:
    """An account's servers and items, inserted straight into the tables a sync writes."""

    session: AsyncSession
    account_id: uuid.UUID
    libraries: dict[str, uuid.UUID] = field(default_factory=dict)
    connections: dict[str, uuid.UUID] = field(default_factory=dict)

    async def server(self, name: str, kind: str, *, mappings: list[dict[str, str]] | None = None) -> uuid.UUID:
        cid, lid = uuid.uuid4(), uuid.uuid4()
        created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=len(self.connections))
        await self.session.execute(
            text(
                "INSERT INTO connections (id, account_id, kind, name, base_url, server_id, token_ciphertext, "
                "verify_tls, options, path_mappings, status, created_at, updated_at) VALUES (:id, :a, :kind, :name, "
                "'http://example.invalid', :sid, 'x', true, '{}', CAST(:maps AS jsonb), 'ok', :created, :created)"
            ),
            {
                "id": cid,
                "a": self.account_id,
                "kind": kind,
                "name": name,
                "sid": uuid.uuid4().hex,
                "maps": orjson.dumps(mappings or []).decode(),
                "created": created,
            },
        )
        await self.session.execute(
            text(
                "INSERT INTO libraries (id, account_id, connection_id, upstream_key, title, kind, enabled) "
                "VALUES (:id, :a, :c, '1', :t, 'movie', true)"
            ),
            {"id": lid, "a": self.account_id, "c": cid, "t": f"{name} library"},
        )
        self.connections[name], self.libraries[name] = cid, lid
        return cid

    async def item(
        self,
        server: str,
        kind: str = "movie",
        *,
        title: str = "Alien",
        files: tuple[str, ...] = (),
        size: int | None = 4 * GB,
        duration: int | None = 7_000_000,
        guids: dict[str, str] | None = None,
        show: str | None = None,
        season: int | None = None,
        episode: int | None = None,
        match_key: str | None = None,
        upstream_id: str | None = None,
    ) -> int:
        upstream = upstream_id or str(next(_ids))
        parts = [{"part_id": str(next(_ids)), "file": f, "size": size} for f in files]
        return int(
            await self.session.scalar(
                text(
                    "INSERT INTO media_items (account_id, connection_id, library_id, upstream_id, kind, grandparent_id, "
                    'title, parent_index, "index", duration_ms, guids, size_bytes, parts, match_key) VALUES '
                    "(:a, :c, :l, :u, :kind, :show, :title, :season, :episode, :duration, CAST(:guids AS jsonb), "
                    ":size, CAST(:parts AS jsonb), :key) RETURNING id"
                ),
                {
                    "a": self.account_id,
                    "c": self.connections[server],
                    "l": self.libraries[server],
                    "u": upstream,
                    "kind": kind,
                    "show": show,
                    "title": title,
                    "season": season,
                    "episode": episode,
                    "duration": duration,
                    "guids": orjson.dumps(guids or {}).decode(),
                    "size": size,
                    "parts": orjson.dumps(parts).decode(),
                    "key": match_key,
                },
            )
        )

    async def rebuild(self) -> CopyStats:
        return await rebuild_copies(self.session, self.account_id)

    async def rows(self) -> dict[int, tuple[int | None, int | None, str | None]]:
        found = await self.session.execute(
            text("SELECT item_id, file_group, title_group, matched_by FROM media_copies WHERE account_id = :a"),
            {"a": self.account_id},
        )
        return {r.item_id: (r.file_group, r.title_group, r.matched_by) for r in found}


@pytest.fixture
async def world(ctx: AppContext, signup: SignupFn) -> Any:
    user = await signup()
    async with ctx.sessionmaker() as session, session.begin():
        yield World(session, user.account_id)


async def test_the_same_path_after_each_servers_mapping_is_one_file(world: World) -> None:
    await world.server("plex", "plex")
    await world.server("jellyfin", "jellyfin", mappings=[{"server_path": "/media", "shared_path": "/data"}])
    plex = await world.item("plex", files=("/data/movies/Alien (1979)/Alien.mkv",), size=4 * GB)
    # a different size on purpose: the path is what makes it one file (a server that has not
    # rescanned a replaced file reports the old size)
    jelly = await world.item("jellyfin", files=("/media/movies/Alien (1979)/Alien.mkv",), size=5 * GB, guids={})
    stats = await world.rebuild()
    assert await world.rows() == {plex: (plex, None, "path"), jelly: (plex, None, "path")}
    assert (stats.file_groups, stats.by_path) == (1, 1)


async def test_longest_mapping_wins_and_windows_paths_compare_with_slashes(world: World) -> None:
    await world.server("plex", "plex", mappings=[{"server_path": "D:/Media", "shared_path": "/srv"}])
    await world.server(
        "jellyfin",
        "jellyfin",
        mappings=[
            {"server_path": "/mnt", "shared_path": "/wrong"},
            {"server_path": "/mnt/disk1", "shared_path": "/srv"},
        ],
    )
    plex = await world.item("plex", files=("D:\\Media\\\\Movies\\Heat.mkv",), size=None)
    jelly = await world.item("jellyfin", files=("/mnt/disk1/Movies/Heat.mkv",), size=None)
    # a prefix only maps at a folder boundary: /mnt/disk10 is not under /mnt/disk1
    await world.item("plex", files=("D:/Media/Movies/Other.mkv",), size=None)
    await world.item("jellyfin", files=("/mnt/disk10/Movies/Other.mkv",), size=None)
    await world.rebuild()
    assert await world.rows() == {plex: (plex, None, "path"), jelly: (plex, None, "path")}


async def test_without_a_shared_path_the_same_size_duration_and_identity_is_one_file(world: World) -> None:
    await world.server("plex", "plex")
    await world.server("jellyfin", "jellyfin")
    plex = await world.item("plex", files=("/data/Alien.mkv",), guids={"tmdb": "348", "imdb": "tt0078748"})
    jelly = await world.item("jellyfin", files=("/media/Alien.mkv",), duration=7_001_500, guids={"tmdb": "348"})
    # same size and duration but another film: never merged
    await world.item("plex", title="Heat", files=("/data/Heat.mkv",), size=3 * GB, guids={"tmdb": "949"})
    await world.item("jellyfin", title="Heat", files=("/media/Heat2.mkv",), size=3 * GB, guids={"tmdb": "950"})
    stats = await world.rebuild()
    assert await world.rows() == {plex: (plex, None, "fingerprint"), jelly: (plex, None, "fingerprint")}
    assert stats.by_fingerprint == 1


async def test_durations_just_past_the_tolerance_are_not_the_same_file(world: World) -> None:
    await world.server("plex", "plex")
    await world.server("jellyfin", "jellyfin")
    plex = await world.item("plex", files=("/a.mkv",), duration=7_000_000, guids={"tmdb": "1"})
    jelly = await world.item("jellyfin", files=("/b.mkv",), duration=7_002_001, guids={"tmdb": "1"})
    await world.rebuild()
    # 2.001 s apart: not one file; the same title on both, as different files
    assert await world.rows() == {plex: (None, plex, None), jelly: (None, plex, None)}


async def test_the_same_title_at_another_size_stays_two_rows_marked_as_different_files(world: World) -> None:
    await world.server("plex", "plex")
    await world.server("jellyfin", "jellyfin")
    plex = await world.item("plex", files=("/data/Alien.mkv",), size=4 * GB, guids={"imdb": "tt0078748"})
    jelly = await world.item("jellyfin", files=("/media/Alien 4K.mkv",), size=60 * GB, guids={"imdb": "tt0078748"})
    stats = await world.rebuild()
    assert await world.rows() == {plex: (None, plex, None), jelly: (None, plex, None)}
    assert (stats.file_groups, stats.title_groups) == (0, 1)


async def test_an_ambiguous_fingerprint_is_never_merged(world: World) -> None:
    await world.server("plex", "plex")
    await world.server("jellyfin", "jellyfin")
    plex = await world.item("plex", files=("/data/a.mkv",), guids={"tmdb": "7"})
    one = await world.item("jellyfin", files=("/media/a.mkv",), guids={"tmdb": "7"})
    two = await world.item("jellyfin", files=("/media/copy of a.mkv",), guids={"tmdb": "7"})
    stats = await world.rebuild()
    rows = await world.rows()
    assert all(file_group is None for file_group, _, _ in rows.values())
    assert stats.ambiguous == 2
    assert set(rows) == {plex, one, two}  # still told of each other as the same title


async def test_items_of_one_server_are_never_merged_with_each_other(world: World) -> None:
    await world.server("plex", "plex")
    await world.server("jellyfin", "jellyfin")
    await world.item("plex", files=("/data/a.mkv",), guids={"tmdb": "7"})
    await world.item("plex", files=("/data/b.mkv",), guids={"tmdb": "7"})
    await world.rebuild()
    assert await world.rows() == {}


async def test_an_account_with_one_server_has_no_copies_and_a_rebuild_clears_old_ones(world: World) -> None:
    await world.server("plex", "plex")
    await world.server("jellyfin", "jellyfin")
    await world.item("plex", files=("/x.mkv",))
    await world.item("jellyfin", files=("/x.mkv",))
    await world.rebuild()
    assert len(await world.rows()) == 2
    await world.session.execute(text("DELETE FROM connections WHERE id = :c"), {"c": world.connections["jellyfin"]})
    await world.rebuild()
    assert await world.rows() == {}


async def test_shows_are_one_show_by_external_id_or_by_their_episodes_files(world: World) -> None:
    await world.server("plex", "plex")
    await world.server("jellyfin", "jellyfin")
    # by a shared TVDB id; episodes matched by season and episode number and the same fingerprint
    p_show = await world.item("plex", "show", title="Dark", upstream_id="p-dark", guids={"tvdb": "334824"})
    j_show = await world.item("jellyfin", "show", title="Dark", upstream_id="j-dark", guids={"tvdb": "334824"})
    p_ep = await world.item("plex", "episode", show="p-dark", season=1, episode=1, files=("/p/d1.mkv",), size=GB)
    j_ep = await world.item("jellyfin", "episode", show="j-dark", season=1, episode=1, files=("/j/d1.mkv",), size=GB)
    # no external ids at all (home videos): the episodes' paths make the shows one
    p_home = await world.item("plex", "show", title="Holidays", upstream_id="p-home")
    j_home = await world.item("jellyfin", "show", title="Holidays", upstream_id="j-home")
    p_clip = await world.item("plex", "episode", show="p-home", files=("/v/2019.mp4",), size=2 * GB)
    j_clip = await world.item("jellyfin", "episode", show="j-home", files=("/v/2019.mp4",), size=2 * GB)
    await world.rebuild()
    rows = await world.rows()
    assert rows[p_show] == rows[j_show] == (p_show, None, "show")
    assert rows[p_ep] == rows[j_ep] == (p_ep, None, "fingerprint")
    assert rows[p_home] == rows[j_home] == (p_home, None, "show")
    assert rows[p_clip] == rows[j_clip] == (p_clip, None, "path")


async def test_tracks_are_one_file_by_path_or_by_size_duration_and_key(world: World) -> None:
    await world.server("plex", "plex")
    await world.server("jellyfin", "jellyfin")
    key = "song a\x1fartist x\x1falbum y"
    plex = await world.item("plex", "track", files=("/m/a.flac",), size=30_000_000, duration=241_000, match_key=key)
    jelly = await world.item(
        "jellyfin", "track", files=("/n/a.flac",), size=30_000_000, duration=241_000, match_key=key
    )
    await world.rebuild()
    assert await world.rows() == {plex: (plex, None, "fingerprint"), jelly: (plex, None, "fingerprint")}


async def test_the_primary_is_the_earliest_connections_item(world: World) -> None:
    await world.server("jellyfin", "jellyfin")  # added first
    await world.server("plex", "plex")
    plex = await world.item("plex", files=("/same.mkv",))
    jelly = await world.item("jellyfin", files=("/same.mkv",))
    assert plex < jelly
    await world.rebuild()
    assert (await world.rows())[plex][0] == jelly


async def test_an_item_is_folded_only_while_its_primary_is_present_and_enabled(world: World) -> None:
    await world.server("plex", "plex")
    await world.server("jellyfin", "jellyfin")
    plex = await world.item("plex", files=("/same.mkv",))
    jelly = await world.item("jellyfin", files=("/same.mkv",))
    await world.rebuild()
    query = text(f"SELECT m.id, {folded()} AS folded FROM media_items m WHERE m.account_id = :a ORDER BY m.id")

    async def folded_now() -> dict[int, bool]:
        return {r.id: r.folded for r in await world.session.execute(query, {"a": world.account_id})}

    assert await folded_now() == {plex: False, jelly: True}
    # the primary gone (or its library switched off) before the copies were rebuilt: nothing hides
    await world.session.execute(text("UPDATE media_items SET gone = true WHERE id = :i"), {"i": plex})
    assert await folded_now() == {plex: False, jelly: False}
    await world.session.execute(text("UPDATE media_items SET gone = false WHERE id = :i"), {"i": plex})
    await world.session.execute(
        text("UPDATE libraries SET enabled = false WHERE id = :l"), {"l": world.libraries["plex"]}
    )
    assert await folded_now() == {plex: False, jelly: False}


def test_paths_are_compared_in_one_form() -> None:
    assert normalise_path("D:\\Media\\\\Movies\\") == "D:/Media/Movies"
    assert normalise_path("/data//movies/") == "/data/movies"


def test_unambiguous_keeps_one_to_one_pairs_only() -> None:
    p, j, k = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert unambiguous([(1, p, 2, j)]) == ([(1, 2)], 0)
    assert unambiguous([(1, p, 2, j), (1, p, 3, j)]) == ([], 2)
    # one candidate on each of two other servers is not ambiguous
    assert unambiguous([(1, p, 2, j), (1, p, 3, k)]) == ([(1, 2), (1, 3)], 0)


async def test_a_second_copy_on_one_server_is_never_tied_to_the_first_through_another_server(world: World) -> None:
    """A track copied beside itself on Plex has the original's fingerprint; Jellyfin's copy of the
    original (matched by path) must not make the two Plex files one."""
    await world.server("plex", "plex")
    await world.server("jellyfin", "jellyfin")
    key = "song a\x1fartist x\x1falbum y"
    track = {"size": 30_000_000, "duration": 241_000, "match_key": key}
    original = await world.item("plex", "track", files=("/m/a.flac",), **track)
    second = await world.item("plex", "track", files=("/m/a (copy).flac",), **track)
    jelly = await world.item("jellyfin", "track", files=("/m/a.flac",), **track)
    await world.rebuild()
    rows = await world.rows()
    assert rows == {original: (original, None, "path"), jelly: (original, None, "path")}
    assert second not in rows


async def test_three_servers_never_merge_two_items_of_one_of_them(world: World) -> None:
    await world.server("plex", "plex")
    await world.server("jellyfin", "jellyfin")
    await world.server("plex2", "plex")
    guids = {"tmdb": "42"}
    # Plex holds the film twice (two files of one size); each other server holds it once.
    a = await world.item("plex", files=("/p/a.mkv",), guids=guids)
    d = await world.item("plex", files=("/p/d.mkv",), guids=guids)
    b = await world.item("jellyfin", files=("/j/b.mkv",), guids=guids)
    c = await world.item("plex2", files=("/q/c.mkv",), guids=guids)
    await world.rebuild()
    groups = {i: group for i, (group, _, _) in (await world.rows()).items()}
    # Jellyfin's and plex2's copies match each other alone; which Plex file they are is ambiguous.
    assert groups[b] == groups[c] is not None
    assert groups.get(a) is None and groups.get(d) is None


async def _rebuild_candidates(session: AsyncSession, account_id: uuid.UUID) -> int:
    await refresh_duplicate_candidates(session, account_id)
    return int(
        await session.scalar(text("SELECT count(*) FROM duplicate_candidates WHERE account_id = :a"), {"a": account_id})
    )


async def _rebuild_copies(session: AsyncSession, account_id: uuid.UUID) -> int:
    return (await rebuild_copies(session, account_id)).file_groups


@pytest.mark.parametrize(("rebuild", "expected"), [(_rebuild_copies, 10), (_rebuild_candidates, 20)])
async def test_two_rebuilds_of_one_account_at_once_take_turns(
    ctx: AppContext, signup: SignupFn, rebuild: Callable[[AsyncSession, uuid.UUID], Awaitable[int]], expected: int
) -> None:
    # The end of a sync and a library switch can both rebuild an account's copies and duplicate
    # candidates: the second waits for the first (it used to fail on the first one's rows, leaving
    # the derived data stale).
    user = await signup()
    async with ctx.sessionmaker() as session, session.begin():
        world = World(session, user.account_id)
        await world.server("plex", "plex")
        await world.server("jellyfin", "jellyfin")
        for n in range(10):
            for server in ("plex", "jellyfin"):
                await world.item(server, title=f"Movie {n}", files=(f"/data/movies/{n}.mkv",))
            # two tracks of one album on Plex with the same title, artist and duration: duplicates
            for _ in range(2):
                await world.item("plex", "track", title=f"Song {n}", files=(), match_key=f"song {n}")

    async def in_own_transaction() -> int:
        async with ctx.sessionmaker() as other, other.begin():
            return await rebuild(other, user.account_id)

    async with ctx.sessionmaker() as first, first.begin():
        assert await rebuild(first, user.account_id) == expected
        second = asyncio.create_task(in_own_transaction())
        await asyncio.sleep(0.5)
        assert not second.done()  # it waits for the first to commit
    assert await second == expected
