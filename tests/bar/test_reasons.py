"""Why an order ended (`bar.reasons`): one table of templates, recognised by their text,
whose code travels with the order so each guest reads it in their own language."""

from __future__ import annotations

import pytest

from bar import events, orders, reasons
from bar.language import language_of


@pytest.mark.parametrize("typed, code", [
    ("Out of stock", "out_of_stock"),
    ("  out of STOCK. ", "out_of_stock"),
    ("The bar is closing", "bar_closing"),
    ("ordered twice", "ordered_twice"),
    ("not made in time", "not_made_in_time"),
    ("Not collected in time.", "not_collected_in_time"),
    ("Out of ice", None),
    ("Out of stock, sorry!", None),
    ("", None),
    (None, None),
])
def test_a_reason_is_a_template_when_it_reads_as_one(typed, code):
    assert reasons.code_of(typed) == code


def test_every_template_is_recognised_by_its_own_text():
    assert {reasons.code_of(text) for text in reasons.REASONS.values()} == set(reasons.REASONS)
    assert set(reasons.BARISTA) <= set(reasons.REASONS)


@pytest.mark.parametrize("tag, language", [
    ("pt-BR", "pt"), ("de_AT", "de"), (" FR ", "fr"), ("es", "es"), ("ja-JP", None), ("", None),
    (None, None),
])
def test_a_language_tag_names_one_of_ours_or_none(tag, language):
    assert language_of(tag) == language


def test_the_order_and_its_events_carry_the_template_s_code(make, clock, settings):
    guest = make.guest("Ana")
    picked, typed = make.order(guest), make.order(guest)
    start = events.last_event_id()
    orders.move(picked.id, orders.CANCELLED, actor="barista", barista="Sam",
                reason=" out of stock ", now=clock())
    orders.move(typed.id, orders.CANCELLED, actor="barista", barista="Sam",
                reason="<b>No ice</b>", now=clock())
    assert orders.order_dict(orders.get_order(picked.id))["cancel_reason_code"] == "out_of_stock"
    answer = orders.order_dict(orders.get_order(typed.id))
    assert (answer["cancel_reason"], answer["cancel_reason_code"]) == ("<b>No ice</b>", None)
    told = {e.payload["order_id"]: e.payload for e in events.read_since(start)
            if e.channel == events.guest_channel(guest.user_key)}
    assert told[picked.id]["cancel_reason_code"] == "out_of_stock"
    assert told[picked.id]["cancel_reason"] == "out of stock"  # kept as the barista sent it
    assert told[typed.id]["cancel_reason_code"] is None


def test_an_expiry_says_its_reason_with_the_template(make, clock, settings):
    order = make.order(make.guest("Slow"))
    clock.advance(settings.rules.barista_timeout)
    orders.expire_overdue(settings.rules, now=clock())
    info = orders.order_dict(orders.get_order(order.id))
    assert (info["cancel_reason"], info["cancel_reason_code"]) == ("not made in time", "not_made_in_time")
