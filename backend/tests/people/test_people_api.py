"""People over the API: one person per server account after a sync, links across servers (merge,
unlink, suggestions), what they watched, and whether their data can be trusted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from janitor.devtools.pytest_plugin import SignupFn

from .conftest import NOW, Household


async def people(home: Household) -> list[dict[str, Any]]:
    r = await home.api.get("/api/v1/people", headers=home.user.headers)
    assert r.status_code == 200, r.text
    body: list[dict[str, Any]] = r.json()
    return body


def by_account(found: list[dict[str, Any]], server_kind: str, name: str) -> dict[str, Any]:
    return next(p for p in found if any(a["server_kind"] == server_kind and a["name"] == name for a in p["accounts"]))


async def test_every_server_account_is_a_person_of_its_own_once(household: Household) -> None:
    home = household
    first = await people(home)
    accounts = sorted((a["server_kind"], a["name"], a["role"]) for p in first for a in p["accounts"])
    assert accounts == [
        ("jellyfin", "admin", "owner"),
        ("jellyfin", "alice", "user"),
        ("plex", "alice", "friend"),
        ("plex", "bob", "friend"),
        ("plex", "hank", "owner"),
    ]
    assert all(len(p["accounts"]) == 1 and p["trusted"] and p["assignments"] == 0 for p in first)
    assert by_account(first, "plex", "alice")["email"] == "alice@example.com"
    # Listing again, or syncing again, makes no new person.
    await home.sync(full=False)
    assert sorted(p["id"] for p in await people(home)) == sorted(p["id"] for p in first)


async def test_recent_plays_show_what_a_person_watched(household: Household) -> None:
    home = household
    await home.play("film", "alice", at=NOW - timedelta(days=2))
    await home.play("s1e2", "alice", at=NOW - timedelta(days=1))
    await home.play("other", "alice", at=NOW - timedelta(days=40))  # before the file: not a play that counts
    await home.sync(full=False)
    alice = by_account(await people(home), "plex", "alice")
    assert [p["title"] for p in alice["recent"]] == ["Show A · S01E02 · S1E2", "Film"]
    assert alice["recent"][0]["server"] == home.plex.name


async def test_suggest_merge_and_unlink(household: Household) -> None:
    home = household
    h = home.user.headers
    r = await home.api.get("/api/v1/people/suggestions", headers=h)
    assert r.status_code == 200
    [suggestion] = r.json()
    assert suggestion["reason"] == "same name"
    assert sorted(a["server_kind"] for p in suggestion["people"] for a in p["accounts"]) == ["jellyfin", "plex"]
    found = await people(home)
    plex_alice, jf_alice = by_account(found, "plex", "alice"), by_account(found, "jellyfin", "alice")
    bob = by_account(found, "plex", "bob")
    # Both Plex alice and bob are assigned to the film (different ends); bob merges into alice.
    for person, end in ((plex_alice, NOW + timedelta(days=3)), (bob, None)):
        r = await home.api.post(
            "/api/v1/assignments",
            json={
                "person_ids": [person["id"]],
                "items": [{"connection_id": str(home.plex.id), "upstream_id": home.rk("film")}],
                "ends_at": end.isoformat() if end else None,
            },
            headers=h,
        )
        assert r.status_code == 201, r.text
    r = await home.api.post(
        f"/api/v1/people/{plex_alice['id']}/merge", json={"person_ids": [jf_alice["id"], bob["id"]]}, headers=h
    )
    assert r.status_code == 200, r.text
    merged = r.json()
    assert sorted((a["server_kind"], a["name"]) for a in merged["accounts"]) == [
        ("jellyfin", "alice"),
        ("plex", "alice"),
        ("plex", "bob"),
    ]
    assert all(a["linked_by"] == "owner" for a in merged["accounts"] if a["name"] == "bob")
    # The duplicate assignment collapsed into one, with the later end (none).
    r = await home.api.get("/api/v1/assignments", params={"person_id": merged["id"]}, headers=h)
    [assignment] = r.json()
    assert assignment["ends_at"] is None
    assert {p["id"] for p in await people(home)} >= {merged["id"]}
    assert bob["id"] not in {p["id"] for p in await people(home)}
    assert (await home.api.get("/api/v1/people/suggestions", headers=h)).json() == []
    # Merging into itself, or an unknown person: a clear 4xx.
    r = await home.api.post(f"/api/v1/people/{merged['id']}/merge", json={"person_ids": [merged["id"]]}, headers=h)
    assert r.status_code == 400 and r.json()["error"] == "person_merge_invalid"
    # Bob's account taken out again: a person of its own, with no assignments.
    bob_account = next(a for a in merged["accounts"] if a["name"] == "bob")
    r = await home.api.post(f"/api/v1/people/{merged['id']}/accounts/{bob_account['remote_user_id']}/unlink", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "bob" and r.json()["assignments"] == 0
    assert [a["name"] for a in r.json()["accounts"]] == ["bob"]
    # The last account of a person cannot leave it.
    alone = r.json()
    r = await home.api.post(f"/api/v1/people/{alone['id']}/accounts/{bob_account['remote_user_id']}/unlink", headers=h)
    assert r.status_code == 409 and r.json()["error"] == "person_last_account"
    r = await home.api.patch(f"/api/v1/people/{alone['id']}", json={"name": "Robert"}, headers=h)
    assert r.status_code == 200 and r.json()["name"] == "Robert"


async def test_suggestions_by_email(household: Household) -> None:
    home = household
    async with home.ctx.sessionmaker() as session, session.begin():
        jf = await home.remote(home.jellyfin, "admin")
        row = await session.get(type(jf), jf.id)
        assert row is not None
        row.email = "ALICE@example.com "  # Plex's alice under another name on Jellyfin
    r = await home.api.get("/api/v1/people/suggestions", headers=home.user.headers)
    reasons = {tuple(sorted(a["name"] for p in s["people"] for a in p["accounts"])): s["reason"] for s in r.json()}
    assert reasons == {("admin", "alice"): "same e-mail", ("alice", "alice"): "same name"}


async def test_a_dismissed_suggestion_is_not_suggested_again(household: Household) -> None:
    home = household
    h = home.user.headers
    [suggestion] = (await home.api.get("/api/v1/people/suggestions", headers=h)).json()
    pair = [p["id"] for p in suggestion["people"]]
    # Not the same human: the link is no longer suggested, in either order, and saying it twice is fine.
    for ids in (pair, pair[::-1]):
        r = await home.api.post("/api/v1/people/suggestions/dismiss", json={"person_ids": ids}, headers=h)
        assert r.status_code == 204, r.text
    assert (await home.api.get("/api/v1/people/suggestions", headers=h)).json() == []
    # Nor after another sync.
    await home.sync(full=False)
    assert (await home.api.get("/api/v1/people/suggestions", headers=h)).json() == []
    # Undone: suggested again.
    r = await home.api.post("/api/v1/people/suggestions/restore", json={"person_ids": pair[::-1]}, headers=h)
    assert r.status_code == 204, r.text
    [again] = (await home.api.get("/api/v1/people/suggestions", headers=h)).json()
    assert sorted(p["id"] for p in again["people"]) == sorted(pair)
    # Bad pairs: a clear 4xx, nothing written.
    r = await home.api.post("/api/v1/people/suggestions/dismiss", json={"person_ids": [pair[0], pair[0]]}, headers=h)
    assert r.status_code == 400 and r.json()["error"] == "person_pair_invalid"
    r = await home.api.post("/api/v1/people/suggestions/dismiss", json={"person_ids": [pair[0]]}, headers=h)
    assert r.status_code == 422
    unknown = "00000000-0000-4000-8000-000000000000"
    r = await home.api.post("/api/v1/people/suggestions/dismiss", json={"person_ids": [pair[0], unknown]}, headers=h)
    assert r.status_code == 404 and r.json()["error"] == "person_not_found"
    assert len((await home.api.get("/api/v1/people/suggestions", headers=h)).json()) == 1


async def test_a_dismissal_follows_the_person_it_was_merged_into(household: Household) -> None:
    home = household
    h = home.user.headers
    found = await people(home)
    plex_alice, jf_alice = by_account(found, "plex", "alice"), by_account(found, "jellyfin", "alice")
    bob = by_account(found, "plex", "bob")
    r = await home.api.post(
        "/api/v1/people/suggestions/dismiss", json={"person_ids": [plex_alice["id"], jf_alice["id"]]}, headers=h
    )
    assert r.status_code == 204
    # Bob renamed Alice: he looks like Jellyfin alice too.
    r = await home.api.patch(f"/api/v1/people/{bob['id']}", json={"name": "Alice"}, headers=h)
    assert r.status_code == 200
    [suggestion] = (await home.api.get("/api/v1/people/suggestions", headers=h)).json()
    assert sorted(p["id"] for p in suggestion["people"]) == sorted([bob["id"], jf_alice["id"]])
    # Plex alice merged into bob (the owner's choice): her dismissal of Jellyfin alice is now bob's.
    r = await home.api.post(f"/api/v1/people/{bob['id']}/merge", json={"person_ids": [plex_alice["id"]]}, headers=h)
    assert r.status_code == 200, r.text
    assert (await home.api.get("/api/v1/people/suggestions", headers=h)).json() == []
    r = await home.api.post(
        "/api/v1/people/suggestions/restore", json={"person_ids": [bob["id"], jf_alice["id"]]}, headers=h
    )
    assert r.status_code == 204
    [again] = (await home.api.get("/api/v1/people/suggestions", headers=h)).json()
    assert sorted(p["id"] for p in again["people"]) == sorted([bob["id"], jf_alice["id"]])


async def test_another_accounts_people_are_not_found(household: Household, signup: SignupFn) -> None:
    home = household
    [person, *_] = await people(home)
    other = await signup()
    api: httpx.AsyncClient = home.api
    assert (await api.get(f"/api/v1/people/{person['id']}", headers=other.headers)).status_code == 404
    r = await api.patch(f"/api/v1/people/{person['id']}", json={"name": "x"}, headers=other.headers)
    assert r.status_code == 404
    own = await api.get("/api/v1/people", headers=home.user.headers)
    second = own.json()[1]["id"]
    r = await api.post(f"/api/v1/people/{person['id']}/merge", json={"person_ids": [second]}, headers=other.headers)
    assert r.status_code == 404
    remote = person["accounts"][0]["remote_user_id"]
    r = await api.post(f"/api/v1/people/{person['id']}/accounts/{remote}/unlink", headers=other.headers)
    assert r.status_code == 404
    for action in ("dismiss", "restore"):
        r = await api.post(
            f"/api/v1/people/suggestions/{action}", json={"person_ids": [person["id"], second]}, headers=other.headers
        )
        assert r.status_code == 404, r.text
    assert (await api.get("/api/v1/people", headers=other.headers)).json() == []
