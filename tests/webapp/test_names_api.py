"""`POST /api/register` and names: look-alikes refused, a taken name asked about first."""

from __future__ import annotations

from tests.webapp.conftest import table_counts


def register(client, code, body):
    return client.post("/api/register", json=body, headers={"X-Registration-Code": code})


def test_a_taken_name_is_409_until_the_guest_says_it_is_fine(client, api, make):
    api.register("Ana")
    code = make.code()
    before = table_counts()
    taken = register(client, code, {"username": " ANA "})
    assert taken.status_code == 409
    assert taken.json["error"]["code"] == "name_taken"
    assert "add an initial" in taken.json["error"]["message"]
    assert table_counts() == before  # no guest, no use of the code

    assert register(client, code, {"username": "Ana B."}).status_code == 201
    again = register(client, code, {"username": "ANA", "same_name_ok": True})
    assert again.status_code == 201
    assert again.json["user"]["username"] == "ANA"


def test_same_name_ok_must_be_true_or_false(client, make, unchanged):
    response = register(client, make.code(), {"username": "Ana", "same_name_ok": "yes"})
    assert response.status_code == 400
    assert response.json["error"]["message"] == "same_name_ok must be true or false"


def test_a_look_alike_name_is_400_and_says_which_letter(client, make, unchanged):
    response = register(client, make.code(), {"username": "\u0410na"})
    assert response.status_code == 400
    assert response.json["error"] == {
        "code": "invalid_input",
        "message": "name mixes scripts: '\u0410' (CYRILLIC CAPITAL LETTER A) looks like a Latin "
                   "letter; write it in one script",
    }


def test_invisible_characters_are_dropped_from_the_stored_name(client, make):
    response = register(client, make.code(), {"username": "\u200fAn\u200ba\u00ad"})
    assert response.status_code == 201
    assert response.json["user"]["username"] == "Ana"
