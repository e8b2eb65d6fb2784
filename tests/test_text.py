from __future__ import annotations

import pytest

from campaign.text import clean_block, clean_line, has_visible_text, slugify


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Reverse   the\tban \n", "Reverse the ban"),
        ("Cafe\u0301", "Café"),  # NFC
        ("evil\u202etxt.exe", "eviltxt.exe"),  # right-to-left override removed
        ("null\x00byte", "nullbyte"),
        ("bell\x07", "bell"),
        ("line\nbreak", "line break"),
        ("emoji 👩‍👩‍👧 family", "emoji 👩‍👩‍👧 family"),  # zero-width joiners kept
        (None, ""),
    ],
)
def test_clean_line(raw: str | None, clean: str) -> None:
    assert clean_line(raw) == clean


def test_clean_block_keeps_paragraphs_and_tidies_line_endings() -> None:
    raw = "First para  \r\n\r\n\r\n\r\nSecond\x00 para\u2066\n\tindented"
    assert clean_block(raw) == "First para\n\nSecond para\n\tindented"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Reverse the Social-Media Ban!", "reverse-the-social-media-ban"),
        ("Café crème à York", "cafe-creme-a-york"),
        ("  --- ", ""),
        ("<script>alert(1)</script>", "script-alert-1-script"),
        ("a" * 100, "a" * 80),
        ("word " * 30, ("word-" * 16).rstrip("-")),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\u200bb", "ab"),  # zero-width space
        ("\ufeffBOM", "BOM"),
        ("left\u200eright\u200f", "leftright"),
        ("soft\u00adhyphen", "softhyphen"),
        ("Shaking \U0001fae8 face", "Shaking \U0001fae8 face"),  # newer than Python's Unicode tables: kept
    ],
)
def test_invisible_characters_are_removed_but_new_emoji_kept(raw: str, clean: str) -> None:
    assert clean_line(raw) == clean


@pytest.mark.parametrize(
    ("value", "visible"), [("", False), ("\u200b\u200b", False), ("   ", False), ("a", True), ("🙂", True), ("?", True)]
)
def test_has_visible_text(value: str, visible: bool) -> None:
    assert has_visible_text(clean_line(value)) is visible
