"""Kicks: a kicked name and phone stay out for the night, until the host lets them back."""

from __future__ import annotations

import json
from datetime import date, time, timedelta

import pytest

from bar import datadir, events, guests, kicks, registration
from bar.cli.base import local_time
from bar.db import db
from bar.errors import InvalidInput, Kicked, NotFound
from bar.models import SCHEMA_VERSION, Event, Guest, Kick, RegistrationCode
from bar.payloads import GuestLetBack
from bar.timeparse import local_at
from tests.conftest import run_cli

PHONE = "3f0c8a1e9b7d4c2a8e6f1b0d9c7a5e3f"  # what the guest page makes: 32 hex digits
OTHER_PHONE = "0123456789abcdef0123456789abcdef"


def join(make, name, device_id=None, code=None):
    return registration.register(
        make.settings, make.keys, code=code or make.code(), username=name, device_id=device_id,
        now=make.clock(),
    ).guest


def uses(code):
    return RegistrationCode.get(RegistrationCode.code == code).use_count


def test_a_kicked_name_cannot_join_again_tonight(make):
    make.kick(join(make, "Mallory").user_key)
    code = make.code(max_uses=1)
    for name in ("Mallory", "mallory", " MALLORY ", "\uff2d\uff41llory"):  # fullwidth Ｍａ
        with pytest.raises(Kicked, match="The host has asked you not to order tonight"):
            join(make, name, device_id=OTHER_PHONE, code=code)
    assert uses(code) == 0  # a refusal uses nothing: the one use is still there
    assert join(make, "Mallory B.", code=code).username == "Mallory B."
    assert Guest.select().where(Guest.username == "Mallory").count() == 1


def test_a_kicked_phone_cannot_join_again_under_another_name(make):
    mallory = join(make, "Mallory", device_id=PHONE)
    assert Guest.get_by_id(mallory.user_key).device_id == PHONE
    kick = make.kick("Mallory")
    assert (kick.device_id, kick.name_key) == (PHONE, "mallory")
    with pytest.raises(Kicked):
        join(make, "Sunshine", device_id=PHONE)
    # Another phone with another name is someone else; so is a phone that sends no id.
    assert join(make, "Sunshine", device_id=OTHER_PHONE).device_id == OTHER_PHONE
    assert join(make, "Rain").device_id is None


def test_a_kick_lasts_until_the_business_day_ends(make, settings, clock):
    evening = date(2026, 11, 20)
    clock.now = local_at(evening, time(22, 30))
    join(make, "Mallory", device_id=PHONE)
    kick = make.kick("Mallory")
    morning = local_at(evening + timedelta(days=1), time(settings.day_starts_at))
    assert kick.until == morning
    clock.now = morning - timedelta(seconds=1)
    with pytest.raises(Kicked):
        join(make, "Mallory", device_id=PHONE)
    clock.now = morning  # a new day: the kick is over by itself
    assert join(make, "Mallory", device_id=PHONE).username == "Mallory"
    assert kicks.kicked_guests(now=clock()) == {}


def test_a_kick_after_midnight_ends_that_same_morning(make, settings, clock):
    night = date(2026, 11, 21)
    clock.now = local_at(night, time(1, 15))  # still the 20th's business day
    join(make, "Mallory")
    assert make.kick("Mallory").until == local_at(night, time(settings.day_starts_at))


def test_unkick_lets_the_name_and_the_phone_back(make, clock):
    join(make, "Mallory", device_id=PHONE)
    kicked = make.kick("Mallory")
    let_back = guests.unkick("  mallory ", now=clock())
    assert let_back == GuestLetBack("Mallory", (kicked.guest.user_key,))
    assert Kick.get_by_id(kicked.id).lifted_at == clock()
    assert [e.data for e in events.read_since(0, [events.ADMIN], types=(events.GUEST_LET_BACK,))] == [
        let_back
    ]
    back = join(make, "Mallory", device_id=PHONE)
    assert back.is_active and back.user_key != kicked.guest.user_key
    with pytest.raises(NotFound, match="nobody called 'Mallory' is kicked tonight"):
        guests.unkick("Mallory", now=clock())


def test_unkick_by_key_and_by_name_of_two_kicked_guests(make, clock):
    one, two = join(make, "Mia", device_id=PHONE), join(make, "Mia", device_id=OTHER_PHONE)
    make.kick(one.user_key)
    make.kick(two.user_key)
    assert guests.unkick(one.user_key, now=clock()).user_keys == (one.user_key,)
    with pytest.raises(Kicked):  # the name is still kept out by the other kick
        join(make, "Mia", device_id=PHONE)
    with pytest.raises(Kicked):  # and so is the other one's phone
        join(make, "Lou", device_id=OTHER_PHONE)
    assert join(make, "Lou", device_id=PHONE).username == "Lou"
    make.kick(one.user_key)
    # By name: every kick on it.
    assert set(guests.unkick("MIA", now=clock()).user_keys) == {one.user_key, two.user_key}
    assert join(make, "Mia", device_id=OTHER_PHONE).username == "Mia"


