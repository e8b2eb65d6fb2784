"""A pseudo-translation that shows which words on a page never went through gettext.

Every extracted message is "translated" into fullwidth letters (Ｓｉｇｎ), and the site runs in
Greek (``el``) so dates and numbers come out in Greek too. Test data is written in Greek as well.
On such a page any run of plain ASCII letters left in the text, or in an attribute people read
(alt, title, aria-label, placeholder, a button's value), is English that a translator could not
reach. Text inside ``translate="no"`` elements, code, scripts and styles is not looked at.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PSEUDO_LANGUAGE = "el"
KEYWORDS = ("_l", "N_", "lazy_gettext")

# %(name)s, %s, %%, {name}, HTML tags and entities pass through untouched.
_UNTOUCHED = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdifr]|%[sdif%]|\{[A-Za-z_][A-Za-z0-9_]*\}|<[^>]*>|&[#A-Za-z0-9]+;"
)
_ASCII_WORD = re.compile(r"[A-Za-z]{2,}")
# Things that are not words in any language: addresses, links, file names people download.
_NOT_WORDS = re.compile(
    r"[\w.+*-]+@[\w.-]+|[a-z][a-z0-9+.-]*://\S+|\b[\w-]+\.(?:csv|xlsx|json|pdf|png|svg)\b|\b[A-Z]{1,2}[0-9][0-9A-Z]?(?: ?[0-9][A-Z]{0,2})?\b|\b(?:CSV|XLSX|JSON|PDF|API|URL|ID|UTC|GMT|TOTP|IP|oEmbed|HTTP|HTTPS|SVG|PNG|UK)\b"
)
_SKIPPED_ELEMENTS = frozenset({"script", "style", "code", "pre", "kbd", "samp", "textarea", "template"})
_VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
_READ_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder", "aria-description")


def pseudo(text: str) -> str:
    """'Sign %(name)s' -> 'Ｓｉｇｎ %(name)s'."""
    out: list[str] = []
    position = 0
    for match in _UNTOUCHED.finditer(text):
        out.append(_fullwidth(text[position : match.start()]))
        out.append(match.group())
        position = match.end()
    out.append(_fullwidth(text[position:]))
    return "".join(out)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() else c for c in text)


def build_catalogue(directory: Path) -> Path:
    """Extract every message from the code now and compile the pseudo-translation under ``directory``."""
    pot = directory / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg"]
    for keyword in KEYWORDS:
        command += ["-k", keyword]
    subprocess.run([*command, "--no-location", "-o", str(pot), "."], cwd=PROJECT_ROOT, check=True)
    with pot.open("rb") as handle:
        catalogue = read_po(handle, locale=PSEUDO_LANGUAGE)
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = tuple(pseudo(part) for part in message.id)
        else:
            message.string = pseudo(message.id)
    target = directory / PSEUDO_LANGUAGE / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalogue)
    return directory


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.found: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = tag in _SKIPPED_ELEMENTS or values.get("translate") == "no"
        if not (skip or self._skipping()):
            for name in _READ_ATTRIBUTES:
                self._check(values.get(name), f"{tag}[{name}]")
            if tag == "input" and values.get("type") in {"submit", "button", "reset"}:
                self._check(values.get("value"), "input[value]")
            if tag == "meta" and values.get("name") == "description":
                self._check(values.get("content"), "meta description")
        if tag not in _VOID_ELEMENTS:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID_ELEMENTS and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self._check(data, "text")

    def _check(self, value: str | None, where: str) -> None:
        if not value:
            return
        remaining = _NOT_WORDS.sub(" ", value)
        if _ASCII_WORD.search(remaining):
            self.found.append(f"{where}: {' '.join(value.split())[:120]!r}")


def untranslated(html: str) -> list[str]:
    """Text on the page that did not come through the pseudo-translation."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.found


def untranslated_text(text: str) -> list[str]:
    """The same check for a plain-text email body: one entry per offending line."""
    return [line for line in text.splitlines() if _ASCII_WORD.search(_NOT_WORDS.sub(" ", line))]


def pseudo_config(catalogue: Path) -> dict[str, object]:
    """Settings for an app that speaks the pseudo-translation (use as a module's config_overrides)."""
    return {"LANGUAGE": PSEUDO_LANGUAGE, "TRANSLATIONS_EXTRA_DIR": str(catalogue), "SITE_NAME": "Καμπάνια"}
