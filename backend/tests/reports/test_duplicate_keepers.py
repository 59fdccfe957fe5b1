"""A chosen keeper belongs to the group it was chosen in; the key merges what a careful person merges;
durations are stated honestly. Against a music library whose copies change between syncs."""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob
from janitor.reports.keepers import Choice, GroupIdentity, applicable, group_id, lost, why_lost
from janitor.reports.models import ReportSettings
from mediasim import SimServer, world_from_scenario
from mediasim.model import Media, Part

from .conftest import NOW, track
from .test_stale_and_large import _synced

MUSIC = [
    {
        "artist": "Artist K",
        "albums": [
            {
                "title": "Album K",
                "year": 2001,
                "tracks": [
                    # one key, two duration clusters: two groups
                    track("e1", "Song E", 200, ("flac", 900)),
                    track("e2", "Song E", 201, ("mp3", 320)),
                    track("e3", "Song E", 260, ("mp3", 320)),
                    track("e4", "Song E", 261, ("mp3", 192)),
                    # 1.4 s then 2.6 s apart: one group at a 5 s tolerance, {f1, f2} at 2 s
                    track("f1", "Song F", 180, ("flac", 900)),
                    track("f2", "Song F", 181.4, ("mp3", 320)),
                    track("f3", "Song F", 184, ("mp3", 256)),
                    track("g", "Song G", 150, ("flac", 900), ("mp3", 320)),
                    # one title written three ways
                    track("h1", "Don't Look Back", 210, ("flac", 900)),
                    track("h2", "Don\u2019t Look Back", 210, ("mp3", 320)),
                    track("h3", "Dont look back", 210, ("mp3", 128)),
                ],
            }
        ],
    }
]
SCENARIO: dict[str, Any] = {
    "seed": 11,
    "now": NOW.isoformat().replace("+00:00", "Z"),
    "plex": {
        "owner": {"username": "hank", "email": "hank@example.com"},
        "servers": [{"name": "home", "libraries": [{"type": "artist", "title": "Music", "items": MUSIC}]}],
    },
    "jellyseerr": {"requests": []},
}


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(world_from_scenario(SCENARIO)) as server:
        yield server


