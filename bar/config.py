"""Settings: `bar.toml` read once into frozen dataclasses, with `BAR_*` overrides.

Every scalar key has one parser; its environment name is `BAR_<SECTION>_<KEY>`
(`BAR_<KEY>` for the `[bar]` table), so `BAR_DATA_DIR`, `BAR_SERVER_PORT` and
`BAR_RULES_MAX_QUEUE` all work. A wrong value is one `ConfigError` naming the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from bar.errors import ConfigError, InvalidInput
from bar.language import LANGUAGES, N_
from bar.text import clean_text
from bar.timeparse import parse_duration, parse_time_of_day

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_SIZE = re.compile(r"^\s*(\d+)\s*(b|kb|kib|mb|mib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2}
# `[rules] last_call_message` left as it is: the bar's own words (`bar.timers`), which a
# guest's page and a push show in its language; a message the host writes is shown as written.
DEFAULT_LAST_CALL = N_("Last call!")


@dataclass(frozen=True)
class Rules:
    mode: str = "party"
    max_queue: int = 20
    max_open_orders_per_guest: int = 2
    barista_timeout: timedelta = timedelta(minutes=15)
    uncollected_timeout: timedelta = timedelta(minutes=10)
    # A ready drink still not collected after this is announced to its guest once more.
    remind_after: timedelta = timedelta(minutes=3)
    # Local times of day ("23:30"); None: never. Before day_starts_at means after midnight.
    last_call: time | None = None
    last_call_message: str = DEFAULT_LAST_CALL  # the default: each guest reads it in their language
    close_at: time | None = None
    rotate_every: timedelta = timedelta(minutes=5)
    drinks_per_window: int = 10
    scan_grace: timedelta = timedelta(seconds=60)
    default_prep_time: timedelta = timedelta(minutes=3)

    @property
    def popup(self) -> bool:
        return self.mode == "popup"


@dataclass(frozen=True)
class DrinkSpec:
    id: str
    name: str
    description: str = ""
    category: str = ""
    ingredients: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    price: float | None = None
    image: str | None = None
    # name -> allowed options; the first option is the default.
    modifiers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # language -> {field of TRANSLATED, or WORD + word: text}: `name_pt = "Expresso"`,
    # `words_pt = { double = "duplo", milk = "leite" }` in bar.toml.
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


# A drink's texts a guest reads, each of which bar.toml may give per language
# (`name_pt`, `description_de`, `category_es`); tags are words the bartender and the
# assistant match, kept as written (the page has its own words for the usual tastes).
TRANSLATED = ("name", "description", "category")
# Its words too, one by one: its modifiers' names and options and its ingredients
# (`words_pt = { ice = "gelo", "big cube" = "cubo grande", milk = "leite" }`), kept as
# "word:big cube" beside the fields above. The page shows the guest's words; an order
# still names the option as written, which is what the bar reads.
WORD = "word:"


def drink_words(modifiers: Mapping[str, Sequence[str]], ingredients: Sequence[str]) -> set[str]:
    """What a `words_pt` table may translate: the drink's modifiers' names and options,
    and its ingredients."""
    return {*ingredients, *(word for name, options in modifiers.items()
                            for word in (name, *options))}


_TRANSLATION_KEY = re.compile(r"^(name|description|category|words)_([a-z]+)$")


@dataclass(frozen=True)
class StationSpec:
    """A place that makes drinks (`[[stations]]`): the drinks of its `categories`, and
    the drinks listed in `drinks` whatever their category. Rules in `bar.stations`."""

    id: str
    name: str
    categories: tuple[str, ...] = ()
    drinks: tuple[str, ...] = ()
    # `[stations.rules]`: the bar's `[rules]` with this station's own values.
    rules: Rules = field(default_factory=Rules)


@dataclass(frozen=True)
class Settings:
    name: str = "bar"
    # ISO 4217 code of the menu's prices ("EUR"); pages format them in the phone's locale.
    currency: str = ""
    # What the TV boards speak (one of LANGUAGES); phones and tablets follow their own.
    language: str = "en"
    data_dir: Path = Path(".bar")
    day_starts_at: int = 6
    host: str = "0.0.0.0"
    port: int = 8000
    public_url: str = ""
    # HTTPS (`bar.tls`): PEM files; both or neither. None: plain HTTP.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # Empty: SQLite in the data dir. `postgresql://…`: that PostgreSQL database.
    database_url: str = ""
    synchronous: str = "FULL"
    busy_timeout: timedelta = timedelta(seconds=5)
    event_retention: timedelta = timedelta(days=2)
    access_ttl: timedelta = timedelta(hours=4)
    refresh_ttl: timedelta = timedelta(days=2)
    # A session (refresh token) not used for this long is signed out.
    inactivity_timeout: timedelta = timedelta(hours=12)
    issuer: str = "bar"
    rules: Rules = field(default_factory=Rules)
    menu: tuple[DrinkSpec, ...] = ()
    # None configured: one implicit station, the whole bar, as before stations existed.
    stations: tuple[StationSpec, ...] = ()
    config_path: Path | None = None
    # [limits]: 0 turns a rate limit off.
    registrations_per_minute: int = 10
    logins_per_minute: int = 5
    logins_per_minute_total: int = 20  # from all addresses together
    orders_per_minute: int = 3
    # Wrong invite codes from all addresses together (joining and the invite check);
    # per address, `registrations_per_minute` holds for them too (bar.joincodes).
    wrong_codes_per_minute_total: int = 100
    ws_max_message: int = 4096
    sockets_per_address: int = 32
    anonymous_sockets_per_address: int = 8
    # [display]: the TV boards show the code guests join with (the party's invite, or a
    # pop-up's scan code). Off for a screen that faces people who are not guests.
    show_join_code: bool = True
    # [invites]: what a new invite code allows unless the host says otherwise (the first
    # code a bar makes by itself, `bar codes create`, the kiosk's invites screen).
    invite_max_uses: int = 25
    invite_valid_for: timedelta = timedelta(days=1)
    # [assistant]: a local language model (an OpenAI-compatible chat-completions server
    # on the LAN, such as llama.cpp's or Ollama's `/v1`); empty: the built-in parser only.
    assistant_url: str = ""
    assistant_model: str = ""
    assistant_timeout: timedelta = timedelta(seconds=4)
    # Questions to the bartender per guest per minute (each is CPU work); 0: no limit.
    assistant_per_minute: int = 20
    # [printer]: an ESC/POS receipt printer (`bar.printer`, `bar.spool`); no URL, none.
    printer_url: str = ""
    printer_width: int = 80  # mm of paper: 58 or 80
    printer_stations: tuple[str, ...] = ()  # the stations it prints for; empty: all
    printer_print_on: str = "new"  # "new": when an order is placed; "ready": when it is made
    printer_ticket: str = "order"  # "order": a ticket each; "batch": one kitchen ticket a round

    @property
    def db_path(self) -> Path:
        return self.data_dir / "bar.db"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"


def _int(low: int, high: int | None = None) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError(f"expected a whole number, got {value!r}")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError(f"expected a whole number, got {value!r}") from None
        if number < low or (high is not None and number > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ValueError(f"expected a number {bound}, got {number}")
        return number

    return parse


def _choice(*options: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = str(value).strip()
        if text.lower() not in {o.lower() for o in options}:
            raise ValueError(f"expected one of {', '.join(options)}, got {value!r}")
        return next(o for o in options if o.lower() == text.lower())

    return parse


def _bool(value: Any) -> bool:
    """A TOML boolean, or from the environment: true/false, 1/0, yes/no, on/off."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _text(value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError(f"expected text, got {value!r}")
    return str(value)


