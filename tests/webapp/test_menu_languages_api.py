"""The menu in the guest's language over HTTP: each field translated where the menu has
it, the default otherwise; an ETag and a cache key per language; translations edited
over the admin API and announced live with the drink."""

from __future__ import annotations

from bar import events
from bar.models import Drink

PT_BR = {"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.5"}


def by_id(response) -> dict[str, dict]:
    return {d["id"]: d for d in response.json["drinks"]}


def test_a_portuguese_phone_reads_the_menu_in_portuguese_with_the_default_where_none(client):
    response = client.get("/api/menu", headers=PT_BR)
    assert response.json["language"] == "pt"
    drinks = by_id(response)
    espresso = drinks["espresso"]
    assert (espresso["name"], espresso["category"], espresso["description"]) == (
        "Expresso", "Cafés", "Uma dose de café de origem única, curta e intensa.")
    assert drinks["gin-tonic"]["name"] == "Gim-tônica"
    assert drinks["margarita"]["name"] == "Margarita"  # no name_pt: the default name
    assert drinks["margarita"]["description"].startswith("Tequila, limão")
    # French: the file translates the espresso's description, not its name
    french = by_id(client.get("/api/menu?lang=fr"))["espresso"]
    assert (french["name"], french["description"]) == (
        "Espresso", "Un café d'une seule origine, court et corsé.")
    # what the page's switcher says wins over the phone's languages
    assert by_id(client.get("/api/menu", headers={**PT_BR, "X-Bar-Language": "es"}))["espresso"][
        "name"] == "Café solo"
    english = client.get("/api/menu")
    assert english.json["language"] == "en" and by_id(english)["espresso"]["name"] == "Espresso"


def test_each_language_has_its_own_etag_and_cache_key(client):
    english = client.get("/api/menu")
    portuguese = client.get("/api/menu", headers=PT_BR)
    german = client.get("/api/menu?lang=de")
    etags = {r.headers["ETag"] for r in (english, portuguese, german)}
    assert len(etags) == 3
    vary = {v.strip() for v in portuguese.headers["Vary"].split(",")}
    assert {"Accept-Language", "X-Bar-Language"} <= vary
    again = client.get("/api/menu", headers={**PT_BR, "If-None-Match": portuguese.headers["ETag"]})
    assert again.status_code == 304
    # the Portuguese ETag is not the English menu's: an English page gets it whole
    other = client.get("/api/menu", headers={"If-None-Match": portuguese.headers["ETag"]})
    assert other.status_code == 200 and by_id(other)["espresso"]["name"] == "Espresso"
    assert client.get("/api/menu?lang=de", headers={
        "If-None-Match": german.headers["ETag"]}).status_code == 304


# What bar.toml's sample says of the Negroni's words in Portuguese (words_pt).
NEGRONI_WORDS_PT = {"word:ice": "gelo", "word:big cube": "cubo grande", "word:crushed": "picado",
                    "word:no ice": "sem gelo", "word:gin": "gim",
                    "word:sweet vermouth": "vermute tinto", "word:orange": "laranja"}


def test_translations_edited_over_the_admin_api_reach_the_menu_and_the_live_event(
    client, api, ws_client
):
    ws = ws_client()
    ws.subscribe(events.CONFIG)
    before = client.get("/api/menu", headers=PT_BR).headers["ETag"]
    edited = client.patch("/api/admin/drinks/negroni", headers=api.admin(), json={
        "translations": {"pt": {"name": "Negroni da casa", "description": None}}})
    assert edited.status_code == 200
    assert edited.json["drink"]["name"] == "Negroni"  # the admin reads the drink as stored
    pt = {"name": "Negroni da casa", "category": "Coquetéis", **NEGRONI_WORDS_PT}
    assert edited.json["drink"]["translations"]["pt"] == pt
    event = ws.recv()["event"]
    assert (event["type"], event["change"], event["drink"]["translations"]["pt"]) == (
        "MENU_CHANGED", "edited", pt)
    after = client.get("/api/menu", headers={**PT_BR, "If-None-Match": before})
    assert after.status_code == 200
    negroni = by_id(after)["negroni"]
    # the Portuguese description is gone: the default one shows
    assert (negroni["name"], negroni["description"]) == (
        "Negroni da casa", "Gin, Campari and sweet vermouth, stirred over ice with an orange peel.")


def test_a_drinks_options_in_the_guests_words_while_orders_name_them_as_written(client, api):
    edited = client.patch("/api/admin/drinks/negroni", headers=api.admin(), json={
        "translations": {"pt": {"word:crushed": "gelo moído"}}})
    assert edited.status_code == 200
    negroni = by_id(client.get("/api/menu", headers=PT_BR))["negroni"]
    assert negroni["modifiers"] == {"ice": ["big cube", "crushed", "no ice"]}  # what orders say
    assert negroni["translations"]["pt"] == {
        **NEGRONI_WORDS_PT, "word:crushed": "gelo moído", "category": "Coquetéis",
        "description": negroni["description"]}
    order = api.order(api.register("Ana"), "negroni", modifiers={"ice": "crushed"})
    assert order["modifiers"] == {"ice": "crushed"}
    refused = client.patch("/api/admin/drinks/negroni", headers=api.admin(), json={
        "translations": {"pt": {"word:ice cubes": "gelo"}}})
    assert refused.status_code == 400
    assert "'ice cubes' is not one of the drink's modifiers, options or ingredients" in (
        refused.json["error"]["message"])


def test_a_bad_translation_is_a_clear_error_and_changes_nothing(client, api):
    before = Drink.get_by_id("negroni").translations
    refused = client.patch("/api/admin/drinks/negroni", headers=api.admin(),
                           json={"translations": {"it": {"name": "Negroni"}}})
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "invalid_input"
    assert "no language 'it'" in refused.json["error"]["message"]
    assert Drink.get_by_id("negroni").translations == before


def test_a_board_names_its_orders_in_its_own_language_by_drink_id(client, api):
    api.order(api.register("Ana"), "espresso")
    waiting = client.get("/api/display").json["waiting"]
    assert [(o["drink_id"], o["drink_name"]) for o in waiting] == [("espresso", "Espresso")]
    names = {d["id"]: d["name"] for d in client.get("/api/menu?lang=es").json["drinks"]}
    assert names[waiting[0]["drink_id"]] == "Café solo"
