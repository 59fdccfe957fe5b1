"""Owner-chosen queueing of report rows: each item must be a row of that report now and not
protected, is due after the delay, and queuing it twice answers with the row already there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from janitor.core.deps import AppContext
from janitor.deletions.models import DeletionEvent, QueuedDeletion

from .conftest import World, item


async def _english_only(world: World) -> None:
    """The languages every planted item has (but Dubbed Only, in German)."""
    body = {"required_audio_languages": ["en"], "required_subtitle_languages": ["en"]}
    r = await world.api.patch("/api/v1/settings/reports", json=body, headers=world.headers)
    assert r.status_code == 200, r.text


def _due(row: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(row["due_at"])


def _close(a: datetime, b: datetime) -> bool:
    return abs(a - b) < timedelta(minutes=1)


async def _count(ctx: AppContext) -> int:
    async with ctx.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(QueuedDeletion)) or 0)


async def _protect(world: World, *labels: str) -> None:
    items = [{"connection_id": str(world.plex), "upstream_id": world.rk(label)} for label in labels]
    r = await world.api.post("/api/v1/allowlists", json={"list": "protected", "items": items}, headers=world.headers)
    assert r.status_code == 201, r.text


async def test_a_stale_row_is_queued_after_the_default_delay_once(ctx: AppContext, world: World) -> None:
    before = datetime.now(UTC)
    r = await world.queue("stale", "forgotten", note="we never watch it")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["already_queued"], body["skipped"]) == (1, 0, [])
    (row,) = body["rows"]
    assert (row["title"], row["reason"], row["origin"], row["status"], row["kind"]) == (
        "Forgotten (2020)",
        "stale",
        "owner",
        "scheduled",
        "movie",
    )
    connections = (await world.api.get("/api/v1/connections", headers=world.headers)).json()
    assert row["server"] == next(c["name"] for c in connections if c["id"] == str(world.plex))
    assert row["upstream_id"] == world.rk("forgotten") and row["media_id"] is None
    assert row["why"].startswith("Last watched") and "by hank" in row["why"]
    assert row["details"]["note"] == "we never watch it"
    assert row["size_bytes"] == 4_000_000_000
    assert _close(_due(row), before + timedelta(hours=24))  # no settings row: the 24-hour default
    # queued again: the same row, not an error, not a second row or event
    again = (await world.queue("stale", "forgotten")).json()
    assert (again["created"], again["already_queued"]) == (0, 1)
    assert again["rows"][0]["id"] == row["id"]
    async with ctx.sessionmaker() as session:
        events = (await session.scalars(select(DeletionEvent))).all()
    assert [(e.event, str(e.queue_id)) for e in events] == [("queued", row["id"])]
    assert await _count(ctx) == 1


async def test_the_delay_is_the_librarys_else_the_accounts(ctx: AppContext, world: World) -> None:
    assert (await world.put("/settings", {"delay_hours": 48})).status_code == 200
    before = datetime.now(UTC)
    row = (await world.queue("stale", "forgotten")).json()["rows"][0]
    assert _close(_due(row), before + timedelta(hours=48))
    movies = (await item(ctx, world.plex, world.rk("never"))).library_id
    r = await world.put(f"/libraries/{movies}/delay", {"delay_hours": 2})
    assert r.status_code == 200, r.text
    assert (r.json()["delay_hours"], r.json()["effective_delay_hours"], r.json()["library"]) == (2, 2, "Movies")
    row = (await world.queue("stale", "never")).json()["rows"][0]
    assert _close(_due(row), before + timedelta(hours=2))
    cleared = await world.put(f"/libraries/{movies}/delay", {"delay_hours": None})
    assert (cleared.json()["delay_hours"], cleared.json()["effective_delay_hours"]) == (None, 48)
    row = (await world.queue("large", "huge")).json()["rows"][0]
    assert _close(_due(row), datetime.now(UTC) + timedelta(hours=48))


async def test_an_item_not_in_the_report_now_is_refused_and_nothing_is_queued(ctx: AppContext, world: World) -> None:
    r = await world.queue("stale", "forgotten", "recent")
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "deletion_not_queueable"
    detail = r.json()["detail"]
    assert detail.startswith("Nothing was queued.")
    assert f"'Watched Recently' ({world.rk('recent')} on" in detail
    assert "is not in the stale report now" in detail
    assert "Forgotten" not in detail  # only the item at fault is named
    assert await _count(ctx) == 0
    # a 4 GB movie is no large movie; a movie is no language issue while every language is there
    r = await world.queue("large", "forgotten")
    assert r.status_code == 409 and "not in the large movies report now" in r.json()["detail"]
    await _english_only(world)
    r = await world.queue("language", "forgotten")
    assert r.status_code == 409 and "not in the language issues report now" in r.json()["detail"]
    # an id no library holds, or another account's server: the same answer, nothing leaks
    unknown = {"connection_id": str(world.plex), "upstream_id": "987654"}
    r = await world.post("/queue", {"reason": "stale", "items": [unknown]})
    assert r.status_code == 409 and "987654 on server" in r.json()["detail"]
    assert "not in your synced libraries" in r.json()["detail"]
    assert await _count(ctx) == 0


async def test_the_report_rule_is_read_now(world: World) -> None:
    """A threshold changed since the report was loaded changes what may be queued."""
    assert (await world.queue("stale", "forgotten")).status_code == 200
    r = await world.api.patch("/api/v1/settings/reports", json={"stale_months": 13}, headers=world.headers)
    assert r.status_code == 200
    r = await world.queue("stale", "never", "huge")
    assert r.status_code == 409
    assert "'Huge Remux'" in r.json()["detail"] and "Never Seen" not in r.json()["detail"]


async def test_protected_items_are_refused(ctx: AppContext, world: World) -> None:
    await _protect(world, "huge")
    # the large report lists protected movies (to re-download smaller): the queue still refuses them
    rows = (await world.api.get("/api/v1/reports/large", headers=world.headers)).json()["items"]
    assert "Huge Remux" in [r["title"] for r in rows]
    r = await world.queue("large", "huge")
    assert r.status_code == 409
    assert "'Huge Remux'" in r.json()["detail"] and "it is on your Protected list" in r.json()["detail"]
    assert await _count(ctx) == 0


async def test_one_version_of_a_plex_movie(ctx: AppContext, world: World) -> None:
    synced = await item(ctx, world.plex, world.rk("versions"))
    four_k = next(str(p["media_id"]) for p in synced.parts if p["size"] == 30_000_000_000)
    target = {"connection_id": str(world.plex), "upstream_id": world.rk("versions")}
    r = await world.post("/queue", {"reason": "large", "items": [{**target, "media_id": four_k}]})
    assert r.status_code == 200, r.text
    (row,) = r.json()["rows"]
    assert (row["media_id"], row["size_bytes"]) == (four_k, 30_000_000_000)
    # the whole item is another target
    whole = await world.post("/queue", {"reason": "large", "items": [target]})
    assert whole.json()["created"] == 1 and whole.json()["rows"][0]["media_id"] is None
    r = await world.post("/queue", {"reason": "large", "items": [{**target, "media_id": "424242"}]})
    assert r.status_code == 409 and "it has no version 424242" in r.json()["detail"]
    huge = await item(ctx, world.plex, world.rk("huge"))
    only = {
        "connection_id": str(world.plex),
        "upstream_id": huge.upstream_id,
        "media_id": str(huge.parts[0]["media_id"]),
    }
    r = await world.post("/queue", {"reason": "large", "items": [only]})
    assert r.status_code == 409 and "that is its only version" in r.json()["detail"]


async def test_language_rows(world: World) -> None:
    # No language is required before the owner chose: nothing is a language issue to delete yet.
    r = await world.queue("language", "dubbed")
    assert r.status_code == 409 and "not in the language issues report now" in r.json()["detail"]
    await _english_only(world)
    r = await world.queue("language", "dubbed")
    assert r.status_code == 200, r.text
    assert "No audio in English" in r.json()["rows"][0]["why"]


async def test_a_stale_show_is_queued_as_its_episodes(ctx: AppContext, world: World) -> None:
    stale = (await world.api.get("/api/v1/reports/stale", headers=world.headers)).json()["items"]
    show = next(r for r in stale if r["title"] == "Old Show")
    async with ctx.sessionmaker() as session:
        from janitor.library.models import MediaItem

        episodes = (
            await session.scalars(
                select(MediaItem)
                .where(MediaItem.grandparent_id == show["upstream_id"], MediaItem.kind == "episode")
                .order_by(MediaItem.index)
            )
        ).all()
    assert [e.title for e in episodes] == ["Pilot", "Second"]
    r = await world.api.post(
        "/api/v1/allowlists",
        json={
            "list": "protected",
            "items": [{"connection_id": show["connection_id"], "upstream_id": episodes[1].upstream_id}],
        },
        headers=world.headers,
    )
    assert r.status_code == 201
    body = (
        await world.post(
            "/queue", {"reason": "stale", "items": [{k: show[k] for k in ("connection_id", "upstream_id")}]}
        )
    ).json()
    assert body["created"] == 1
    (row,) = body["rows"]
    assert (row["kind"], row["upstream_id"], row["title"]) == (
        "episode",
        episodes[0].upstream_id,
        "Old Show · S01E01 · Pilot",
    )
    assert row["details"]["show"] == {"upstream_id": show["upstream_id"], "title": "Old Show"}
    assert row["why"].startswith("Part of Old Show, which is stale: Never watched")
    assert [(s["upstream_id"], s["why"]) for s in body["skipped"]] == [
        (episodes[1].upstream_id, "this episode is on your Protected list")
    ]


async def test_bodies_are_bounded(world: World) -> None:
    item_ = {"connection_id": str(world.plex), "upstream_id": "1"}
    for body in (
        {"reason": "watched", "items": [item_]},  # only the reports' reasons
        {"reason": "stale", "items": []},
        {"reason": "stale", "items": [item_] * 101},
        {"reason": "stale", "items": [{**item_, "upstream_id": "x" * 101}]},
        {"reason": "stale", "items": [item_], "surprise": True},
        {"reason": "stale", "items": [item_], "note": "n" * 1001},
    ):
        r = await world.post("/queue", body)
        assert r.status_code == 422, body
        assert r.json()["error"] == "validation_error"