def test_a_guest_let_back_who_joins_again_can_be_kicked_again(make, clock):
    old = join(make, "Mallory")
    make.kick("Mallory")
    with pytest.raises(InvalidInput, match="Mallory is already kicked for tonight"):
        make.kick("Mallory")
    guests.unkick("Mallory", now=clock())
    new = join(make, "Mallory")
    # By name: the one still signed in, not the old one.
    assert make.kick("Mallory").guest.user_key == new.user_key
    assert not guests.is_active(new.user_key)
    # The old one, signed out already, is kept out again too (no second sign-out).
    signed_out = Event.select().where(Event.type == events.GUEST_SIGNED_OUT).count()
    guests.unkick("Mallory", now=clock())
    assert make.kick(old.user_key).guest.user_key == old.user_key
    assert Event.select().where(Event.type == events.GUEST_SIGNED_OUT).count() == signed_out


def test_list_guests_says_who_is_kicked_and_until_when(make, clock):
    join(make, "Mallory")
    join(make, "Ana")
    kick = make.kick("Mallory")
    rows = {r.username: r for r in guests.list_guests(now=clock())}
    assert rows["Mallory"].kicked_until == kick.until and not rows["Mallory"].is_active
    assert rows["Ana"].kicked_until is None
    guests.unkick("Mallory", now=clock())
    assert {r.username: r.kicked_until for r in guests.list_guests(now=clock())} == {
        "Mallory": None, "Ana": None,
    }


@pytest.mark.parametrize("device_id", ["short", "x" * 65, "has spaces in it ok", "é" * 20, 42])
def test_a_malformed_device_id_is_refused_and_uses_nothing(make, device_id):
    code = make.code()
    with pytest.raises(InvalidInput, match="device id must be 16 to 64 letters"):
        join(make, "Ana", device_id=device_id, code=code)
    assert uses(code) == 0 and Guest.select().count() == 0


def test_a_schema_2_database_opens_and_kicks(settings, keys, make):
    ana = join(make, "Ana")  # a guest of the old version
    db.execute_sql('DROP TABLE "kicks"')
    db.execute_sql('ALTER TABLE "app_users" DROP COLUMN "device_id"')
    for table, column in (("drink", "photo"), ("orders", "drink_name"), ("orders", "price")):
        db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')  # schema 5's
    db.execute_sql("UPDATE schema_version SET version = 2")
    db.close()
    datadir.open_bar(settings)
    assert db.execute_sql("SELECT version FROM schema_version").fetchone() == (SCHEMA_VERSION,)
    assert Guest.get_by_id(ana.user_key).device_id is None
    join(make, "Mallory", device_id=PHONE)
    make.kick("Mallory")
    with pytest.raises(Kicked):
        join(make, "Sunshine", device_id=PHONE)


# -- the CLI: `bar guests kick|unkick|list` (the real clock, as the command uses) --------


def _row(output, name):
    return next(line for line in output.splitlines() if f" {name} " in line)


def test_cli_kicks_lists_and_unkicks(settings, make):
    data = settings.data_dir
    mallory = make.guest("Mallory")
    make.guest("Ana")
    kicked = run_cli(data, "guests", "kick", "mallory").output
    until = Kick.get(Kick.guest == mallory.user_key).until
    assert kicked == (f"Signed out Mallory ({mallory.user_key}), kept out until "
                      f"{local_time(until)}: `bar guests unkick` lets them back\n")

    listed = run_cli(data, "guests", "list").output
    assert "kicked" in _row(listed, "Mallory") and "active" in _row(listed, "Ana")
    rows = {r["username"]: r for r in json.loads(run_cli(data, "guests", "list", "--json").output)}
    assert rows["Mallory"]["kicked_until"] == str(until) and rows["Ana"]["kicked_until"] is None

    assert run_cli(data, "guests", "unkick", "MALLORY").output == "Mallory may join again tonight\n"
    row = _row(run_cli(data, "guests", "list").output, "Mallory")  # (the cell wraps)
    assert "signed" in row and "kicked" not in row
    again = run_cli(data, "guests", "unkick", "Mallory", ok=False)
    assert again.output == (
        "Error: nobody called 'Mallory' is kicked tonight: `bar guests list` shows who is\n"
    )
    assert run_cli(data, "guests", "unkick", "Ana", ok=False).exit_code == 1  # never kicked


def test_cli_unkick_prints_names_literally(settings, make):
    make.guest("[bold]Mia[/bold]")
    run_cli(settings.data_dir, "guests", "kick", "[bold]Mia[/bold]")
    assert run_cli(settings.data_dir, "guests", "unkick", "[bold]mia[/bold]").output == (
        "[bold]Mia[/bold] may join again tonight\n"
    )


def test_tonights_guests_are_those_who_joined_or_were_seen_tonight(make, clock, settings):
    yesterday = make.guest("Old")
    clock.advance(days=1)
    ana = make.guest("Ana")
    clock.advance(seconds=1)  # Bo joins later: PostgreSQL may sort a tie either way
    make.guest("Bo")
    make.order(ana)
    make.kick("Bo")
    since = kicks.night_starts(clock(), day_starts_at=settings.day_starts_at)
    rows = guests.list_guests(now=clock(), since=since)
    assert [(r.username, r.orders, r.open_orders, r.kicked_until is not None) for r in rows] == [
        ("Ana", 1, 1, False), ("Bo", 0, 0, True),
    ]
    assert yesterday.user_key in {r.user_key for r in guests.list_guests(now=clock())}
