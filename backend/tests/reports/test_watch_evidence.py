"""Watch evidence end to end (simulated Plex and Jellyfin over the same files, a real sync): a play counts
only after the current file was added; every source a server gives counts (history, an item's own view
fields, Jellyfin's played and resumable states); what cannot be judged is listed apart with why."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from janitor.core.context import AppContext
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob, connect_all
from janitor.library.watch import answers
from janitor.reports.precompute import refresh_plays_and_rows
from mediasim import SimServer, world_from_scenario

NOW = datetime.now(UTC).replace(microsecond=0)


def ago(days: int) -> str:
    return (NOW - timedelta(days=days)).isoformat()


def movie(label: str, title: str, added: int, **extra: Any) -> dict[str, Any]:
    return {"label": label, "title": title, "year": 2001, "released": "2001-05-01", "added": ago(added), **extra}


def episode(label: str, added: int, **extra: Any) -> dict[str, Any]:
    return {"label": label, "title": label.upper(), "released": "2001-05-01", "added": ago(added), **extra}


MOVIES = [
    # Its only play is of the file it replaced: not watched since it arrived.
    movie("replaced", "Replaced File", 100, watched=[{"user": "hank", "at": ago(110)}]),
    # Marked played (no history row) and stopped part way (no history row): both are plays.
    movie("marked", "Marked Played", 400, watched=[{"user": "hank", "at": ago(20), "history": False}]),
    movie("half", "Half Watched", 400, in_progress=[{"user": "hank", "at": ago(15), "offset": 900}]),
    # Dates no one can trust: a play and an added date in the future.
    movie("future_play", "Future Play", 400, watched=[{"user": "alice", "at": ago(-30)}]),
    movie("future_added", "Future Added", -40),
    # Jellyfin: played by alice without a date (Plex: never watched).
    movie("undated", "Undated On Jellyfin", 400),
    movie("old", "Plainly Old", 400, watched=[{"user": "alice", "at": ago(300)}]),
]
SHOWS = [
    {
        # The episode watched 10 days ago was deleted: history lost its id, the show kept its last view.
        "label": "pruned",
        "title": "Pruned Show",
        "added": ago(700),
        "seasons": [
            {
                "episodes": [
                    episode("p1", 700),
                    episode("p2", 700, watched=[{"user": "hank", "at": ago(10)}]),
                ]
            }
        ],
    },
    {
        # E2 was replaced after hank watched it; alice's play of E1 is the last one that counts.
        "label": "upgraded",
        "title": "Upgraded Show",
        "added": ago(700),
        "seasons": [
            {
                "episodes": [
                    episode("u1", 700, watched=[{"user": "alice", "at": ago(400)}]),
                    episode("u2", 100, watched=[{"user": "hank", "at": ago(110)}]),
                ]
            }
        ],
    },
]
SCENARIO: dict[str, Any] = {
    "seed": 13,
    "now": NOW.isoformat().replace("+00:00", "Z"),
    "plex": {
        "owner": {"username": "hank", "email": "hank@example.com"},
        "friends": ["alice"],
        "servers": [
            {
                "name": "home",
                "libraries": [
                    {"type": "movie", "title": "Movies", "items": MOVIES},
                    {"type": "show", "title": "TV", "items": SHOWS},
                ],
            }
        ],
    },
    "jellyfin": {
        "users": [{"name": "admin", "admin": True}, {"name": "alice"}],
        "user_data": [{"item": "undated", "user": "alice", "played": True, "play_count": 1}],
    },
    "jellyseerr": {},
}


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(world_from_scenario(SCENARIO)) as server:
        yield server


async def _synced(api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob) -> SignedUp:
    pms = sim.info["pms"]["home"]
    labels = sim.state.world.planted["labels"]
    # The episode hank watched is deleted before the first sync (its history row loses its id).
    episode_url = f"{pms['base_url']}/library/metadata/{labels['p2']['ratingKey']}"
    r = httpx.delete(episode_url, headers={"X-Plex-Token": pms["owner_token"]})
    assert r.status_code == 200
    user = await signup()
    await connect_all(api, user, sim)
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    run = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    assert run["status"] == "complete", run
    return user


async def _rows(api: httpx.AsyncClient, user: SignedUp, **params: object) -> dict[tuple[str, str], dict[str, Any]]:
    r = await api.get("/api/v1/reports/stale", params={"page_size": 200, **params}, headers=user.headers)
    assert r.status_code == 200, r.text
    return {(row["server"], row["title"]): row for row in r.json()["items"]}


async def test_only_plays_after_the_current_file_and_every_source_of_evidence_count(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    names = {c["kind"]: c["name"] for c in (await api.get("/api/v1/connections", headers=user.headers)).json()}
    plex, jf = names["plex"], names["jellyfin"]
    stale = await _rows(api, user)
    titles = {key for key in stale}
    # Both servers hold the same files: one row each, on the first server added (library/copies.py).
    assert all(server == plex for server, _ in titles)
    also = f"; the same file is on {jf} (counted once)"
    # Rule 1: a play of the file it replaced does not count (movie, and per episode for a show).
    assert (plex, "Replaced File") in titles
    replaced = stale[(plex, "Replaced File")]
    assert replaced["last_watched_at"] is None
    assert "Not watched since its current file was added on" in replaced["why"]
    assert "was of an earlier file" in replaced["why"]
    upgraded = stale[(plex, "Upgraded Show")]
    assert upgraded["last_watched_by"] == "alice"
    assert upgraded["last_watched_at"][:10] == ago(400)[:10]
    # Rule 2: marked played (no history row), partly watched, a deleted episode's play kept on its show.
    for title in ("Marked Played", "Half Watched", "Pruned Show"):
        assert (plex, title) not in titles, title
    # Jellyfin: played without a date is unknown, never stale, though Plex never saw a play: a play on
    # either server is a play of the one file.
    assert (plex, "Undated On Jellyfin") not in titles
    assert (plex, "Plainly Old") in titles and "by alice" in stale[(plex, "Plainly Old")]["why"]
    # Dates in the future are never recent and never stale: unknown, listed apart with why.
    for title in ("Future Play", "Future Added"):
        assert (plex, title) not in titles
    unknown = await _rows(api, user, evidence="unknown")
    assert {row["evidence"] for row in unknown.values()} == {"unknown"}
    assert set(unknown) == {(plex, "Future Play"), (plex, "Future Added"), (plex, "Undated On Jellyfin")}
    future_day = ago(-30)[:10]
    assert unknown[(plex, "Future Play")]["why"] == f"Not judged: play dated {future_day}, in the future{also}"
    assert unknown[(plex, "Future Added")]["why"] == f"Not judged: added date {ago(-40)[:10]} is in the future{also}"
    assert (
        unknown[(plex, "Undated On Jellyfin")]["why"]
        == f"Not judged: watched at an unknown time (Jellyfin has no date){also}"
    )
    assert [c["server"] for c in unknown[(plex, "Undated On Jellyfin")]["copies"]] == [jf]
    # The CSV of the unknown view has the same rows, with why.
    csv = await api.get("/api/v1/reports/stale/export.csv", params={"evidence": "unknown"}, headers=user.headers)
    assert len(csv.text.strip().splitlines()) == 4 and "Jellyfin has no date" in csv.text
    # The dashboard counts judged-stale items only.
    dashboard = (await api.get("/api/v1/dashboard", headers=user.headers)).json()
    card = next(c for c in dashboard["cards"] if c["report"] == "stale")
    assert card["count"] == len(stale)
    assert sum(b["count"] for b in dashboard["stale_by_age"]) == len(stale)
    bad = await api.get("/api/v1/reports/stale", params={"evidence": "maybe"}, headers=user.headers)
    assert bad.status_code == 422


async def test_an_item_with_no_added_date_is_age_unknown_not_old(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await _synced(api, signup, sim, run_job)
    # A server that gives no added date (Jellyfin without DateCreated, Plex without addedAt) maps to NULL.
    async with job_ctx.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE media_items SET added_at = NULL WHERE account_id = :a AND title IN ('Plainly Old', 'U2')"),
            {"a": user.account_id},
        )
        await refresh_plays_and_rows(session, user.account_id)
    stale = {title for _, title in await _rows(api, user)}
    assert "Plainly Old" not in stale and "Upgraded Show" not in stale
    unknown = {title: row["why"] for (_, title), row in (await _rows(api, user, evidence="unknown")).items()}
    assert unknown["Plainly Old"].startswith("Not judged: added date unknown; the same file is on")
    assert unknown["Upgraded Show"].startswith("Not judged: added date unknown; the same show is on")


async def test_each_person_gets_an_answer_per_item_for_the_deletion_schedule(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await _synced(api, signup, sim, run_job)
    connections = {c["kind"]: c["id"] for c in (await api.get("/api/v1/connections", headers=user.headers)).json()}
    labels = sim.state.world.planted["labels"]
    rk = {
        name: labels[name]["ratingKey"] for name in ("replaced", "marked", "half", "future_play", "u1", "u2", "pruned")
    }
    alice = str(next(u.id for u in sim.state.world.plextv.users if u.username == "alice"))
    now = datetime.now(UTC)
    async with job_ctx.sessionmaker() as session:
        plex = await answers(session, user.account_id, connection_id=connections["plex"], item_ids=rk.values(), now=now)
        jf_ids = [labels["undated"]["jellyfinId"], labels["half"]["jellyfinId"]]
        jf = await answers(session, user.account_id, connection_id=connections["jellyfin"], item_ids=jf_ids, now=now)
    replaced = plex[(rk["replaced"], "1")]
    assert replaced.state == "not_watched" and "before the current file was added" in replaced.why
    assert plex[(rk["marked"], "1")].state == "watched" and plex[(rk["marked"], "1")].source == "plex_item"
    assert plex[(rk["half"], "1")].state == "watched"
    assert plex[(rk["future_play"], alice)].state == "unknown"
    assert plex[(rk["future_play"], alice)].why.startswith("play dated ")
    assert plex[(rk["u1"], alice)].state == "watched" and plex[(rk["u1"], alice)].source == "plex_history"
    assert plex[(rk["u2"], "1")].state == "not_watched"
    assert (rk["u1"], "1") not in plex  # hank never watched E1: no row, no play
    # The show's own last view (the deleted episode's play) is hank's, on the show.
    assert plex[(rk["pruned"], "1")].state == "watched"
    jf_alice = next(u["id"] for u in sim.info["jellyfin"]["users"] if u["name"] == "alice")
    jf_admin = next(u["id"] for u in sim.info["jellyfin"]["users"] if u["name"] == "admin")
    undated = jf[(labels["undated"]["jellyfinId"], jf_alice)]
    assert undated.state == "unknown" and undated.why == "watched at an unknown time (Jellyfin has no date)"
    assert jf[(labels["half"]["jellyfinId"], jf_admin)].state == "watched"
