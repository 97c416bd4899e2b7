"""Bearer tokens on API routes: `@require_guest` and `@require_admin`.

Verification is `bar.tokens.verify_access` (RS256 only, issuer, `token_type`, expiry
against the app's clock). The verified claims are in `flask.g.claims` for the view.

    no Authorization header          401 token_missing
    not a JWT, forged, refresh token 401 token_invalid
    expired                          401 token_expired
    a guest the host signed out      401 signed_out
    valid, but the wrong role        403 forbidden
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, request

from bar import guests
from bar.errors import Forbidden, SignedOut, TokenInvalid, TokenMissing
from bar.tokens import Claims, Role, verify_access
from webapp.context import bar_context

F = TypeVar("F", bound=Callable[..., Any])


def bearer_token() -> str:
    """The token of an `Authorization: Bearer <token>` header."""
    header = request.headers.get("Authorization", "")
    if not header.strip():
        raise TokenMissing("sign in first: no access token was sent")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenInvalid("expected an `Authorization: Bearer <token>` header")
    return token.strip()


def verify(token: str) -> Claims:
    context = bar_context()
    return verify_access(context.keys, token, issuer=context.settings.issuer, now=context.now())


def _require(role: Role) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            claims = verify(bearer_token())
            if claims.role != role:
                raise Forbidden(f"this needs a {role} sign-in")
            if role == "guest" and not guests.is_active(claims.user_key):
                raise SignedOut("you were signed out by the host")
            g.claims = claims
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


require_guest = _require("guest")
require_admin = _require("admin")


def current_claims() -> Claims:
    """The claims `@require_guest`/`@require_admin` verified for this request."""
    claims: Claims = g.claims
    return claims
