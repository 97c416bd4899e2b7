"""The menu over the admin API: drinks added, edited, retired and photographed live,
photos served with cache headers, and every bad upload refused with nothing changed."""

from __future__ import annotations

import io

import pytest
import requests
from PIL import Image

from bar import events, photos
from bar.models import Drink, DrinkImage, Event
from tests.bar.photos import FAKE_JPEG, phone_jpeg, png_bomb


def menu_ids(client) -> list[str]:
    return [d["id"] for d in client.get("/api/menu").json["drinks"]]


def test_a_drink_added_edited_retired_and_restored_over_the_api(client, api):
    admin = api.admin()
    added = client.post("/api/admin/drinks", headers=admin, json={
        "name": "Paloma", "category": "Cocktails", "price": 8, "tags": ["sour", "strong"],
        "ingredients": ["tequila", "grapefruit soda"], "modifiers": {"salt": ["rim", "none"]},
    })
    assert added.status_code == 201
    drink = added.json["drink"]
    assert (drink["id"], drink["price"], drink["image"]) == ("paloma", 8.0, None)
    assert drink["thumb"].startswith("/media/placeholder.svg?t=PA")
    assert menu_ids(client)[-1] == "paloma"

    edited = client.patch("/api/admin/drinks/paloma", headers=admin, json={"price": 8.5})
    assert edited.status_code == 200 and edited.json["drink"]["price"] == 8.5
    assert edited.json["drink"]["name"] == "Paloma"  # partial: the rest stays

    retired = client.patch("/api/admin/drinks/paloma", headers=admin, json={"retired": True})
    assert retired.json["drink"]["retired"] is True and "paloma" not in menu_ids(client)
    listed = client.get("/api/admin/drinks", headers=admin).json["drinks"]
    assert [d["retired"] for d in listed if d["id"] == "paloma"] == [True]
    client.patch("/api/admin/drinks/paloma", headers=admin, json={"retired": False})
    assert "paloma" in menu_ids(client)
    changes = [e.payload["change"] for e in Event.select().where(Event.type == events.MENU_CHANGED)]
    assert changes == ["added", "edited", "retired", "restored"]


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), [
    ("post", "/api/admin/drinks", {"category": "x"}, 400, "invalid_input"),
    ("post", "/api/admin/drinks", {"name": "Negroni"}, 409, "already_exists"),
    ("patch", "/api/admin/drinks/negroni", {"price": "free"}, 400, "invalid_input"),
    ("patch", "/api/admin/drinks/negroni", {"secret": 1}, 400, "invalid_input"),
    ("patch", "/api/admin/drinks/no-such", {"price": 1}, 404, "not_found"),
])
def test_bad_drink_changes_are_clear_errors_and_change_nothing(
    client, api, method, path, body, status, code
):
    admin = api.admin()
    before = [menu_ids(client), Event.select().count(), Drink.get_by_id("negroni").price]
    response = getattr(client, method)(path, headers=admin, json=body)
    assert response.status_code == status and response.json["error"]["code"] == code
    assert [menu_ids(client), Event.select().count(), Drink.get_by_id("negroni").price] == before


def test_guests_may_not_change_the_menu(client, api):
    guest = api.register()
    assert client.post("/api/admin/drinks", headers=guest.auth, json={"name": "X"}).status_code == 403
    assert client.put("/api/admin/drinks/negroni/image", data=phone_jpeg(),
                      content_type="image/jpeg").status_code == 401


def test_a_photo_is_stored_without_exif_and_served_for_a_year(client, api, settings):
    admin = api.admin()
    response = client.put("/api/admin/drinks/negroni/image", headers=admin, data=phone_jpeg(),
                          content_type="image/jpeg")
    assert response.status_code == 200
    drink = response.json["drink"]
    assert drink["image"].startswith("/media/drinks/") and drink["thumb"].endswith("-thumb.webp")
    thumb = client.get(drink["thumb"])
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/webp"
    assert thumb.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    image = Image.open(io.BytesIO(thumb.data))
    assert image.format == "WEBP" and not image.getexif() and b"PhoneMaker" not in thumb.data
    again = client.get(drink["thumb"], headers={"If-None-Match": thumb.headers["ETag"]})
    assert again.status_code == 304
    # The guests' menu points at it; this server kept its own copy.
    assert {d["id"]: d["thumb"] for d in client.get("/api/menu").json["drinks"]}["negroni"] == (
        drink["thumb"])
    assert (settings.data_dir / "images" / drink["thumb"].rsplit("/", 1)[1]).is_file()

    gone = client.delete("/api/admin/drinks/negroni/image", headers=admin)
    assert gone.json["drink"]["image"] is None and DrinkImage.select().count() == 0
    assert client.get("/media/drinks/ffffffffffffffffffff.webp").status_code == 404


def test_the_placeholder_is_an_svg_of_the_initials(client):
    drink = {d["id"]: d for d in client.get("/api/menu").json["drinks"]}["gin-tonic"]
    response = client.get(drink["thumb"])
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert ">GT</text>" in response.text and "immutable" in response.headers["Cache-Control"]


@pytest.mark.parametrize(("body", "content_type", "status", "code"), [
    (FAKE_JPEG, "image/jpeg", 400, "image_invalid"),
    (png_bomb(8_000, 8_000), "image/png", 400, "image_invalid"),
    (png_bomb(50_000, 50_000), "image/png", 400, "image_invalid"),
    (b"\xff" * (30 * 1024 * 1024), "image/jpeg", 413, "too_large"),
    (phone_jpeg(), "text/plain", 415, "unsupported_media_type"),
], ids=["fake", "bomb-64mp", "bomb-2500mp", "30mb", "not-an-image-type"])
def test_a_bad_upload_is_a_clear_error_and_changes_nothing(client, api, body, content_type,
                                                           status, code):
    admin = api.admin()
    events_before = Event.select().count()
    response = client.put("/api/admin/drinks/negroni/image", headers=admin, data=body,
                          content_type=content_type)
    assert response.status_code == status and response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    assert Drink.get_by_id("negroni").photo is None and DrinkImage.select().count() == 0
    assert Event.select().count() == events_before


def test_a_30_mb_upload_to_a_real_server_is_refused_without_reading_it(live_server, api):
    """Over real HTTP, streamed: the server answers 413 from the length alone."""
    response = requests.put(
        f"{live_server}/api/admin/drinks/negroni/image",
        headers={**api.admin(), "Content-Type": "image/jpeg"},
        data=io.BytesIO(b"\xff" * (30 * 1024 * 1024)), timeout=30,
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    assert Drink.get_by_id("negroni").photo is None


def test_an_open_page_hears_a_new_drink_and_its_price(ws_client, api, client):
    ws = ws_client()
    ws.subscribe(events.CONFIG)
    admin = api.admin()
    client.post("/api/admin/drinks", headers=admin, json={"name": "Paloma", "price": 8})
    added = ws.recv()["event"]
    assert (added["type"], added["change"], added["drink"]["name"]) == (
        "MENU_CHANGED", "added", "Paloma")
    client.patch("/api/admin/drinks/paloma", headers=admin, json={"price": 9.5})
    assert ws.recv()["event"]["drink"]["price"] == 9.5
    assert photos.PLACEHOLDER_URL in added["drink"]["thumb"]
