"""Queueing a duplicate group's extra copies: the non-keepers (for a multi-version track, the other
versions only), only while the group keeps a copy, with the group recorded for the deleter."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from janitor.connections.models import Connection
from janitor.core.deps import AppContext
from janitor.deletions.duplicates import _versions
from janitor.deletions.errors import GroupKeepsNothing
from janitor.reports.duplicates import Copy

from .conftest import World, item


async def _group(world: World, title: str, kind: str) -> dict[str, Any]:
    r = await world.api.get("/api/v1/reports/duplicates", headers=world.headers)
    assert r.status_code == 200, r.text
    return next(g for g in r.json()["items"] if g["title"] == title and g["kind"] == kind)


async def test_the_extra_track_of_a_duplicate_group_is_queued(ctx: AppContext, world: World) -> None:
    group = await _group(world, "Song D", "duplicates")
    keeper = next(c for c in group["copies"] if c["keeper"])
    extra = next(c for c in group["copies"] if not c["keeper"])
    assert (keeper["upstream_id"], extra["upstream_id"]) == (world.rk("d1"), world.rk("d2"))  # lossless kept
    r = await world.post("/queue/duplicates", {"group_id": group["group_id"], "note": "tidy"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["already_queued"], body["skipped"]) == (1, 0, [])
    (row,) = body["rows"]
    assert (row["upstream_id"], row["media_id"], row["reason"], row["kind"]) == (
        world.rk("d2"),
        None,
        "duplicate",
        "track",
    )
    details = row["details"]
    assert details["group_id"] == group["group_id"] and details["group_kind"] == "duplicates"
    assert details["keeper"] == {"connection_id": str(world.plex), "upstream_id": world.rk("d1"), "media_id": ""}
    assert sorted((m["upstream_id"], m["keeper"]) for m in details["members"]) == sorted(
        [(world.rk("d1"), True), (world.rk("d2"), False)]
    )
    assert details["note"] == "tidy"
    assert row["why"].startswith("2 tracks with the same title") and "keep the lossless FLAC" in row["why"]
    # again: the same row
    again = (await world.post("/queue/duplicates", {"group_id": group["group_id"]})).json()
    assert (again["created"], again["already_queued"], again["rows"][0]["id"]) == (0, 1, row["id"])


async def test_a_multi_version_track_loses_only_its_other_version(ctx: AppContext, world: World) -> None:
    group = await _group(world, "Song B", "versions")
    track = await item(ctx, world.plex, world.rk("b"))
    media = {str(p["part_id"]): str(p["media_id"]) for p in track.parts}
    keeper = next(c for c in group["copies"] if c["keeper"])
    extra = next(c for c in group["copies"] if not c["keeper"])
    assert keeper["container"] == "flac"
    r = await world.post("/queue/duplicates", {"group_id": group["group_id"], "connection_id": str(world.plex)})
    assert r.status_code == 200, r.text
    (row,) = r.json()["rows"]
    # the one version, never the track with all its versions
    assert (row["upstream_id"], row["media_id"]) == (world.rk("b"), media[extra["part_id"]])
    assert row["details"]["keeper"]["media_id"] == media[keeper["part_id"]]
    assert row["size_bytes"] == extra["size_bytes"]


async def test_a_group_whose_keeper_is_queued_keeps_nothing(world: World) -> None:
    group = await _group(world, "Song D", "duplicates")
    # keep the mp3 for now: the flac is queued
    choose = {"group_id": group["group_id"], "connection_id": str(world.plex), "upstream_id": world.rk("d2")}
    r = await world.api.put("/api/v1/reports/duplicates/keeper", json=choose, headers=world.headers)
    assert r.status_code == 204, r.text
    r = await world.post("/queue/duplicates", {"group_id": group["group_id"]})
    assert r.json()["rows"][0]["upstream_id"] == world.rk("d1")
    # then change your mind: the flac is the keeper again, but it is on its way out
    choose["upstream_id"] = world.rk("d1")
    r = await world.api.put("/api/v1/reports/duplicates/keeper", json=choose, headers=world.headers)
    assert r.status_code == 204, r.text
    r = await world.post("/queue/duplicates", {"group_id": group["group_id"]})
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "deletion_group_keeps_nothing"
    assert "is itself queued for deletion" in r.json()["detail"] and "Song D" in r.json()["detail"]
    queue = (await world.get("/queue")).json()
    assert [q["upstream_id"] for q in queue["items"]] == [world.rk("d1")]


async def test_a_protected_copy_is_left_out(world: World) -> None:
    item_ = {"connection_id": str(world.plex), "upstream_id": world.rk("d2")}
    r = await world.api.post("/api/v1/allowlists", json={"list": "protected", "items": [item_]}, headers=world.headers)
    assert r.status_code == 201
    group = await _group(world, "Song D", "duplicates")
    body = (await world.post("/queue/duplicates", {"group_id": group["group_id"]})).json()
    assert (body["created"], body["rows"]) == (0, [])
    assert [(s["upstream_id"], s["why"]) for s in body["skipped"]] == [
        (world.rk("d2"), "this copy is on your Protected list")
    ]


async def test_an_unknown_or_changed_group_is_not_found(world: World, signup: Any) -> None:
    r = await world.post("/queue/duplicates", {"group_id": "0" * 32})
    assert r.status_code == 404 and r.json()["error"] == "deletion_group_not_found"
    # another account cannot queue this account's group
    group = await _group(world, "Song D", "duplicates")
    other = await signup()
    r = await world.api.post(
        "/api/v1/deletions/queue/duplicates", json={"group_id": group["group_id"]}, headers=other.headers
    )
    assert r.status_code == 404
    # looked for on a server that is not the group's
    assert (
        await world.post("/queue/duplicates", {"group_id": group["group_id"], "connection_id": str(uuid.uuid4())})
    ).status_code == 404


def _copy(part: str, *, keeper: bool) -> Copy:
    return Copy(
        connection_id=uuid.uuid4(),
        upstream_id="7",
        part_id=part,
        file=None,
        container=None,
        audio_codec=None,
        bitrate_kbps=None,
        duration_ms=None,
        size_bytes=None,
        added_at=None,
        keeper=keeper,
        lossless=False,
    )


async def test_one_version_only_on_plex_and_a_shared_media_is_the_keepers(ctx: AppContext, world: World) -> None:
    track = await item(ctx, world.plex, world.rk("b"))
    parts = [str(p["part_id"]) for p in track.parts]
    copies = [_copy(parts[0], keeper=True), _copy(parts[1], keeper=False)]
    jellyfin = Connection(kind="jellyfin", name="Jelly", options={})
    with pytest.raises(GroupKeepsNothing, match="cannot delete one version"):
        _versions(jellyfin, track, copies, copies[0])
    plex = Connection(kind="plex", name="Home", options={})
    keeper_media, targets = _versions(plex, track, copies, copies[0])
    assert keeper_media == str(track.parts[0]["media_id"])
    assert [m for _, m in targets] == [str(track.parts[1]["media_id"])]
    # two parts of one Media (a file in two halves): deleting that Media would take the keeper's part
    track.parts = [{**track.parts[0]}, {**track.parts[1], "media_id": track.parts[0]["media_id"]}]
    assert _versions(plex, track, copies, copies[0]) == (str(track.parts[0]["media_id"]), [])
