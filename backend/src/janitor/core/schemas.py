"""The base of every request body, and the JSON types request bodies share.

A request body is strict. A property no model declares is refused with a 422 naming it, never
ignored: a misspelt ``keep_forever`` must not cancel a deletion without protecting the item, a
misspelt filter must not widen what is changed. Values keep their JSON type: ``0`` is not ``false``,
``"5"`` is not ``5``, ``1.5`` is not a time. What JSON can only carry as a string (ids, time stamps,
enum values) is taken in its string form, and only in it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema


class InputModel(BaseModel):
    """Every request body (and every object inside one) derives from this."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _whole_numbers(cls, data: Any) -> Any:
        """JSON has one kind of number: ``15.0`` is the integer 15 (as JSON Schema says), ``15.5`` is
        not an integer, and a number field takes either."""
        if not isinstance(data, dict):
            return data
        return {key: int(v) if isinstance(v, float) and v.is_integer() else v for key, v in data.items()}


# An id, as JSON carries it: a string in the 8-4-4-4-12 form.
Uuid = Annotated[uuid.UUID, Strict(False)]

# RFC 3339 (what OpenAPI's `date-time` means): a date, a time and the zone, nothing else.
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
TIMESTAMP_MESSAGE = "must be a date and time with its zone, such as 2026-12-31T23:00:00Z"


def _rfc3339(value: object) -> object:
    if isinstance(value, datetime):  # built in code, not parsed from a request
        return value
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError(TIMESTAMP_MESSAGE)
    return value


# A time stamp with its zone, as a string (a number of seconds, a date alone or a time without zone is
# refused), in a body or in a query.
Timestamp = Annotated[datetime, Strict(False), BeforeValidator(_rfc3339)]


@dataclass(frozen=True)
class Matches:
    """A string the schema gives a ``pattern`` and the server checks against the same pattern, with
    a message a person can act on (pydantic's own says only "should match pattern ...").

    The pattern is JSON Schema's (ECMA-262, searched, not implicitly anchored): write it with the
    ASCII classes both dialects read alike ([0-9], not \\d). A final ``$`` is checked as the end of
    the text (Python's ``$`` also matches before a final newline, ECMA-262's does not)."""

    pattern: str
    message: str

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        regex = re.compile(self.pattern[:-1] + r"\Z" if self.pattern.endswith("$") else self.pattern)
        message = self.message

        def check(value: str) -> str:
            if not regex.search(value):
                raise ValueError(message)
            return value

        return core_schema.no_info_after_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.pattern
        # The words the server answers with, for a form that checks the pattern before sending.
        json_schema["x-pattern-message"] = self.message
        return json_schema