class Library:
    """The account's duplicates report and the simulated server behind it."""

    def __init__(
        self, api: httpx.AsyncClient, user: SignedUp, sim: SimServer, run_job: RunJob, signup: SignupFn
    ) -> None:
        self.api, self.user, self.sim, self.run_job, self.signup = api, user, sim, run_job, signup
        self.labels = sim.state.world.planted["labels"]

    def rk(self, label: str) -> str:
        return str(self.labels[label]["ratingKey"])

    async def groups(self, **params: object) -> list[dict[str, Any]]:
        r = await self.api.get(
            "/api/v1/reports/duplicates", params={"page_size": 100, **params}, headers=self.user.headers
        )
        assert r.status_code == 200, r.text
        groups: list[dict[str, Any]] = r.json()["items"]
        for g in groups:  # never zero keepers, never two
            assert sum(c["keeper"] for c in g["copies"]) == 1, g
        return groups

    async def group_of(self, label: str, kind: str = "duplicates") -> dict[str, Any]:
        rk = self.rk(label)
        found = [g for g in await self.groups() if g["kind"] == kind and rk in {c["upstream_id"] for c in g["copies"]}]
        assert len(found) == 1, found
        return found[0]

    @staticmethod
    def members(group: dict[str, Any]) -> set[str]:
        return {c["upstream_id"] for c in group["copies"]}

    def labelled(self, group: dict[str, Any]) -> set[str]:
        by_rk = {str(v["ratingKey"]): k for k, v in self.labels.items()}
        return {by_rk.get(u, u) for u in self.members(group)}

    @staticmethod
    def keeper(group: dict[str, Any]) -> dict[str, Any]:
        return next(c for c in group["copies"] if c["keeper"])

    async def keep(self, group: dict[str, Any], label: str, *, part: int | None = None) -> httpx.Response:
        rk = self.rk(label)
        copies = [c for c in group["copies"] if c["upstream_id"] == rk] or group["copies"]  # or not the group's
        copy = copies[part or 0]
        body = {"group_id": group["group_id"], "connection_id": copy["connection_id"], "upstream_id": rk}
        if part is not None:
            body["part_id"] = copy["part_id"]
        return await self.api.put("/api/v1/reports/duplicates/keeper", json=body, headers=self.user.headers)

    async def exported_choices(self, q: str) -> dict[str, str]:
        """The CSV export's ``choice`` column, by copy, where it says something."""
        r = await self.api.get("/api/v1/reports/duplicates/export.csv", params={"q": q}, headers=self.user.headers)
        assert r.status_code == 200, r.text
        return {row["upstream_id"]: row["choice"] for row in csv.DictReader(io.StringIO(r.text)) if row["choice"]}

    async def settings(self, **values: object) -> None:
        r = await self.api.patch("/api/v1/settings/reports", json=values, headers=self.user.headers)
        assert r.status_code == 200, r.text

    async def sync(self) -> None:
        self.sim.state.invalidate()
        r = await self.api.post("/api/v1/sync/runs?full=true", headers=self.user.headers)
        assert r.status_code in (200, 201, 202), r.text
        await self.run_job(self.user)
        run = (await self.api.get("/api/v1/sync/runs", headers=self.user.headers)).json()[0]
        assert run["status"] == "complete", run

    async def copy(self, label: str) -> str:
        """Another file of the track appears on the server."""
        async with httpx.AsyncClient(base_url=self.sim.url) as admin:
            r = await admin.post("/_admin/items/copy", json={"service": "pms:home", "id": self.rk(label)})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    async def vanish(self, label: str) -> None:
        """The track's file goes; it is gone from the library after two complete full passes."""
        async with httpx.AsyncClient(base_url=self.sim.url) as admin:
            r = await admin.post("/_admin/items/vanish", json={"service": "pms:home", "ids": [self.rk(label)]})
        assert r.json()["vanished"] == 1, r.text
        await self.sync()
        await self.sync()

    def add_version(self, label: str) -> None:
        """A third version (a Media with its Part) appears inside a multi-version track."""
        server = self.sim.state.world.pms("home")
        assert server is not None
        item = server.items[int(self.rk(label))]
        base = item.media[0]
        new_id = 900_000 + len(item.media)
        path = base.parts[0].file.rsplit(".", 1)[0] + " (hi-res).flac"
        part = Part(id=new_id, file=path, size=50_000_000, container="flac", duration=base.duration)
        version = Media(id=new_id, duration=base.duration, bitrate=2000, container="flac", audio_codec="flac",
                        audio_channels=2, parts=[part])  # fmt: skip
        item.media.append(version)
        item.updated_at = int(time.time())
        self.sim.state.forget_parts("home", item.id)


@pytest.fixture
async def library(api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob) -> Library:
    return Library(api, await _synced(api, signup, sim, run_job), sim, run_job, signup)


async def test_a_choice_belongs_to_the_group_it_was_made_in(library: Library) -> None:
    first, second = await library.group_of("e1"), await library.group_of("e3")
    assert first["group_id"] != second["group_id"]
    assert library.labelled(first) == {"e1", "e2"} and library.labelled(second) == {"e3", "e4"}
    assert (await library.keep(first, "e2")).status_code == 204
    assert (await library.keep(second, "e4")).status_code == 204
    # Both groups share one normalised key: the second choice must not replace the first.
    first, second = await library.group_of("e1"), await library.group_of("e3")
    assert library.keeper(first)["upstream_id"] == library.rk("e2")
    assert library.keeper(second)["upstream_id"] == library.rk("e4")
    assert first["keeper_chosen"] and second["keeper_chosen"]
    assert first["keeper_reason"] == second["keeper_reason"] == "Keep the copy you chose"
    assert first["stale_choice"] is None and second["stale_choice"] is None
    # A choice for one group names a copy of that group, not of another one.
    wrong = await library.keep(first, "e3")
    assert wrong.status_code == 404 and wrong.json()["error"] == "duplicate_copy_not_found"
    # Another account never reaches the group.
    other = await library.api.put(
        "/api/v1/reports/duplicates/keeper",
        json={
            "group_id": first["group_id"],
            "connection_id": library.keeper(first)["connection_id"],
            "upstream_id": library.rk("e1"),
        },
        headers=(await library.signup()).headers,
    )
    assert other.status_code == 404


