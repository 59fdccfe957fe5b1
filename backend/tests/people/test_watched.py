"""The watch rule (deletions/watched.py) against a real sync of simulated servers: an item qualifies
only when every active assignee watched it after its current file was added; any doubt is unknown."""

from __future__ import annotations

from datetime import timedelta

from janitor.deletions.watched import Verdict, watched_verdict

from .conftest import NOW, Household


async def verdict(home: Household, label: str) -> Verdict:
    async with home.ctx.sessionmaker() as session:
        return await watched_verdict(
            session, home.account_id, connection_id=home.plex.id, item_upstream_id=home.rk(label), now=NOW
        )


async def test_an_episode_qualifies_once_every_assignee_watched_it(household: Household) -> None:
    home = household
    alice, bob = await home.person(home.plex, "alice"), await home.person(home.plex, "bob")
    await home.assign("show", alice, bob)
    await home.play("s1e1", "alice")
    await home.play("s1e1", "bob")
    await home.play("s1e2", "alice")
    await home.sync(full=False)
    both = await verdict(home, "s1e1")
    assert both.qualifies is True, both
    assert [p["name"] for p in both.evidence] == ["alice", "bob"]
    assert {p["state"] for p in both.evidence} == {"watched"}
    one = await verdict(home, "s1e2")
    assert one.qualifies is False
    assert "bob has not watched it" in one.why
    # Nobody assigned to the movie: it never qualifies, watched or not.
    await home.play("film", "alice")
    await home.sync(full=False)
    assert (await verdict(home, "film")).qualifies is False
    assert (await verdict(home, "film")).why == "nobody is assigned to it"


async def test_a_play_before_the_file_was_added_does_not_count(household: Household) -> None:
    home = household
    alice = await home.person(home.plex, "alice")
    await home.assign("film", alice)
    await home.play("film", "alice", at=NOW - timedelta(days=40))
    await home.sync(full=False)
    found = await verdict(home, "film")
    assert found.qualifies is False
    assert "before the current file was added" in found.why


async def test_a_future_dated_play_is_unknown(household: Household) -> None:
    home = household
    alice = await home.person(home.plex, "alice")
    await home.assign("film", alice)
    await home.play("film", "alice", at=NOW + timedelta(days=5))
    await home.sync(full=False)
    found = await verdict(home, "film")
    assert found.qualifies is None
    assert "in the future" in found.why
