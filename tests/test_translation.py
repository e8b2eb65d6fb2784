"""Strings are ready for translation: the catalogue template is current and LANGUAGE is honoured."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask

from campaign.config import ConfigError, load_config
from campaign.i18n import TRANSLATIONS_DIR, parse_language
from campaign.timeutil import format_date, format_datetime
from tests.pseudo_locale import KEYWORDS, PROJECT_ROOT, pseudo, pseudo_config, untranslated


def _msgids(pot: Path) -> set[str]:
    with pot.open("rb") as handle:
        return {
            message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle) if message.id
        }


def test_catalogue_template_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", "-o", str(fresh)]
    for keyword in KEYWORDS:
        command += ["-k", keyword]
    subprocess.run([*command, "."], cwd=PROJECT_ROOT, check=True)
    committed = _msgids(TRANSLATIONS_DIR / "messages.pot")
    current = _msgids(fresh)
    assert current - committed == set(), "new strings are missing from messages.pot: run `make messages`"
    assert committed - current == set(), "messages.pot has strings the code no longer uses: run `make messages`"
    assert len(current) > 500  # the whole interface, not a token few


@pytest.mark.parametrize(("given", "expected"), [("en-GB", "en_GB"), ("cy", "cy"), (None, "en_GB"), (" el ", "el")])
def test_language_setting_is_read(given: str | None, expected: str) -> None:
    assert parse_language(given) == expected


def test_unknown_language_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LANGUAGE 'xx_nonsense'"):
        load_config({"LANGUAGE": "xx-nonsense"}, tmp_path)


def test_dates_follow_the_language(app: Flask) -> None:
    moment = datetime(2026, 11, 21, 18, 30, tzinfo=UTC)
    with app.app_context():
        app.config["LANGUAGE"] = "en_GB"
        assert format_datetime(moment) == "21 November 2026, 6:30pm"
        assert format_date(moment) == "21 November 2026"
        app.config["LANGUAGE"] = "cy"
        assert format_date(moment) == "21 Tachwedd 2026"
        assert format_datetime(moment) == "21 Tachwedd 2026, 18:30"


def test_pseudo_translation_keeps_placeholders_and_markup() -> None:
    assert pseudo('Sign %(name)s <a href="/x">here</a> &amp; 50%%') == (
        'Ｓｉｇｎ %(name)s <a href="/x">ｈｅｒｅ</a> &amp; 50%%'
    )
    assert untranslated('<p>Ｓｉｇｎ</p><p translate="no">Campaign</p><img alt="Chart">') == ["img[alt]: 'Chart'"]


@pytest.fixture
def config_overrides(pseudo_catalogue: Path) -> dict[str, object]:
    return pseudo_config(pseudo_catalogue)


def test_pages_speak_the_site_language(app: Flask) -> None:
    response = app.test_client().get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="el">' in page
    assert "Ｐｅｔｉｔｉｏｎｓ" in page  # the main navigation, through the catalogue
    assert untranslated(page) == []


def test_the_petition_page_and_list_speak_the_site_language(app: Flask) -> None:
    from campaign.extensions import db
    from campaign.petitions.models import Petition
    from tests.helpers import csrf_token, in_days, make_organiser, make_petition

    organiser_id = make_organiser(app, organisation="Φόρουμ κατοίκων")
    petition_id = make_petition(app, organiser_id, title="Άρση της απαγόρευσης", state="open", target=200,
                                closes_at=in_days(30), slug="arsi", body="Οι αστυνομικοί να μιλούν με τους κατοίκους.")  # fmt: skip
    with app.app_context():
        petition = db.session.get_one(Petition, petition_id)
        petition.signature_count = 120  # past a milestone
        petition.summary = "Σύντομη περίληψη."
        db.session.commit()
    client = app.test_client()
    for address in ("/", "/petitions/arsi"):
        page = client.get(address).get_data(as_text=True)
        assert pseudo("Sign this petition") in page or address == "/"
        assert untranslated(page) == [], address
    page = client.get("/petitions/arsi").get_data(as_text=True)
    errors = client.post(
        "/petitions/arsi/sign", data={"csrf_token": csrf_token(page.encode()), "name": "", "email": ""}
    )
    assert errors.status_code == 200 and pseudo("There is a problem") in errors.get_data(as_text=True)
    assert untranslated(errors.get_data(as_text=True)) == []
