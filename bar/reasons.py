"""Why an order ended: the reasons the bar says in so many words, one table.

A reason is stored as text (`Order.cancel_reason`): what a barista typed, or one of
these. A reason that reads as one of them (trimmed, any case, a final full stop or
not) is that template, and its `code` travels with the order (`cancel_reason_code`),
so a guest's page, and a push, say it in the guest's language; any other reason is
shown as typed.

The barista's quick picks (the kiosk's cancel dialog; the tablet's chips carry the
same English text) are `BARISTA`; the others the bar says by itself (`bar.orders`
expiries).
"""

from __future__ import annotations

from bar.language import N_

OUT_OF_STOCK = "out_of_stock"
BAR_CLOSING = "bar_closing"
ORDERED_TWICE = "ordered_twice"
NOT_MADE_IN_TIME = "not_made_in_time"
NOT_COLLECTED_IN_TIME = "not_collected_in_time"

# code -> the English text, as stored and as the kiosk and the tablet offer it.
REASONS: dict[str, str] = {
    OUT_OF_STOCK: N_("Out of stock"),
    BAR_CLOSING: N_("The bar is closing"),
    ORDERED_TWICE: N_("Ordered twice"),
    NOT_MADE_IN_TIME: N_("not made in time"),
    NOT_COLLECTED_IN_TIME: N_("not collected in time"),
}
BARISTA = (OUT_OF_STOCK, BAR_CLOSING, ORDERED_TWICE)


def _key(text: str) -> str:
    return text.strip().rstrip(".").strip().casefold()


_BY_TEXT = {_key(text): code for code, text in REASONS.items()}


def text(code: str) -> str:
    """The English text of the reason `code`."""
    return REASONS[code]


def code_of(reason: str | None) -> str | None:
    """The template `reason` reads as, or None for a reason in the barista's own words."""
    return _BY_TEXT.get(_key(reason)) if reason else None
