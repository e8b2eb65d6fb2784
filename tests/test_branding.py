"""The site's icons, its own fonts, and each petition's link-preview picture."""

from __future__ import annotations

import io
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from campaign.branding.images import petition_preview_png
from campaign.extensions import db
from campaign.petitions.models import Petition
from tests.helpers import make_organiser, make_petition

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _static(client: FlaskClient, address: str) -> tuple[int, bytes]:
    # Static files are streamed from disk: read and close them, or the file stays open.
    with client.get(address) as response:
        return response.status_code, response.data


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_favicon_and_touch_icon(client: FlaskClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
    assert _image(icon.data).format == "ICO"
    assert {(16, 16), (32, 32)} <= set(Image.open(io.BytesIO(icon.data)).info["sizes"])
    assert icon.cache_control.public and icon.cache_control.max_age >= 86_400
    again = client.get("/favicon.ico", headers={"If-None-Match": icon.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    touch = client.get("/apple-touch-icon.png")
    picture = _image(touch.data)
    assert touch.status_code == 200 and picture.format == "PNG" and picture.size == (180, 180)
    assert picture.mode == "RGB", "iOS wants an opaque touch icon"
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon" href="/favicon.ico"' in page and 'type="image/svg+xml"' in page
    svg = re.search(r'href="(/static/favicon\.svg[^"]*)"', page)
    assert svg and _static(client, svg.group(1))[1].startswith(b"<svg")


def test_pages_use_our_own_fonts_and_nothing_from_elsewhere(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    fonts_css = re.search(r'href="(/static/css/fonts\.css[^"]*)"', page)
    assert fonts_css, "the font faces are linked from every page"
    css = _static(client, fonts_css.group(1))[1].decode()
    faces = re.findall(r"url\((\.\./fonts/[^)]+\.woff2)\)", css)
    assert len(faces) == 8  # regular, bold, italic, bold italic; Latin and Latin Extended
    for face in faces:
        status, data = _static(client, "/static/" + face.removeprefix("../"))
        assert status == 200 and data[:4] == b"wOF2", face
    for preload in re.findall(r'<link rel="preload" href="([^"]+)" as="font"', page):
        assert _static(client, preload)[0] == 200
    # Nothing on any stylesheet or template points at another site for fonts, styles or scripts.
    for path in [*PROJECT_ROOT.glob("static/css/*.css"), *PROJECT_ROOT.glob("templates/**/*.html")]:
        text = path.read_text()
        assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", text), path
        assert not re.search(r"<(?:link|script)[^>]+(?:href|src)=\"(?:https?:)?//", text), path
    assert (PROJECT_ROOT / "static" / "fonts" / "OFL.txt").read_text().count("SIL Open Font License") >= 1


def test_each_petition_has_a_preview_picture_with_its_count(app: Flask, client: FlaskClient) -> None:
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id, state="open", target=200, slug="the-ban")
    page = client.get("/petitions/the-ban").get_data(as_text=True)
    address = re.search(
        r'<meta property="og:image" content="http://localhost(/petitions/the-ban/preview\.png\?n=0)">', page
    )
    assert address and '<meta name="twitter:image"' in page
    assert 'content="Reverse the social media ban: 0 signatures"' in page  # og:image:alt
    first = client.get(address.group(1))
    picture = _image(first.data)
    assert first.status_code == 200 and first.mimetype == "image/png" and picture.size == (1200, 630)
    assert first.cache_control.public and 0 < first.cache_control.max_age <= 600
    assert client.get(address.group(1), headers={"If-None-Match": first.headers["ETag"]}).status_code == 304

    with app.app_context():
        db.session.get_one(Petition, petition_id).signature_count = 150
        db.session.commit()
    page = client.get("/petitions/the-ban").get_data(as_text=True)
    assert "/petitions/the-ban/preview.png?n=150" in page
    later = client.get("/petitions/the-ban/preview.png?n=150")
    assert later.data != first.data and later.headers["ETag"] != first.headers["ETag"]
    # The progress bar is drawn: the bar's row holds far more of the success green at 75% than at 0%.
    assert _green_pixels(_image(later.data)) > _green_pixels(picture) + 10_000


def _green_pixels(picture: Image.Image) -> int:
    band = picture.convert("RGB").crop((0, 560, 1200, 600))
    return sum(1 for x in range(band.width) for y in range(band.height) if band.getpixel((x, y)) == (0, 112, 60))


def test_preview_pictures_only_for_public_petitions(app: Flask, client: FlaskClient) -> None:
    organiser_id = make_organiser(app)
    make_petition(app, organiser_id, state="draft", slug="not-yet")
    make_petition(app, organiser_id, state="hidden", slug="taken-down")
    assert client.get("/petitions/not-yet/preview.png").status_code == 404
    assert client.get("/petitions/taken-down/preview.png").status_code == 410
    assert client.get("/petitions/no-such-thing/preview.png").status_code == 404


def test_long_and_non_latin_titles_fit_the_picture() -> None:
    long_title = "Reverse the ban " * 40 + "Averyveryverylongwordwithoutanyspacesthatmustbebrokensomewhere" * 3
    for title in (long_title, "Αντιστρέψτε την απαγόρευση", "Отмените запрет", "<script>&amp;"):
        picture = _image(petition_preview_png(title, "1 signature", "1% of the target of 100", 1, "Site"))
        assert picture.size == (1200, 630)
        # Text reaches no further right than the margin: nothing overflows the card.
        right_edge = picture.convert("L").crop((1200 - 60, 100, 1200, 440))
        assert right_edge.getextrema()[0] > 240, title


def test_a_busy_petitions_picture_is_drawn_at_most_once_a_minute(app: Flask, client: FlaskClient) -> None:
    app.config["HOT_CACHE_SECONDS"] = 1  # caching on, as in production
    organiser_id = make_organiser(app)
    petition_id = make_petition(app, organiser_id, state="open", target=200, slug="busy-petition-picture")
    first = client.get("/petitions/busy-petition-picture/preview.png?n=0")
    with app.app_context():
        db.session.get_one(Petition, petition_id).signature_count = 150
        db.session.commit()
    second = client.get("/petitions/busy-petition-picture/preview.png?n=150")
    assert second.data == first.data, "the same picture for a minute, however fast the count moves"
    app.config["HOT_CACHE_SECONDS"] = 0
    assert client.get("/petitions/busy-petition-picture/preview.png?n=150").data != first.data