def parse_size(value: Any) -> int:
    """Bytes from a number or "4KiB", "16kb", "1MiB" (KiB and MiB are 1024-based)."""
    match = _SIZE.match(str(value)) if not isinstance(value, bool) else None
    if not match:
        raise ValueError(f"expected a size like 4096, 4KiB or 1MiB, got {value!r}")
    return int(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()]


def _size(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        size = parse_size(value)
        if not low <= size <= high:
            raise ValueError(f"expected a size between {low} and {high} bytes, got {size}")
        return size

    return parse


def _database_url(value: Any) -> str:
    """Empty (SQLite in the data dir) or a PostgreSQL URL."""
    text = _text(value).strip()
    if text and not text.startswith(("postgresql://", "postgres://")):
        raise ValueError(
            "expected empty (SQLite in the data dir) or postgresql://user:password@host:port/dbname"
        )
    return text


def _model_url(value: Any) -> str:
    """Empty (no model) or an http(s) URL of an OpenAI-compatible API (`…/v1`)."""
    text = _text(value).strip().rstrip("/")
    if text and not re.match(r"^https?://[^/\s]+", text):
        raise ValueError(f"expected empty or a URL like http://127.0.0.1:11434/v1, got {value!r}")
    return text


def _optional_path(value: Any) -> Path | None:
    text = _text(value).strip()
    return Path(text).expanduser() if text else None


# Paths in bar.toml are relative to the file, not to wherever `bar` was started.
_RELATIVE_TO_FILE = {"bar.data_dir", "server.tls_cert", "server.tls_key"}


def _printer_url(value: Any) -> str:
    """Empty (no printer) or a URL `bar.printer` can open."""
    from bar.printer import parse_url

    text = _text(value).strip()
    if text:
        parse_url(text)  # raises ValueError saying what a URL looks like
    return text


def _slugs(value: Any) -> tuple[str, ...]:
    """A list of ids, or from the environment one text with commas: "bar,kitchen"."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError(f"expected a list of station ids, got {value!r}")
    ids = tuple(str(item).strip() for item in items if str(item).strip())
    for item in ids:
        if not _SLUG.match(item):
            raise ValueError(f"expected station ids like 'bar' or 'kitchen', got {item!r}")
    return ids


def _positive_duration(value: Any) -> timedelta:
    delta = parse_duration(value)
    if delta <= timedelta(0):
        raise ValueError(f"expected a duration above zero, got {value!r}")
    return delta


def _time_of_day(value: Any) -> time | None:
    """A local time like "23:30"; empty: none."""
    text = _text(value).strip()
    if not text:
        return None
    try:
        return parse_time_of_day(text)
    except ValueError:
        raise ValueError(f"expected a time like 23:30 (or empty for none), got {value!r}") from None


def _announcement(value: Any) -> str:
    """A message guests will read: the same rule as `bar announce` (checked here, so a
    bad one stops the start, not last call)."""
    try:
        return clean_text(_text(value), field="message", min_len=1, max_len=280)
    except InvalidInput as exc:
        raise ValueError(exc.message) from None


def _currency(value: Any) -> str:
    code = _text(value).strip().upper()
    if code and not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"expected a three-letter currency code like EUR or USD, got {value!r}")
    return code


# (section, key) -> (Settings/Rules attribute, parser)
_SCALARS: dict[tuple[str, str], tuple[str, Callable[[Any], Any]]] = {
    ("bar", "name"): ("name", _text),
    ("bar", "currency"): ("currency", _currency),
    ("bar", "language"): ("language", _choice(*LANGUAGES)),
    ("bar", "data_dir"): ("data_dir", lambda v: Path(_text(v)).expanduser()),
    ("bar", "day_starts_at"): ("day_starts_at", _int(0, 23)),
    ("server", "host"): ("host", _text),
    ("server", "port"): ("port", _int(0, 65535)),
    ("server", "public_url"): ("public_url", lambda v: _text(v).rstrip("/")),
    ("server", "tls_cert"): ("tls_cert", _optional_path),
    ("server", "tls_key"): ("tls_key", _optional_path),
    ("database", "url"): ("database_url", _database_url),
    ("database", "synchronous"): ("synchronous", _choice("OFF", "NORMAL", "FULL", "EXTRA")),
    ("database", "busy_timeout"): ("busy_timeout", _positive_duration),
    ("database", "event_retention"): ("event_retention", _positive_duration),
    ("auth", "access_ttl"): ("access_ttl", _positive_duration),
    ("auth", "refresh_ttl"): ("refresh_ttl", _positive_duration),
    ("auth", "issuer"): ("issuer", _text),
    ("auth", "inactivity_timeout"): ("inactivity_timeout", _positive_duration),
    ("rules", "mode"): ("mode", _choice("party", "popup")),
    ("rules", "max_queue"): ("max_queue", _int(1)),
    ("rules", "max_open_orders_per_guest"): ("max_open_orders_per_guest", _int(1)),
    ("rules", "barista_timeout"): ("barista_timeout", _positive_duration),
    ("rules", "uncollected_timeout"): ("uncollected_timeout", _positive_duration),
    ("rules", "remind_after"): ("remind_after", _positive_duration),
    ("rules", "last_call"): ("last_call", _time_of_day),
    ("rules", "last_call_message"): ("last_call_message", _announcement),
    ("rules", "close_at"): ("close_at", _time_of_day),
    ("rules", "rotate_every"): ("rotate_every", _positive_duration),
    ("rules", "drinks_per_window"): ("drinks_per_window", _int(1)),
    ("rules", "scan_grace"): ("scan_grace", parse_duration),
    ("rules", "default_prep_time"): ("default_prep_time", _positive_duration),
    ("limits", "registrations_per_minute"): ("registrations_per_minute", _int(0)),
    ("limits", "logins_per_minute"): ("logins_per_minute", _int(0)),
    ("limits", "logins_per_minute_total"): ("logins_per_minute_total", _int(0)),
    ("limits", "orders_per_minute"): ("orders_per_minute", _int(0)),
    ("limits", "wrong_codes_per_minute_total"): ("wrong_codes_per_minute_total", _int(0)),
    # An auth message (a JWT) is under 1 KiB; a socket needs no more than a few.
    ("limits", "ws_max_message"): ("ws_max_message", _size(1024, 1024**2)),
    # A phone has a few tabs; a household or an office NAT puts a few phones behind one
    # address. A TV or a page not signed in yet needs one or two anonymous sockets.
    ("limits", "sockets_per_address"): ("sockets_per_address", _int(0)),
    ("limits", "anonymous_sockets_per_address"): ("anonymous_sockets_per_address", _int(0)),
    ("display", "show_join_code"): ("show_join_code", _bool),
    ("invites", "max_uses"): ("invite_max_uses", _int(1, 100_000)),
    ("invites", "valid_for"): ("invite_valid_for", _positive_duration),
    ("assistant", "url"): ("assistant_url", _model_url),
    ("assistant", "model"): ("assistant_model", lambda v: _text(v).strip()),
    ("assistant", "timeout"): ("assistant_timeout", _positive_duration),
    ("assistant", "per_minute"): ("assistant_per_minute", _int(0)),
    ("printer", "url"): ("printer_url", _printer_url),
    ("printer", "width"): ("printer_width", lambda v: int(_choice("58", "80")(v))),
    ("printer", "stations"): ("printer_stations", _slugs),
    ("printer", "print_on"): ("printer_print_on", _choice("new", "ready")),
    ("printer", "ticket"): ("printer_ticket", _choice("order", "batch")),
}

# Keys of older versions, accepted and ignored so an old bar.toml still starts.
# server.threads sized a thread per phone; the event loop has no such limit.
_RETIRED = {("server", "threads")}


def env_name(section: str, key: str) -> str:
    return f"BAR_{key.upper()}" if section == "bar" else f"BAR_{section.upper()}_{key.upper()}"


def load_settings(
    config_path: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read settings from a TOML file, then environment overrides, then explicit flags.

    The file is `config_path`, else `$BAR_CONFIG`, else `./bar.toml` if it exists;
    with none of them the built-in defaults apply (and an empty menu).
    """
    environ = os.environ if environ is None else environ
    path = Path(config_path or environ.get("BAR_CONFIG") or "bar.toml")
    explicit = bool(config_path or environ.get("BAR_CONFIG"))
    raw: dict[str, Any] = {}
    if path.is_file():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    elif explicit:
        raise ConfigError(f"config file not found: {path}")
    else:
        path = None  # type: ignore[assignment]

    values: dict[str, Any] = {}
    rules: dict[str, Any] = {}
    sources: dict[str, str] = {}  # attr -> where its value came from (for errors)
    known_sections = {s for s, _ in _SCALARS} | {"menu", "stations"}
    for section in raw:
        if section not in known_sections:
            raise ConfigError(f"unknown section [{section}] in {path}")
    for (section, key), (attr, parse) in _SCALARS.items():
        table = raw.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"[{section}] must be a table")
        source, value = f"{section}.{key}", table.get(key)
        if env_name(section, key) in environ:
            source, value = env_name(section, key), environ[env_name(section, key)]
        if value is None:
            continue
        try:
            parsed = parse(value)
        except ValueError as exc:
            raise ConfigError(f"{source}: {exc}") from None
        if source in _RELATIVE_TO_FILE and path is not None and parsed is not None:
            parsed = path.parent / parsed  # relative to the config file, not the cwd
        (rules if section == "rules" else values)[attr] = parsed
        sources[attr] = source
    for section, table in raw.items():
        if section in ("menu", "stations") or not isinstance(table, dict):
            continue
        for key in table:
            if (section, key) not in _SCALARS and (section, key) not in _RETIRED:
                raise ConfigError(f"unknown key {section}.{key} in {path}")

    if data_dir is not None:
        values["data_dir"] = Path(data_dir).expanduser()
    access = values.get("access_ttl", Settings.access_ttl)
    if values.get("inactivity_timeout", Settings.inactivity_timeout) <= access:
        # The page refreshes its token once per access_ttl: a shorter inactivity
        # timeout would sign out a guest who is using it.
        raise ConfigError("auth.inactivity_timeout must be longer than auth.access_ttl")
    bar_rules = Rules(**rules)
    stations = _parse_stations(raw.get("stations", []), bar_rules)
    _check_printer_stations(values.get("printer_stations", ()), stations,
                            sources.get("printer_stations", "printer.stations"))
    return Settings(
        **values,
        rules=bar_rules,
        menu=_parse_menu(raw.get("menu", [])),
        stations=stations,
        config_path=path,
    )


