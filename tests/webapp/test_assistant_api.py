"""`POST /api/assistant` and `GET /api/recommendations`: drafts and suggestions for a
guest, never an order; bad input is a clear JSON error; each guest has a budget."""

from __future__ import annotations

import dataclasses

from bar import menu
from bar.menu import ITEM_MAX
from bar.models import Order
from webapp import create_app
from webapp.assistant import AssistantState

EXAMPLE = "two negronis, one with crushed ice"


def ask(client, guest, text, **body):
    return client.post("/api/assistant", json={"text": text, **body}, headers=guest.auth)


def test_a_sentence_becomes_a_draft_and_nothing_is_ordered(client, api):
    ana = api.register("Ana")
    response = ask(client, ana, EXAMPLE)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["items"] == [
        {"drink_id": "negroni", "quantity": 1, "modifiers": {"ice": "crushed"}},
        {"drink_id": "negroni", "quantity": 1, "modifiers": {}},
    ]
    assert body["unmatched"] == [] and body["answered_by"] == "parser"
    assert "2 × Negroni" not in body["reply"] and "1 × Negroni (crushed)" in body["reply"]
    assert Order.select().count() == 0


def test_what_it_cannot_match_is_unmatched_and_the_reply_asks(client, api):
    ana = api.register("Ana")
    body = ask(client, ana, "dos negronis y una pizza, por favor").json
    assert body["items"] == [{"drink_id": "negroni", "quantity": 2, "modifiers": {}}]
    assert body["unmatched"] == ["pizza"]
    assert body["language"] == "es" and "«pizza»" in body["reply"]


def test_an_out_of_stock_drink_is_said_not_drafted(client, api, clock):
    menu.set_in_stock("margarita", False, now=clock())
    body = ask(client, api.register("Ana"), "a margarita and an espresso").json
    assert body["items"] == [{"drink_id": "espresso", "quantity": 1, "modifiers": {}}]
    assert body["unmatched"] == ["Margarita"] and "out of stock" in body["reply"]


def test_a_taste_question_answers_with_suggestions(client, api):
    body = ask(client, api.register("Ana"), "something sweet without alcohol").json
    assert body["items"] == [] and body["suggestions"]
    assert body["suggestions"][0]["drink_id"] == "shirley-temple"
    assert "Shirley Temple" in body["reply"]


def test_the_assistant_needs_a_guest_and_a_text(client, api):
    assert client.post("/api/assistant", json={"text": "a negroni"}).status_code == 401
    ana = api.register("Ana")
    for body in ({}, {"text": ""}, {"text": 3}, {"text": "x" * 301}):
        response = client.post("/api/assistant", json=body, headers=ana.auth)
        assert response.status_code == 400, body
        assert response.json["error"]["code"] == "invalid_input"


def test_quantities_are_bounded(client, api):
    body = ask(client, api.register("Ana"), "100 negronis").json
    assert body["items"] == [{"drink_id": "negroni", "quantity": 10, "modifiers": {}}]
    assert body["unmatched"] == ["100 × Negroni"] and "At most 10" in body["reply"]


def test_each_guest_has_a_budget_of_questions(settings, keys, clock, api):
    app = create_app(dataclasses.replace(settings, assistant_per_minute=2), clock=clock)
    client = app.test_client()
    try:
        api.client = client
        ana, ben = api.register("Ana"), api.register("Ben")
        assert ask(client, ana, "a negroni").status_code == 200
        assert client.get("/api/recommendations", headers=ana.auth).status_code == 200
        refused = ask(client, ana, "a negroni")
        assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) >= 1
        assert ask(client, ben, "a negroni").status_code == 200  # per guest
        clock.advance(seconds=61)
        assert ask(client, ana, "a negroni").status_code == 200
    finally:
        app.extensions["bar"].hub.stop()


def test_recommendations_by_taste_with_reasons(client, api):
    ana = api.register("Ana")
    response = client.get("/api/recommendations?tastes=sour&alcohol=no&limit=3", headers=ana.auth)
    assert response.status_code == 200, response.json
    drinks = response.json["drinks"]
    assert [d["drink_id"] for d in drinks] == ["virgin-mojito"]
    assert drinks[0]["name"] == "Virgin Mojito" and 0 < drinks[0]["score"] <= 1
    assert drinks[0]["reasons"][0] == "sour and alcohol-free"
    # a taste chip is one of the menu's tags, which may be as long as any tag
    longest = "x" * ITEM_MAX
    assert client.get(f"/api/recommendations?tastes={longest}",
                      headers=ana.auth).status_code == 200
    assert client.get(f"/api/recommendations?tastes={longest}x",
                      headers=ana.auth).status_code == 400


def test_recommendations_in_the_guests_language(client, api):
    ana = api.register("Ana")
    drinks = client.get("/api/recommendations?tastes=amargo", headers={
        **ana.auth, "Accept-Language": "pt-PT,pt;q=0.9"}).json["drinks"]
    assert {d["drink_id"] for d in drinks} <= {"negroni", "aperol-spritz", "gin-tonic", "espresso"}
    assert drinks and all(d["reasons"][0].startswith("amargo") for d in drinks)


def test_recommendations_follow_history_popularity_and_stock(client, api, make, clock):
    ana, ben = api.register("Ana"), api.register("Ben")
    for _ in range(2):
        order = api.order(ana, "margarita")
        api.client.post(f"/api/orders/{order['order_id']}/cancel", headers=ana.auth)
        clock.advance(seconds=30)
    # cancelled orders count for nothing; served ones do
    assert all("you've had" not in " ".join(d["reasons"]) for d in
               client.get("/api/recommendations?limit=10", headers=ana.auth).json["drinks"])
    for _ in range(2):
        make.order(make.guest("Cy"), "espresso-martini")
    first = api.order(ben, "espresso")
    from bar import orders

    for _ in range(3):
        orders.advance(first["order_id"], barista="Sam", now=clock())
    api.order(ben, "espresso")
    drinks = client.get("/api/recommendations?limit=10", headers=ben.auth).json["drinks"]
    by_id = {d["drink_id"]: d for d in drinks}
    assert "you've had it 2 times" in by_id["espresso"]["reasons"]
    assert "popular tonight" in by_id["espresso-martini"]["reasons"]
    menu.set_in_stock("espresso-martini", False, now=clock())
    drinks = client.get("/api/recommendations?limit=10", headers=ben.auth).json["drinks"]
    assert "espresso-martini" not in {d["drink_id"] for d in drinks}


def test_surprise_me_never_picks_the_drink_just_had(client, api, app):
    ana = api.register("Ana")
    api.order(ana, "virgin-mojito")
    state: AssistantState = app.extensions["assistant"]
    state.assistant.rng.seed(7)
    picks = set()
    for _ in range(15):
        response = client.get("/api/recommendations?surprise=1&alcohol=no", headers=ana.auth)
        assert response.status_code == 200, response.json
        drinks = response.json["drinks"]
        assert len(drinks) == 1 and drinks[0]["reasons"][0] == "a surprise pick"
        picks.add(drinks[0]["drink_id"])
    assert "virgin-mojito" not in picks and len(picks) >= 2


def test_recommendation_parameters_are_checked(client, api):
    ana = api.register("Ana")
    for query in ("limit=0", "limit=11", "limit=x", "alcohol=maybe", "surprise=perhaps",
                  "tastes=" + ",".join(["sweet"] * 9)):
        response = client.get(f"/api/recommendations?{query}", headers=ana.auth)
        assert response.status_code == 400, query
        assert response.json["error"]["code"] == "invalid_input"
    assert client.get("/api/recommendations").status_code == 401
