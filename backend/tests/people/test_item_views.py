"""What the item view of the UI reads besides the watch status: the movie or show to assign for any
report row (an episode assigns its show), and what of an item is in the deletion queue now."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from janitor.devtools.pytest_plugin import SignupFn
from janitor.library.models import MediaItem

from .conftest import NOW, Household, schedule

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def ref(home: Household, label: str) -> dict[str, str]:
    return {"connection_id": str(home.plex.id), "upstream_id": home.rk(label)}


async def season_of(home: Household, label: str) -> str:
    async with home.ctx.sessionmaker() as session:
        parent = await session.scalar(
            select(MediaItem.parent_id).where(
                MediaItem.connection_id == home.plex.id, MediaItem.upstream_id == home.rk(label)
            )
        )
    assert parent is not None
    return parent


async def test_the_item_to_assign_for_a_movie_a_show_a_season_and_an_episode(household: Household) -> None:
    home = household
    h = home.user.headers
    alice = await home.person(home.plex, "alice")
    await home.assign("show", alice, ends_at=NOW + timedelta(days=7))

    r = await home.api.get("/api/v1/assignments/item", params=ref(home, "film"), headers=h)
    assert r.status_code == 200, r.text
    film = r.json()
    assert (film["kind"], film["title"], film["upstream_id"], film["assignees"]) == (
        "movie",
        "Film",
        home.rk("film"),
        [],
    )
    assert (film["server"], film["library"]) == (home.plex.name, "Movies")

    show = (await home.api.get("/api/v1/assignments/item", params=ref(home, "show"), headers=h)).json()
    assert (show["kind"], show["title"], show["upstream_id"]) == ("show", "Show A", home.rk("show"))
    assert [(a["name"], a["ends_at"] is not None) for a in show["assignees"]] == [("alice", True)]

    # An episode (a languages report row) and a season stand for their show.
    for upstream in (home.rk("s1e2"), await season_of(home, "s2e1")):
        r = await home.api.get(
            "/api/v1/assignments/item",
            params={"connection_id": str(home.plex.id), "upstream_id": upstream},
            headers=h,
        )
        assert r.status_code == 200, r.text
        assert r.json() == show

    r = await home.api.get(
        "/api/v1/assignments/item",
        params={"connection_id": str(home.plex.id), "upstream_id": "999999"},
        headers=h,
    )
    assert r.status_code == 404 and r.json()["error"] == "assignment_items_not_found"


async def test_what_of_a_show_is_queued_and_when(household: Household) -> None:
    home = household
    h = home.user.headers
    alice, bob = await home.person(home.plex, "alice"), await home.person(home.plex, "bob")
    await home.assign("show", alice, bob)
    await home.assign("film", alice)
    await home.play("s1e1", "alice")
    await home.play("s1e1", "bob")
    await home.play("s1e2", "alice")  # bob has not watched E2: it stays
    await home.sync(full=False)

    r = await home.api.get("/api/v1/deletions/schedule/item", params=ref(home, "show"), headers=h)
    assert r.status_code == 200 and r.json() == []
    assert (await schedule(home)).queued == 1

    r = await home.api.get("/api/v1/deletions/schedule/item", params=ref(home, "show"), headers=h)
    [row] = r.json()
    assert (row["upstream_id"], row["kind"], row["status"], row["reason"], row["origin"]) == (
        home.rk("s1e1"),
        "episode",
        "scheduled",
        "watched",
        "schedule",
    )
    assert row["due_at"].startswith((NOW + timedelta(hours=24)).isoformat()[:19])
    # The episode itself answers the same row; the unwatched movie has nothing queued.
    assert (await home.api.get("/api/v1/deletions/schedule/item", params=ref(home, "s1e1"), headers=h)).json() == [row]
    assert (await home.api.get("/api/v1/deletions/schedule/item", params=ref(home, "film"), headers=h)).json() == []

    # Cancelled, it is no longer in the queue.
    r = await home.api.post(f"/api/v1/deletions/queue/{row['id']}/cancel", json={}, headers=h)
    assert r.status_code == 200, r.text
    assert (await home.api.get("/api/v1/deletions/schedule/item", params=ref(home, "show"), headers=h)).json() == []


async def test_another_account_gets_404_from_both(household: Household, signup: SignupFn) -> None:
    home = household
    other = await signup()
    for path in ("/api/v1/assignments/item", "/api/v1/deletions/schedule/item"):
        r = await home.api.get(path, params=ref(home, "show"), headers=other.headers)
        assert r.status_code == 404, (path, r.text)
    r = await home.api.get(
        "/api/v1/assignments/item",
        params={"connection_id": str(home.plex.id), "upstream_id": ""},
        headers=home.user.headers,
    )
    assert r.status_code == 422