def _check_printer_stations(
    printed: tuple[str, ...], stations: tuple[StationSpec, ...], source: str
) -> None:
    """A printer for a station that does not exist would never print: say so at start."""
    known = [s.id for s in stations]
    for station_id in printed:
        if station_id not in known:
            there = (f"bar.toml's [[stations]] are: {', '.join(known)}" if known
                     else "bar.toml has no [[stations]]: leave it empty to print every order")
            raise ConfigError(f"{source}: no station {station_id!r} ({there})")


# What a station may set for itself in `[stations.rules]`; the rest is the bar's.
# A guest's open orders stay one limit across stations (`max_open_orders_per_guest`).
# The timeouts: a coffee is made in two minutes, a cocktail round may take fifteen.
STATION_RULES = ("max_queue", "rotate_every", "drinks_per_window", "scan_grace",
                 "barista_timeout", "uncollected_timeout", "remind_after")


def _tables(entries: Any, section: str, *, allowed: set[str], what: str, example: str,
            explain: Callable[[str], str] = lambda key: "",
            ) -> Iterator[tuple[str, dict[str, Any], str]]:
    """Each `[[section]]` table, checked for what every one needs: a table of known keys,
    a unique short id and a name. Yields (id, table, name). `explain(key)` adds what an
    unknown key may have meant."""
    if not isinstance(entries, list):
        raise ConfigError(f"{section}: expected [[{section}]] entries")
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"{section}[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a table")
        unknown = set(entry) - allowed
        if unknown:
            key = sorted(unknown)[0]
            raise ConfigError(f"{where}: unknown key {key}{explain(key)}")
        entry_id = str(entry.get("id", "")).strip()
        if not _SLUG.match(entry_id):
            raise ConfigError(f"{where}.id: expected a short lowercase id like {example!r}")
        if entry_id in seen:
            raise ConfigError(f"{where}.id: duplicate {what} id {entry_id!r}")
        seen.add(entry_id)
        name = str(entry.get("name", "")).strip()
        if not name:
            raise ConfigError(f"{section}.{entry_id}.name: missing")
        yield entry_id, entry, name