async def test_a_changed_group_says_why_the_choice_no_longer_applies(library: Library) -> None:
    await library.settings(duplicate_tolerance_seconds=5)
    group = await library.group_of("f1")
    assert library.labelled(group) == {"f1", "f2", "f3"}
    assert library.keeper(group)["upstream_id"] == library.rk("f1")  # lossless FLAC
    assert (await library.keep(group, "f2")).status_code == 204

    # A new copy joins: the choice was made without it, so the automatic keeper is proposed and the
    # group says why (the choice of f2 would otherwise have the new copy deleted unseen).
    f4 = await library.copy("f1")
    await library.sync()
    group = await library.group_of("f1")
    assert library.labelled(group) == {"f1", "f2", "f3", f4}
    assert not group["keeper_chosen"]
    assert library.keeper(group)["upstream_id"] == library.rk("f1")
    assert group["stale_choice"] == "Your choice no longer applies because 1 new copy joined the group."
    assert await library.exported_choices("Song F") == {library.rk("f1"): group["stale_choice"]}

    # Choosing again works, for the group as it is now.
    assert (await library.keep(group, "f2")).status_code == 204
    group = await library.group_of("f1")
    assert group["keeper_chosen"] and group["stale_choice"] is None
    assert library.keeper(group)["upstream_id"] == library.rk("f2")
    assert await library.exported_choices("Song F") == {library.rk("f2"): "chosen"}

    # A settings change splits the group: f3 (184 s) is more than 2 s from f2 (181.4 s).
    await library.settings(duplicate_tolerance_seconds=2)
    group = await library.group_of("f1")
    assert library.labelled(group) == {"f1", "f2", f4}
    assert not group["keeper_chosen"]
    assert group["stale_choice"] == (
        "Your choice no longer applies because 1 copy left the group (the duration tolerance changed from 5 s to 2 s)."
    )
    assert (await library.keep(group, "f2")).status_code == 204

    # The chosen copy goes from the library: the rest of the group stays, with the reason.
    await library.vanish("f2")
    group = await library.group_of("f1")
    assert library.labelled(group) == {"f1", f4}
    assert not group["keeper_chosen"]
    assert group["stale_choice"] == (
        "Your choice no longer applies because the copy you chose (06 Song F.mp3) is no longer in your library."
    )
    # The chosen keeper of one group never leaks into the dashboard's figures of another.
    board = (await library.api.get("/api/v1/dashboard", headers=library.user.headers)).json()
    card = next(c for c in board["cards"] if c["report"] == "duplicates")
    assert card["reclaimable_bytes"] == sum(g["reclaimable_bytes"] for g in await library.groups())


async def test_a_choice_made_on_a_group_that_changed_meanwhile_is_refused(library: Library) -> None:
    seen = await library.group_of("e1")
    await library.copy("e2")
    await library.sync()
    refused = await library.keep(seen, "e2")
    assert refused.status_code == 409
    assert refused.json()["error"] == "duplicate_group_changed"
    group = await library.group_of("e1")
    assert len(group["copies"]) == 3
    assert not group["keeper_chosen"] and group["stale_choice"] is None  # nothing was stored


async def test_a_versions_choice_follows_the_versions_of_its_track(library: Library) -> None:
    group = await library.group_of("g", kind="versions")
    mp3 = next(i for i, c in enumerate(group["copies"]) if c["container"] == "mp3")
    assert (await library.keep(group, "g", part=mp3)).status_code == 204
    group = await library.group_of("g", kind="versions")
    assert group["keeper_chosen"] and library.keeper(group)["container"] == "mp3"
    library.add_version("g")
    await library.sync()
    group = await library.group_of("g", kind="versions")
    assert len(group["copies"]) == 3
    assert not group["keeper_chosen"]
    assert group["stale_choice"] == "Your choice no longer applies because 1 new version was added to the track."


