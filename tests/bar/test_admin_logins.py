"""Admin sign-ins: a limit for all addresses together, few password checks at once, long passwords."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from bar import admins
from bar.config import load_settings
from bar.errors import InvalidInput, LoginFailed, RateLimited
from bar.limits import RateLimiter
from bar.models import Admin
from tests.conftest import SAMPLE_CONFIG, run_cli

# A cheap hash for the tests that are about concurrency, not cost.
CHEAP_HASH = generate_password_hash("correct horse battery", method="pbkdf2:sha256:1")


# -- the limit across every address -----------------------------------------------------


def test_a_total_limit_beside_the_per_address_one(clock):
    limiter = RateLimiter(2, total=5, what="sign-in attempts")
    for i in range(5):  # five addresses, one attempt each: all within both limits
        limiter.hit(f"10.0.0.{i}", now=clock())
    with pytest.raises(RateLimited) as refused:
        limiter.hit("10.0.0.99", now=clock())  # a new address: the total is spent
    assert refused.value.retry_after == 60
    assert refused.value.message == "Too many sign-in attempts on this bar: try again in 60 s"

    clock.advance(seconds=60)
    limiter.hit("10.0.0.99", now=clock())  # the window slid: room again
    limiter.hit("10.0.0.99", now=clock())
    with pytest.raises(RateLimited) as per_address:
        limiter.hit("10.0.0.99", now=clock())  # the per-address limit still holds
    assert per_address.value.message == "Too many sign-in attempts: try again in 60 s"


def test_a_refusal_by_either_limit_counts_toward_neither(clock):
    limiter = RateLimiter(1, total=3)
    limiter.hit("a", now=clock())
    for _ in range(10):  # "a" hammering past its own limit spends nothing of the total
        with pytest.raises(RateLimited):
            limiter.hit("a", now=clock())
    limiter.hit("b", now=clock())
    limiter.hit("c", now=clock())
    with pytest.raises(RateLimited):
        limiter.hit("d", now=clock())
    clock.advance(seconds=60)
    limiter.hit("d", now=clock())  # "d" was refused by the total: it has its own slot left


def test_no_total_is_no_total_limit(clock):
    limiter = RateLimiter(1)
    for i in range(500):
        limiter.hit(f"10.0.{i // 250}.{i % 250}", now=clock())


# -- password checks at once ------------------------------------------------------------


class Recorder:
    """A `run` hook that notes how many checks run at once, each held for `hold` s."""

    def __init__(self, hold: float = 0.1) -> None:
        self.hold = hold
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, work: Callable[[], bool]) -> bool:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(self.hold)
            return work()
        finally:
            with self.lock:
                self.running -= 1


def test_at_most_two_password_checks_run_at_once():
    recorder = Recorder()
    checks = admins.PasswordChecks(2, wait_s=30, run=recorder)
    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda: results.append(checks.check(CHEAP_HASH, "correct horse battery")))
        for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [True] * 6
    assert recorder.most == 2


def test_a_check_that_waits_too_long_is_refused_with_a_retry():
    release = threading.Event()
    checks = admins.PasswordChecks(1, wait_s=0.05, run=lambda work: release.wait(30) and work())
    holder = threading.Thread(target=checks.check, args=(CHEAP_HASH, "x"))
    holder.start()
    try:
        time.sleep(0.05)
        with pytest.raises(RateLimited) as refused:
            checks.check(CHEAP_HASH, "correct horse battery")
        assert refused.value.retry_after >= 1
        assert "busy" in refused.value.message
    finally:
        release.set()
        holder.join(30)
    assert checks.check(CHEAP_HASH, "correct horse battery")  # free again


def test_login_goes_through_the_checks(settings, keys, clock):
    admins.create_admin("joe", "correct horse battery", now=clock())
    recorder = Recorder(hold=0)
    checks = admins.PasswordChecks(2, run=recorder)
    assert admins.login(settings, keys, "joe", "correct horse battery", now=clock(), checks=checks)
    with pytest.raises(LoginFailed):
        admins.login(settings, keys, "nobody", "correct horse battery", now=clock(), checks=checks)
    assert recorder.most == 1  # both went through it, the unknown name too (same cost)


GEVENT_SCRIPT = '''
import time
import gevent
from werkzeug.security import generate_password_hash
from bar.admins import PasswordChecks
from webapp.threads import off_the_event_loop

password_hash = generate_password_hash("correct horse battery")  # scrypt, as in production
ticks = []

def tick():
    while True:
        ticks.append(time.monotonic())
        gevent.sleep(0.005)

ticker = gevent.spawn(tick)
gevent.sleep(0.02)
checks = PasswordChecks(2, run=off_the_event_loop)
started = time.monotonic()
for _ in range(3):
    assert checks.check(password_hash, "correct horse battery")
ended = time.monotonic()
ticker.kill()
print(sum(1 for t in ticks if started < t < ended), round(ended - started, 3))
'''


def test_under_gevent_the_loop_keeps_running_during_a_check(tmp_path: Path):
    """scrypt blocks whatever calls it for ~0.1-0.5 s: not the event loop, every phone's."""
    script = tmp_path / "check.py"
    script.write_text(GEVENT_SCRIPT)
    result = subprocess.run([sys.executable, "-m", "gevent.monkey", str(script)],
                            capture_output=True, text=True, timeout=120, check=False,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    ticks, seconds = result.stdout.split()
    # Three scrypt checks take a few hundred ms; a blocked loop would tick at most
    # between them. A generous floor: a loaded machine still ticks many times.
    assert int(ticks) >= 10, (ticks, seconds)


# -- new admins' passwords --------------------------------------------------------------


def test_a_new_admin_needs_a_password_of_12_characters(keys, clock):
    with pytest.raises(InvalidInput) as short:
        admins.create_admin("joe", "elevenchars", now=clock())
    assert short.value.message == "password must be at least 12 characters"
    assert Admin.select().count() == 0
    admins.create_admin("joe", "twelve chars", now=clock())
    assert Admin.select().count() == 1


def test_cli_refuses_a_short_password_in_one_line(keys, settings):
    result = run_cli(settings.data_dir, "admin", "create", "kim", "--password-stdin",
                     input="elevenchars\n", ok=False)
    assert result.output.strip().splitlines() == ["Error: password must be at least 12 characters"]
    assert Admin.select().count() == 0


def test_each_limit_can_be_off_alone(clock):
    total_only = RateLimiter(0, total=2)
    total_only.hit("a", now=clock())
    total_only.hit("a", now=clock())
    with pytest.raises(RateLimited):
        total_only.hit("b", now=clock())
    assert len(total_only) == 0  # no per-address table kept


def test_the_total_is_in_the_sample_config_and_the_environment():
    assert load_settings(SAMPLE_CONFIG, environ={}).logins_per_minute_total == 20
    env = {"BAR_LIMITS_LOGINS_PER_MINUTE_TOTAL": "0"}
    assert load_settings(SAMPLE_CONFIG, environ=env).logins_per_minute_total == 0
