"""Validation errors reach people in plain words ("At least 1 month"), never as pydantic's text."""

from __future__ import annotations

from typing import Any, Literal

import httpx
import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from janitor.core.errors import plain_message
from janitor.devtools.pytest_plugin import SignupFn

GB = 1_000_000_000


class Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stale_months: int = Field(default=4, ge=1, le=120)
    stuck_request_days: int = Field(default=7, ge=1, le=365)
    duplicate_tolerance_seconds: int = Field(default=5, ge=0, le=60)
    large_movie_gb: float = Field(default=13, gt=0, le=1000)
    max_run_bytes: int = Field(default=GB, ge=GB, le=1000 * GB)
    max_run_items: int = Field(default=10, ge=1, le=1000)
    count: int = Field(default=1, ge=1, lt=10)
    ratio: float = Field(default=0.5, gt=0, lt=1)
    name: str = Field(default="x", min_length=1, max_length=72)
    code: str = Field(default="abc", min_length=3)
    tags: list[str] = Field(default_factory=lambda: ["a"], min_length=1, max_length=2)
    kind: Literal["protected", "french_only"] = "protected"
    flag: bool = False
    required: str


def _messages(data: dict[str, Any]) -> dict[str, str]:
    """Each field's plain message for ``data`` (``required`` is filled unless the test says otherwise)."""
    with pytest.raises(ValidationError) as info:
        Sample.model_validate({"required": "yes", **data})
    return {".".join(str(p) for p in e["loc"]): plain_message(dict(e)) for e in info.value.errors()}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        # greater_than_equal, with the unit of the field's name and its singular for one
        ({"stale_months": 0}, "stale_months", "At least 1 month"),
        ({"stuck_request_days": 0}, "stuck_request_days", "At least 1 day"),
        ({"duplicate_tolerance_seconds": -1}, "duplicate_tolerance_seconds", "At least 0 seconds"),
        ({"max_run_items": 0}, "max_run_items", "At least 1 item"),
        # a size in bytes reads in GB, as the forms take it
        ({"max_run_bytes": 5}, "max_run_bytes", "At least 1 GB"),
        # no unit known: the bare number
        ({"count": 0}, "count", "At least 1"),
        # less_than_equal, plural
        ({"stale_months": 121}, "stale_months", "At most 120 months"),
        ({"stuck_request_days": 366}, "stuck_request_days", "At most 365 days"),
        ({"max_run_items": 1001}, "max_run_items", "At most 1,000 items"),
        ({"max_run_bytes": 1001 * GB}, "max_run_bytes", "At most 1,000 GB"),
        # greater_than / less_than
        ({"large_movie_gb": 0}, "large_movie_gb", "More than 0 GB"),
        ({"large_movie_gb": 1001}, "large_movie_gb", "At most 1,000 GB"),
        ({"count": 10}, "count", "Less than 10"),
        ({"ratio": 1}, "ratio", "Less than 1"),
        # string_too_short / string_too_long
        ({"name": ""}, "name", "Required"),
        ({"code": "ab"}, "code", "At least 3 characters"),
        ({"name": "x" * 73}, "name", "At most 72 characters"),
        # too_short / too_long (lists)
        ({"tags": []}, "tags", "At least 1 entry"),
        ({"tags": ["a", "b", "c"]}, "tags", "At most 2 entries"),
        # int_parsing, int_from_float, float_parsing, bool_parsing, string_type
        ({"stale_months": "soon"}, "stale_months", "Must be a whole number"),
        ({"stale_months": 1.5}, "stale_months", "Must be a whole number"),
        ({"large_movie_gb": "big"}, "large_movie_gb", "Must be a number"),
        ({"flag": "perhaps"}, "flag", "Must be true or false"),
        ({"name": 12}, "name", "Must be text"),
        ({"tags": "a"}, "tags", "Must be a list"),
        # literal_error
        ({"kind": "other"}, "kind", "Must be one of: protected or french_only"),
        # extra_forbidden
        ({"colour": "red"}, "colour", "Unknown field"),
    ],
)
def test_each_error_type_reads_in_plain_words(data: dict[str, Any], field: str, message: str) -> None:
    assert _messages(data)[field] == message


def test_a_long_list_of_choices_is_not_spelled_out() -> None:
    expected = ", ".join(f"'z{i}'" for i in range(30)) + " or 'z30'"
    err = {
        "type": "literal_error",
        "loc": ("body", "zone"),
        "msg": "Input should be ...",
        "ctx": {"expected": expected},
    }
    assert plain_message(err) == "Not one of the accepted values"


def test_a_missing_field_is_required() -> None:
    with pytest.raises(ValidationError) as info:
        Sample.model_validate({})
    (err,) = info.value.errors()
    assert err["type"] == "missing"
    assert plain_message(dict(err)) == "Required"


def test_own_validator_words_are_kept_and_unknown_types_fall_back_to_the_message() -> None:
    own = {"type": "value_error", "loc": ("x",), "msg": "Value error, 'englsh' is not a language we know"}
    assert plain_message(own) == "'englsh' is not a language we know"
    odd = {"type": "something_new", "loc": ("x",), "msg": "Something new happened"}
    assert plain_message(odd) == "Something new happened"


async def test_the_api_answers_422_in_plain_words_at_the_field(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    r = await client.patch(
        "/api/v1/settings/reports",
        json={"stale_months": 0, "stuck_request_days": "soon", "large_movie_gb": 0},
        headers=user.headers,
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "validation_error"
    fields = {f["field"]: f["message"] for f in body["fields"]}
    assert fields == {
        "stale_months": "At least 1 month",
        "stuck_request_days": "Must be a whole number",
        "large_movie_gb": "More than 0 GB",
    }
    assert "stale_months: At least 1 month" in body["detail"]
    assert "greater than" not in r.text and "Input should" not in r.text

    r = await client.post(
        "/api/v1/account/password", json={"current_password": "x", "new_password": "y" * 9}, headers=user.headers
    )
    assert r.status_code == 422
    assert r.json()["fields"] == [{"field": "new_password", "message": "At least 10 characters"}]
