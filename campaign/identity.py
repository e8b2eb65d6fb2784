"""Who someone is, for counting them once: canonical emails, names, UK postcodes and countries."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from babel import Locale
from email_validator import EmailNotValidError, validate_email
from markupsafe import Markup, escape

from campaign.i18n import gettext as _
from campaign.i18n import site_locale
from campaign.text import clean_line

# Providers where dots in the local part are ignored when delivering.
_DOTS_IGNORED = frozenset({"gmail.com"})
# Domains that deliver to the same mailbox.
_DOMAIN_ALIASES = {
    "googlemail.com": "gmail.com",
    "me.com": "icloud.com",
    "mac.com": "icloud.com",
    "protonmail.com": "proton.me",
    "protonmail.ch": "proton.me",
    "pm.me": "proton.me",
}
# Providers that deliver name+anything@ to name@, so the tag says nothing about who signed.
_PLUS_ADDRESSING = frozenset(
    {
        "gmail.com", "icloud.com", "proton.me", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com",
        "live.co.uk", "msn.com", "fastmail.com", "fastmail.fm", "yahoo.com", "yahoo.co.uk", "zoho.com",
    }
)  # fmt: skip


class InvalidEmail(ValueError):
    """Not an email address we can send to."""


def normalise_email(raw: str) -> str:
    """The address to send to: trimmed, IDNA-normalised domain, syntax checked."""
    try:
        validated = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidEmail(raw) from None
    # Internationalised domains are kept in their ASCII (IDNA) form, which every mail relay
    # accepts; only a non-ASCII local part needs a relay that speaks SMTPUTF8.
    return str(validated.ascii_email or validated.normalized)


def canonical_email(address: str, *, normalised: bool = False) -> str:
    """The key that identifies a mailbox: case-folded, provider aliases and tags removed.

    ``Jo.Bloggs+petitions@GoogleMail.com`` and ``jobloggs@gmail.com`` are one person.
    Pass ``normalised=True`` for an address that has already been through normalise_email.
    """
    local, _, domain = (address if normalised else normalise_email(address)).rpartition("@")
    local, domain = local.casefold(), domain.casefold()
    domain = _DOMAIN_ALIASES.get(domain, domain)
    if domain in _PLUS_ADDRESSING and not local.startswith("+"):
        local = local.split("+", 1)[0]
    if domain in _DOTS_IGNORED:
        local = local.replace(".", "")
    return f"{local}@{domain}"


NAME_KEY_MAX = 64


def name_key(name: str) -> str:
    """Two spellings of one name compare equal: case, accents, spacing and punctuation ignored.

    Folding can lengthen a name ("ß" becomes "ss"); long keys are hashed to a fixed length.
    """
    key = re.sub(r"[\W_]+", "", _folded(clean_line(name)))
    if len(key) > NAME_KEY_MAX:
        return hashlib.sha256(key.encode()).hexdigest()[:NAME_KEY_MAX]
    return key


# The UK's postcode format (including the non-geographic GIR 0AA); BFPO is not a place.
_POSTCODE = re.compile(
    r"^(GIR0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9](?:[0-9]|[ABEHMNPRV-Y])?|[0-9][A-HJKPS-UW])[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(raw: str) -> str | None:
    """``yo1 7hh`` -> ``YO1 7HH``; None when it is not a UK postcode."""
    compact = re.sub(r"\s+", "", clean_line(raw)).upper()
    if not _POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_outward(postcode: str) -> str:
    """The outward code (``YO1`` of ``YO1 7HH``): enough to place someone in an area."""
    return postcode.split(" ", 1)[0]


# Not places someone lives: unions, pseudo-locales and Babel's catch-alls.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "GB"})


def _folded(text: str) -> str:
    """Case and accents folded away: for comparing names, and sorting Åland Islands among the A's."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def countries() -> tuple[tuple[str, str], ...]:
    """(ISO code, English name) for every country outside the UK, sorted by name."""
    names = {str(code): str(name) for code, name in Locale.parse("en_GB").territories.items()}
    return tuple(
        sorted(
            ((code, names[code]) for code in names if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES),
            key=lambda item: _folded(item[1]),
        )
    )


def country_name(code: str) -> str | None:
    return dict(countries()).get(code)


@lru_cache(maxsize=4)
def _country_options(language: str) -> str:
    # Named and sorted in the site's language; countries() stays English for what is stored and exported.
    # A country the language has no name for keeps its English name, marked as such.
    english = dict(countries())
    names = Locale.parse(language).territories
    shown = sorted(((code, names.get(code)) for code in english), key=lambda item: _folded(item[1] or english[item[0]]))
    return "".join(
        f'<option value="{code}">{escape(name)}</option>' if name else
        f'<option value="{code}" lang="en" translate="no">{escape(english[code])}</option>'
        for code, name in shown
    )  # fmt: skip


def country_options_html(selected: str | None) -> Markup:
    """The <option>s of the country list, built once per language: rendering 250 options per page view
    was most of the petition page's cost."""
    options = _country_options(site_locale())
    if selected and country_name(selected):
        options = options.replace(f'<option value="{selected}">', f'<option value="{selected}" selected>', 1)
    placeholder = Markup('<option value="">%s</option>') % _("Choose your country")
    return placeholder + Markup(options)  # noqa: S704 - built from escaped names and fixed codes


@dataclass(frozen=True)
class VerifiedIdentity:
    """Someone who proved their mailbox a moment ago (by confirming a signature or following a
    consultation link); for a while they need not prove it again to sign or answer."""

    email: str
    name: str
    postcode: str | None
    verified_at: datetime

    def to_session(self) -> dict[str, str]:
        return {"email": self.email, "name": self.name, "postcode": self.postcode or "",
                "at": self.verified_at.isoformat()}  # fmt: skip

    @classmethod
    def from_session(cls, value: object, now: datetime, lifetime_minutes: int) -> VerifiedIdentity | None:
        if not isinstance(value, dict):
            return None
        try:
            identity = cls(str(value["email"]), str(value["name"]), str(value["postcode"]) or None,
                           datetime.fromisoformat(str(value["at"])))  # fmt: skip
        except (KeyError, ValueError):
            return None
        lifetime = timedelta(minutes=lifetime_minutes)
        return identity if identity.verified_at.tzinfo and now - identity.verified_at < lifetime else None

    def matches(self, email: str) -> bool:
        try:
            return canonical_email(email) == canonical_email(self.email)
        except InvalidEmail:
            return False
