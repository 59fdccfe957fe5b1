"""Assignments over the API: movies and shows only, one, many or by the library table's filters, with
an end; each assignee's watch status per episode; every change asks for the schedule once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from janitor.devtools.pytest_plugin import SignupFn
from janitor.jobs.names import JobName, dedupe_id

from .conftest import NOW, Household


async def person_ids(home: Household, *names: str) -> list[str]:
    return [str(await home.person(home.plex, name)) for name in names]


def item(home: Household, label: str) -> dict[str, str]:
    return {"connection_id": str(home.plex.id), "upstream_id": home.rk(label)}


async def schedule_asked(home: Household) -> bool:
    key = f"arq:job:{dedupe_id(JobName.DELETION_SCHEDULE, home.account_id)}"
    return bool(await home.ctx.redis.exists(key))


async def forget_schedule(home: Household) -> None:
    await home.ctx.redis.delete(f"arq:job:{dedupe_id(JobName.DELETION_SCHEDULE, home.account_id)}")


async def test_only_movies_and_shows_can_be_assigned(household: Household) -> None:
    home = household
    h = home.user.headers
    alice = await person_ids(home, "alice")
    for label, words in (
        ("s1e2", "Show A · S01E02 · S1E2 is an episode: assign the show 'Show A' instead"),
        ("show", None),
    ):
        r = await home.api.post(
            "/api/v1/assignments", json={"person_ids": alice, "items": [item(home, label)]}, headers=h
        )
        if words is None:
            assert r.status_code == 201, r.text
        else:
            assert r.status_code == 400 and r.json()["error"] == "assignment_not_assignable"
            assert words in r.json()["detail"]
    r = await home.api.post(
        "/api/v1/assignments",
        json={"person_ids": alice, "items": [{"connection_id": str(home.plex.id), "upstream_id": "999999"}]},
        headers=h,
    )
    assert r.status_code == 404 and r.json()["error"] == "assignment_items_not_found"


async def test_assign_many_change_the_end_and_remove(household: Household) -> None:
    home = household
    h = home.user.headers
    people = await person_ids(home, "alice", "bob")
    await forget_schedule(home)
    body = {"person_ids": people, "items": [item(home, "film"), item(home, "show")]}
    r = await home.api.post("/api/v1/assignments", json=body, headers=h)
    assert r.status_code == 201 and r.json() == {"created": 4, "updated": 0}
    assert await schedule_asked(home)
    # The same again: nothing new; a new end updates them.
    assert (await home.api.post("/api/v1/assignments", json=body, headers=h)).json() == {"created": 0, "updated": 0}
    end = (NOW + timedelta(days=7)).isoformat()
    r = await home.api.post("/api/v1/assignments", json={**body, "ends_at": end}, headers=h)
    assert r.json() == {"created": 0, "updated": 4}
    # An end without a time zone is refused (whose midnight would it be?).
    r = await home.api.post("/api/v1/assignments", json={**body, "ends_at": "2030-01-01T00:00:00"}, headers=h)
    assert r.status_code == 422
    listed = (await home.api.get("/api/v1/assignments", headers=h)).json()
    assert sorted((a["person"], a["title"], a["kind"]) for a in listed) == [
        ("alice", "Film", "movie"),
        ("alice", "Show A", "show"),
        ("bob", "Film", "movie"),
        ("bob", "Show A", "show"),
    ]
    first = listed[0]
    await forget_schedule(home)
    r = await home.api.patch(
        f"/api/v1/assignments/{first['id']}", json={"ends_at": (NOW - timedelta(hours=1)).isoformat()}, headers=h
    )
    assert r.status_code == 200 and r.json()["active"] is False
    assert await schedule_asked(home)
    r = await home.api.delete(f"/api/v1/assignments/{first['id']}", headers=h)
    assert r.status_code == 204
    assert (await home.api.delete(f"/api/v1/assignments/{first['id']}", headers=h)).status_code == 404
    assert len((await home.api.get("/api/v1/assignments", headers=h)).json()) == 3


async def test_the_library_table_and_assigning_by_its_filters(household: Household) -> None:
    home = household
    h = home.user.headers
    # Jellyfin mirrors the Plex libraries: every title twice, each with its server.
    everything = (await home.api.get("/api/v1/assignments/items", headers=h)).json()
    assert everything["total"] == 6
    assert sorted({i["server"] for i in everything["items"]}) == sorted([home.plex.name, home.jellyfin.name])
    plex = {"connection_id": str(home.plex.id)}
    r = await home.api.get("/api/v1/assignments/items", params={**plex, "page_size": 2}, headers=h)
    page = r.json()
    assert r.status_code == 200 and page["total"] == 3 and len(page["items"]) == 2
    assert [i["title"] for i in page["items"]] == ["Film", "Other Film"]
    r = await home.api.get("/api/v1/assignments/items", params={**plex, "page": 2, "page_size": 2}, headers=h)
    assert [i["title"] for i in r.json()["items"]] == ["Show A"]
    assert (await home.api.get("/api/v1/assignments/items", params={**plex, "q": "oth"}, headers=h)).json()[
        "total"
    ] == 1
    assert (await home.api.get("/api/v1/assignments/items", params={"q": "%"}, headers=h)).json()["total"] == 0
    people = await person_ids(home, "bob")
    r = await home.api.post(
        "/api/v1/assignments/filtered",
        json={"person_ids": people, "filter": {"kind": "movie", "connection_id": str(home.plex.id)}},
        headers=h,
    )
    assert r.status_code == 201 and r.json() == {"created": 2, "updated": 0}
    rows = (await home.api.get("/api/v1/assignments/items", params={**plex, "kind": "movie"}, headers=h)).json()[
        "items"
    ]
    assert [[a["name"] for a in row["assignees"]] for row in rows] == [["bob"], ["bob"]]
    assert (await home.api.get("/api/v1/assignments/items", params={"kind": "season"}, headers=h)).status_code == 422


async def test_watch_status_per_assignee_and_episode(household: Household) -> None:
    home = household
    h = home.user.headers
    alice, bob = await home.person(home.plex, "alice"), await home.person(home.plex, "bob")
    jf_admin = await home.person(home.jellyfin, "admin")  # no account on the Plex server
    await home.assign("show", alice, bob, jf_admin)
    await home.play("s1e1", "alice")
    await home.play("s1e1", "bob")
    await home.play("s1e2", "alice", at=NOW - timedelta(days=31))  # before the file was added
    await home.sync(full=False)
    r = await home.api.get(
        "/api/v1/assignments/status",
        params={"connection_id": str(home.plex.id), "upstream_id": home.rk("show")},
        headers=h,
    )
    assert r.status_code == 200, r.text
    status = r.json()
    states: dict[tuple[str, str], Any] = {
        (e["label"], p["name"]): (p["state"], p["why"]) for e in status["episodes"] for p in e["people"]
    }
    assert states[("S01E01", "alice")][0] == "watched"
    assert states[("S01E01", "bob")][0] == "watched"
    assert states[("S01E02", "alice")][0] == "not_watched"
    assert "before the current file was added" in states[("S01E02", "alice")][1]
    assert states[("S01E01", "admin")] == ("unknown", f"no account on {home.plex.name}")
    whole = {p["name"]: (p["state"], p["why"]) for p in status["people"]}
    assert whole["alice"] == ("not_watched", "watched 1 of 3 episodes")
    assert whole["admin"][0] == "unknown"
    r = await home.api.get(
        "/api/v1/assignments/status",
        params={"connection_id": str(home.plex.id), "upstream_id": home.rk("s1e1")},
        headers=h,
    )
    assert r.status_code == 400 and r.json()["error"] == "assignment_not_assignable"


async def test_another_accounts_assignments_and_items_are_not_found(household: Household, signup: SignupFn) -> None:
    home = household
    alice = await home.person(home.plex, "alice")
    await home.assign("film", alice)
    [assignment] = (await home.api.get("/api/v1/assignments", headers=home.user.headers)).json()
    other = await signup()
    o = other.headers
    assert (
        await home.api.patch(f"/api/v1/assignments/{assignment['id']}", json={"ends_at": None}, headers=o)
    ).status_code == 404
    assert (await home.api.delete(f"/api/v1/assignments/{assignment['id']}", headers=o)).status_code == 404
    r = await home.api.post(
        "/api/v1/assignments", json={"person_ids": [str(alice)], "items": [item(home, "film")]}, headers=o
    )
    assert r.status_code == 404
    r = await home.api.get(
        "/api/v1/assignments/status",
        params={"connection_id": str(home.plex.id), "upstream_id": home.rk("film")},
        headers=o,
    )
    assert r.status_code == 404
    assert (await home.api.get("/api/v1/assignments", headers=o)).json() == []
    assert (await home.api.get("/api/v1/assignments/items", headers=o)).json()["total"] == 0
