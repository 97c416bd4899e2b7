"""The names of an order's statuses and the sets the rules count by: one place for all.

The moves between them (`TRANSITIONS`) are rules and live in `bar.orders`; this
module only names things, so the modules `bar.orders` itself imports (`bar.shop`)
and the reports (`bar.stats`) can share the words without an import loop.
"""

from __future__ import annotations

PENDING, PREPARING, READY, SERVED = "pending", "preparing", "ready", "served"
CANCELLED, EXPIRED = "cancelled", "expired"
STATUSES = (PENDING, PREPARING, READY, SERVED, CANCELLED, EXPIRED)
# Not final yet: on the barista's board, and counted by the per-guest limit.
OPEN_STATUSES = (PENDING, PREPARING, READY)
FINAL_STATUSES = (SERVED, CANCELLED, EXPIRED)
# What `max_queue` counts: orders waiting for or under a barista.
QUEUE_STATUSES = (PENDING, PREPARING)
