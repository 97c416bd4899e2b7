"""Every error the core raises, one family.

    BarError                      code              http
    ├── ConfigError               config_invalid    500
    ├── ServerFailed              server_failed     500   (`bar up`: the web server did not start)
    ├── InvalidInput              invalid_input     400   (bad name, modifier, note, …)
    │   └── InvalidJSON           invalid_json      400
    ├── NotFound                  not_found         404
    │   └── DrinkUnavailable      drink_unavailable 404
    ├── AuthError                                   401
    │   ├── CodeMissing           code_missing      401
    │   ├── TokenInvalid          token_invalid     401
    │   │   └── TokenMissing      token_missing     401
    │   ├── SignedOut             signed_out        401   (kicked by the host)
    │   ├── TokenExpired          token_expired     401
    │   ├── RefreshInvalid        refresh_invalid   401
    │   └── LoginFailed           login_failed      401
    ├── Forbidden                 forbidden         403   (origin_refused: a socket from another site)
    │   └── CodeRefused           code_invalid | code_expired | code_revoked | code_used_up
    ├── Conflict                                    409
    │   ├── InvalidTransition     invalid_transition
    │   ├── ShopClosed            shop_closed
    │   ├── QueueFull             queue_full
    │   ├── TooManyOpenOrders     too_many_open_orders
    │   ├── ScanCodeInvalid       scan_code_invalid | scan_code_missing | scan_code_stale
    │   ├── WindowSpent           window_spent
    │   └── AlreadyExists         already_exists
    └── RateLimited               rate_limited      429   (with `retry_after`, whole seconds)

The web app turns an error into `{"error": {"code", "message"}}` with `http_status`;
the CLI prints `error: <message>` and exits 1. The `code` strings are an API: keep them.
"""

from __future__ import annotations


class BarError(Exception):
    code = "bar_error"
    http_status = 500

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ConfigError(BarError):
    code = "config_invalid"


class ServerFailed(BarError):
    code = "server_failed"


class InvalidInput(BarError):
    code = "invalid_input"
    http_status = 400


class InvalidJSON(InvalidInput):
    code = "invalid_json"


class NotFound(BarError):
    code = "not_found"
    http_status = 404


class DrinkUnavailable(NotFound):
    code = "drink_unavailable"


class AuthError(BarError):
    code = "unauthorized"
    http_status = 401


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
    http_status = 403


class CodeRefused(Forbidden):
    code = "code_invalid"


class Conflict(BarError):
    code = "conflict"
    http_status = 409


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


class RateLimited(BarError):
    """Too many attempts in the window; `retry_after` is when the next one is allowed."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
