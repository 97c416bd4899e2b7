"""Rate limits: the per-address sliding window, and orders per guest per minute."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

import pytest

from bar import orders
from bar.config import load_settings
from bar.db import db
from bar.errors import ConfigError, RateLimited
from bar.limits import RateLimiter, SharedRateLimiter, rate_limiter
from bar.models import Event, Order
from tests.conftest import SAMPLE_CONFIG, with_rules
from webapp.errors import status_for  # HTTP statuses live in the web app


def refused(limiter: RateLimiter, key: str, now) -> RateLimited:
    with pytest.raises(RateLimited) as caught:
        limiter.hit(key, now=now)
    return caught.value


def test_limit_per_key_then_exact_retry_after(clock):
    limiter = RateLimiter(3)
    for _ in range(3):
        limiter.hit("10.0.0.1", now=clock())
    error = refused(limiter, "10.0.0.1", clock())
    assert (error.code, status_for(error), error.retry_after) == ("rate_limited", 429, 60)
    assert error.message == "Too many attempts: try again in 60 s"
    limiter.hit("10.0.0.2", now=clock())  # another address has its own window

    clock.advance(seconds=40.5)
    assert refused(limiter, "10.0.0.1", clock()).retry_after == 20  # 19.5 s, rounded up
    clock.advance(seconds=19.5)
    limiter.hit("10.0.0.1", now=clock())  # exactly a minute after the first: allowed


def test_window_slides_and_refusals_do_not_count(clock):
    limiter = RateLimiter(2, what="sign-ins")
    limiter.hit("a", now=clock())
    clock.advance(seconds=30)
    limiter.hit("a", now=clock())
    for _ in range(5):  # hammering does not push the retry time back
        assert refused(limiter, "a", clock()).retry_after == 30
    clock.advance(seconds=30)
    limiter.hit("a", now=clock())  # the first left the window; the second is still in it
    error = refused(limiter, "a", clock())
    assert (error.retry_after, error.message) == (30, "Too many sign-ins: try again in 30 s")


def test_zero_is_no_limit(clock):
    limiter = RateLimiter(0)
    for _ in range(1000):
        limiter.hit("a", now=clock())
    assert len(limiter) == 0


def test_retry_after_stays_within_the_window_if_the_clock_steps_back(clock):
    limiter = RateLimiter(1)
    limiter.hit("a", now=clock())
    assert refused(limiter, "a", clock() - timedelta(hours=1)).retry_after == 60


def test_idle_addresses_are_dropped_and_the_table_is_bounded(clock):
    limiter = RateLimiter(2, max_keys=100)
    for i in range(100):
        limiter.hit(f"10.0.{i // 256}.{i % 256}", now=clock())
    assert len(limiter) == 100
    clock.advance(minutes=1)
    limiter.hit("10.9.9.9", now=clock())
    assert len(limiter) == 1  # every other address had been idle for a window

    for i in range(250):
        limiter.hit(f"192.168.{i // 256}.{i % 256}", now=clock())
    assert len(limiter) == 100
    # The least recently seen went first; the newest are kept, with their counts.
    limiter.hit("192.168.0.249", now=clock())
    refused(limiter, "192.168.0.249", clock())


@pytest.fixture
def spam(settings):
    """Rules that let the per-minute limit be the one that bites."""
    return with_rules(settings, max_open_orders_per_guest=50)


def test_fourth_order_within_a_minute_is_refused_and_writes_nothing(spam, make, clock):
    guest = make.guest()
    placed = [make.order(guest, settings=spam)]
    clock.advance(seconds=10)
    placed += [make.order(guest, settings=spam) for _ in range(2)]
    orders_before, events_before = Order.select().count(), Event.select().count()

    with pytest.raises(RateLimited) as caught:
        make.order(guest, settings=spam)
    assert caught.value.retry_after == 50  # when the first order leaves the minute
    assert caught.value.message == "Too many orders: try again in 50 s"
    assert (Order.select().count(), Event.select().count()) == (orders_before, events_before)

    make.order(make.guest("Bob"), settings=spam)  # another guest is not held up
    clock.advance(seconds=50)
    assert make.order(guest, settings=spam).number == 5


def test_cancelled_orders_still_count(settings, make, clock):
    """Order-and-cancel in a loop must not get round the limit."""
    guest = make.guest()
    for _ in range(3):
        order = make.order(guest)
        orders.move(order.id, orders.CANCELLED, actor="guest", user_key=guest.user_key,
                    now=clock())
    with pytest.raises(RateLimited):
        make.order(guest)


def test_an_idempotent_retry_is_answered_even_when_limited(spam, make, clock):
    guest = make.guest()
    first = make.order(guest, settings=spam, idempotency_key="tap-1")
    make.order(guest, settings=spam)
    make.order(guest, settings=spam)
    again = orders.place_order(spam, guest, drink_id="negroni", idempotency_key="tap-1",
                               now=clock())
    assert (again.created, again.order.id) == (False, first.id)


def test_orders_per_minute_zero_is_no_limit(spam, make, clock):
    unlimited = dataclasses.replace(spam, orders_per_minute=0)
    guest = make.guest()
    assert len([make.order(guest, settings=unlimited) for _ in range(10)]) == 10


def test_limits_section_in_the_sample_config_and_from_the_environment(tmp_path):
    settings = load_settings(SAMPLE_CONFIG, environ={})
    assert (settings.registrations_per_minute, settings.logins_per_minute,
            settings.orders_per_minute, settings.ws_max_message) == (10, 5, 3, 4096)
    env = {"BAR_LIMITS_ORDERS_PER_MINUTE": "0", "BAR_LIMITS_WS_MAX_MESSAGE": "16KiB",
           "BAR_LIMITS_LOGINS_PER_MINUTE": "2", "BAR_LIMITS_REGISTRATIONS_PER_MINUTE": "30"}
    settings = load_settings(SAMPLE_CONFIG, environ=env)
    assert (settings.registrations_per_minute, settings.logins_per_minute,
            settings.orders_per_minute, settings.ws_max_message) == (30, 2, 0, 16384)
    config = tmp_path / "bar.toml"
    config.write_text('[limits]\nws_max_message = 2000\n')
    assert load_settings(config, environ={}).ws_max_message == 2000


@pytest.mark.parametrize("key,value,message", [
    ("BAR_LIMITS_ORDERS_PER_MINUTE", "-1", "BAR_LIMITS_ORDERS_PER_MINUTE: expected a number"),
    ("BAR_LIMITS_LOGINS_PER_MINUTE", "five", "BAR_LIMITS_LOGINS_PER_MINUTE: expected a whole"),
    ("BAR_LIMITS_WS_MAX_MESSAGE", "4 parsecs", "BAR_LIMITS_WS_MAX_MESSAGE: expected a size"),
    ("BAR_LIMITS_WS_MAX_MESSAGE", "100", "expected a size between 1024 and 1048576 bytes"),
])
def test_wrong_limits_are_one_clear_error(key, value, message):
    with pytest.raises(ConfigError) as caught:
        load_settings(SAMPLE_CONFIG, environ={key: value})
    assert message in caught.value.message


def test_on_postgresql_every_server_counts_together(settings, keys, clock):
    """Two servers' limiters (two web apps) on one bar: a guesser gets no more by
    spreading over both. On SQLite there is one server: its memory counts, no write."""
    first, second = (rate_limiter("logins", 2, total=3, what="attempts") for _ in range(2))
    if not settings.database_url:
        assert type(first) is RateLimiter
        return
    assert isinstance(first, SharedRateLimiter)
    first.hit("10.0.0.1", now=clock())
    clock.advance(seconds=10)
    second.hit("10.0.0.1", now=clock())
    error = refused(first, "10.0.0.1", clock())  # the window slides from the first attempt
    assert (error.retry_after, error.message) == (50, "Too many attempts: try again in 50 s")
    second.check("10.0.0.2", now=clock())  # a check counts nothing
    first.hit("10.0.0.2", now=clock())
    error = refused(second, "10.0.0.3", clock())
    assert error.message == "Too many attempts on this bar: try again in 50 s"
    clock.advance(seconds=50)
    second.hit("10.0.0.3", now=clock())  # the first attempt left the window
    with pytest.raises(RateLimited):
        first.check("10.0.0.1", now=clock())  # its second is still in it


def test_attempts_at_once_never_pass_the_limit(keys, clock):
    """In memory (SQLite) one lock, in the database (PostgreSQL) the key's lock: 16
    attempts at once, on 16 connections there, and exactly 5 pass."""
    limiter = rate_limiter("registrations", 5)
    allowed = []

    def attempt() -> None:
        try:
            limiter.hit("10.0.0.9", now=clock())
            allowed.append(True)
        except RateLimited:
            pass
        finally:
            db.close()

    threads = [threading.Thread(target=attempt) for _ in range(16)]  # 16 pool connections
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(allowed) == 5
