"""Parsing request input: the JSON body and its fields, with the types the API expects.

Only shape is checked here (is it an object, is `drink_id` text, is `is_open` a
boolean); what the values mean is for the core to judge.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar, overload

from flask import request

from bar.errors import InvalidInput, InvalidJSON

T = TypeVar("T")

_TYPE_NAMES: dict[type, str] = {
    str: "text", int: "a whole number", bool: "true or false", dict: "an object", list: "a list",
}


def json_body() -> dict[str, Any]:
    """The request body as a JSON object; an empty body is `{}`."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidJSON("the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidInput("the request body must be a JSON object")
    return data


@overload
def field(body: dict[str, Any], name: str, kind: type[T]) -> T: ...


@overload
def field(body: dict[str, Any], name: str, kind: type[T], *, required: bool) -> T | None: ...


def field(body: dict[str, Any], name: str, kind: type[T], *, required: bool = True) -> T | None:
    """`body[name]` if it has type `kind`; a missing or null optional field is None."""
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"{name} is required")
        return None
    # bool is an int in Python, but `true` is not a number in JSON.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidInput(f"{name} must be {_TYPE_NAMES.get(kind, kind.__name__)}")
    return value