def _parse_stations(entries: Any, bar_rules: Rules) -> tuple[StationSpec, ...]:
    stations: list[StationSpec] = []
    for station_id, entry, name in _tables(
        entries, "stations", allowed={"id", "name", "categories", "drinks", "rules"},
        what="station", example="coffee",
    ):
        lists = {}
        for key in ("categories", "drinks"):
            value = entry.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"stations.{station_id}.{key}: expected a list of names")
            lists[key] = tuple(v.strip() for v in value if v.strip())
        own_rules = entry.get("rules", {})
        if not isinstance(own_rules, dict):
            raise ConfigError(f"stations.{station_id}.rules: expected a table")
        overrides: dict[str, Any] = {}
        for key, value in own_rules.items():
            if key not in STATION_RULES:
                raise ConfigError(
                    f"stations.{station_id}.rules.{key}: not set per station "
                    f"(a station sets {', '.join(STATION_RULES)}; the rest is [rules])")
            attr, parse = _SCALARS[("rules", key)]
            try:
                overrides[attr] = parse(value)
            except ValueError as exc:
                raise ConfigError(f"stations.{station_id}.rules.{key}: {exc}") from None
        stations.append(StationSpec(
            id=station_id, name=name, categories=lists["categories"], drinks=lists["drinks"],
            rules=replace(bar_rules, **overrides),
        ))
    return tuple(stations)


