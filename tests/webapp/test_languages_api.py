"""A guest reads the API's error messages in their language; the codes stay English."""

from __future__ import annotations

import pytest

from webapp import i18n


def refused_order(client, api, **headers: str):
    guest = api.register()
    api.order(guest)
    api.order(guest)
    return client.post("/api/orders", json={"drink_id": "negroni"},
                       headers={**guest.auth, **headers})


def test_a_german_phone_reads_german(client, api):
    response = refused_order(client, api, **{"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert response.status_code == 409
    assert response.json["error"] == {
        "code": "too_many_open_orders",
        "message": "Du hast schon ein Getränk in Arbeit: Hol es ab, bevor du noch etwas bestellst.",
    }


@pytest.mark.parametrize("accept", ["en-GB", "ja,ko;q=0.5", ""])
def test_english_and_unknown_languages_keep_the_core_sentence(client, api, accept):
    error = refused_order(client, api, **{"Accept-Language": accept})
    assert error.json["error"]["message"] == (
        "you already have 2 open orders: collect it before ordering again")


@pytest.mark.parametrize(("headers", "query", "starts"), [
    ({"Accept-Language": "de", "X-Bar-Language": "pt-BR"}, "", "Você já tem"),
    ({"Accept-Language": "de", "X-Bar-Language": "fr"}, "?lang=es", "Ya tienes"),
    ({"Accept-Language": "fr-CA,fr;q=0.8"}, "", "Vous avez déjà"),
    ({"X-Bar-Language": "klingon"}, "", "you already have"),
])
def test_the_page_s_choice_wins_over_the_phone_s(client, api, headers, query, starts):
    guest = api.register()
    api.order(guest)
    api.order(guest)
    response = client.post(f"/api/orders{query}", json={"drink_id": "negroni"},
                           headers={**guest.auth, **headers})
    assert response.json["error"]["code"] == "too_many_open_orders"
    assert response.json["error"]["message"].startswith(starts)


def test_a_used_up_invite_in_german_names_no_english(client, make):
    code = make.code(max_uses=1)
    first = client.post("/api/register", json={"username": "Ana"},
                        headers={"X-Registration-Code": code})
    assert first.status_code == 201
    again = client.post("/api/register", json={"username": "Bob"},
                        headers={"X-Registration-Code": code, "Accept-Language": "de-DE"})
    error = again.json["error"]
    assert error["code"] in ("code_used_up", "no_invite")
    assert "aufgebraucht" in error["message"]


def test_a_taken_name_is_named_in_french(client, api):
    api.register("Zoé")
    response = client.post("/api/register", json={"username": "zoé"},
                           headers={"X-Registration-Code": api.make.code(), "Accept-Language": "fr"})
    assert response.json["error"]["code"] == "name_taken"
    assert response.json["error"]["message"].startswith("Quelqu’un ici s’appelle déjà zoé.")
    assert "« zoé B. »" in response.json["error"]["message"]


def test_every_guest_message_reads_in_every_language():
    for language in i18n.LANGUAGES[1:]:
        for code, english in i18n.GUEST_MESSAGES.items():
            translated = i18n.translations(language).gettext(english)
            assert translated != english, (language, code)
