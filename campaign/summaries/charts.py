"""Server-side SVG charts for summary pages, printed briefings and the PDFs made from them.

Plain SVG 1.1 that browsers and WeasyPrint both draw: presentation attributes only (the Content-Security-Policy
forbids inline styles), no scripts, filters or external references. Each chart is an image whose <title> and <desc>
say what it shows; pages print a table of the same figures too. Caller text is cleaned and escaped; long text is
shortened with an ellipsis and kept whole in a <title> (a hover tooltip) and in the <desc>.

Ids are ``chart-<key as a slug>-<8 hex digits of a hash of chart kind, key and title>-title`` and ``…-desc``:
give every chart on a page its own ``key``. Charts are laid out 640 units wide and scale to their container; text
widths are estimated from character classes (there is no font to measure), erring wide so that text never collides.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from campaign.i18n import gettext as _
from campaign.text import clean_line

__all__ = ["Bar", "Point", "Segment", "StackedRow", "bar_chart", "column_chart", "progress_chart", "stacked_bar_chart"]

WIDTH = 640
FONT_FAMILY = "Helvetica, Arial, sans-serif"
FONT_SIZE = 14
SMALL = 12  # font size of notes, axis ticks and values inside bars
TEXT = "#0b0c0c"
SECONDARY_TEXT = "#505a5f"  # 7:1 on white
BAR = "#1d70b8"  # 5.2:1 on white
AXIS = "#505a5f"
GRIDLINE = "#d8dadb"  # faint on purpose: gridlines guide the eye, they are not data
TRACK = "#e9eaeb"  # the part of a bar that has no figure to draw
WHITE = "#ffffff"
ELLIPSIS = "…"
LABEL_WIDTH = 200  # widest label column of a bar chart: about 30 characters on each of two lines

# Palettes for ordered scales, from OKLab ramps orange → grey → blue. Lightness falls steadily, so the order
# survives greyscale printing while the hues still read as "against … for". The lightest colour has 3.2:1 contrast
# with white (WCAG non-text contrast); values printed on a colour use white or near-black, whichever contrasts more.
_PALETTES: dict[int, tuple[str, ...]] = {
    1: (BAR,),
    2: ("#e56928", "#0b2a48"),
    3: ("#e56928", "#585857", "#0b2a48"),
    4: ("#e56928", "#975b40", "#1f4a74", "#0b2a48"),
    5: ("#e56928", "#ab5d39", "#585857", "#0a4170", "#0b2a48"),
    6: ("#e56928", "#b55d34", "#845945", "#33516f", "#043c6b", "#0b2a48"),
    7: ("#e56928", "#be6134", "#975b40", "#585857", "#1f4a74", "#073a64", "#0b2a48"),
}
_NOT_XML = dict.fromkeys((0xFFFE, 0xFFFF))  # noncharacters that XML 1.0 forbids and clean_line keeps


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: suppressed (fewer than 5 people)
    display: str  # printed after the bar, e.g. "42 (12%)" or "fewer than 5"


@dataclass(frozen=True)
class Segment:
    category: str
    value: float | None  # a share of the row in percent, or None when suppressed
    display: str  # e.g. "41%" or "—"


@dataclass(frozen=True)
class StackedRow:
    label: str
    segments: Sequence[Segment]  # in scale order
    note: str = ""  # e.g. "n = 120", printed under the bar


@dataclass(frozen=True)
class Point:
    label: str  # e.g. "21 Nov" or "14:00"
    value: int | float


def _clean(text: object) -> str:
    # str() first, so that a Markup label is still treated as text and escaped, never passed through as markup.
    return clean_line(str(text)).translate(_NOT_XML)


def _finite(value: object) -> float | None:
    """The value as a float; None for None, NaN, infinities and anything that is not a number."""
    try:
        number = float(value) if isinstance(value, int | float) else math.nan
    except OverflowError:  # an int too large for a float
        return None
    return number if math.isfinite(number) else None


def _text_width(text: str, size: float) -> float:
    ems = 0.0
    for char in text:
        if unicodedata.category(char) in {"Mn", "Me", "Cf"}:
            continue  # combining marks and joiners take no room of their own
        if unicodedata.east_asian_width(char) in {"W", "F"} or unicodedata.category(char) == "Cn":
            ems += 1.0  # CJK and emoji (unassigned code points are most likely newer emoji)
        elif char in " .,:;'!|()[]ilIjtfr":
            ems += 0.3
        elif char in "mwMW%@—":
            ems += 0.88
        elif char.isupper():
            ems += 0.68
        else:
            ems += 0.57
    return ems * size


def _graphemes(text: str) -> list[str]:
    """Roughly the characters a reader sees, so that shortening never splits an accent, emoji sequence or flag."""
    clusters: list[str] = []
    for char in text:
        flag = "\U0001f1e6" <= char <= "\U0001f1ff"
        if clusters and (
            unicodedata.category(char) in {"Mn", "Mc", "Me"}
            or char in "\u200d\ufe0e\ufe0f"
            or clusters[-1].endswith("\u200d")
            or "\U0001f3fb" <= char <= "\U0001f3ff"  # skin tones
            or "\U000e0020" <= char <= "\U000e007f"  # tag sequences of subdivision flags
            or (flag and len(clusters[-1]) == 1 and "\U0001f1e6" <= clusters[-1] <= "\U0001f1ff")
        ):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _fit(text: str, width: float, size: float = FONT_SIZE) -> str:
    """The text, or as much of it as fits in width followed by an ellipsis."""
    if _text_width(text, size) <= width:
        return text
    room, kept = width - _text_width(ELLIPSIS, size), ""
    for cluster in _graphemes(text):
        room -= _text_width(cluster, size)
        if room < 0:
            break
        kept += cluster
    return kept.rstrip() + ELLIPSIS


def _wrap(text: str, width: float, max_lines: int = 2) -> list[str]:
    words, lines, current = text.split(" "), [], ""
    for index, word in enumerate(words):
        if not current or _text_width(f"{current} {word}", FONT_SIZE) <= width:
            current = f"{current} {word}" if current else word
            continue
        lines.append(current)
        current = word
        if len(lines) == max_lines - 1:
            current = " ".join(words[index:])  # the last line takes the rest, shortened below
            break
    return [_fit(line, width) for line in [*lines, current]]


def _isolate(text: str) -> str:
    # Right-to-left text is isolated (U+2068 … U+2069) so that its ellipsis and punctuation stay on its own side.
    for char in text:
        if unicodedata.bidirectional(char) in {"R", "AL"}:
            return f"\u2068{text}\u2069"
        if unicodedata.bidirectional(char) == "L":
            break
    return text


def _number(value: float) -> str:
    """Thousands separators and no float noise: 1234567 → "1,234,567", 0.30000000000000004 → "0.3"."""
    rounded = round(value, 6)
    return f"{int(rounded):,}" if rounded == int(rounded) else f"{rounded:,.6f}".rstrip("0")


def _tag(name: str, attributes: Mapping[str, object], *children: str) -> Markup:
    """An element; attribute values and plain-str children are escaped, Markup children are kept as they are."""

    def value(item: object) -> str:
        if not isinstance(item, float):
            return str(item)
        text = f"{item:.2f}".rstrip("0").rstrip(".")  # coordinates to 1/100 unit, without noise
        return "0" if text == "-0" else text

    # Keyword arguments use underscores where SVG attribute names have hyphens (text_anchor → text-anchor).
    attrs = Markup("").join(Markup(' {}="{}"').format(k.replace("_", "-"), value(v)) for k, v in attributes.items())
    if not children:
        return Markup("<{}{}/>").format(name, attrs)
    return Markup("<{0}{1}>{2}</{0}>").format(name, attrs, Markup("").join(children))


def _text(x: float, y: float, text: str, *, size: float = FONT_SIZE, **attributes: object) -> Markup:
    sized = {} if size == FONT_SIZE else {"font_size": size}
    return _tag("text", {"x": x, "y": y, **sized, **attributes}, _isolate(text))


def _label(
    full: str, lines: Sequence[str], x: float, middle: float, size: float = FONT_SIZE, **attrs: object
) -> Markup:
    """Lines of text centred on a height; when shortened, the full text stays in a <title> for hover."""
    line_height = size * 1.25
    first = middle - line_height * (len(lines) - 1) / 2 + size * 0.35  # 0.35em lowers a baseline to centre a line
    texts = [_text(x, first + index * line_height, line, size=size, **attrs) for index, line in enumerate(lines)]
    if " ".join(lines) == full:
        return Markup("").join(texts)
    return _tag("g", {}, _tag("title", {}, full), *texts)


def _rect(x: float, y: float, width: float, height: float, fill: str, **attributes: object) -> Markup:
    return _tag("rect", {"x": x, "y": y, "width": width, "height": height, "fill": fill, **attributes})


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1.0) -> Markup:
    return _tag("line", {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "stroke": stroke, "stroke_width": width})


def _svg(kind: str, key: str, title: str, description: str, summary: str, height: float, body: list[Markup]) -> Markup:
    title = _clean(title)
    slug = re.sub(r"[^a-z0-9]+", "-", _clean(key).lower()).strip("-")[:32].strip("-") or "chart"
    chart_id = f"chart-{slug}-{hashlib.sha256(f'{kind}|{key}|{title}'.encode()).hexdigest()[:8]}"
    root = {
        "xmlns": "http://www.w3.org/2000/svg",
        "viewBox": f"0 0 {WIDTH} {math.ceil(height)}",
        "width": "100%",
        "preserveAspectRatio": "xMinYMin meet",
        "role": "img",
        "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
        "font-family": FONT_FAMILY,
        "font-size": FONT_SIZE,
        "fill": TEXT,
    }
    desc = " ".join(part for part in (_clean(description), _clean(summary)) if part)
    return _tag(
        "svg",
        root,
        _tag("title", {"id": f"{chart_id}-title"}, title),
        _tag("desc", {"id": f"{chart_id}-desc"}, desc),
        *body,
    )


def _no_data(kind: str, key: str, title: str, description: str) -> Markup:
    return _svg(
        kind, key, title, description, _("No data yet."), 40, [_text(0, 25, _("No data yet"), fill=SECONDARY_TEXT)]
    )


def _palette(count: int) -> tuple[str, ...]:
    if count in _PALETTES:
        return _PALETTES[count]
    # More categories than the checked palettes: blend neighbours on the seven-colour ramp, which keeps lightness
    # falling and no colour lighter than the lightest end.
    ramp, colours = _PALETTES[7], []
    for index in range(count):
        position = index * (len(ramp) - 1) / (count - 1)
        low = min(int(position), len(ramp) - 2)
        share = position - low
        channels = (
            int(ramp[low][at : at + 2], 16) * (1 - share) + int(ramp[low + 1][at : at + 2], 16) * share
            for at in (1, 3, 5)
        )
        colours.append("#" + "".join(f"{round(channel):02x}" for channel in channels))
    return tuple(colours)


def _text_colour_on(fill: str) -> str:
    def linear(at: int) -> float:
        channel = int(fill[at : at + 2], 16) / 255
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(1) + 0.7152 * linear(3) + 0.0722 * linear(5)
    return WHITE if luminance < 0.1875 else TEXT  # below this luminance white contrasts more than near-black


def bar_chart(
    title: str, bars: Sequence[Bar], *, key: str, description: str = "", maximum: float | None = None
) -> Markup:
    """Horizontal bars, one per row, label on the left (wrapping or truncating), value text after the bar.

    Bars are scaled to ``maximum`` when given (a bar above it is drawn full), otherwise to the largest value.
    Suppressed (None), NaN and infinite values draw no bar; negative values draw none either. Their text is shown.
    """
    if not bars:
        return _no_data("bar", key, title, description)
    labels, displays = [_clean(bar.label) for bar in bars], [_clean(bar.display) for bar in bars]
    values = [_finite(bar.value) for bar in bars]
    wrapped = [_wrap(label, LABEL_WIDTH) for label in labels]
    label_width = max(_text_width(line, FONT_SIZE) for lines in wrapped for line in lines)
    shown = [_fit(display, 160) for display in displays]
    origin = label_width + 10
    track = WIDTH - origin - max(_text_width(text, FONT_SIZE) for text in shown) - 10
    largest = max((value for value in values if value is not None and value > 0), default=0.0)
    limit = _finite(maximum)
    scale = limit if limit is not None and limit > 0 else largest or 1.0
    row_height = 42 if any(len(lines) > 1 for lines in wrapped) else 32
    body = [_line(origin, 0, origin, row_height * len(bars), AXIS)]
    for index, (lines, value, text) in enumerate(zip(wrapped, values, shown, strict=True)):
        middle = index * row_height + row_height / 2
        body.append(_label(labels[index], lines, label_width, middle, text_anchor="end"))
        length = track * min(max(value, 0.0), scale) / scale if value is not None else 0.0
        if length > 0:
            body.append(_rect(origin, middle - 10, length, 20, BAR))
        body.append(
            _label(displays[index], [text], origin + length + 6, middle)
            if value is not None
            else _label(displays[index], [text], origin + 6, middle, fill=SECONDARY_TEXT, font_style="italic")
        )
    summary = "; ".join(f"{label}: {display}" for label, display in zip(labels, displays, strict=True)) + "."
    return _svg("bar", key, title, description, summary, row_height * len(bars), body)


def _legend(names: Sequence[str], palette: Sequence[str]) -> tuple[list[Markup], float]:
    """Swatches and names in scale order, flowing onto more lines as needed; returns them and the height used."""
    items: list[Markup] = []
    x = y = 0.0
    for name, colour in zip(names, palette, strict=False):
        text = _fit(name, 240)
        needed = 22 + _text_width(text, FONT_SIZE)
        if x > 0 and x + needed > WIDTH:
            x, y = 0.0, y + 24
        items += [_rect(x, y + 2, 16, 16, colour), _label(name, [text], x + 22, y + 10)]
        x += needed + 20
    return items, (y + 32 if names else 0.0)


def stacked_bar_chart(
    title: str, rows: Sequence[StackedRow], categories: Sequence[str], *, key: str, description: str = ""
) -> Markup:
    """100% stacked horizontal bars (Likert/matrix), legend listing categories in order.

    Colours come from a palette that darkens along the scale while its hue turns from orange through grey to blue.
    Segments take the colour of the category with their name, or of their position. A row with nothing suppressed
    fills the bar exactly; otherwise shares are percentages of the bar, the rest is left grey, and the suppressed
    segments' display texts are listed under the bar after the row's note.
    """
    if not rows:
        return _no_data("stacked", key, title, description)
    names = [_clean(category) for category in categories]
    palette = _palette(max(1, len(names), *(len(row.segments) for row in rows)))
    body, top = _legend(names, palette)
    labels = [_clean(row.label) for row in rows]
    wrapped = [_wrap(label, WIDTH) for label in labels]
    notes = []
    for row in rows:
        hidden = [f"{_clean(s.category)}: {_clean(s.display)}" for s in row.segments if _finite(s.value) is None]
        listed = [] if len(hidden) == len(row.segments) and row.note else hidden  # the note explains a blank row
        notes.append(" · ".join(part for part in (_clean(row.note), *listed) if part))
    label_height = FONT_SIZE * 1.25 * max(len(lines) for lines in wrapped)
    row_height = label_height + 4 + 26 + (18 if any(notes) else 0) + 18
    summaries = []
    for index, (row, label, lines, note) in enumerate(zip(rows, labels, wrapped, notes, strict=True)):
        bar_top = top + index * row_height + label_height + 4
        # Labels sit just above their bar, whatever their number of lines.
        body.append(_label(label, lines, 0, bar_top - 4 - FONT_SIZE * 1.25 * len(lines) / 2))
        shares = [_finite(segment.value) for segment in row.segments]
        known = sum(max(share, 0.0) for share in shares if share is not None)
        complete = None not in shares and known > 0
        if not complete:
            body.append(_rect(0, bar_top, WIDTH, 26, TRACK))
        divisor, x = (known if complete else 100.0), 0.0  # so that shares rounded to 99 or 101 fill the bar
        for position, (segment, share) in enumerate(zip(row.segments, shares, strict=True)):
            if share is None or share <= 0:
                continue
            width = min(share / divisor * WIDTH, WIDTH - x)
            name, display = _clean(segment.category), _clean(segment.display)
            colour = palette[names.index(name) if name in names else position]
            # White edges keep neighbouring segments apart, in greyscale too.
            body.append(_rect(x, bar_top, width, 26, colour, stroke=WHITE, stroke_width=1))
            if _text_width(display, SMALL) + 8 <= width:
                fill = _text_colour_on(colour)
                body.append(_text(x + width / 2, bar_top + 17.2, display, size=SMALL, fill=fill, text_anchor="middle"))
            x += width
        if note:
            body.append(_label(note, [_fit(note, WIDTH, SMALL)], 0, bar_top + 38, SMALL, fill=SECONDARY_TEXT))
        parts = ", ".join(f"{_clean(segment.category)} {_clean(segment.display)}" for segment in row.segments)
        summaries.append(f"{label}: {parts}" + (f" ({_clean(row.note)})" if row.note else ""))
    return _svg("stacked", key, title, description, "; ".join(summaries) + ".", top + row_height * len(rows), body)


def _ticks(maximum: float, integers: bool) -> list[float]:
    """Round-number gridline values from 0 to at least maximum, in about four steps."""
    if maximum <= 1e-6:
        return [0.0, 1.0]
    rough = maximum / 4
    magnitude = 10.0 ** math.floor(math.log10(rough))
    step = next(factor * magnitude for factor in (1, 2, 2.5, 5, 10) if factor * magnitude >= rough * (1 - 1e-9))
    if integers:  # counts never get fractional gridlines
        step = float(math.ceil(step))
    return [index * step for index in range(math.ceil(maximum / step - 1e-9) + 1)]


def column_chart(title: str, points: Sequence[Point], *, key: str, description: str = "", y_label: str = "") -> Markup:
    """Columns over time (daily or hourly counts), with a few gridlines at round-number ticks.

    X labels are thinned so that they never overlap: every Nth label when there are many points. Values are printed
    above the columns when all of them fit. NaN, infinite and negative values are drawn as zero.
    """
    if not points:
        return _no_data("column", key, title, description)
    labels = [_clean(point.label) for point in points]
    raw = [_finite(point.value) for point in points]
    values = [max(value or 0.0, 0.0) for value in raw]
    ticks = _ticks(max(values), all(value == int(value) for value in values))
    tick_labels = [_fit(_number(tick), 150, SMALL) for tick in ticks]
    axis_title = _clean(y_label)
    bottom = (38.0 if axis_title else 22.0) + 180  # room above the plot for the axis title and the top value
    left = max(_text_width(text, SMALL) for text in tick_labels) + 10
    spacing = (WIDTH - left) / len(points)
    body: list[Markup] = []
    if axis_title:
        body.append(_label(axis_title, [_fit(axis_title, WIDTH, SMALL)], 0, 12, SMALL, fill=SECONDARY_TEXT))
    for tick, text in zip(ticks, tick_labels, strict=True):
        y = bottom - tick / ticks[-1] * 180
        body += [
            _line(left, y, WIDTH, y, GRIDLINE),
            _text(left - 6, y + 4, text, size=SMALL, fill=SECONDARY_TEXT, text_anchor="end"),
        ]
    # Gaps between columns while there is room; dense columns overlap a little to hide anti-aliasing seams.
    column_width = min(spacing * 0.7, 48) if spacing >= 6 else spacing + 0.3
    value_texts = [_number(value) for value in values]
    print_values = max(_text_width(text, SMALL) for text in value_texts) + 4 <= spacing
    for index, (value, text) in enumerate(zip(values, value_texts, strict=True)):
        height, centre = value / ticks[-1] * 180, left + (index + 0.5) * spacing
        if height > 0:
            body.append(_rect(centre - column_width / 2, bottom - height, column_width, height, BAR))
        if print_values:
            body.append(_text(centre, bottom - height - 5, text, size=SMALL, text_anchor="middle"))
    body.append(_line(left, bottom, WIDTH, bottom, AXIS))
    # Label every Nth column, N chosen so that the widest label and a gap fit between labelled columns; a label
    # moved inwards to stay inside the picture is dropped if it would then touch its neighbour.
    shown = [_fit(label, 120, SMALL) for label in labels]
    step, free_from = max(1, math.ceil((max(_text_width(text, SMALL) for text in shown) + 14) / spacing)), 0.0
    for index in range(0, len(points), step):
        centre, half = left + (index + 0.5) * spacing, _text_width(shown[index], SMALL) / 2
        x = min(max(centre, half), WIDTH - half)
        if x - half >= free_from:
            body += [
                _line(centre, bottom, centre, bottom + 4, AXIS),
                _label(labels[index], [shown[index]], x, bottom + 16, SMALL, text_anchor="middle"),
            ]
            free_from = x + half + 8
    figures = [f"{label}: {_('no figure') if v is None else _number(v)}" for label, v in zip(labels, raw, strict=True)]
    peak = max(range(len(values)), key=values.__getitem__)
    summary = _(
        "%(count)s values from %(first)s to %(last)s, total %(total)s, highest %(highest)s (%(peak)s).",
        count=len(points),
        first=labels[0],
        last=labels[-1],
        total=_number(sum(values)),
        highest=_number(values[peak]),
        peak=labels[peak],
    )
    if len(points) <= 40:  # longer series are only summarised: the page's table has every figure
        summary += " " + "; ".join(figures) + "."
    return _svg("column", key, title, description, summary, bottom + 30, body)


def progress_chart(
    title: str, value: int, target: int | None, *, key: str, milestones: Sequence[int] = (), description: str = ""
) -> Markup:
    """A single progress bar towards a target, with labelled milestone ticks; without a target, just the number.

    A value past the target fills the bar and the text says that the target was passed. Milestones outside
    (0, target) are ignored; milestone labels that would collide are left out (the desc lists every milestone).
    """
    current = _finite(value) or 0.0
    goal = _finite(target)
    if goal is None or goal <= 0:
        body = [_text(0, 34, _number(current), size=32, font_weight="bold")]
        return _svg("progress", key, title, description, f"{_number(current)}.", 46, body)
    ratio, percent = max(current, 0.0) / goal, math.floor(max(current, 0.0) / goal * 100)  # floor: 99.6% is not 100%
    if current > goal:
        headline = _(
            "%(count)s: target of %(target)s passed (%(percent)s%%)",
            count=_number(current),
            target=_number(goal),
            percent=percent,
        )
    elif current == goal:
        headline = _("%(count)s: target reached (100%%)", count=_number(current))
    else:
        headline = _(
            "%(count)s of %(target)s (%(percent)s%%)", count=_number(current), target=_number(goal), percent=percent
        )
    target_text = _("Target %(target)s", target=_number(goal))
    body = [_text(0, 20, headline, size=16, font_weight="bold"), _rect(0, 30, WIDTH, 26, TRACK)]
    if ratio > 0:
        body.append(_rect(0, 30, WIDTH * min(ratio, 1.0), 26, BAR))
    body += [_line(WIDTH - 1, 26, WIDTH - 1, 60, TEXT, 2), _text(WIDTH, 76, target_text, size=SMALL, text_anchor="end")]
    free_from, free_until = 0.0, WIDTH - _text_width(target_text, SMALL) - 10
    marks = sorted({mark for mark in map(_finite, milestones) if mark is not None and 0 < mark < goal})
    for mark in marks:
        x, text = mark / goal * WIDTH, _number(mark)
        half = _text_width(text, SMALL) / 2
        body.append(_line(x, 26, x, 60, TEXT, 1.5))
        if free_from <= x - half and x + half <= free_until:
            body.append(_text(x, 76, text, size=SMALL, text_anchor="middle"))
            free_from = x + half + 10
    summary = headline + "."
    if marks:
        reached = ", ".join(
            _("%(number)s (reached)", number=_number(m))
            if current >= m
            else _("%(number)s (not yet reached)", number=_number(m))
            for m in marks
        )
        summary += " " + _("Milestones: %(milestones)s.", milestones=reached)
    return _svg("progress", key, title, description, summary, 84, body)
