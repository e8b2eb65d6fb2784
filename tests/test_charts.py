from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from itertools import pairwise

import pytest
from markupsafe import Markup

from campaign.summaries.charts import (
    Bar,
    Point,
    Segment,
    StackedRow,
    bar_chart,
    column_chart,
    progress_chart,
    stacked_bar_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & \'quoted\' "label"'
LIKERT = ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check that it is well-formed


def likert_row(label: str, shares: list[float | None], note: str = "") -> StackedRow:
    segments = [
        Segment(name, share, "—" if share is None else f"{share:g}%")
        for name, share in zip(LIKERT, shares, strict=True)
    ]
    return StackedRow(label, segments, note)


def texts(root: ET.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def rects(root: ET.Element, fill: str | None = None) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if fill is None or rect.get("fill") == fill]


def desc(root: ET.Element) -> str:
    element = root.find(f"{SVG}desc")
    assert element is not None
    return element.text or ""


def luminance(colour: str) -> float:
    channels = [int(colour[at : at + 2], 16) / 255 for at in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_with_white(colour: str) -> float:
    return 1.05 / (luminance(colour) + 0.05)


SAMPLES: dict[str, Callable[[], Markup]] = {
    "bar": lambda: bar_chart("Answers", [Bar("Yes", 62, "62 (62%)"), Bar("No", None, "fewer than 5")], key="q1"),
    "bar-empty": lambda: bar_chart("Answers", [], key="q1"),
    "bar-200": lambda: bar_chart("Many", [Bar(f"Option {i}", i, str(i)) for i in range(200)], key="many"),
    "stacked": lambda: stacked_bar_chart(
        "Views", [likert_row("Buses", [10, 20, 30, 25, 15], "n = 40")], LIKERT, key="m"
    ),
    "stacked-empty": lambda: stacked_bar_chart("Views", [], LIKERT, key="m"),
    "column": lambda: column_chart(
        "Daily", [Point(f"{d} Nov", d * 3) for d in range(1, 31)], key="d", y_label="Signatures"
    ),
    "column-one": lambda: column_chart("Daily", [Point("21 Nov", 1)], key="d"),
    "column-empty": lambda: column_chart("Daily", [], key="d"),
    "progress": lambda: progress_chart("Progress", 3456, 10_000, key="p", milestones=[1000, 5000]),
    "progress-no-target": lambda: progress_chart("Progress", 3456, None, key="p"),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_every_chart_is_a_well_formed_accessible_svg_without_inline_styles(name: str) -> None:
    chart = SAMPLES[name]()
    assert isinstance(chart, Markup)
    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 640 \d+", root.get("viewBox", ""))
    title_id, desc_id = root.get("aria-labelledby", "").split()
    title, description = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.get("id") == title_id and title.text
    assert description is not None and description.get("id") == desc_id and description.text
    for element in root.iter():
        assert "style" not in element.attrib
        assert not any("href" in attribute for attribute in element.attrib)
        assert element.tag.removeprefix(SVG) not in {"style", "script", "foreignObject", "image", "filter", "a"}
    assert "var(" not in chart and "url(" not in chart


def test_markup_goes_into_a_template_unescaped() -> None:
    chart = SAMPLES["bar"]()
    assert Markup("<div>{}</div>").format(chart) == f"<div>{chart}</div>"


def test_ids_are_unique_for_charts_with_the_same_title_and_different_keys() -> None:
    bars = [Bar("Yes", 1, "1")]
    page = f"<div>{bar_chart('Same', bars, key='question-1')}{bar_chart('Same', bars, key='question-2')}</div>"
    ids = [element.get("id") for element in parse(page).iter() if element.get("id")]
    assert len(ids) == 4
    assert len(set(ids)) == 4
    assert all(identifier and identifier.startswith("chart-question-") for identifier in ids)


def test_keys_that_slug_alike_still_get_different_ids() -> None:
    first = parse(bar_chart("Same", [Bar("Yes", 1, "1")], key="a b"))
    second = parse(bar_chart("Same", [Bar("Yes", 1, "1")], key="a-b"))
    assert first.get("aria-labelledby") != second.get("aria-labelledby")


def test_output_is_deterministic() -> None:
    for make in SAMPLES.values():
        assert make() == make()
    many = [Point(f"{i}:00", (i * 7919) % 101) for i in range(500)]
    assert column_chart("Hours", many, key="h") == column_chart("Hours", many, key="h")


def test_hostile_text_is_escaped_everywhere() -> None:
    chart = bar_chart(HOSTILE, [Bar(HOSTILE, 5, HOSTILE)], key=HOSTILE, description=HOSTILE)
    assert "<script" not in chart
    root = parse(chart)
    assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))
    assert HOSTILE in (root.findtext(f"{SVG}title") or "")
    assert desc(root).count(HOSTILE) == 3  # the description, the label and the display text
    assert re.fullmatch(
        r"chart-script-alert-x-script-quoted-lab-[0-9a-f]{8}-title", root.get("aria-labelledby", "").split()[0]
    )


def test_markup_labels_are_treated_as_text() -> None:
    chart = bar_chart("Title", [Bar(Markup("<b>bold</b>"), 5, "5")], key="k")
    assert "<b>" not in chart
    assert "<b>bold</b>" in texts(parse(chart))


def test_control_characters_and_xml_noncharacters_do_not_break_the_xml() -> None:
    root = parse(bar_chart("Ti\x00tle\uffff", [Bar("bell\x07 \x1b[31m", 5, "5\x0c")], key="k\x00"))
    assert root.findtext(f"{SVG}title") == "Title"


def test_bar_widths_are_proportional_to_values() -> None:
    root = parse(bar_chart("Q", [Bar("A", 10, "10"), Bar("B", 20, "20"), Bar("C", 40, "40")], key="k"))
    widths = [float(rect.get("width", "0")) for rect in rects(root)]
    assert len(widths) == 3
    assert widths[1] == pytest.approx(2 * widths[0], abs=0.02)
    assert widths[2] == pytest.approx(4 * widths[0], abs=0.02)


def test_bar_maximum_sets_the_scale() -> None:
    bars = [Bar("A", 20, "20"), Bar("B", 40, "40")]
    own_scale = [float(r.get("width", "0")) for r in rects(parse(bar_chart("Q", bars, key="k")))]
    fixed_scale = [float(r.get("width", "0")) for r in rects(parse(bar_chart("Q", bars, key="k", maximum=80)))]
    assert fixed_scale[1] == pytest.approx(own_scale[1] / 2, abs=0.02)
    assert fixed_scale[0] == pytest.approx(fixed_scale[1] / 2, abs=0.02)


def test_suppressed_bars_draw_no_rect_but_show_their_text() -> None:
    bars = [Bar("Shown", 12, "12 (80%)"), Bar("Hidden", None, "fewer than 5"), Bar("Broken", math.nan, "n/a")]
    root = parse(bar_chart("Q", bars, key="k"))
    assert len(rects(root)) == 1
    assert {"12 (80%)", "fewer than 5", "n/a"} <= set(texts(root))
    assert "Hidden: fewer than 5" in desc(root)


def test_all_suppressed_zero_negative_and_infinite_bars_render_without_bars() -> None:
    bars = [Bar("None", None, "fewer than 5"), Bar("Zero", 0, "0"), Bar("Less", -3, "-3"), Bar("Inf", math.inf, "?")]
    root = parse(bar_chart("Q", bars, key="k", maximum=math.nan))
    assert rects(root) == []
    assert {"fewer than 5", "0", "-3", "?"} <= set(texts(root))


def test_many_rows_grow_the_height() -> None:
    ten = parse(bar_chart("Q", [Bar(f"Row {i}", i + 1, "x") for i in range(10)], key="k"))
    many = parse(SAMPLES["bar-200"]())
    assert len(rects(many)) == 199  # the zero row draws no bar
    assert int(many.get("viewBox", "").split()[3]) == 20 * int(ten.get("viewBox", "").split()[3])


def test_long_labels_are_shortened_with_the_full_text_in_a_title() -> None:
    long_label = "A very long answer option " * 10
    root = parse(bar_chart("Q", [Bar(long_label, 3, "3")], key="k"))
    group = next(g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}title") is not None)
    assert group.findtext(f"{SVG}title") == long_label.strip()
    shown = ["".join(text.itertext()) for text in group.iter(f"{SVG}text")]
    assert len(shown) == 2  # wrapped onto two lines
    assert shown[-1].endswith("…")
    assert len(" ".join(shown)) < 80
    assert long_label.strip() in desc(root)


def test_emoji_sequences_are_not_split_and_right_to_left_text_is_isolated() -> None:
    family = "👩\u200d👩\u200d👧"
    root = parse(bar_chart("Q", [Bar(family * 40, 1, "1"), Bar("שלום עולם", 2, "2")], key="k"))
    shown = texts(root)
    emoji_lines = [line for line in shown if family in line]
    assert emoji_lines and all(line.rstrip("…").replace(family, "") == "" for line in emoji_lines)
    assert "\u2068שלום עולם\u2069" in shown


def test_stacked_segments_fill_the_track_when_nothing_is_suppressed() -> None:
    rows = [likert_row("Buses", [10, 20, 30, 25, 15]), likert_row("Rounded", [33, 0, 33, 0, 33])]
    root = parse(stacked_bar_chart("Views", rows, LIKERT, key="m"))
    segments = [rect for rect in rects(root) if rect.get("stroke") == "#ffffff"]
    by_row: dict[str, list[float]] = {}
    for rect in segments:
        by_row.setdefault(rect.get("y", ""), []).append(float(rect.get("width", "0")))
    assert [len(widths) for widths in by_row.values()] == [5, 3]
    for widths in by_row.values():
        assert sum(widths) == pytest.approx(640, abs=0.05)
    first_row = next(iter(by_row.values()))
    assert first_row[1] == pytest.approx(2 * first_row[0], abs=0.02)
    assert {"10%", "20%", "30%", "25%", "15%"} <= set(texts(root))


def test_stacked_legend_lists_categories_in_order_with_distinct_colours() -> None:
    root = parse(stacked_bar_chart("Views", [likert_row("Buses", [10, 20, 30, 25, 15])], LIKERT, key="m"))
    assert texts(root)[: len(LIKERT)] == LIKERT
    swatches = [rect.get("fill", "") for rect in rects(root) if rect.get("width") == "16"]
    assert len(swatches) == len(set(swatches)) == 5


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 6, 7, 9, 12])
def test_palettes_contrast_with_white_and_darken_along_the_scale(count: int) -> None:
    categories = [f"Level {index}" for index in range(count)]
    row = StackedRow("All", [Segment(name, 100 / count, "") for name in categories])
    root = parse(stacked_bar_chart("Scale", [row], categories, key="s"))
    fills = [rect.get("fill", "") for rect in rects(root) if rect.get("stroke") == "#ffffff"]
    assert len(fills) == count
    assert all(contrast_with_white(fill) >= 3 for fill in fills)
    lightness = [luminance(fill) for fill in fills]
    assert lightness == sorted(lightness, reverse=True)  # readable in greyscale: ordered light to dark
    assert len(set(fills)) == count


