"""A local model behind `[assistant] url`: a small OpenAI-compatible server started here,
on loopback, answers as a model would (or would not); the bartender checks the request
it sends, validates the answers against the menu, and falls back to the built-in parser."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bar.assistant import Assistant
from bar.clock import FrozenClock
from bar.config import Settings

ENGINES = ["sqlite"]  # the model's path touches the database only to read the menu


class FakeModel:
    """An OpenAI-compatible chat-completions endpoint: `content` is what the model
    "says" (a str, sent as is), `delay` how long it thinks, `status` its HTTP status."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.content: str = "{}"
        self.delay = 0.0
        self.status = 200
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fake.paths.append(self.path)
                fake.requests.append(json.loads(body))
                time.sleep(fake.delay)
                answer = json.dumps({"id": "x", "object": "chat.completion", "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": fake.content},
                     "finish_reason": "stop"}]}).encode()
                try:
                    self.send_response(fake.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the bartender stopped waiting

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def says(self, draft: Any) -> None:
        self.content = draft if isinstance(draft, str) else json.dumps(draft)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_model() -> Iterator[FakeModel]:
    model = FakeModel()
    yield model
    model.stop()


def bartender(settings: Settings, url: str, timeout: float = 5.0) -> Assistant:
    return Assistant(dataclasses.replace(
        settings, assistant_url=url, assistant_model="tiny-bartender",
        assistant_timeout=timedelta(seconds=timeout)))


def test_the_request_carries_the_menu_and_a_schema_of_its_drinks(settings, keys, clock, fake_model):
    fake_model.says({"items": [
        {"drink_id": "negroni", "quantity": 2, "modifiers": {"ice": "crushed"}}], "unmatched": []})
    assistant = bartender(settings, fake_model.url)
    answer = assistant.answer("deux negronis glace pilée", user_key=None, now=clock())
    assert fake_model.paths == ["/v1/chat/completions"]
    request = fake_model.requests[0]
    assert request["model"] == "tiny-bartender" and request["stream"] is False
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert request["messages"][1]["content"] == "deux negronis glace pilée"
    assert '"id": "negroni"' in request["messages"][0]["content"]
    schema = request["response_format"]["json_schema"]["schema"]
    drink_ids = schema["properties"]["items"]["items"]["properties"]["drink_id"]["enum"]
    assert "negroni" in drink_ids and "flat-white" in drink_ids
    assert answer.answered_by == "model"
    assert [i.to_dict() for i in answer.items] == [
        {"drink_id": "negroni", "quantity": 2, "modifiers": {"ice": "crushed"}}]
    assert answer.language == "fr" and "Voici votre commande" in answer.reply


def test_what_the_model_invents_is_dropped_and_reported(settings, keys, clock, fake_model):
    fake_model.says({"items": [
        {"drink_id": "unicorn-juice", "quantity": 1, "modifiers": {}},
        {"drink_id": "margarita", "quantity": 99, "modifiers": {"rim": "sugar", "ice": "straight up"}},
        {"drink_id": "negroni", "quantity": -3, "modifiers": {"glitter": "yes"}},
    ], "unmatched": ["a pony", "<b>tea</b>"]})
    answer = bartender(settings, fake_model.url).answer("surprise the model", user_key=None, now=clock())
    assert answer.answered_by == "model"
    assert [i.to_dict() for i in answer.items] == [
        {"drink_id": "margarita", "quantity": 10, "modifiers": {"ice": "straight up"}},
        {"drink_id": "negroni", "quantity": 1, "modifiers": {}},
    ]
    assert set(answer.unmatched) == {
        "unicorn-juice", "99 × Margarita", "sugar", "yes", "a pony", "<b>tea</b>"}
    assert "unicorn-juice" in answer.reply
    assert "“<b>tea</b>”" in answer.reply  # plain text: the page shows it with textContent


@pytest.mark.parametrize("garbage", [
    "Sure! One negroni coming up.",  # prose, not JSON
    json.dumps({"drinks": "negroni"}),  # JSON, not a draft
    json.dumps([1, 2, 3]),
])
def test_garbage_falls_back_to_the_parser(settings, keys, clock, fake_model, garbage):
    fake_model.says(garbage)
    answer = bartender(settings, fake_model.url).answer("two negronis, one with crushed ice",
                                                        user_key=None, now=clock())
    assert answer.answered_by == "parser"
    assert [i.to_dict() for i in answer.items] == [
        {"drink_id": "negroni", "quantity": 1, "modifiers": {"ice": "crushed"}},
        {"drink_id": "negroni", "quantity": 1, "modifiers": {}},
    ]
    assert "built-in parser" in answer.reply


def test_a_model_that_does_not_answer_in_time_is_left_alone_for_a_while(settings, keys, clock, fake_model):
    fake_model.delay = 3.0
    fake_model.says({"items": [], "unmatched": []})
    assistant = bartender(settings, fake_model.url, timeout=0.3)
    first = assistant.answer("a margarita, no salt", user_key=None, now=clock())
    assert first.answered_by == "parser"
    assert [i.to_dict() for i in first.items] == [
        {"drink_id": "margarita", "quantity": 1, "modifiers": {"rim": "no salt"}}]
    asked = len(fake_model.requests)
    assert asked == 1
    second = assistant.answer("an espresso", user_key=None, now=clock())
    assert second.answered_by == "parser" and len(fake_model.requests) == asked  # resting
    assert "built-in parser" in second.reply


def test_a_model_server_that_is_down_falls_back(settings, keys, clock):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nobody listens there once closed
    answer = bartender(settings, f"http://127.0.0.1:{port}/v1").answer(
        "zwei Flat Whites mit Hafermilch", user_key=None, now=FrozenClock()())
    assert answer.answered_by == "parser" and answer.language == "de"
    assert [i.to_dict() for i in answer.items] == [
        {"drink_id": "flat-white", "quantity": 2, "modifiers": {"milk": "oat"}}]


def test_an_http_error_falls_back(settings, keys, clock, fake_model):
    fake_model.status = 500
    answer = bartender(settings, fake_model.url).answer("un negroni", user_key=None, now=clock())
    assert answer.answered_by == "parser" and [i.drink_id for i in answer.items] == ["negroni"]


def test_a_taste_question_from_the_model_is_answered_with_suggestions(settings, keys, clock, fake_model):
    fake_model.says({"items": [], "unmatched": [], "tastes": ["sour", "alcoholfree"]})
    answer = bartender(settings, fake_model.url).answer("algo ácido sin alcohol", user_key=None, now=clock())
    assert answer.answered_by == "model" and answer.items == []
    assert [s.drink_id for s in answer.suggestions][:1] == ["virgin-mojito"]
    # named as the Spanish menu names it (bar.toml's name_es)
    assert answer.language == "es" and "Mojito sin alcohol" in answer.reply
