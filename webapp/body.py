"""Parsing request input: the JSON body and its fields, with the types the API expects.

Only shape is checked here (is it an object, is `drink_id` text, is `is_open` a
boolean); what the values mean is for the core to judge.

`parse_json` is also what `/ws` reads its messages with. It refuses what `json.loads`
accepts but nothing of ours can use: text with a lone surrogate (`"\\ud800"` is valid
JSON syntax, yet no UTF-8 database or response can hold it) and nesting deeper than
`MAX_DEPTH` (thousands of `[` make the parser raise RecursionError; none of our
messages is more than a few levels deep).

A body must say it is JSON (`Content-Type: application/json`, optionally with
`charset=utf-8`): a page on another site can POST `text/plain` without the browser
asking us first (no CORS preflight), and must not reach a view that counts attempts.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar, overload

from flask import request
from werkzeug.exceptions import UnsupportedMediaType

from bar.errors import InvalidInput, InvalidJSON

T = TypeVar("T")

_TYPE_NAMES: dict[type, str] = {
    str: "text", int: "a whole number", bool: "true or false", dict: "an object", list: "a list",
}


MAX_DEPTH = 32
JSON_TYPE = "application/json"
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json(raw: str | bytes, *, what: str = "the request body") -> Any:
    """`raw` as JSON: `InvalidJSON` if it is not JSON, `InvalidInput` if we cannot use it."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise InvalidInput(f"{what} is nested too deeply (more than {MAX_DEPTH} levels)") from None
    except (ValueError, UnicodeDecodeError):
        raise InvalidJSON(f"{what} is not valid JSON") from None
    _check_values(data, what)
    return data


def _check_values(data: Any, what: str) -> None:
    """Walk `data` without recursion: refuse deep nesting and lone surrogates."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise InvalidInput(f"{what} has text with a lone surrogate (\\ud800-\\udfff)")
        elif isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise InvalidInput(f"{what} is nested too deeply (more than {MAX_DEPTH} levels)")
            children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)


def _is_json_request() -> bool:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    return request.mimetype == JSON_TYPE and charset in ("utf-8", "utf8")


def json_body() -> dict[str, Any]:
    """The request body as a JSON object; an empty body is `{}` (of any content type)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if not _is_json_request():
        raise UnsupportedMediaType(
            "send the body as JSON, with the header `Content-Type: application/json`"
        )
    data = parse_json(raw)
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