def _not_a_language(key: str) -> str:
    """What `name_it` (a translation into a language the page does not speak) meant."""
    found = _TRANSLATION_KEY.match(key)
    if not found:
        return ""
    return (f": {found.group(2)!r} is not one of the guest page's languages "
            f"({', '.join(LANGUAGES)}); a translation is written like {found.group(1)}_pt")


def _translations(drink_id: str, entry: Mapping[str, Any], modifiers: Mapping[str, Sequence[str]],
                  ingredients: Sequence[str]) -> dict[str, dict[str, str]]:
    """The drink's `name_pt`, `description_de`, `words_fr`, … as {language: {field: text}}."""
    found: dict[str, dict[str, str]] = {}
    known_words = drink_words(modifiers, ingredients)
    for language in LANGUAGES:
        words = entry.get(f"words_{language}", {})
        key = f"menu.{drink_id}.words_{language}"
        if not isinstance(words, dict) or not all(isinstance(t, str) for t in words.values()):
            raise ConfigError(f'{key}: expected a table of words, like {{ ice = "gelo" }}')
        for word, text in words.items():
            if word not in known_words:
                known = ", ".join(sorted(known_words)) or "none"
                raise ConfigError(f"{key}: {word!r} is not one of its modifiers, options or "
                                  f"ingredients ({known})")
            if text.strip():
                found.setdefault(language, {})[WORD + word] = text.strip()
        for name in TRANSLATED:
            key = f"{name}_{language}"
            if key not in entry:
                continue
            if not isinstance(entry[key], str):
                raise ConfigError(f"menu.{drink_id}.{key}: expected text")
            if entry[key].strip():
                found.setdefault(language, {})[name] = entry[key].strip()
    return found


