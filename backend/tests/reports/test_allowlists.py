from __future__ import annotations

import csv
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.allowlists.service import NOTHING_IMPORTED
from janitor.connections.models import Connection, Library
from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob
from janitor.library.models import MediaItem
from mediasim import SimServer

from .test_stale_and_large import _synced, _titles


async def _row(api: httpx.AsyncClient, user: SignedUp, report: str, title: str) -> dict[str, Any]:
    body = (await api.get(f"/api/v1/reports/{report}", params={"page_size": 200}, headers=user.headers)).json()
    return next(r for r in body["items"] if r["title"] == title)


async def _add(
    api: httpx.AsyncClient, user: SignedUp, list_name: str, *rows: dict[str, Any], **extra: Any
) -> httpx.Response:
    items = [{"connection_id": r["connection_id"], "upstream_id": r["upstream_id"]} for r in rows]
    return await api.post("/api/v1/allowlists", json={"list": list_name, "items": items, **extra}, headers=user.headers)


async def test_protected_titles_leave_the_stale_report_until_they_expire(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    forgotten = await _row(api, user, "stale", "Forgotten")
    r = await _add(api, user, "protected", forgotten, note="family favourite")
    assert r.status_code == 201, r.text
    assert r.json() == {"added": 1, "already_listed": 0}
    assert (await _add(api, user, "protected", forgotten)).json() == {"added": 0, "already_listed": 1}
    assert "Forgotten" not in await _titles(api, user, "stale")
    entries = (await api.get("/api/v1/allowlists", params={"list": "protected"}, headers=user.headers)).json()
    assert [(e["title"], e["note"], e["list"]) for e in entries] == [("Forgotten", "family favourite", "protected")]
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    expired = await api.patch(f"/api/v1/allowlists/{entries[0]['id']}", json={"expires_at": past}, headers=user.headers)
    assert expired.json()["expired"] is True
    assert "Forgotten" in await _titles(api, user, "stale")
    assert (await api.delete(f"/api/v1/allowlists/{entries[0]['id']}", headers=user.headers)).status_code == 204
    assert (await api.get("/api/v1/allowlists", headers=user.headers)).json() == []


async def test_language_exemptions(api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob) -> None:
    user = await _synced(api, signup, sim, run_job)
    rows = {
        t: await _row(api, user, "languages", t)
        for t in ("English Only", "No Subs", "Untagged Audio", "Active Show S01E01 · E1")
    }
    await _add(api, user, "french_only", rows["English Only"])  # no English audio needed... but French is
    await _add(api, user, "language_exempt", rows["No Subs"])
    await _add(api, user, "french_subs_only", rows["Untagged Audio"])
    await _add(api, user, "episode_exempt", rows["Active Show S01E01 · E1"])
    remaining = {
        r["title"]: r for r in (await api.get("/api/v1/reports/languages", headers=user.headers)).json()["items"]
    }
    assert sorted(remaining) == ["English Only"]
    assert remaining["English Only"]["missing_audio"] == ["fr"]


async def test_unknown_items_are_refused_and_nothing_is_added(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    real = await _row(api, user, "stale", "Forgotten")
    fake = {"connection_id": real["connection_id"], "upstream_id": "999999"}
    r = await _add(api, user, "protected", real, fake)
    assert r.status_code == 404
    assert r.json()["error"] == "allowlist_unknown_items"
    assert (await api.get("/api/v1/allowlists", headers=user.headers)).json() == []
    bad = await api.post("/api/v1/allowlists", json={"list": "nope", "items": []}, headers=user.headers)
    assert bad.status_code == 422


async def test_import_export_round_trip_and_errors(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    never = await _row(api, user, "stale", "Never Seen")
    csv_text = (
        "list,title,guid,connection_id,upstream_id,note,expires_at\n"
        f"protected,Never Seen,,{never['connection_id']},{never['upstream_id']},kept,\n"
        "protected,The Matrix,tmdb:603,,,from my old spreadsheet,\n"
        "language_exempt,Amélie,imdb:tt0211915,,,,2030-01-01T00:00:00Z\n"
    )
    r = await api.post(
        "/api/v1/allowlists/import", content=csv_text, headers={**user.headers, "content-type": "text/csv"}
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"added": 3, "already_listed": 0}
    assert "Never Seen" not in await _titles(api, user, "stale")
    exported = await api.get("/api/v1/allowlists/export", params={"format": "json"}, headers=user.headers)
    rows = exported.json()
    assert sorted(r["title"] for r in rows) == ["Amélie", "Never Seen", "The Matrix"]
    # what was exported imports again as "already listed"
    again = await api.post(
        "/api/v1/allowlists/import",
        content=exported.content,
        headers={**user.headers, "content-type": "application/json"},
    )
    assert again.json() == {"added": 0, "already_listed": 3}
    csv_export = await api.get("/api/v1/allowlists/export", headers=user.headers)
    assert csv_export.text.splitlines()[0] == "list,title,guid,connection_id,upstream_id,note,expires_at"
    broken = "list,title,guid\nprotected,Fine,tmdb:1\nwhitelist,Bad List,tmdb:2\nprotected,No Key,\n"
    r = await api.post(
        "/api/v1/allowlists/import", content=broken, headers={**user.headers, "content-type": "text/csv"}
    )
    assert r.status_code == 422
    assert "row 2" in r.json()["detail"]
    assert "row 3" in r.json()["detail"]
    assert len((await api.get("/api/v1/allowlists", headers=user.headers)).json()) == 3
    garbage = await api.post(
        "/api/v1/allowlists/import", content=b"\xff\xfe", headers={**user.headers, "content-type": "text/csv"}
    )
    assert garbage.status_code == 422


async def _import_csv(api: httpx.AsyncClient, user: SignedUp, text: str) -> httpx.Response:
    headers = {**user.headers, "content-type": "text/csv"}
    return await api.post("/api/v1/allowlists/import", content=text.encode(), headers=headers)


async def test_a_csv_the_import_cannot_read_is_refused_naming_the_row(api: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    # A cell over the csv module's field limit (128 KiB) in the third row: the file is under the
    # import's 5 MB, so the reader's own error is what refuses it.
    huge = "x" * (csv.field_size_limit() + 1)
    r = await _import_csv(api, user, f"list,title,note\nprotected,A,\nprotected,B,\nprotected,C,{huge}\n")
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "allowlist_import_invalid"
    assert "row 3 could not be read" in r.json()["detail"]
    assert "field larger than field limit" in r.json()["detail"]
    # The same cell quoted, spanning lines: the row is still named.
    r = await _import_csv(api, user, f'list,title,note\nprotected,A,"{huge[:100]}\n{huge}"\n')
    assert r.status_code == 422 and "row 1 could not be read" in r.json()["detail"]
    # A column the import does not take, a row longer than the header.
    r = await _import_csv(api, user, "list,title,notes\nprotected,A,kept\n")
    assert r.status_code == 422 and "Unknown column 'notes'" in r.json()["detail"]
    r = await _import_csv(api, user, "list,title,guid\nprotected,A,tmdb:1\nprotected,B,tmdb:2,extra\n")
    assert r.status_code == 422 and "row 2: more cells than columns" in r.json()["detail"]
    assert (await api.get("/api/v1/allowlists", headers=user.headers)).json() == []


async def test_allowlists_are_per_tenant(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    owner = await _synced(api, signup, sim, run_job)
    other = await signup()
    forgotten = await _row(api, owner, "stale", "Forgotten")
    await _add(api, owner, "protected", forgotten)
    entry = (await api.get("/api/v1/allowlists", headers=owner.headers)).json()[0]
    assert (await api.get("/api/v1/allowlists", headers=other.headers)).json() == []
    assert (
        await api.patch(f"/api/v1/allowlists/{entry['id']}", json={"note": "x"}, headers=other.headers)
    ).status_code == 404
    assert (await api.delete(f"/api/v1/allowlists/{entry['id']}", headers=other.headers)).status_code == 404
    # another tenant cannot add my items, nor import entries pointing at my server
    assert (await _add(api, other, "protected", forgotten)).status_code == 404
    stolen = (
        f"list,title,connection_id,upstream_id\nprotected,x,{forgotten['connection_id']},{forgotten['upstream_id']}\n"
    )
    r = await api.post(
        "/api/v1/allowlists/import", content=stolen, headers={**other.headers, "content-type": "text/csv"}
    )
    assert r.status_code == 404 and r.json()["error"] == "allowlist_import_unknown_server"
    assert "not one of your servers" in r.json()["detail"]
    export = await api.get("/api/v1/allowlists/export", params={"format": "json"}, headers=other.headers)
    assert export.json() == []


async def test_allowlist_search_takes_percent_and_underscore_literally(
    api: httpx.AsyncClient, signup: SignupFn
) -> None:
    user = await signup()
    entries = [
        {"list": "protected", "title": title, "guid": f"tmdb:{n}"}
        for n, title in enumerate(["100% Pure", "1000 Days", "a_b", "axb"], start=1)
    ]
    r = await api.post("/api/v1/allowlists/import", json=entries, headers=user.headers)
    assert r.status_code == 200, r.text

    async def found(q: str) -> list[str]:
        listed = await api.get("/api/v1/allowlists", params={"q": q}, headers=user.headers)
        assert listed.status_code == 200, listed.text
        return sorted(e["title"] for e in listed.json())

    assert await found("100%") == ["100% Pure"]
    assert await found("a_b") == ["a_b"]
    assert await found("100") == ["100% Pure", "1000 Days"]


async def _plant_library(session: AsyncSession, account_id: uuid.UUID, server: str) -> dict[str, Any]:
    """A server with an enabled and a disabled library, written straight into the database."""
    connection = Connection(
        account_id=account_id,
        kind="plex",
        name=server,
        base_url="http://plex.invalid",
        server_id=f"machine-{uuid.uuid4().hex[:8]}",
        token_ciphertext="x",
        verify_tls=False,
        options={},
        status="ok",
    )
    session.add(connection)
    await session.flush()
    libraries = {
        name: Library(
            account_id=account_id,
            connection_id=connection.id,
            upstream_key=name,
            title=name,
            kind="movie",
            enabled=enabled,
        )
        for name, enabled in (("Films", True), ("Hidden", False))
    }
    session.add_all(libraries.values())
    await session.flush()
    return {"connection": connection, **libraries}


def _item(where: dict[str, Any], upstream_id: str, title: str, **extra: Any) -> MediaItem:
    library = where[extra.pop("library", "Films")]
    values: dict[str, Any] = {"kind": "movie", "year": 2001, "guids": {}, "parts": [], **extra}
    return MediaItem(
        account_id=library.account_id,
        connection_id=library.connection_id,
        library_id=library.id,
        upstream_id=upstream_id,
        title=title,
        **values,
    )


async def test_search_finds_the_accounts_movies_and_shows_by_title_without_case_or_accents(
    api: httpx.AsyncClient, signup: SignupFn, job_ctx: AppContext
) -> None:
    user, other = await signup(), await signup()
    async with job_ctx.sessionmaker() as session, session.begin():
        home = await _plant_library(session, user.account_id, "Home")
        theirs = await _plant_library(session, other.account_id, "Theirs")
        session.add_all(
            [
                _item(home, "1", "Le Fabuleux Destin d'Amélie Poulain", guids={"imdb": "tt0211915", "tmdb": "194"}),
                _item(home, "2", "AMELIE", year=None),
                _item(home, "3", "Amélie (the show)", kind="show", guids={"tvdb": "81189"}),
                _item(home, "4", "Les Amants", original_title="Amelie's Lovers"),
                _item(home, "5", "Amélie E1", kind="episode"),  # an episode: its show is what is listed
                _item(home, "6", "Amélie Gone", gone=True),  # no longer on the server
                _item(home, "7", "Amélie Hidden", library="Hidden"),  # a library that is not synced
                _item(home, "8", "100% Amélie"),
                _item(home, "9", "1000 Amélies"),
                *[_item(home, f"s{n}", f"Star {n:02}") for n in range(25)],
                _item(theirs, "1", "Amélie", guids={"tmdb": "194"}),  # another account's
            ]
        )

    async def search(q: str, who: SignedUp = user) -> list[dict[str, Any]]:
        r = await api.get("/api/v1/allowlists/search", params={"q": q}, headers=who.headers)
        assert r.status_code == 200, r.text
        return r.json()

    hits = await search("amelie")
    # The exact title first, then those that start with it, then the rest by title.
    assert [h["title"] for h in hits] == [
        "AMELIE",
        "Amélie (the show)",
        "100% Amélie",
        "1000 Amélies",
        "Le Fabuleux Destin d'Amélie Poulain",
        "Les Amants",  # by its original title
    ]
    by_title = {h["title"]: h for h in hits}
    amelie = by_title["Le Fabuleux Destin d'Amélie Poulain"]
    assert amelie["server"] == "Home" and amelie["library"] == "Films"
    assert (amelie["kind"], amelie["year"], amelie["guid"]) == ("movie", 2001, "tmdb:194")
    assert by_title["Amélie (the show)"]["kind"] == "show"
    assert by_title["Amélie (the show)"]["guid"] == "tvdb:81189"
    assert by_title["AMELIE"]["guid"] is None and by_title["AMELIE"]["year"] is None
    assert [h["title"] for h in await search("ÉLIE POU")] == ["Le Fabuleux Destin d'Amélie Poulain"]
    assert [h["title"] for h in await search("100%")] == ["100% Amélie"]  # % is a character, not a wildcard
    assert len(await search("star")) == 20
    assert await search("   ") == []
    assert await search("nothing like it") == []
    # Another account finds only its own items.
    assert [(h["title"], h["server"]) for h in await search("amelie", other)] == [("Amélie", "Theirs")]

    # Choosing a hit adds it with its external id: it then matches on every server.
    r = await _add(api, user, "protected", amelie)
    assert r.status_code == 201 and r.json() == {"added": 1, "already_listed": 0}
    r = await _add(api, user, "protected", by_title["AMELIE"])
    assert r.status_code == 201
    entries = {e["title"]: e for e in (await api.get("/api/v1/allowlists", headers=user.headers)).json()}
    assert entries["Le Fabuleux Destin d'Amélie Poulain"]["guid"] == "tmdb:194"
    assert entries["AMELIE"]["guid"] is None
    assert (entries["AMELIE"]["connection_id"], entries["AMELIE"]["upstream_id"]) == (
        by_title["AMELIE"]["connection_id"],
        "2",
    )
    # Another account cannot add my item through the hit.
    assert (await _add(api, other, "protected", amelie)).status_code == 404


async def test_search_refuses_what_is_not_a_search(api: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    for params in ({"q": "a\x00b"}, {"q": "x" * 201}, {"q": ""}, {}):
        r = await api.get("/api/v1/allowlists/search", params=params, headers=user.headers)
        assert r.status_code == 422, (params, r.text)
        assert r.json()["detail"], r.text
    assert (await api.get("/api/v1/allowlists/search", params={"q": "a"})).status_code == 401


async def test_import_errors_say_what_is_wrong_in_words(
    api: httpx.AsyncClient, signup: SignupFn, job_ctx: AppContext
) -> None:
    user, other = await signup(), await signup()
    async with job_ctx.sessionmaker() as session, session.begin():
        home = await _plant_library(session, user.account_id, "Home")
        theirs = await _plant_library(session, other.account_id, "Theirs")
    lists = "protected, french_only, french_subs_only, language_exempt, episode_exempt"
    rows = [
        ("favs,Alien,tmdb:348,,,,", f"row 1: list: the list 'favs' does not exist; the lists are {lists}"),
        (",Alien,tmdb:348,,,,", f"row 1: list: the list is missing; write one of {lists}"),
        ("protected,,tmdb:348,,,,", "row 1: title: the title is missing"),
        (
            "protected,Alien,603,,,,",
            "row 1: guid: '603' is not an external id: write it as tmdb:603, tvdb:121361 or imdb:tt0133093",
        ),
        (
            "protected,Alien,,,,,",
            "row 1: row: the entry matches nothing: give it an external id in the guid column (such as "
            "tmdb:603), or both connection_id and upstream_id (as the export writes them)",
        ),
        (
            "protected,Alien,,abc,12,,",
            "row 1: connection_id: 'abc' is not a server id; copy it from an export of your lists",
        ),
        (
            "protected,Alien,tmdb:348,,,,2030-01-01",
            "row 1: expires_at: '2030-01-01' is not a date and time with its zone, such as 2026-12-31T23:00:00Z",
        ),
        (f"protected,Alien,tmdb:348,,,{'x' * 1001},", "row 1: note: the note is longer than 1,000 characters"),
    ]
    header = "list,title,guid,connection_id,upstream_id,note,expires_at\n"
    for row, expected in rows:
        r = await _import_csv(api, user, header + row + "\n")
        assert r.status_code == 422, r.text
        assert r.json()["detail"] == f"{NOTHING_IMPORTED} {expected}"
    # JSON: a key the import does not take, a value that is not text.
    r = await api.post(
        "/api/v1/allowlists/import",
        json=[{"list": "protected", "title": "A", "guid": "tmdb:1"}, {"list": "protected", "title": 5, "nots": 1}],
        headers=user.headers,
    )
    assert r.status_code == 422
    assert r.json()["detail"] == f"{NOTHING_IMPORTED} row 2: title: the title must be text, not int"
    r = await api.post(
        "/api/v1/allowlists/import", json=[{"list": "protected", "title": "A", "nots": 1}], headers=user.headers
    )
    assert r.json()["detail"] == (
        f"{NOTHING_IMPORTED} row 1: nots: 'nots' is not a column the import takes; the columns are list, title, "
        "guid, connection_id, upstream_id, note, expires_at"
    )
    # A server that is not yours: yours are named, with their ids (another account's are not).
    mine, foreign = home["connection"].id, theirs["connection"].id
    r = await _import_csv(api, user, f"{header}protected,A,tmdb:1,,,,\nprotected,B,,{foreign},7,,\n")
    assert r.status_code == 404
    assert r.json()["detail"] == (
        f"{NOTHING_IMPORTED} row 2: connection_id: the server {foreign} is not one of your servers "
        f"(yours: Home ({mine})). Export your lists to see the ids your servers have."
    )
    assert "Theirs" not in r.text
    assert (await api.get("/api/v1/allowlists", headers=user.headers)).json() == []