def test_values_printed_on_segments_have_enough_contrast() -> None:
    root = parse(stacked_bar_chart("Views", [likert_row("Buses", [20, 20, 20, 20, 20])], LIKERT, key="m"))
    segments = [rect for rect in rects(root) if rect.get("stroke") == "#ffffff"]
    values = [text for text in root.iter(f"{SVG}text") if text.text == "20%"]
    assert len(values) == len(segments) == 5
    for rect, text in zip(segments, values, strict=True):
        lighter, darker = sorted([luminance(rect.get("fill", "")), luminance(text.get("fill", "#0b0c0c"))])[::-1]
        assert (lighter + 0.05) / (darker + 0.05) >= 4.5


def test_stacked_suppressed_segments_are_listed_and_not_drawn() -> None:
    rows = [
        likert_row("Partly", [None, 20, 30, None, 40], "n = 14"),
        likert_row("Hidden", [None, None, None, None, None], "fewer than 5 answers"),
    ]
    root = parse(stacked_bar_chart("Views", rows, LIKERT, key="m"))
    segments = [rect for rect in rects(root) if rect.get("stroke") == "#ffffff"]
    assert len(segments) == 3
    assert sum(float(rect.get("width", "0")) for rect in segments) == pytest.approx(0.9 * 640, abs=0.05)
    shown = texts(root)
    assert "n = 14 · Strongly disagree: — · Agree: —" in shown
    assert "fewer than 5 answers" in shown
    assert "Hidden: Strongly disagree —" in desc(root)


