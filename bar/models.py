"""The tables. Rules live in the service modules, not here."""

from __future__ import annotations

import peewee as pw

from bar.db import BaseModel, JSONField, UtcDateTimeField

SCHEMA_VERSION = 8


class SchemaVersion(BaseModel):
    version = pw.IntegerField()


class Guest(BaseModel):
    user_key = pw.CharField(primary_key=True)
    username = pw.CharField(max_length=50)
    created_at = UtcDateTimeField()
    last_login = UtcDateTimeField(null=True)
    is_active = pw.BooleanField(default=True)
    metadata = JSONField(default=dict)
    # The random id the phone's page keeps in localStorage (`X-Device-Id`), if it sent
    # one: a kick keeps that phone out too. No index: an old database gains the column
    # by migration, after `create_tables` has made the indexes.
    device_id = pw.CharField(null=True)

    class Meta:
        table_name = "app_users"


class Kick(BaseModel):
    """The host keeps someone out (`bar guests kick`): their name and their phone.

    A kick holds until `until` (the end of the business day it was made in) or until
    the host lifts it (`bar guests unkick`); the rules are in `bar.kicks`.
    """

    id = pw.AutoField()
    guest = pw.ForeignKeyField(Guest, column_name="user_key", backref="kicks")
    username = pw.CharField(max_length=50)  # as the guest was called, for the host
    name_key = pw.CharField(index=True)  # `bar.names.name_key(username)`
    device_id = pw.CharField(null=True, index=True)
    created_at = UtcDateTimeField()
    until = UtcDateTimeField()
    lifted_at = UtcDateTimeField(null=True)

    class Meta:
        table_name = "kicks"


class RegistrationCode(BaseModel):
    code = pw.CharField(primary_key=True)
    created_at = UtcDateTimeField()
    created_by = pw.CharField(default="cli")
    expires_at = UtcDateTimeField()
    max_uses = pw.IntegerField()
    use_count = pw.IntegerField(default=0)
    notes = pw.TextField(default="")
    revoked = pw.BooleanField(default=False)


class Admin(BaseModel):
    id = pw.AutoField()
    username = pw.CharField(unique=True)
    password_hash = pw.CharField()
    created_at = UtcDateTimeField()


class RefreshToken(BaseModel):
    id = pw.AutoField()
    token_hash = pw.CharField(unique=True)
    # Every rotation keeps the family: reusing a rotated token revokes all of it.
    family = pw.CharField(index=True)
    guest = pw.ForeignKeyField(Guest, column_name="user_key", backref="refresh_tokens")
    created_at = UtcDateTimeField()
    expires_at = UtcDateTimeField()
    last_used_at = UtcDateTimeField(null=True)
    is_revoked = pw.BooleanField(default=False)
    revoked_at = UtcDateTimeField(null=True)
    rotated_at = UtcDateTimeField(null=True)
    device_info = pw.TextField(default="")


class Drink(BaseModel):
    id = pw.CharField(primary_key=True)
    name = pw.CharField()
    description = pw.TextField(default="")
    category = pw.CharField(default="")
    ingredients = JSONField(default=list)
    tags = JSONField(default=list)
    price = pw.FloatField(null=True)
    image = pw.CharField(null=True)
    modifiers = JSONField(default=dict)
    is_active = pw.BooleanField(default=True)
    # False: retired (`bar.menu.retire`); the drink stays for its old orders.
    on_menu = pw.BooleanField(default=True)
    position = pw.IntegerField(default=0)
    # The content hash of its photo (`bar.photos`: `drink_images` rows), or None.
    photo = pw.CharField(null=True)
    # {language: {"name"|"description"|"category": text}}: what a guest reading that
    # language sees instead of the field above (`bar.menu.localize`); {} for none.
    translations = JSONField(default=dict)


class DrinkImage(BaseModel):
    """A drink's photo, as served: its large and thumbnail versions, by content-hashed
    name. Kept in the database, so every server of a bar (PostgreSQL) serves the same
    photos; each server keeps a copy of what it served in its data dir (`bar.photos`)."""

    name = pw.CharField(primary_key=True)  # "<hash>.webp" or "<hash>-thumb.webp"
    photo = pw.CharField(index=True)  # the hash both versions share
    content_type = pw.CharField()
    data = pw.BlobField()
    created_at = UtcDateTimeField()

    class Meta:
        table_name = "drink_images"


