"""Every export goes through one CSV writer: no cell opens as a formula, and what is safe round-trips."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from janitor.core.csv_writer import DANGEROUS, protect, to_csv, unprotect
from janitor.devtools.pytest_plugin import SignupFn

texts = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30)
risky = st.builds(lambda c, t: c + t, st.sampled_from([*DANGEROUS, "'", "''"]), texts)
values = st.one_of(
    st.none(), texts, risky, st.integers(), st.floats(allow_nan=False), st.lists(st.one_of(texts, risky), max_size=4)
)
COLUMNS = ["a", "b", "c"]


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@given(st.lists(st.fixed_dictionaries({c: values for c in COLUMNS}), max_size=5))
def test_no_cell_of_any_output_starts_with_a_formula_character(rows: list[dict[str, Any]]) -> None:
    for row in _cells(to_csv(COLUMNS, rows)):
        for cell in row:
            assert cell[:1] not in DANGEROUS, cell


@given(st.one_of(texts, risky))
def test_every_text_round_trips_through_protect_and_unprotect(text: str) -> None:
    assert unprotect(protect(text)) == text
    assert protect(text)[:1] not in DANGEROUS


@given(texts.filter(lambda t: t.lstrip("'")[:1] not in DANGEROUS))
def test_safe_values_are_written_as_they_are(text: str) -> None:
    assert _cells(to_csv(["a"], [{"a": text}]))[1:] == ([[text]] if text else [[""]])


def test_lists_are_joined_then_protected() -> None:
    assert _cells(to_csv(["a"], [{"a": ["=1+1", "x"]}, {"a": ["fr", "en"]}]))[1:] == [["'=1+1 x"], ["fr en"]]


async def test_the_allowlist_export_is_protected_and_imports_back_unchanged(
    client: httpx.AsyncClient, signup: SignupFn
) -> None:
    user = await signup()
    titles = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTab", "\rReturn", "'=quoted", "Plain"]
    entries = [{"list": "protected", "title": t, "guid": f"tmdb:{i}", "note": t} for i, t in enumerate(titles)]
    r = await client.post("/api/v1/allowlists/import", json=entries, headers=user.headers)
    assert r.json() == {"added": len(titles), "already_listed": 0}
    exported = await client.get("/api/v1/allowlists/export", headers=user.headers)
    rows = _cells(exported.text)[1:]
    assert all(cell[:1] not in DANGEROUS for row in rows for cell in row)
    for entry in (await client.get("/api/v1/allowlists", headers=user.headers)).json():
        await client.delete(f"/api/v1/allowlists/{entry['id']}", headers=user.headers)
    again = await client.post(
        "/api/v1/allowlists/import", content=exported.content, headers={**user.headers, "content-type": "text/csv"}
    )
    assert again.json() == {"added": len(titles), "already_listed": 0}, again.text
    listed = (await client.get("/api/v1/allowlists", headers=user.headers)).json()
    assert sorted((e["title"], e["note"]) for e in listed) == sorted((t, t) for t in titles)
