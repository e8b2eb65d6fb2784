"""Pictures drawn on the server: the site's mark (favicon, touch icon) and petitions' link previews.

Drawn with Pillow from the same self-hosted font as the pages, so nothing is fetched from elsewhere
and no image files drift out of step with the design. Each picture depends only on its arguments,
so callers cache them by those arguments.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONTS = Path(__file__).resolve().parent.parent.parent / "static" / "fonts"
# Debian's DejaVu covers Greek, Cyrillic, Arabic, Hebrew and more; used when a title needs it.
FALLBACK_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)

BRAND = (18, 67, 109)  # --brand in campaign.css
BRAND_DARK = (11, 44, 72)
ACCENT = (43, 140, 196)
SUCCESS = (0, 112, 60)
TEXT = (27, 31, 35)
MUTED = (80, 90, 100)
TRACK = (221, 228, 234)
PAPER = (255, 255, 255)

PREVIEW_SIZE = (1200, 630)  # what Facebook, LinkedIn, Mastodon and X expect for a large card
_MARGIN = 72


def _atkinson(weight: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / f"atkinson-hyperlegible-latin-{weight}-normal.woff2"), size)


def _covered_by_atkinson(text: str) -> bool:
    # Atkinson Hyperlegible draws Latin only; anything else would come out as empty boxes.
    return all(ord(character) < 0x0250 or 0x2000 <= ord(character) <= 0x206F for character in text)


@lru_cache(maxsize=32)
def _font(weight: int, size: int, latin_only: bool) -> ImageFont.FreeTypeFont:
    if latin_only:
        return _atkinson(weight, size)
    for path in FALLBACK_FONTS if weight == 700 else FALLBACK_FONTS[::-1]:
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return _atkinson(weight, size)


def draw_mark(size: int) -> Image.Image:
    """The mark: a rounded square with a tick, for a signature that has been confirmed."""
    scale = 4  # draw large and shrink, for smooth edges at 16 pixels
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 14 // 64, fill=BRAND)
    width = max(scale, big * 7 // 64)
    points = [(big * 17 // 64, big * 33 // 64), (big * 27 // 64, big * 43 // 64), (big * 47 // 64, big * 21 // 64)]
    draw.line(points, fill=PAPER, width=width, joint="curve")
    for x, y in (points[0], points[-1]):  # round caps
        draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=PAPER)
    return image.resize((size, size), Image.Resampling.LANCZOS)


@lru_cache(maxsize=1)
def favicon_ico() -> bytes:
    buffer = io.BytesIO()
    draw_mark(64).save(buffer, format="ICO", sizes=[(16, 16), (32, 32), (48, 48), (64, 64)])
    return buffer.getvalue()


@lru_cache(maxsize=1)
def touch_icon_png() -> bytes:
    # iOS puts its own rounded corners on a square picture, so no transparency here.
    icon = Image.new("RGB", (180, 180), BRAND)
    icon.paste(draw_mark(180), (0, 0), draw_mark(180))
    buffer = io.BytesIO()
    icon.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        while font.getlength(word) > width:  # a word longer than the line is broken where it must be
            cut = len(word)
            while cut > 1 and font.getlength(word[:cut]) > width:
                cut -= 1
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}".strip()
        if font.getlength(candidate) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _fit_title(title: str, width: int, max_lines: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size at which the title fits; at the smallest, cut with an ellipsis."""
    latin = _covered_by_atkinson(title)
    for size in (76, 68, 60, 54, 48):
        font = _font(700, size, latin)
        lines = _wrap(title, font, width)
        if len(lines) <= max_lines:
            return font, lines
    lines = lines[:max_lines]
    last = lines[-1]
    while last and font.getlength(f"{last}…") > width:
        last = last[:-1].rstrip()
    lines[-1] = f"{last}…"
    return font, lines


def petition_preview_png(title: str, count_text: str, target_text: str, percent: int, site_name: str) -> bytes:
    """A 1200x630 card: the site, what the petition asks, how many have signed and how far to go."""
    image = Image.new("RGB", PREVIEW_SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    width, height = PREVIEW_SIZE
    inner = width - 2 * _MARGIN

    draw.rectangle((0, 0, width, 14), fill=ACCENT)
    mark = draw_mark(56)
    image.paste(mark, (_MARGIN, 52), mark)
    site_font = _font(700, 34, _covered_by_atkinson(site_name))
    draw.text((_MARGIN + 76, 80), site_name, font=site_font, fill=BRAND, anchor="lm")

    title_font, lines = _fit_title(title, inner, 3)
    line_height = int(title_font.size * 1.18)
    y = 150
    for line in lines:
        draw.text((_MARGIN, y), line, font=title_font, fill=TEXT)
        y += line_height

    band_top = height - 180
    draw.rectangle((0, band_top, width, height), fill=(244, 246, 248))
    count_font = _font(700, 64, _covered_by_atkinson(count_text))
    draw.text((_MARGIN, band_top + 62), count_text, font=count_font, fill=SUCCESS, anchor="lm")
    target_font = _font(400, 30, _covered_by_atkinson(target_text))
    draw.text((width - _MARGIN, band_top + 66), target_text, font=target_font, fill=MUTED, anchor="rm")
    bar_top = band_top + 118
    draw.rounded_rectangle((_MARGIN, bar_top, width - _MARGIN, bar_top + 22), radius=11, fill=TRACK)
    if percent > 0:
        filled = _MARGIN + max(22, inner * min(percent, 100) // 100)
        draw.rounded_rectangle((_MARGIN, bar_top, filled, bar_top + 22), radius=11, fill=SUCCESS)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
