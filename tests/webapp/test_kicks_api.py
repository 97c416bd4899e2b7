"""`POST /api/register` for a name or a phone the host kicked tonight: 403 `kicked`."""

from __future__ import annotations

from bar import guests, kicks
from tests.webapp.conftest import table_counts

PHONE = "3f0c8a1e9b7d4c2a8e6f1b0d9c7a5e3f"
OTHER_PHONE = "0123456789abcdef0123456789abcdef"
KICKED = {"code": "kicked", "message": kicks.KICKED_MESSAGE}


def register(client, code, name, device_id=None):
    headers = {"X-Registration-Code": code}
    if device_id is not None:
        headers["X-Device-Id"] = device_id
    return client.post("/api/register", json={"username": name}, headers=headers)


def test_a_kicked_name_or_phone_gets_403_kicked_and_changes_nothing(client, make):
    code = make.code()
    assert register(client, code, "Mallory", PHONE).status_code == 201
    make.kick("Mallory")
    before = table_counts()
    for name, phone in (("mallory", OTHER_PHONE), ("MALLORY", None), ("Sunshine", PHONE)):
        refused = register(client, code, name, phone)
        assert refused.status_code == 403, (name, phone)
        assert refused.json["error"] == KICKED
    assert table_counts() == before  # no guest, no token, no use of the code
    assert register(client, code, "Sunshine", OTHER_PHONE).status_code == 201


def test_the_kick_ends_with_the_night_or_when_the_host_lets_them_back(client, make, clock):
    code = make.code()
    register(client, code, "Mallory", PHONE)
    make.kick("Mallory")
    assert register(client, code, "Mallory", PHONE).status_code == 403
    guests.unkick("Mallory", now=clock())
    assert register(client, code, "Mallory", PHONE).status_code == 201
    kick = make.kick("Mallory")
    clock.now = kick.until  # the next business day
    back = register(client, code, "Mallory", PHONE)
    assert back.status_code == 201 and back.json["user"]["username"] == "Mallory"


def test_a_bad_code_is_told_before_the_kick(client, make):
    register(client, make.code(), "Mallory", PHONE)
    make.kick("Mallory")
    refused = register(client, "not-a-code", "Mallory", PHONE)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "code_invalid"


def test_a_malformed_device_id_is_400(client, make, unchanged):
    refused = register(client, make.code(), "Ana", "not a device id")
    assert refused.status_code == 400
    assert refused.json["error"] == {
        "code": "invalid_input",
        "message": "the device id must be 16 to 64 letters, digits, '-' or '_'",
    }