async def test_one_title_written_three_ways_is_one_group_whatever_the_search(library: Library) -> None:
    group = await library.group_of("h1")
    assert library.labelled(group) == {"h1", "h2", "h3"}
    assert group["why"] == "3 tracks with the same title, artist and album, same duration"
    # A search matching one spelling shows the whole group, never a group split by the filter.
    for q in ("Don't", "Don\u2019t", "Dont"):
        (found,) = [g for g in await library.groups(q=q) if g["kind"] == "duplicates"]
        assert found["group_id"] == group["group_id"], q


async def test_durations_are_stated_honestly(library: Library) -> None:
    assert (await library.group_of("f1"))["why"].endswith(", durations within 1.4 s")  # not "within 1 s"
    assert (await library.group_of("e1"))["why"].endswith(", durations within 1 s")


# --- the rules themselves, without a server -------------------------------------------------------

CONNECTIONS = [uuid.UUID(int=1), uuid.UUID(int=2)]
ids = st.sampled_from(["1", "2", "3", "4", "5"])
member_sets = st.frozensets(ids, min_size=2, max_size=5)


@st.composite
def identities(draw: st.DrawFn) -> GroupIdentity:
    kind = draw(st.sampled_from(["duplicates", "versions"]))
    track = draw(ids) if kind == "versions" else None
    return GroupIdentity(kind, draw(st.sampled_from(CONNECTIONS)), track, draw(member_sets))


@st.composite
def choices(draw: st.DrawFn) -> Choice:
    made_for = draw(identities())
    chosen = draw(st.sampled_from(sorted(made_for.members)))
    return Choice(
        group_id=made_for.id,
        kind=made_for.kind,
        connection_id=made_for.connection_id,
        members=made_for.members,
        upstream_id=made_for.track or chosen,
        part_id=chosen if made_for.kind == "versions" else None,
        strict=draw(st.booleans()),
        tolerance_seconds=draw(st.integers(0, 60)),
        chosen_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=draw(st.integers(0, 10**6))),
    )


@given(identities(), st.lists(choices(), max_size=6))
@settings(max_examples=400)
def test_a_choice_applies_only_to_the_copies_it_was_made_for(group: GroupIdentity, stored: list[Choice]) -> None:
    choice = applicable(group, stored)
    if choice is None:
        assert all(c.group_id != group.id for c in stored)
        return
    # made for exactly these copies, of this kind and server, and names one of them: never zero keepers
    assert (choice.kind, choice.connection_id, choice.members) == (group.kind, group.connection_id, group.members)
    assert group.has(choice.upstream_id, choice.part_id if group.kind == "versions" else None)
    assert choice.chosen in group.members


@given(identities(), st.lists(choices(), max_size=6))
@settings(max_examples=400)
def test_a_lost_choice_is_the_latest_one_made_for_copies_of_the_group(
    group: GroupIdentity, stored: list[Choice]
) -> None:
    note = lost(group, stored)
    touching = [c for c in stored if c.touches(group)]
    assert (note is None) == (not touching)
    if note is not None:
        assert note.chosen_at == max(c.chosen_at for c in touching)
        assert note.kind == group.kind and note.connection_id == group.connection_id
        assert why_lost(note, group, ReportSettings(duplicate_strict=False, duplicate_tolerance_seconds=2), None, True)


def test_the_group_id_is_the_copies_not_their_order() -> None:
    a = GroupIdentity("duplicates", CONNECTIONS[0], None, frozenset({"1", "2"}))
    assert a.id == group_id("duplicates", CONNECTIONS[0], None, ["2", "1"])
    assert a.id != GroupIdentity("duplicates", CONNECTIONS[1], None, a.members).id  # another server
    assert a.id != GroupIdentity("duplicates", CONNECTIONS[0], None, frozenset({"1", "2", "3"})).id
    assert a.id != GroupIdentity("versions", CONNECTIONS[0], "1", a.members).id
