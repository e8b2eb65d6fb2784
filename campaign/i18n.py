"""Translation: every string people read goes through Flask-Babel; English is the source language.

A deployment speaks one language (LANGUAGE, default en_GB). Pages are cached by address in each
process, in nginx and in browsers, so choosing the language per request from Accept-Language would
need ``Vary`` on every cached response; one language per site keeps those caches simple and right.
Catalogues live in campaign/translations/<locale>/LC_MESSAGES/messages.po; `make messages`
refreshes campaign/translations/messages.pot from the code and templates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask_babel
from babel import Locale, UnknownLocaleError
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, lazy_gettext

__all__ = ["N_", "babel", "gettext", "init_i18n", "lazy_gettext", "ngettext", "parse_language"]

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
SOURCE_LANGUAGE = "en_GB"

babel = Babel()


def gettext(string: str, **variables: Any) -> str:
    """The message in the site's language, %-formatted with ``variables`` (flask_babel's, typed)."""
    return str(flask_babel.gettext(string, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural form for ``num`` (available to the message as %(num)s)."""
    return str(flask_babel.ngettext(singular, plural, num, **variables))


def N_(message: str) -> str:
    """Mark a string for extraction where it is translated later (a flash Flask-Login makes, say)."""
    return message


class UnknownLanguage(ValueError):
    """LANGUAGE names no locale Babel knows."""


def parse_language(value: str | None) -> str:
    """Check a LANGUAGE setting: 'cy', 'en_GB', 'en-GB' all work; nonsense is refused at start-up."""
    value = (value or SOURCE_LANGUAGE).strip().replace("-", "_")
    try:
        return str(Locale.parse(value))
    except (UnknownLocaleError, ValueError):
        raise UnknownLanguage(f"LANGUAGE {value!r} is not a language Babel knows (try en_GB or cy)") from None


def site_locale() -> str:
    # The JSON API is read by programs: its error titles and messages stay in English (the source).
    if has_request_context() and request.path.startswith("/api/"):
        return SOURCE_LANGUAGE
    return str(current_app.config.get("LANGUAGE") or SOURCE_LANGUAGE)


def init_i18n(app: Flask) -> None:
    directories = [str(TRANSLATIONS_DIR)]
    extra = app.config.get("TRANSLATIONS_EXTRA_DIR")  # a deployment's own catalogues, searched first
    if extra:
        directories.insert(0, str(extra))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(directories)
    app.config["BABEL_DEFAULT_LOCALE"] = app.config.get("LANGUAGE") or SOURCE_LANGUAGE
    babel.init_app(app, locale_selector=site_locale, timezone_selector=lambda: current_app.config["TIMEZONE"])
    language = Locale.parse(app.config["BABEL_DEFAULT_LOCALE"])
    app.jinja_env.globals.update(html_lang=language.language + (f"-{language.territory}" if language.territory else ""))
