"""Placing a postcode in an area: the longest matching prefix (sector, then district, then area) wins.

Prefixes are whole parts of a postcode, never arbitrary strings: ``B`` (Birmingham) must not
catch ``BA1`` (Bath), and ``YO1`` must not catch ``YO10``. So a postcode is cut into its
sector (``YO1 7``), district (``YO1``) and area letters (``YO``), and each is looked up exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from campaign.i18n import N_, gettext
from campaign.text import clean_line

# Stored and exported in English; pages show them through the catalogue (see summaries.present).
ELSEWHERE = N_("Elsewhere in the UK")
OUTSIDE_UK = N_("Outside the UK")
NO_POSTCODE = N_("No postcode given")
# Shown after the organisation's own areas, in this order.
OTHER_PLACES = (ELSEWHERE, OUTSIDE_UK, NO_POSTCODE)

_AREA = re.compile(r"[A-Z]{1,2}")
_DISTRICT = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]?")
_SECTOR = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]? [0-9]")
_FULL_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}")
_LEADING_LETTERS = re.compile(r"[A-Z]+")


class InvalidPrefix(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalise_prefix(raw: str) -> str:
    """``yo1`` -> ``YO1``, ``yo1  7`` -> ``YO1 7``; raises InvalidPrefix with a message to show."""
    prefix = re.sub(r"\s+", " ", clean_line(raw).upper())
    if not prefix:
        raise InvalidPrefix(gettext("Enter a postcode prefix, such as YO, YO1 or YO1 7"))
    if _FULL_POSTCODE.fullmatch(prefix):
        sector = prefix[:-2].strip()
        raise InvalidPrefix(
            gettext("“%(prefix)s” is a whole postcode; use its district or sector, such as %(sector)s",
                    prefix=prefix, sector=sector)
        )  # fmt: skip
    if _AREA.fullmatch(prefix) or _DISTRICT.fullmatch(prefix) or _SECTOR.fullmatch(prefix):
        return prefix
    raise InvalidPrefix(
        gettext("“%(prefix)s” is not a postcode area (YO), district (YO1) or sector (YO1 7)", prefix=prefix[:12])
    )


def sector_of(postcode: str) -> str:
    """``YO1 7HH`` -> ``YO1 7`` (postcodes are stored normalised: the inward part is 3 characters)."""
    return postcode[:-2]


class AreaLookup:
    """An organisation's prefixes, ready to place many postcodes quickly (answers are memoised)."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self._prefixes = dict(prefixes)
        self._by_sector: dict[str, str] = {}

    @property
    def defined(self) -> bool:
        """Whether the organisation has any areas; without them people are placed by postcode district."""
        return bool(self._prefixes)

    def area_of_sector(self, sector: str) -> str:
        found = self._by_sector.get(sector)
        if found is None:
            found = self._place(sector)
            self._by_sector[sector] = found
        return found

    def _place(self, sector: str) -> str:
        district = sector.split(" ", 1)[0]
        if not self._prefixes:
            return district
        letters = _LEADING_LETTERS.match(district)
        for key in (sector, district, letters.group(0) if letters else ""):
            area = self._prefixes.get(key)
            if area is not None:
                return area
        return ELSEWHERE

    def area_of(self, postcode: str | None, country: str | None = None) -> str:
        if postcode:
            return self.area_of_sector(sector_of(postcode))
        return OUTSIDE_UK if country else NO_POSTCODE

    def order(self, names: Iterable[str]) -> list[str]:
        """Areas in the order to show them: the organisation's own alphabetically, then the rest."""
        names = set(names)
        own = sorted((name for name in names if name not in OTHER_PLACES), key=str.casefold)
        return own + [name for name in OTHER_PLACES if name in names]
