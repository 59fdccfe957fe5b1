"""Every request body is strict (core/schemas.py): a property no model declares is refused with the
standard 422, values keep their JSON type, and the schema says so (``additionalProperties: false``).
The route walk makes a future request model that forgets the base class fail here."""

from __future__ import annotations

import json
import re
import types
import typing
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import update

from janitor.accounts.models import Account
from janitor.core.deps import AppContext
from janitor.core.schemas import InputModel
from janitor.devtools.pytest_plugin import SignupFn
from janitor.openapi import render


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)
        elif isinstance(route, APIRoute):
            yield route


def _json_body_routes(app: FastAPI) -> list[APIRoute]:
    return [route for route in _routes(app.router.routes) if route.body_field is not None]


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """Every model an annotation names, however deep (lists, unions, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models_in(field.annotation)
        return
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            yield from _models_in(arg)


def test_every_json_body_of_every_route_is_an_input_model(app: FastAPI) -> None:
    routes = _json_body_routes(app)
    assert len(routes) >= 25  # every router's bodies: auth, account, connections, ..., deletions
    for route in routes:
        assert route.body_field is not None
        for model in _models_in(route.body_field.field_info.annotation):
            where = f"{sorted(route.methods)} {route.path}: {model.__name__}"
            assert issubclass(model, InputModel), f"{where} does not derive from InputModel"
            assert model.model_config.get("extra") == "forbid", f"{where} accepts unknown properties"
            assert model.model_config.get("strict") is True, f"{where} coerces JSON types"


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _objects(schema: dict[str, Any], components: dict[str, Any], seen: set[int]) -> Iterator[dict[str, Any]]:
    """Every object schema reachable from a request body's schema."""
    schema = _resolve(schema, components)
    if id(schema) in seen:
        return
    seen.add(id(schema))
    if schema.get("type") == "object":  # (a branch of anyOf or oneOf only narrows its object)
        yield schema
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _objects(schema[key], components, seen)
    for prop in schema.get("properties", {}).values():
        yield from _objects(prop, components, seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            yield from _objects(branch, components, seen)


def test_the_published_schema_of_every_request_body_forbids_unknown_properties() -> None:
    """The contract as the frontend and schemathesis read it, the import's hand-written body included."""
    spec = json.loads(render())
    components = spec["components"]["schemas"]
    bodies = 0
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            for media_type, body in content.items():
                if media_type != "application/json":
                    continue
                bodies += 1
                for obj in _objects(body["schema"], components, set()):
                    if obj.get("properties"):
                        assert obj.get("additionalProperties") is False, f"{method} {path}: {obj.get('title')}"
    assert bodies >= 26


def _url(route: APIRoute) -> str:
    """The route's path with a well-formed id in each parameter (the body is refused before any lookup)."""

    def value(match: re.Match[str]) -> str:
        return {"int": "1", "uuid": str(uuid.uuid4())}.get(match.group(2) or "", "x")

    return re.sub(r"\{(\w+)(?::(\w+))?\}", value, route.path)


async def test_an_unknown_property_is_refused_by_every_route(
    app: FastAPI, client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext
) -> None:
    user = await signup()
    # An operator: the operator routes check the body too, once the role lets the request in.
    async with ctx.sessionmaker() as session, session.begin():
        await session.execute(update(Account).where(Account.id == user.account_id).values(is_operator=True))
    for route in _json_body_routes(app):
        for method in route.methods:
            r = await client.request(
                method, _url(route), json={"unexpected_property": 1, "list_name": "x"}, headers=user.headers
            )
            where = f"{method} {route.path}"
            assert r.status_code == 422, f"{where}: {r.status_code} {r.text}"
            body = r.json()
            assert body["error"] == "validation_error", where
            assert {"field": "unexpected_property", "message": "Unknown field"} in body["fields"], where
    # A field is given by its name in the schema only: `list`, not the model's `list_name`.
    r = await client.post(
        "/api/v1/allowlists", json={"list_name": "protected", "items": [], "list": "protected"}, headers=user.headers
    )
    assert {"field": "list_name", "message": "Unknown field"} in r.json()["fields"]
    # The import reads its JSON itself: a row with a property no entry has is named.
    entry = {"list": "protected", "title": "The Matrix", "guid": "tmdb:603", "rating": 5}
    r = await client.post("/api/v1/allowlists/import", json=[entry], headers=user.headers)
    assert r.status_code == 422
    assert r.json()["error"] == "allowlist_import_invalid"
    assert "row 1: rating: 'rating' is not a column the import takes" in r.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"paused": 0}, "paused"),  # not a boolean
        ({"whole_seasons": "true"}, "whole_seasons"),
        ({"max_run_items": "5"}, "max_run_items"),  # a string is not a number
        ({"max_run_items": 5.5}, "max_run_items"),
        ({"max_run_items": True}, "max_run_items"),
    ],
)
async def test_values_keep_their_json_type(
    client: httpx.AsyncClient, signup: SignupFn, body: dict[str, Any], field: str
) -> None:
    user = await signup()
    r = await client.put("/api/v1/deletions/settings", json=body, headers=user.headers)
    assert r.status_code == 422, r.text
    assert [f["field"] for f in r.json()["fields"]] == [field]


async def test_a_whole_number_written_with_a_fraction_is_that_integer(
    client: httpx.AsyncClient, signup: SignupFn
) -> None:
    """JSON Schema's `integer` is any number without a fractional part: 15.0 is 15."""
    user = await signup()
    r = await client.put("/api/v1/deletions/settings", json={"delay_hours": 15.0}, headers=user.headers)
    assert r.status_code == 200, r.text
    assert r.json()["delay_hours"] == 15


@pytest.mark.parametrize(
    "value",
    ["0.5", "1700000000", "2026-12-01", "2026-12-01T10:00:00", "2026-12-01T10:00Z", "tomorrow"],
)
async def test_a_time_is_a_date_time_with_its_zone(client: httpx.AsyncClient, signup: SignupFn, value: str) -> None:
    user = await signup()
    r = await client.get("/api/v1/deletions/history", params={"until": value}, headers=user.headers)
    assert r.status_code == 422, r.text
    assert r.json()["fields"][0]["field"] == "until"
    assert "with its zone" in r.json()["fields"][0]["message"]
    ok = await client.get(
        "/api/v1/deletions/history", params={"until": "2026-12-01T10:00:00+01:00"}, headers=user.headers
    )
    assert ok.status_code == 200, ok.text
    entry = {"list": "protected", "title": "x", "guid": "tmdb:1", "expires_at": 1700000000}
    r = await client.post("/api/v1/allowlists/import", json=[entry], headers=user.headers)
    assert r.status_code == 422 and "expires_at" in r.json()["detail"]
