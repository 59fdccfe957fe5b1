"""One file is one row: a household whose Plex and Jellyfin read the same disk (conftest) sees each
file once in every report, its bytes counted once, a play on either server counting, and a title
held as two different files on the servers as two rows, each told of the other."""

from __future__ import annotations

from typing import Any

import httpx

from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob, choose_languages
from janitor.jobs.names import JobName
from janitor.jobs.runner import tenant_job
from janitor.reports.precompute import refresh_copies_job
from mediasim import SimServer

from .test_copies_api import _household

GB = 10**9


async def _report(api: httpx.AsyncClient, user: SignedUp, report: str, **params: Any) -> list[dict[str, Any]]:
    r = await api.get(f"/api/v1/reports/{report}", params={"page_size": 200, **params}, headers=user.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"])
    items: list[dict[str, Any]] = body["items"]
    return items


def _by_title(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["title"], []).append(row)
    return out


async def test_every_report_shows_a_shared_file_once_and_counts_its_bytes_once(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user, ids = await _household(api, signup, sim, run_job)
    await choose_languages(api, user)  # the planted files' languages: English and French audio, French subtitles
    names = {c["id"]: c["name"] for c in (await api.get("/api/v1/connections", headers=user.headers)).json()}
    plex, jellyfin = names[ids["plex"]], names[ids["jellyfin"]]

    # Large: Alien (40 GB) once, on Plex, naming its Jellyfin copy; Ran is two different files.
    large = _by_title(await _report(api, user, "large"))
    assert sorted(large) == ["Alien", "Ran", "Solaris"]
    (alien,) = large["Alien"]
    assert alien["server"] == plex and alien["size_bytes"] == 40 * GB
    assert [(c["server"], c["relation"]) for c in alien["copies"]] == [(jellyfin, "same_file")]
    assert alien["copies"][0]["link"].startswith(sim.info["jellyfin"]["base_url"])
    assert f"the same file is on {jellyfin} (counted once)" in alien["why"]
    assert {(r["server"], r["size_bytes"]) for r in large["Ran"]} == {(plex, 15 * GB), (jellyfin, 60 * GB)}
    for row in large["Ran"]:
        assert [c["relation"] for c in row["copies"]] == ["other_file"]
        assert "a different file of this title is on" in row["why"]

    # The CSV names the copies in words, with their links.
    csv = (await api.get("/api/v1/reports/large/export.csv", headers=user.headers)).text
    alien_line = next(line for line in csv.splitlines() if ",Alien," in line)
    assert f"same file on {jellyfin} (" in alien_line
    ran_lines = [line for line in csv.splitlines() if ",Ran," in line]
    assert len(ran_lines) == 2 and all("another file on" in line for line in ran_lines)

    # The server filter: a row is on Jellyfin when any copy of its file is.
    on_jellyfin = await _report(api, user, "large", connection_id=ids["jellyfin"])
    assert sorted((r["title"], r["server"]) for r in on_jellyfin) == [
        ("Alien", plex),
        ("Ran", jellyfin),
        ("Solaris", plex),
    ]
    on_plex = await _report(api, user, "large", connection_id=ids["plex"])
    assert sorted(r["title"] for r in on_plex) == ["Alien", "Ran", "Solaris"]

    # Stale: Solaris was watched on Jellyfin only (5 days ago): a play on either server is a play.
    # Heat was watched on Plex. Alien and both files of Ran were never watched.
    stale = _by_title(await _report(api, user, "stale"))
    assert sorted(stale) == ["Alien", "Dark", "Ran"]
    assert [r["server"] for r in stale["Alien"]] == [plex]
    assert len(stale["Ran"]) == 2
    assert [c["relation"] for c in stale["Dark"][0]["copies"]] == ["same_show"]
    assert stale["Dark"][0]["episodes"] == 2 and stale["Dark"][0]["size_bytes"] == 4 * GB

    # Languages: Fresh Arrival lacks French audio: one row, not one per server.
    languages = _by_title(await _report(api, user, "languages"))
    assert list(languages) == ["Fresh Arrival"]
    assert len(languages["Fresh Arrival"]) == 1

    # Recently available: added two days ago, once.
    recent = [r for r in await _report(api, user, "recently-available") if r["source"] == "library"]
    assert [r["title"] for r in recent] == ["Fresh Arrival"]

    # Duplicates: Song A twice on the disk is one group of two copies, each also seen through Jellyfin.
    groups = (await api.get("/api/v1/reports/duplicates", headers=user.headers)).json()
    assert groups["total"] == 1
    (group,) = groups["items"]
    assert len(group["copies"]) == 2
    assert all([a["server"] for a in c["also_on"]] == [jellyfin] for c in group["copies"])

    # The dashboard: reclaimable figures are sums over distinct files; storage counts each file once.
    dashboard = (await api.get("/api/v1/dashboard", headers=user.headers)).json()
    cards = {c["report"]: c for c in dashboard["cards"]}
    assert cards["large"]["count"] == 4
    assert cards["large"]["reclaimable_bytes"] == (40 + 20 + 15 + 60) * GB
    assert cards["languages"]["count"] == 1
    storage = {(s["server"], s["library"]): s for s in dashboard["storage"]}
    plex_movies, jf_movies = storage[(plex, "Movies")], storage[(jellyfin, "Movies")]
    assert plex_movies["size_bytes"] == (40 + 20 + 15 + 8 + 2) * GB and plex_movies["shared_bytes"] == 0
    # Jellyfin's movies are Plex's files but Ran's other file: only that one is counted again.
    assert jf_movies["size_bytes"] == 60 * GB and jf_movies["items"] == 1
    assert jf_movies["shared_bytes"] == (40 + 20 + 8 + 2) * GB and jf_movies["shared_items"] == 4


async def test_protecting_either_servers_copy_protects_the_file(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user, ids = await _household(api, signup, sim, run_job)
    labels = sim.state.world.planted["labels"]
    # An entry by server and id alone (imported, no external id) on the Jellyfin copy of Alien.
    entry = {"list": "protected", "title": "Alien", "connection_id": ids["jellyfin"]}
    entry["upstream_id"] = labels["alien"]["jellyfinId"]
    r = await api.post("/api/v1/allowlists/import", json=[entry], headers=user.headers)
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 1
    assert "Alien" not in {row["title"] for row in await _report(api, user, "stale")}
    # Ran's two files are two rows; an entry keeps the title's external id, so protecting one copy
    # protects the title on every server (as an entry added by TMDB id does).
    assert len([row for row in await _report(api, user, "stale") if row["title"] == "Ran"]) == 2
    jellyfin_ran = {"connection_id": ids["jellyfin"], "upstream_id": labels["ran"]["jellyfinId"]}
    await api.post("/api/v1/allowlists", json={"list": "protected", "items": [jellyfin_ran]}, headers=user.headers)
    assert "Ran" not in {row["title"] for row in await _report(api, user, "stale")}


async def test_removing_the_primary_server_brings_the_other_copies_back_at_once_and_whole_after_the_job(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user, ids = await _household(api, signup, sim, run_job)
    assert (await api.delete(f"/api/v1/connections/{ids['plex']}", headers=user.headers)).status_code == 204
    # At once: nothing hides behind a copy that is gone (the large report reads the items).
    assert sorted(r["title"] for r in await _report(api, user, "large")) == ["Alien", "Ran", "Solaris"]
    # The queued job rebuilds the copies and the duplicate candidates: Jellyfin's group is back.
    job = tenant_job(JobName.MEDIA_COPIES, refresh_copies_job)
    await job({"app": job_ctx, "worker_id": "test", "job_try": 1, "job_id": "copies"}, str(user.account_id))
    groups = (await api.get("/api/v1/reports/duplicates", headers=user.headers)).json()
    assert groups["total"] == 1
    assert {c["connection_id"] for c in groups["items"][0]["copies"]} == {ids["jellyfin"]}
    assert all(c["also_on"] == [] for c in groups["items"][0]["copies"])