def test_stacked_chart_takes_odd_input_without_failing() -> None:
    rows = [
        StackedRow("No segments", []),
        StackedRow("Zeros", [Segment("Yes", 0, "0%"), Segment("No", 0, "0%")]),
        StackedRow("Odd", [Segment("Unknown", math.inf, "?"), Segment("Yes", -5, "-5%"), Segment("No", 250, "x")]),
    ]
    root = parse(stacked_bar_chart(HOSTILE, rows, [], key="odd"))
    segments = [rect for rect in rects(root) if rect.get("stroke") == "#ffffff"]
    assert [float(rect.get("width", "0")) for rect in segments] == [640.0]  # 250% is cut to the track


def test_column_chart_thins_labels_for_800_points() -> None:
    points = [
        Point(f"{day % 30 + 1} Nov {hour:02d}:00", (day * 37 + hour) % 50) for day in range(34) for hour in range(24)
    ]
    root = parse(column_chart("Hourly", points[:800], key="h"))
    labels = [text for text in root.iter(f"{SVG}text") if text.text and "Nov" in text.text]
    assert 3 <= len(labels) <= 13
    positions = [float(text.get("x", "0")) for text in labels]
    assert all(later - earlier >= 60 for earlier, later in pairwise(positions))
    assert len(rects(root, "#1d70b8")) == sum(1 for point in points[:800] if point.value > 0)


