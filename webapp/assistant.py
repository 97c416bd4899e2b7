"""The bartender that talks, over HTTP: suggestions and plain-word drafts for guests.

    GET  /api/recommendations?tastes=sweet,sour&alcohol=no&limit=3&surprise=1
         → {"drinks": [{"drink_id", "name", "score", "reasons": [...]}]}
    POST /api/assistant {"text": "two negronis, one with crushed ice", "lang"?: "en"}
         → {"reply", "items": [{"drink_id", "quantity", "modifiers"}], "unmatched": [...],
            "suggestions": [...], "language", "answered_by": "parser" | "model"}

Both need a guest's token and count against `assistant.per_minute` per guest (each
question is CPU work, or a wait for the local model). A draft is never an order: the
page places each drink through `POST /api/orders`. The rules are in `bar.assistant`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, current_app, request

from bar.assistant import Assistant, reply_language
from bar.assistant.recommend import MAX_LIMIT
from bar.config import Settings
from bar.errors import InvalidInput
from bar.limits import RateLimiter, rate_limiter
from bar.menu import ITEM_MAX
from bar.text import clean_text
from webapp.auth import current_claims, require_guest
from webapp.body import field, json_body
from webapp.context import bar_context

bp = Blueprint("assistant", __name__, url_prefix="/api")

_YES = {"1", "true", "yes", "on"}
_NO = {"0", "false", "no", "off"}
MAX_TASTES = 8


@dataclass(frozen=True)
class AssistantState:
    assistant: Assistant
    questions: RateLimiter  # per guest, across every server of the bar


def install(app: Flask, settings: Settings) -> None:
    """Give `app` the bartender (one per process: it remembers when the model failed)."""
    app.extensions["assistant"] = AssistantState(
        Assistant(settings),
        rate_limiter("assistant", settings.assistant_per_minute,
                     what="questions to the bartender"),
    )
    app.register_blueprint(bp)


def _state() -> AssistantState:
    state: AssistantState = current_app.extensions["assistant"]
    return state


def _language(asked: str | None) -> str:
    return reply_language(asked) if asked else reply_language(request.headers.get("Accept-Language"))


def _flag(name: str) -> bool | None:
    value = request.args.get(name, "").strip().lower()
    if value in ("", "any"):
        return None
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise InvalidInput(f"{name}: expected yes or no, got {value[:20]!r}")


@bp.get("/recommendations")
@require_guest
def recommendations() -> dict[str, Any]:
    """Drinks to suggest to this guest, best first, each with its reasons."""
    context, state = bar_context(), _state()
    user_key, now = current_claims().user_key, context.now()
    state.questions.hit(user_key, now=now)
    surprise = bool(_flag("surprise"))
    raw_limit = request.args.get("limit", "1" if surprise else "3")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise InvalidInput(f"limit: a whole number from 1 to {MAX_LIMIT}")
    tastes = [clean_text(t, field="tastes", max_len=ITEM_MAX).strip()  # up to a tag's length
              for t in request.args.get("tastes", "").split(",")]
    tastes = [t for t in tastes if t]
    if len(tastes) > MAX_TASTES:
        raise InvalidInput(f"tastes: at most {MAX_TASTES}")
    drinks = state.assistant.recommend(
        user_key=user_key, tastes=tastes, alcohol=_flag("alcohol"), limit=int(raw_limit),
        surprise=surprise, now=now, language=_language(request.args.get("lang")),
    )
    return {"drinks": [d.to_dict() for d in drinks]}


@bp.post("/assistant")
@require_guest
def ask() -> dict[str, Any]:
    """A draft of what the guest wrote (never an order), with the bartender's reply."""
    context, state = bar_context(), _state()
    user_key, now = current_claims().user_key, context.now()
    state.questions.hit(user_key, now=now)
    body = json_body()
    text = field(body, "text", str)
    lang = field(body, "lang", str, required=False)
    hint = _language(lang[:35] if lang else None)
    answer = state.assistant.answer(text, user_key=user_key, now=now, hint=hint)
    return answer.to_dict()