def _share_category_translations(drinks: list[DrinkSpec]) -> list[DrinkSpec]:
    """A category's translation is written once, on any of its drinks: the others of the
    same category take it (a guest sees one heading per category, not "Cafés" and
    "Coffee" side by side). Two different ones for one category are an error."""
    chosen: dict[tuple[str, str], tuple[str, str]] = {}  # (category, language) -> (text, id)
    for drink in drinks:
        for language, texts in drink.translations.items():
            if "category" not in texts:
                continue
            text, where = texts["category"], (drink.category, language)
            if where in chosen and chosen[where][0] != text:
                other, other_id = chosen[where]
                raise ConfigError(
                    f"menu.{drink.id}.category_{language}: {text!r}, but menu.{other_id} "
                    f"translates the same category {drink.category!r} as {other!r}")
            chosen.setdefault(where, (text, drink.id))
    shared = []
    for drink in drinks:
        translations = {k: dict(v) for k, v in drink.translations.items()}
        for (category, language), (text, _) in chosen.items():
            if category == drink.category:
                translations.setdefault(language, {}).setdefault("category", text)
        shared.append(replace(drink, translations=translations))
    return shared


def _parse_menu(entries: Any) -> tuple[DrinkSpec, ...]:
    drinks: list[DrinkSpec] = []
    allowed = (set(DrinkSpec.__dataclass_fields__) - {"translations"}) | {
        f"{name}_{language}" for name in (*TRANSLATED, "words") for language in LANGUAGES}
    for drink_id, entry, name in _tables(
        entries, "menu", allowed=allowed, what="drink", example="negroni",
        explain=_not_a_language,
    ):
        modifiers = entry.get("modifiers", {})
        if not isinstance(modifiers, dict) or not all(
            isinstance(opts, list) and opts and all(isinstance(o, str) for o in opts)
            for opts in modifiers.values()
        ):
            raise ConfigError(
                f"menu.{drink_id}.modifiers: expected a table of option lists, "
                'like {milk = ["whole", "oat"]}'
            )
        price = entry.get("price")
        if price is not None and (isinstance(price, bool) or not isinstance(price, int | float)):
            raise ConfigError(f"menu.{drink_id}.price: expected a number")
        drinks.append(
            DrinkSpec(
                id=drink_id,
                name=name,
                description=str(entry.get("description", "")),
                category=str(entry.get("category", "")),
                ingredients=tuple(str(i) for i in entry.get("ingredients", [])),
                tags=tuple(str(t) for t in entry.get("tags", [])),
                price=float(price) if price is not None else None,
                image=entry.get("image"),
                modifiers={k: tuple(v) for k, v in modifiers.items()},
                translations=_translations(drink_id, entry, modifiers,
                                           [str(i) for i in entry.get("ingredients", [])]),
            )
        )
    return tuple(_share_category_translations(drinks))
