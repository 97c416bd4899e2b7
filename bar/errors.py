"""Every error the core raises, one family.

    BarError                      code
    ├── ConfigError               config_invalid
    ├── ServerFailed              server_failed     (`bar up`: the web server did not start)
    ├── PrinterFailed             printer_failed    (the receipt printer is off, unplugged, …)
    ├── InvalidInput              invalid_input     (bad name, modifier, note, …)
    │   ├── InvalidJSON           invalid_json
    │   ├── ImageInvalid          image_invalid     (not a JPEG/PNG/WebP, broken, a decompression bomb)
    │   └── TooLarge              too_large         (an upload over its limit: HTTP 413)
    ├── NotFound                  not_found
    │   ├── DrinkUnavailable      drink_unavailable
    │   └── NoInvite              no_invite         (every invite is used up, expired or revoked)
    ├── AuthError                 unauthorized
    │   ├── CodeMissing           code_missing
    │   ├── TokenInvalid          token_invalid
    │   │   └── TokenMissing      token_missing
    │   ├── SignedOut             signed_out        (kicked by the host)
    │   ├── TokenExpired          token_expired
    │   ├── RefreshInvalid        refresh_invalid
    │   └── LoginFailed           login_failed
    ├── Forbidden                 forbidden         (origin_refused: a socket from another site)
    │   ├── CodeRefused           code_invalid | code_expired | code_revoked | code_used_up
    │   └── Kicked                kicked            (the host keeps this name or phone out tonight)
    ├── Conflict                  conflict
    │   ├── InvalidTransition     invalid_transition
    │   ├── ShopClosed            shop_closed
    │   ├── QueueFull             queue_full
    │   ├── TooManyOpenOrders     too_many_open_orders
    │   ├── ScanCodeInvalid       scan_code_invalid | scan_code_missing | scan_code_stale
    │   ├── WindowSpent           window_spent
    │   ├── AlreadyExists         already_exists
    │   └── NameTaken             name_taken        (a guest here has that name: add an initial?)
    └── RateLimited               rate_limited      (with `retry_after`, whole seconds)

The core knows no transport: the web app maps these classes to HTTP statuses
(`webapp.errors.STATUSES`) and answers `{"error": {"code", "message"}}`; the CLI prints
`error: <message>` and exits 1. The `code` strings are an API: keep them.

The `message` is English (the host's tools speak English). A guest who reads another
language gets a sentence the web app picks by `code` from its catalogs
(`webapp.i18n`), filled from `params`: the values (a name, a drink) that sentence needs.
"""

from __future__ import annotations

from collections.abc import Mapping


class BarError(Exception):
    code = "bar_error"

    def __init__(self, message: str, *, code: str | None = None,
                 params: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.params: Mapping[str, str] = params or {}
        if code is not None:
            self.code = code


class ConfigError(BarError):
    code = "config_invalid"


class ServerFailed(BarError):
    code = "server_failed"


class PrinterFailed(BarError):
    """The receipt printer could not be reached or refused the ticket (`bar.printer`)."""

    code = "printer_failed"


class PortInUse(ServerFailed):
    code = "port_in_use"


class InvalidInput(BarError):
    code = "invalid_input"


class InvalidJSON(InvalidInput):
    code = "invalid_json"


class ImageInvalid(InvalidInput):
    """Not a photo we take (not JPEG, PNG or WebP by its content, broken, or a
    decompression bomb)."""

    code = "image_invalid"


class TooLarge(InvalidInput):
    """An upload over its size limit (the web app answers 413)."""

    code = "too_large"


class NotFound(BarError):
    code = "not_found"


class DrinkUnavailable(NotFound):
    code = "drink_unavailable"


class NoInvite(NotFound):
    """No invite registers guests now; `status` says what became of the newest one."""

    code = "no_invite"

    def __init__(self, message: str, *, status: str = "", code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.status = status  # "used up", "expired" or "revoked" (`registration.code_status`)


class AuthError(BarError):
    code = "unauthorized"


class CodeMissing(AuthError):
    code = "code_missing"


class TokenInvalid(AuthError):
    code = "token_invalid"


class TokenMissing(TokenInvalid):
    code = "token_missing"


class SignedOut(AuthError):
    """The host signed this guest out (`bar guests kick`): their tokens stop working."""

    code = "signed_out"


class TokenExpired(AuthError):
    code = "token_expired"


class RefreshInvalid(AuthError):
    code = "refresh_invalid"


class LoginFailed(AuthError):
    code = "login_failed"


class Forbidden(BarError):
    code = "forbidden"


class CodeRefused(Forbidden):
    code = "code_invalid"


class Kicked(Forbidden):
    """The host kicked this name or this phone tonight (`bar guests kick`)."""

    code = "kicked"


class Conflict(BarError):
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ShopClosed(Conflict):
    code = "shop_closed"


class QueueFull(Conflict):
    code = "queue_full"


class TooManyOpenOrders(Conflict):
    code = "too_many_open_orders"


class ScanCodeInvalid(Conflict):
    code = "scan_code_invalid"


class WindowSpent(Conflict):
    code = "window_spent"


class AlreadyExists(Conflict):
    code = "already_exists"


class NameTaken(Conflict):
    """A guest still here has this name (case aside); the guest may confirm and join."""

    code = "name_taken"


class RateLimited(BarError):
    """Too many attempts in the window; `retry_after` is when the next one is allowed."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
