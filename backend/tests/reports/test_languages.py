"""The languages report against a Plex server and a Jellyfin server over the same files: forced and
sidecar subtitles, untagged streams, files the servers have not analysed yet, language codes in any
form, and the French allowlists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob, choose_languages, connect_all
from mediasim import SimServer, world_from_scenario


def film(title: str, **media: Any) -> dict[str, Any]:
    return {"title": title, "year": 2020, "media": [{"audio": ["eng", "fre"], "subtitles": ["fre"], **media}]}


FILMS = [
    film("All Good"),
    film("Forced French", subtitles=["fre", "eng"], forced_subtitles=[0]),
    film("Sidecar French", external_subtitles=[0]),
    film("Untagged Extra", audio=["eng", "fre", None]),
    film("Missing And Untagged", audio=["eng", None]),
    film("Untagged Subtitles", subtitles=[None]),
    film("French Film", container="mp4", audio=["fre"], subtitles=[]),  # Jellyfin reports "fra"
    film("Not Analysed", analysed=False),
    {
        "title": "Half Analysed",
        "media": [{"analysed": False}, {"audio": ["eng", "fre"], "subtitles": ["fre"], "resolution": "4k"}],
    },
]
SCENARIO: dict[str, Any] = {
    "seed": 13,
    "plex": {
        "owner": {"username": "hank"},
        "servers": [{"name": "home", "libraries": [{"type": "movie", "title": "Films", "items": FILMS}]}],
    },
    # Jellyfin mirrors the same files but sees them under another folder, with no mapping set and no
    # external ids on the films: the copies are not recognised as one file (library/copies.py), so
    # each server's reading of the streams is checked on a row of its own.
    "jellyfin": {"mount": {"from": "/data", "to": "/srv/jellyfin"}},
    "jellyseerr": {},
}


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(world_from_scenario(SCENARIO)) as server:
        yield server


async def _synced(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, *, choose: bool = True
) -> SignedUp:
    user = await signup()
    if choose:
        await choose_languages(api, user)
    await connect_all(api, user, sim)
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    run = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    assert run["status"] == "complete", run
    return user


async def _rows(api: httpx.AsyncClient, user: SignedUp, issue: str = "all") -> dict[tuple[str, str], dict[str, Any]]:
    """The report's rows by (server kind, title): every title is on both servers."""
    r = await api.get("/api/v1/reports/languages", params={"issue": issue, "page_size": 100}, headers=user.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"])
    return {("plex" if "/web/index.html" in row["link"] else "jellyfin", row["title"]): row for row in body["items"]}


def _both(*titles: str) -> set[tuple[str, str]]:
    return {(server, title) for server in ("plex", "jellyfin") for title in titles}


async def test_a_forced_subtitle_never_satisfies_the_rule_and_a_sidecar_does(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    rows = await _rows(api, user)
    assert set(rows) == _both("Forced French", "Missing And Untagged", "Untagged Subtitles", "French Film")
    for server in ("plex", "jellyfin"):
        forced = rows[(server, "Forced French")]
        assert forced["subtitle_languages"] == ["en"]  # the forced French track is not a subtitle track
        assert forced["missing_subtitles"] == ["fr"]
        assert forced["forced_only_subtitles"] == ["fr"]
        assert forced["missing_audio"] == []
        assert "only a forced French (fr) track" in forced["why"]
        assert rows[(server, "French Film")]["audio_languages"] == ["fr"]  # Plex "fre", Jellyfin "fra"
        assert rows[(server, "French Film")]["missing_audio"] == ["en"]
        assert rows[(server, "Untagged Subtitles")]["forced_only_subtitles"] == []
    subtitles = await _rows(api, user, "subtitles")
    assert set(subtitles) == _both("Forced French", "Untagged Subtitles", "French Film")
    dashboard = (await api.get("/api/v1/dashboard", headers=user.headers)).json()
    assert next(c for c in dashboard["cards"] if c["report"] == "languages")["count"] == 8


async def test_items_whose_only_problem_is_an_untagged_stream_are_listed_under_untagged(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    untagged = await _rows(api, user, "untagged")
    assert set(untagged) == _both("Untagged Extra", "Missing And Untagged", "Untagged Subtitles")
    for server in ("plex", "jellyfin"):
        extra = untagged[(server, "Untagged Extra")]
        assert (extra["untagged_audio"], extra["untagged_subtitles"]) == (1, 0)
        assert extra["missing_audio"] == extra["missing_subtitles"] == []
        assert (
            extra["why"]
            == "1 audio track without a language tag: its language cannot be checked against your rules until tagged."
        )
        both = untagged[(server, "Missing And Untagged")]
        assert both["missing_audio"] == ["fr"]
        assert both["why"] == (
            "No audio in French (fr); 1 audio track without a language tag (it may be in a missing language: tag it in "
            "your media server to know)."
        )
    # not a missing language: "all" (what the dashboard counts) leaves it out
    assert ("plex", "Untagged Extra") not in await _rows(api, user)
    # untagged subtitles do not matter when no subtitle language is required
    await api.patch("/api/v1/settings/reports", json={"required_subtitle_languages": []}, headers=user.headers)
    assert set(await _rows(api, user, "untagged")) == _both("Untagged Extra", "Missing And Untagged")


async def test_files_the_servers_have_not_analysed_are_unknown_never_missing(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, ctx: AppContext
) -> None:
    user = await _synced(api, signup, sim, run_job)
    for issue in ("all", "audio", "subtitles", "untagged"):
        listed = {title for _, title in await _rows(api, user, issue)}
        assert not listed & {"Not Analysed", "Half Analysed"}, issue
    unknown = await _rows(api, user, "unknown")
    assert set(unknown) == _both("Not Analysed", "Half Analysed")
    for row in unknown.values():
        assert row["languages_known"] is False
        assert row["audio_languages"] == row["missing_audio"] == row["missing_subtitles"] == []
    assert unknown[("jellyfin", "Not Analysed")]["why"] == (
        "Jellyfin has not analysed this file yet (it lists no audio or subtitle streams), so its languages "
        "are unknown and it is not counted as an issue."
    )
    assert "Jellyfin has not analysed 1 of its 2 files yet" in unknown[("jellyfin", "Half Analysed")]["why"]
    assert unknown[("plex", "Not Analysed")]["why"].startswith(
        "Plex has not given the audio and subtitle streams of this file yet"
    )
    # A second full pass: Plex is asked again for the streams it did not give; Jellyfin's unanalysed
    # rows, which reading them again cannot complete, are not rewritten (no change, so no rebuild).
    versions = text(
        "SELECT c.kind, m.title, m.xmin::text AS version FROM media_items m JOIN connections c "
        "ON c.id = m.connection_id WHERE m.account_id = :a AND m.streams_synced_at IS NULL"
    )
    async with ctx.sessionmaker() as s:
        before = {(r.kind, r.title): r.version for r in await s.execute(versions, {"a": user.account_id})}
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    async with ctx.sessionmaker() as s:
        after = {(r.kind, r.title): r.version for r in await s.execute(versions, {"a": user.account_id})}
    assert set(after) == set(before) == _both("Not Analysed", "Half Analysed")
    assert {key for key in after if after[key] == before[key]} == {
        ("jellyfin", "Not Analysed"),
        ("jellyfin", "Half Analysed"),
    }
    assert set(await _rows(api, user, "unknown")) == _both("Not Analysed", "Half Analysed")


async def test_required_languages_in_any_form_are_stored_once_and_compared_with_streams(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    before = await _rows(api, user)
    r = await api.patch(
        "/api/v1/settings/reports",
        json={"required_audio_languages": ["fra", "English", "EN"], "required_subtitle_languages": ["Français"]},
        headers=user.headers,
    )
    assert r.status_code == 200, r.text
    settings = r.json()
    assert settings["required_audio_languages"] == ["fr", "en"]
    assert settings["required_subtitle_languages"] == ["fr"]
    assert settings["language_names"] == {"fr": "French", "en": "English"}
    assert set(await _rows(api, user)) == set(before)  # "fra" is French, as the streams are
    bad = await api.patch(
        "/api/v1/settings/reports",
        json={"stale_months": 9, "required_subtitle_languages": ["fr", "xyzzy"]},
        headers=user.headers,
    )
    # Which texts name a language is the language table's to say, not the schema's: a 400 on the field.
    assert bad.status_code == 400
    assert bad.json()["error"] == "unknown_language"
    assert bad.json()["fields"] == [
        {
            "field": "required_subtitle_languages",
            "message": "'xyzzy' is not a language we know; write an ISO 639 code (fr, fre or fra) or an English "
            "name (French)",
        }
    ]
    und = await api.patch("/api/v1/settings/reports", json={"required_audio_languages": ["und"]}, headers=user.headers)
    assert und.status_code == 400
    assert "means no particular language" in und.json()["detail"]
    kept = (await api.get("/api/v1/settings/reports", headers=user.headers)).json()
    assert (kept["stale_months"], kept["required_audio_languages"]) == (4, ["fr", "en"])  # nothing half-saved


async def test_the_french_lists_require_french_and_nothing_else_whatever_the_settings(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    await api.patch(
        "/api/v1/settings/reports",
        json={"required_audio_languages": ["en", "de"], "required_subtitle_languages": ["en"]},
        headers=user.headers,
    )
    rows = await _rows(api, user)
    french = rows[("plex", "French Film")]
    assert (french["missing_audio"], french["missing_subtitles"]) == (["de", "en"], ["en"])
    good = rows[("plex", "All Good")]
    assert (good["missing_audio"], good["missing_subtitles"]) == (["de"], ["en"])

    async def add(list_name: str, row: dict[str, Any]) -> None:
        item = {"connection_id": row["connection_id"], "upstream_id": row["upstream_id"]}
        r = await api.post("/api/v1/allowlists", json={"list": list_name, "items": [item]}, headers=user.headers)
        assert r.status_code == 201, r.text

    # French only: French audio is all the title needs; the subtitle rule still applies.
    await add("french_only", french)
    # French subtitles only: French subtitles are all it needs, no audio language.
    await add("french_subs_only", good)
    rows = await _rows(api, user)
    assert (rows[("plex", "French Film")]["missing_audio"], rows[("plex", "French Film")]["missing_subtitles"]) == (
        [],
        ["en"],
    )
    assert ("plex", "All Good") not in rows  # it has French subtitles
    assert ("jellyfin", "All Good") in rows  # the entry is for the Plex item


async def _page(api: httpx.AsyncClient, user: SignedUp, issue: str = "all") -> dict[str, Any]:
    r = await api.get("/api/v1/reports/languages", params={"issue": issue}, headers=user.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_nothing_is_a_language_issue_until_the_owner_chose_the_languages(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job, choose=False)
    settings = (await api.get("/api/v1/settings/reports", headers=user.headers)).json()
    assert settings["languages_chosen_at"] is None
    assert settings["required_audio_languages"] == settings["required_subtitle_languages"] == []
    for issue in ("all", "audio", "subtitles", "untagged", "unknown"):
        page = await _page(api, user, issue)
        assert (page["items"], page["total"], page["languages_chosen"]) == ([], 0, False), issue
    csv = await api.get("/api/v1/reports/languages/export.csv", headers=user.headers)
    assert csv.status_code == 200 and csv.text.strip().count("\n") == 0  # the header alone
    card = next(c for c in (await api.get("/api/v1/dashboard", headers=user.headers)).json()["cards"]
                if c["report"] == "languages")  # fmt: skip
    assert (card["count"], card["awaiting"]) == (0, "languages")
    # The other reports do not wait for it.
    assert (await api.get("/api/v1/reports/large", headers=user.headers)).json()["total"] >= 0

    chosen = await api.put(
        "/api/v1/settings/languages", json={"audio": ["eng", "French"], "subtitles": ["fre"]}, headers=user.headers
    )
    assert chosen.status_code == 200, chosen.text
    body = chosen.json()
    assert (body["required_audio_languages"], body["required_subtitle_languages"]) == (["en", "fr"], ["fr"])
    assert body["languages_chosen_at"] is not None
    page = await _page(api, user)
    assert page["languages_chosen"] is True
    assert {row["title"] for row in page["items"]} == {
        "Forced French",
        "Missing And Untagged",
        "Untagged Subtitles",
        "French Film",
    }
    card = next(c for c in (await api.get("/api/v1/dashboard", headers=user.headers)).json()["cards"]
                if c["report"] == "languages")  # fmt: skip
    assert (card["count"], card["awaiting"]) == (8, None)


async def test_saving_the_languages_unchanged_or_empty_is_a_choice(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    # Empty lists: "no language required" is an answer too.
    r = await client.put("/api/v1/settings/languages", json={"audio": [], "subtitles": []}, headers=user.headers)
    assert r.status_code == 200, r.text
    assert r.json()["languages_chosen_at"] is not None
    # Through the report settings: sending a language list chooses them as well, other fields do not.
    other = await signup()
    r = await client.patch("/api/v1/settings/reports", json={"stale_months": 6}, headers=other.headers)
    assert r.json()["languages_chosen_at"] is None
    r = await client.patch(
        "/api/v1/settings/reports", json={"required_subtitle_languages": ["en"]}, headers=other.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["languages_chosen_at"] is not None
    assert r.json()["required_subtitle_languages"] == ["en"]


@pytest.mark.parametrize(
    "body",
    [
        {"audio": ["en"]},  # both lists, always
        {"subtitles": []},
        {"audio": "en", "subtitles": []},  # a list, not a text
        {"audio": ["en"], "subtitles": [], "required_audio_languages": ["fr"]},  # unknown field
        {"audio": [""], "subtitles": []},  # an empty entry
        {"audio": ["en"] * 21, "subtitles": []},  # at most 20
        {"audio": [1], "subtitles": []},
    ],
)
async def test_the_languages_body_is_strict(client: httpx.AsyncClient, signup: SignupFn, body: Any) -> None:
    user = await signup()
    r = await client.put("/api/v1/settings/languages", json=body, headers=user.headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "validation_error"
    assert (await client.get("/api/v1/settings/reports", headers=user.headers)).json()["languages_chosen_at"] is None


async def test_an_unknown_language_is_a_400_naming_it_and_nothing_is_chosen(
    client: httpx.AsyncClient, signup: SignupFn
) -> None:
    user = await signup()
    r = await client.put(
        "/api/v1/settings/languages", json={"audio": ["en"], "subtitles": ["fr", "klingonese"]}, headers=user.headers
    )
    assert r.status_code == 400
    assert r.json()["error"] == "unknown_language"
    assert r.json()["fields"][0]["field"] == "subtitles"
    assert "'klingonese' is not a language we know" in r.json()["fields"][0]["message"]
    kept = (await client.get("/api/v1/settings/reports", headers=user.headers)).json()
    assert (kept["languages_chosen_at"], kept["required_audio_languages"]) == (None, [])
    signed_out = await client.put("/api/v1/settings/languages", json={"audio": [], "subtitles": []})
    assert signed_out.status_code == 401
