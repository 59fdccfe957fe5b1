"""Whether a server account's watch data can be trusted (people/health.py): a history that emptied or
shrank between two complete reads, or a Plex history that shrank, makes every answer of it unknown
until a complete sync reads it steady again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from janitor.deletions.watched import watched_verdict
from janitor.people.health import SHRINK_MIN_PLAYS, history_problem

from .conftest import MOVIES, NOW, SHOWS, Household, ago, scenario, schedule


def test_a_history_that_emptied_or_shrank_looks_wrong_on_the_thresholds() -> None:
    words = "their watch history on S"
    assert history_problem("S", before=None, now=0, explained=0) is None  # first read: nothing to compare
    assert history_problem("S", before=3, now=0, explained=0) == f"{words} is empty where it held 3 plays"
    assert history_problem("S", before=1, now=0, explained=1) is None  # our own deletion took it
    assert history_problem("S", before=50, now=50 - SHRINK_MIN_PLAYS, explained=0) == (
        f"{words} shrank from 50 to {50 - SHRINK_MIN_PLAYS} plays"
    )
    assert history_problem("S", before=50, now=50 - SHRINK_MIN_PLAYS + 1, explained=0) is None  # 4 lost
    assert history_problem("S", before=50, now=44, explained=2) is None  # 6 lost, 2 of them ours
    # At least a tenth: 5 of 51 is under it, 6 of 60 is on it.
    assert history_problem("S", before=51, now=46, explained=0) is None
    assert history_problem("S", before=60, now=54, explained=0) is not None
    assert history_problem("S", before=10, now=12, explained=0) is None  # grew


PLAYED = [{"item": m["label"], "user": "alice", "played": True, "play_count": 1, "last_played": ago(2)} for m in MOVIES]


async def verdict(home: Household, connection_id: Any, upstream_id: str) -> Any:
    async with home.ctx.sessionmaker() as session:
        return await watched_verdict(
            session, home.account_id, connection_id=connection_id, item_upstream_id=upstream_id, now=NOW
        )


@pytest.mark.parametrize("world", [scenario(movies=MOVIES, shows=SHOWS, user_data=PLAYED)], indirect=True)
async def test_a_jellyfin_history_that_empties_makes_the_answers_unknown(household: Household) -> None:
    home = household
    alice = await home.person(home.jellyfin, "alice")
    await home.assign("film", alice, on=home.jellyfin)
    await schedule(home)  # counts alice's plays after the first complete sync
    assert (await verdict(home, home.jellyfin.id, home.jf("film"))).qualifies is True
    remote = await home.remote(home.jellyfin, "alice")
    assert remote.watch_plays == len(MOVIES) and remote.watch_problem is None
    jf = home.sim.info["jellyfin"]
    for movie in MOVIES:
        r = httpx.delete(
            f"{jf['base_url']}/Users/{remote.upstream_id}/PlayedItems/{home.jf(movie['label'])}",
            headers={"X-Emby-Token": jf["api_key"]},
        )
        assert r.status_code == 200, r.text
    run = await home.sync(full=False)
    assert run["status"] == "complete"
    await schedule(home)
    found = await verdict(home, home.jellyfin.id, home.jf("film"))
    assert found.qualifies is None
    assert f"their watch history on {home.jellyfin.name} is empty where it held {len(MOVIES)} plays" in found.why
    people = (await home.api.get("/api/v1/people", headers=home.user.headers)).json()
    flagged = [p for p in people if not p["trusted"]]
    assert [a["name"] for p in flagged for a in p["accounts"]] == ["alice"]
    # A second complete read finds the same (empty) history: it is what it is, and nobody watched.
    await home.sync(full=False)
    await schedule(home)
    again = await verdict(home, home.jellyfin.id, home.jf("film"))
    assert again.qualifies is False and "alice has not watched it" in again.why


async def test_a_plex_history_that_shrank_makes_every_plex_answer_unknown(household: Household) -> None:
    home = household
    alice = await home.person(home.plex, "alice")
    await home.assign("film", alice)
    for day in range(6):
        await home.play("other", "bob", at=NOW - timedelta(days=day + 1))
    await home.play("film", "alice")
    run = await home.sync(full=True)
    await schedule(home)
    assert run["status"] == "complete"
    assert (await verdict(home, home.plex.id, home.rk("film"))).qualifies is True
    r = httpx.post(
        f"{home.sim.url}/_admin/faults",
        json={"server": "pms:home", "route": "/status/sessions/history/all", "history_shrink": 0.5},
    )
    assert r.status_code == 201, r.text
    run = await home.sync(full=True)
    assert run["status"] == "complete"
    await schedule(home)
    found = await verdict(home, home.plex.id, home.rk("film"))
    assert found.qualifies is None and f"the Plex history of {home.plex.name} shrank from" in found.why
    # The queue row made before is cancelled: the answer is unknown now.
    from .conftest import queue_rows

    [row] = await queue_rows(home)
    assert row.status == "cancelled" and row.status_reason and row.status_reason.startswith("unknown now:")