def test_column_chart_labels_every_column_when_there_is_room() -> None:
    root = parse(column_chart("Daily", [Point(f"{d} Nov", d) for d in range(1, 6)], key="d", y_label="Signatures"))
    shown = texts(root)
    assert [f"{d} Nov" for d in range(1, 6)] == [text for text in shown if "Nov" in text]
    assert {"1", "2", "3", "4", "5"} <= set(shown)  # values above columns
    assert "Signatures" in shown


def test_column_chart_ticks_are_round_and_use_thousands_separators() -> None:
    root = parse(column_chart("Huge", [Point("A", 1_234_567), Point("B", 3_500_000)], key="h"))
    ticks = [text.text for text in root.iter(f"{SVG}text") if text.get("text-anchor") == "end"]
    assert ticks == ["0", "1,000,000", "2,000,000", "3,000,000", "4,000,000"]
    assert "highest 3,500,000 (B)" in desc(root)


def test_column_chart_counts_get_whole_number_ticks_and_zero_data_still_renders() -> None:
    small = parse(column_chart("Few", [Point("A", 3), Point("B", 1)], key="f"))
    assert [t.text for t in small.iter(f"{SVG}text") if t.get("text-anchor") == "end"] == ["0", "1", "2", "3"]
    zeros = parse(column_chart("None", [Point("A", 0), Point("B", 0)], key="z"))
    assert rects(zeros) == []
    odd = parse(column_chart("Odd", [Point("A", math.nan), Point("B", -4), Point("C", 0.25)], key="o"))
    assert "A: no figure; B: -4; C: 0.25." in desc(odd)
    assert len(rects(odd)) == 1


def test_progress_under_target() -> None:
    root = parse(progress_chart("Signatures", 2_500, 10_000, key="p", milestones=[1_000, 5_000, 20_000, -1]))
    bar = rects(root, "#1d70b8")
    assert len(bar) == 1 and float(bar[0].get("width", "0")) == pytest.approx(160)
    shown = texts(root)
    assert "2,500 of 10,000 (25%)" in shown
    assert {"1,000", "5,000", "Target 10,000"} <= set(shown)
    assert "20,000" not in shown
    assert "Milestones: 1,000 (reached), 5,000 (not yet reached)." in desc(root)


def test_progress_over_target_is_full_and_says_so() -> None:
    root = parse(progress_chart("Signatures", 12_500, 10_000, key="p"))
    bar = rects(root, "#1d70b8")
    assert len(bar) == 1 and float(bar[0].get("width", "0")) == pytest.approx(640)
    assert "12,500: target of 10,000 passed (125%)" in texts(root)


def test_progress_without_target_shows_the_number() -> None:
    for target in (None, 0):
        root = parse(progress_chart("Signatures", 1_234_567, target, key="p"))
        assert rects(root) == []
        assert texts(root) == ["1,234,567"]


def test_progress_never_rounds_up_to_the_target() -> None:
    assert "9,999 of 10,000 (99%)" in texts(parse(progress_chart("Signatures", 9_999, 10_000, key="p")))


@pytest.mark.parametrize("name", ["bar-empty", "stacked-empty", "column-empty"])
def test_empty_inputs_say_no_data_yet(name: str) -> None:
    root = parse(SAMPLES[name]())
    assert texts(root) == ["No data yet"]
    assert desc(root) == "No data yet."