class Order(BaseModel):
    id = pw.CharField(primary_key=True)
    number = pw.IntegerField()
    day = pw.CharField()  # the business day the number belongs to
    drink = pw.ForeignKeyField(Drink, backref="orders")
    drink_id: str  # peewee's accessor of the drink's id: read without loading the drink
    # No index of its own: (user_key, status) and (user_key, idempotency_key) start
    # with it, and every index is one more write for every order.
    guest = pw.ForeignKeyField(Guest, column_name="user_key", backref="orders", index=False)
    modifiers = JSONField(default=dict)
    # The drink's name and price when it was ordered: a rename or a new price later
    # leaves the night's history as it was (None in rows older than schema 5).
    drink_name = pw.CharField(null=True)
    # Double: PostgreSQL's REAL (a FloatField) keeps 7 digits, too few for a night's sum.
    price = pw.DoubleField(null=True)
    note = pw.TextField(default="")
    status = pw.CharField(index=True)
    barista = pw.CharField(null=True)
    scan_code = pw.CharField(null=True)
    idempotency_key = pw.CharField(null=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    ready_at = UtcDateTimeField(null=True)
    completed_at = UtcDateTimeField(null=True)
    cancel_reason = pw.TextField(null=True)
    reminded_at = UtcDateTimeField(null=True)  # ready, not collected: the guest was told again
    # The station that makes it (`bar.stations`); None at a bar without stations. No
    # index: the queue's statuses narrow it first (the status index).
    station = pw.CharField(null=True)

    class Meta:
        table_name = "orders"
        indexes = (
            (("day", "number"), True),
            (("guest", "idempotency_key"), True),
            # A guest's open orders (a rule on every order) without reading their others.
            (("guest", "status"), False),
        )


class Move(BaseModel):
    """One step of an order along the status machine: who made it, from where to where.

    Written with the step (`bar.orders`), so the barista's last move can be recalled
    (`bar.history`); a recalled move keeps its row, marked `recalled_at`. A new table:
    `create_tables` makes it in an older database.
    """

    id = pw.AutoField()
    order = pw.ForeignKeyField(Order, column_name="order_id", backref="moves")
    from_status = pw.CharField()
    to_status = pw.CharField()
    actor = pw.CharField()  # "barista", "guest" or "system"
    by = pw.CharField(null=True)  # the barista's name (None: a kiosk without --barista)
    barista_before = pw.CharField(null=True)  # the order's barista before (an unclaim clears it)
    at = UtcDateTimeField(index=True)
    recalled_at = UtcDateTimeField(null=True)

    class Meta:
        table_name = "moves"
        indexes = ((("order", "id"), False),)


class ScanWindow(BaseModel):
    """Pop-up mode: one rotating scan code and the drinks its window has used."""

    code = pw.CharField(primary_key=True)
    starts_at = UtcDateTimeField(unique=True)
    ends_at = UtcDateTimeField()
    drinks_allowed = pw.IntegerField()
    drinks_used = pw.IntegerField(default=0)


class StationScanWindow(BaseModel):
    """Pop-up mode at a bar of stations: a station's own rotating code and its drinks
    (`bar.scan`; a bar without stations keeps using `ScanWindow`). A new table, so an
    older database gains it from `create_tables`."""

    code = pw.CharField(primary_key=True)
    station = pw.CharField()
    starts_at = UtcDateTimeField()
    ends_at = UtcDateTimeField()
    drinks_allowed = pw.IntegerField()
    drinks_used = pw.IntegerField(default=0)

    class Meta:
        table_name = "station_scan_windows"
        indexes = ((("station", "starts_at"), True),)


class Refusal(BaseModel):
    """Orders turned away (`bar.refusals`): `count` refusals of one guest for one
    reason, from `first_at` to `last_at` (a run of taps counted together)."""

    id = pw.AutoField()
    day = pw.CharField(index=True)  # the business day, as `Order.day`
    guest = pw.ForeignKeyField(Guest, column_name="user_key", backref="refusals")
    reason = pw.CharField()  # the refusal's error code: queue_full, shop_closed, ...
    count = pw.IntegerField()
    first_at = UtcDateTimeField(index=True)
    last_at = UtcDateTimeField()

    class Meta:
        table_name = "refusals"


class Event(BaseModel):
    id = pw.AutoField()
    channel = pw.CharField()
    type = pw.CharField()
    payload = JSONField()
    created_at = UtcDateTimeField(index=True)

    class Meta:
        indexes = ((("channel", "id"), False),)


class Notification(BaseModel):
    id = pw.AutoField()
    guest = pw.ForeignKeyField(Guest, column_name="user_key", backref="notifications")
    type = pw.CharField()
    payload = JSONField()
    created_at = UtcDateTimeField()
    read_at = UtcDateTimeField(null=True)

    class Meta:
        indexes = ((("guest", "read_at"), False),)


class Scheduled(BaseModel):
    """Something the bar does by itself at a set time: an announcement, or closing."""

    id = pw.AutoField()
    # One row per planned thing: "config:last_call:<day>" for the daily ones from
    # bar.toml, so every process can plan them and only one row exists.
    key = pw.CharField(unique=True)
    action = pw.CharField()  # "announce" or "close"
    message = pw.TextField(default="")
    due_at = UtcDateTimeField(index=True)
    created_at = UtcDateTimeField()
    done_at = UtcDateTimeField(null=True)
    outcome = pw.CharField(null=True)


class Counter(BaseModel):
    """Counts kept in the transaction of every change they count, so a rule reads one
    row instead of counting thousands (`bar.shop.queue_length`); recounted from the
    rows they count whenever a process opens the database."""

    key = pw.CharField(primary_key=True)
    value = pw.IntegerField()


class SigningKey(BaseModel):
    """The keys that sign access tokens (`bar.tokens.Keys`), shared by every process
    of the bar: the current one (`retired_at` empty, with its private half) and the
    retired ones, whose public half verifies their tokens until `valid_until`."""

    kid = pw.CharField(primary_key=True)  # `bar.tokens.key_id(public_pem)`
    public_pem = pw.TextField()
    private_pem = pw.TextField(null=True)  # the current key's only: a retired one signs nothing
    created_at = UtcDateTimeField()
    retired_at = UtcDateTimeField(null=True)
    valid_until = UtcDateTimeField(null=True)  # retired: its last token has expired by then

    class Meta:
        table_name = "signing_keys"
class PushSubscription(BaseModel):
    """A browser that asked for lock-screen notifications (Web Push, `bar.push`).

    One row per device (the push service's endpoint), tied to the guest's session (the
    refresh-token family): signing out or being kicked deletes it. A new table:
    `create_tables` makes it in an older database.
    """

    endpoint = pw.TextField(primary_key=True)
    guest = pw.ForeignKeyField(Guest, column_name="user_key", backref="push_subscriptions")
    family = pw.CharField(index=True)  # `RefreshToken.family`: the session it lives with
    p256dh = pw.CharField()  # the browser's public key (base64url)
    auth = pw.CharField()  # the browser's auth secret (base64url)
    created_at = UtcDateTimeField()
    last_pushed_at = UtcDateTimeField(null=True)
    # The language its page showed when it subscribed (`bar.language`): pushes say it in
    # that one. NULL (subscribed before version 7): English.
    language = pw.CharField(max_length=8, null=True)

    class Meta:
        table_name = "push_subscriptions"


class State(BaseModel):
    """Small key/value facts of the bar (open or closed, pruned event id)."""

    key = pw.CharField(primary_key=True)
    value = JSONField()


TABLES: list[type[BaseModel]] = [
    SchemaVersion, Guest, Kick, RegistrationCode, Admin, RefreshToken, Drink, DrinkImage, Order,
    Move, ScanWindow, StationScanWindow, Refusal, Event, Notification, Scheduled, Counter,
    SigningKey, State, PushSubscription,
]
