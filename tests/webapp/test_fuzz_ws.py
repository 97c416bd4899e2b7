"""Property-based fuzzing of `/ws` against a real server: arbitrary frames, JSON or not.

Whatever a client sends, the server answers only with protocol messages (never an
internal_error), closes only for a reason it gives (1008 a refused token, 1009 a message
over the limit), logs no error and writes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import websocket
from hypothesis import given
from hypothesis import strategies as st

from bar import events
from tests.webapp.conftest import Closed, WsClient
from tests.webapp.fuzzing import (  # noqa: F401 - two fixtures
    PLAUSIBLE,
    Target,
    checksum,
    fuzz,
    fuzz_settings,
    json_values,
    no_errors_logged,
    odd_text,
    target_fixture,
)

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


REPLIES = {"auth_ok", "notification", "error", "subscribed", "resync", "event", "pong"}


def ws_messages(target: Target) -> st.SearchStrategy[Any]:
    channels = st.lists(st.one_of(
        st.sampled_from([events.DISPLAY, events.ADMIN, events.CONFIG, "orders/x", ""]), odd_text,
        json_values), max_size=4)
    shaped = st.fixed_dictionaries(
        {"type": st.sampled_from(["auth", "subscribe", "ping", "AUTH", "", "event"])},
        optional={
            "token": st.sampled_from([target.guest, target.admin, target.refresh, "x"]) | json_values,
            "channels": channels | json_values,
            "since": PLAUSIBLE["since"] | json_values,
        },
    )
    return st.one_of(shaped, shaped, json_values)


def exchange(client: WsClient, frames: list[str | bytes], limit: int) -> list[Any]:
    """Send each frame and read everything it brings (a ping after it marks the end).

    Like a well-behaved client, send nothing more once the server has said it is
    closing: over TCP, data that reaches an already closed socket makes it reset the
    connection, and the reset can destroy the close frame before the client reads it.
    """
    replies: list[Any] = []
    closing = None  # the close code the server has announced
    try:
        for frame in frames:
            client.ws.send_binary(frame) if isinstance(frame, bytes) else client.ws.send(frame)
            if len(frame) > limit:
                closing = 1009
                replies.append(client.recv())
                raise AssertionError(f"a message over the limit was answered: {replies[-1]}")
            replies.append(client.recv())
            if replies[-1].get("code") in ("token_invalid", "token_expired"):
                closing = 1008
                replies.append(client.recv())
                raise AssertionError(f"the socket stayed open after a refused token: {replies}")
            client.send({"type": "ping"})
            replies.append(client.recv())
            while replies[-1].get("type") != "pong":
                replies.append(client.recv())
    except Closed as closed:
        assert closed.code == closing is not None, (closed.code, replies)
    except (OSError, websocket.WebSocketConnectionClosedException):
        # Cut off in the middle of a message far over the limit: the rest of it reached
        # a closed socket, whose reset can overtake the 1009 close frame.
        assert closing == 1009, replies
    return replies


def test_websocket_messages(target, caplog, settings):
    @fuzz(150)
    @given(frames=st.lists(st.one_of(
        ws_messages(target).map(lambda m: json.dumps(m)),
        st.text(max_size=100), st.binary(max_size=100),
        st.just("x" * 5000),  # over ws_max_message
    ), min_size=1, max_size=3))
    def run(frames: list[str | bytes]) -> None:
        before = checksum()
        client = WsClient(target.base)
        try:
            replies = exchange(client, frames, settings.ws_max_message)
        finally:
            client.close()
        for reply in replies:
            assert isinstance(reply, dict) and reply.get("type") in REPLIES, reply
            assert reply.get("code") != "internal_error", reply
        assert checksum() == before
        no_errors_logged(caplog)

    run()


