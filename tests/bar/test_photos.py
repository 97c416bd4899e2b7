"""Drink photos: judged by content, metadata gone, upright, two versions kept in the
database (every server of a bar serves them), and placeholders."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bar import menu, photos
from bar.errors import ImageInvalid, TooLarge
from bar.models import Drink, DrinkImage
from tests.bar.photos import FAKE_JPEG, phone_jpeg, png, png_bomb


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_phone_photo_loses_its_exif_and_stands_upright():
    photo = photos.process(phone_jpeg(640, 480))
    large, thumb = opened(photo.large), opened(photo.thumb)
    assert large.format == thumb.format == "WEBP"
    assert large.size == (480, 640)  # orientation 6 applied: a portrait photo
    assert max(thumb.size) == photos.THUMB_SIDE
    for image in (large, thumb):
        assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
    assert b"PhoneMaker" not in photo.large and b"GPS" not in photo.large
    # The blue half was on the left; turned clockwise, it is on top.
    r, g, b, *_ = large.getpixel((240, 20))
    assert b > r


def test_a_big_photo_is_made_smaller_and_a_transparent_one_keeps_its_alpha():
    big = photos.process(png(3000, 1500, mode="RGB"))
    assert opened(big.large).size == (photos.LARGE_SIDE, photos.LARGE_SIDE // 2)
    assert opened(photos.process(png()).large).mode == "RGBA"


@pytest.mark.parametrize(("data", "error", "message"), [
    (FAKE_JPEG, ImageInvalid, "could not be read|not a JPEG"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", ImageInvalid, "not a JPEG, PNG or WebP"),
    (b"GIF89a" + b"\x00" * 100, ImageInvalid, "not a JPEG, PNG or WebP"),
    (png_bomb(8_000, 8_000), ImageInvalid, "8000×8000 pixels, more than 40 million"),
    (png_bomb(50_000, 50_000), ImageInvalid, "far too many pixels"),
    (b"", ImageInvalid, "no photo"),
    (b"\x00" * (photos.MAX_UPLOAD_BYTES + 1), TooLarge, "over 10 MB"),
], ids=["fake-jpeg", "svg", "gif-header", "bomb-64mp", "bomb-2500mp", "empty", "over-10mb"])
def test_what_is_not_a_photo_we_take_is_refused(data, error, message):
    with pytest.raises(error, match=message):
        photos.process(data)


def test_the_same_photo_twice_is_kept_once_and_a_replaced_one_is_forgotten(keys, clock):
    first = photos.process(phone_jpeg())
    menu.set_photo("negroni", first, now=clock())
    menu.set_photo("margarita", first, now=clock())
    assert DrinkImage.select().count() == 2  # large and thumbnail, once
    menu.set_photo("negroni", photos.process(png()), now=clock())
    assert DrinkImage.select().where(DrinkImage.photo == first.key).count() == 2  # the margarita's
    menu.clear_photo("margarita", now=clock())
    assert DrinkImage.select().where(DrinkImage.photo == first.key).count() == 0
    negroni = menu.drink_dict(Drink.get_by_id("negroni"))
    assert negroni["image"] == f"/media/drinks/{Drink.get_by_id('negroni').photo}.webp"
    assert str(negroni["thumb"]).endswith("-thumb.webp")


def test_a_stored_photo_is_read_from_the_database_then_from_this_servers_copy(keys, clock, tmp_path):
    photo = photos.process(phone_jpeg())
    menu.set_photo("negroni", photo, now=clock())
    cache = tmp_path / "images"
    served = photos.read(photos.thumb_name(photo.key), cache)
    assert served.data == photo.thumb and served.content_type == "image/webp"
    assert (cache / photos.thumb_name(photo.key)).read_bytes() == photo.thumb
    DrinkImage.delete().execute()  # this server's copy still serves it
    assert photos.read(photos.thumb_name(photo.key), cache).data == photo.thumb


def test_a_drink_without_a_photo_has_a_placeholder_of_its_initials(keys):
    drink = menu.drink_dict(Drink.get_by_id("espresso-martini"))
    assert drink["image"] is None
    assert str(drink["thumb"]).startswith("/media/placeholder.svg?t=EM&h=")
    svg = photos.placeholder_svg("t=%3Cb%3E&h=12")
    assert "&lt;b&gt;" in svg and "<b>" not in svg and "hsl(12," in svg
