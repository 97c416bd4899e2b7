"""A local language model, when the host runs one: any OpenAI-compatible chat-completions
server on the LAN (llama.cpp's `llama-server`, Ollama's `/v1`, vLLM, LM Studio).

    POST {assistant.url}/chat/completions
    {"model": ..., "temperature": 0, "stream": false,
     "messages": [{"role": "system", "content": <the rules and the menu as JSON>},
                  {"role": "user", "content": <the guest's text>}],
     "response_format": {"type": "json_schema", "json_schema": {"name": "draft", "schema": ...}}}

The answer's `choices[0].message.content` must be the draft as JSON; it is never
trusted (`bar.assistant.draft.validate` keeps only the menu's drinks and options).
Whatever goes wrong (refused, no answer within `assistant.timeout`, not JSON, not a
draft) is a `ModelFailed`, and the built-in parser answers instead. After a failure the
model is left alone for `REST` so that every guest does not wait for a dead server in
turn. Nothing is downloaded; plain `http.client`, so under `bar serve` the wait is the
event loop's.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from bar.assistant.draft import MAX_QUANTITY
from bar.assistant.index import DrinkInfo, MenuIndex

REST = 30.0  # seconds without asking the model after it failed
MAX_ANSWER = 64 * 1024  # bytes: a draft is a few hundred

SYSTEM = """You are the bartender of a bar taking orders from guests' phones.
Turn the guest's message (in any language) into a draft order as JSON matching the schema.
Use only drink ids and modifier options from the menu below, spelled exactly as there
(a guest may say an option by one of its "options_also_called" words: answer the option).
quantity: how many of that drink with those options (1 to {max}); the same drink with
different options is separate items. modifiers: only options the guest asked for.
Words that name nothing on the menu go in "unmatched", as the guest wrote them.
If the guest asks for a suggestion instead of ordering, leave items empty and put the
tastes asked for (sweet, sour, bitter, strong, alcoholfree, an ingredient) in "tastes".
Menu (JSON): {menu}"""


class ModelFailed(Exception):
    """The model did not give a usable answer (the message says what happened)."""


def schema(index: MenuIndex) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "drink_id": {"type": "string", "enum": sorted(index.drinks)},
                    "quantity": {"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY},
                    "modifiers": {"type": "object", "additionalProperties": {"type": "string"}},
                },
                "required": ["drink_id", "quantity", "modifiers"],
            }},
            "unmatched": {"type": "array", "items": {"type": "string"}},
            "tastes": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["items", "unmatched"],
    }


def menu_context(index: MenuIndex, in_stock: set[str]) -> str:
    return json.dumps([
        {"id": d.id, "name": d.name, "tags": list(d.tags),
         "modifiers": {k: list(v) for k, v in d.modifiers.items()},
         # the menu's names in other languages ("Gim-tônica"): a guest may say those
         **({"also_called": list(dict.fromkeys(n for _, n in d.names if n != d.name))}
            if any(n != d.name for _, n in d.names) else {}),
         # the menu's words for its options ("picado" is "crushed"): answered as written
         **({"options_also_called": said} if (said := _option_words(d)) else {})}
        for d in index.drinks.values() if d.id in in_stock
    ], ensure_ascii=False)


def _option_words(drink: DrinkInfo) -> dict[str, list[str]]:
    options = {option for values in drink.modifiers.values() for option in values}
    said: dict[str, list[str]] = {}
    for _, word, text in drink.word_names:
        if word in options and text != word and text not in said.get(word, []):
            said.setdefault(word, []).append(text)
    return said


class LocalModel:
    """The configured model: `draft(text, …)` returns its answer's JSON or raises."""

    def __init__(self, url: str, model: str, *, timeout: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        parts = urlsplit(url)
        self.url, self.model, self.timeout, self._clock = url, model, timeout, clock
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._path = parts.path.rstrip("/") + "/chat/completions"
        self._resting_until = 0.0
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.model or self._host

    def resting(self) -> bool:
        """Failed lately: not asked again until `REST` has passed."""
        return self._clock() < self._resting_until

    def draft(self, text: str, index: MenuIndex, in_stock: set[str]) -> Any:
        """The model's draft for `text`, as parsed JSON (not yet validated)."""
        body = {
            "model": self.model, "temperature": 0, "stream": False,
            "messages": [
                {"role": "system", "content": SYSTEM.format(
                    max=MAX_QUANTITY, menu=menu_context(index, in_stock))},
                {"role": "user", "content": text},
            ],
            "response_format": {"type": "json_schema",
                                "json_schema": {"name": "draft", "schema": schema(index)}},
        }
        try:
            answer = self._post(json.dumps(body).encode())
            content = answer["choices"][0]["message"]["content"]
            return json.loads(content) if isinstance(content, str) else content
        except ModelFailed:
            self._rest()
            raise
        except (OSError, http.client.HTTPException, ValueError, KeyError, IndexError, TypeError) as exc:
            self._rest()
            raise ModelFailed(f"{type(exc).__name__}: {exc}") from None

    def _rest(self) -> None:
        with self._lock:
            self._resting_until = self._clock() + REST

    def _post(self, payload: bytes) -> Any:
        deadline = self._clock() + self.timeout
        kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        connection = kind(self._host, self._port, timeout=self.timeout)
        try:
            connection.request("POST", self._path, body=payload, headers={
                "Content-Type": "application/json", "Accept": "application/json"})
            if connection.sock is not None:
                connection.sock.settimeout(max(0.001, deadline - self._clock()))
            response = connection.getresponse()
            if response.status != 200:
                raise ModelFailed(f"the model answered HTTP {response.status}")
            chunks, size = [], 0
            while True:
                left = deadline - self._clock()
                if left <= 0:
                    raise ModelFailed(f"no answer within {self.timeout:g} s")
                if connection.sock is not None:
                    connection.sock.settimeout(left)
                chunk = response.read1(8192)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_ANSWER:
                    raise ModelFailed("the model's answer is too long")
                chunks.append(chunk)
            return json.loads(b"".join(chunks))
        except TimeoutError:
            raise ModelFailed(f"no answer within {self.timeout:g} s") from None
        finally:
            connection.close()
