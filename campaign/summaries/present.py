"""Summaries turned into what a page shows: charts, tables and sentences.

The same code serves the organiser's console (every figure) and briefings for candidates and the
public (``suppress=True``: any figure from 1 to 4 people hidden, see suppression.py; single
people's answers such as the lowest and highest number never shown).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from markupsafe import Markup

from campaign.summaries.charts import Bar, Point, Segment, StackedRow, bar_chart, column_chart, stacked_bar_chart
from campaign.summaries.consultations import QuestionSummary
from campaign.summaries.suppression import FEWER_THAN, THRESHOLD, hidden_cells, is_small

MIN_ANSWERS = THRESHOLD  # fewer answers than this: nothing about the question is shown when suppressing


def percent(part: int, whole: int) -> str:
    if not whole:
        return "—"
    share = 100 * part / whole
    return f"{share:.0f}%" if share >= 1 or share == 0 else "<1%"


@dataclass
class Table:
    caption: str
    head: list[str]
    rows: list[list[str]]
    numeric_from: int = 1  # columns from this one on are numbers (aligned right)


@dataclass
class Figure:
    """One question's (or one breakdown's) chart, data table and notes."""

    chart: Markup | None
    table: Table | None
    facts: list[tuple[str, str]] = field(default_factory=list)  # e.g. ("Mean", "3.8 out of 5")
    notes: list[str] = field(default_factory=list)
    hidden: int = 0  # figures withheld because they came from fewer than THRESHOLD people


def _count_text(count: int, hidden: bool) -> str:
    return FEWER_THAN if hidden else f"{count:,}"


def counts_figure(
    title: str, rows: Sequence[tuple[str, int]], whole: int, *, key: str, suppress: bool, label_head: str,
    count_head: str = "People", share_of: str = "",
) -> Figure:  # fmt: skip
    """A bar chart and table of counts, with shares of ``whole``."""
    counts = [count for _, count in rows]
    hidden = hidden_cells(counts) if suppress else set()
    bars, table_rows = [], []
    for index, (label, count) in enumerate(rows):
        is_hidden = index in hidden
        share = "" if is_hidden else percent(count, whole)
        display = FEWER_THAN if is_hidden else f"{count:,} ({share})"
        bars.append(Bar(label, None if is_hidden else count, display))
        table_rows.append([label, _count_text(count, is_hidden), share or "—"])
    head = [label_head, count_head, f"Share{' of ' + share_of if share_of else ''}"]
    notes = [f"Figures from fewer than {THRESHOLD} people are not shown."] if hidden else []
    return Figure(bar_chart(title, bars, key=key), Table(title, head, table_rows), notes=notes, hidden=len(hidden))


def question_figure(summary: QuestionSummary, *, suppress: bool, key_prefix: str = "") -> Figure:
    question = summary.question
    key = f"{key_prefix}question-{question.key}"
    if suppress and summary.answered < MIN_ANSWERS:
        return Figure(None, None, notes=[f"Fewer than {THRESHOLD} people answered this question, so its figures "
                                         "are not shown."], hidden=1)  # fmt: skip
    if question.type in {"single_choice", "yes_no", "likert", "multiple_choice", "postcode"}:
        rows = [(count.label, count.count) for count in summary.counts]
        figure = counts_figure(question.label, rows, summary.answered, key=key, suppress=suppress,
                               label_head="Area" if question.type == "postcode" else "Answer",
                               share_of="those who answered")  # fmt: skip
        if question.type == "multiple_choice":
            figure.notes.append("People could choose more than one answer, so shares add up to more than 100%.")
        if question.type == "likert" and summary.mean is not None:
            points = len(question.scale)
            figure.facts += [("Average", f"{summary.mean:.1f} out of {points} (1 = {question.scale[0]}, "
                                         f"{points} = {question.scale[-1]})"),
                             ("Median", f"{summary.median:g}")]  # fmt: skip
        return figure
    if question.type == "matrix":
        return _matrix_figure(summary, key, suppress=suppress)
    if question.type == "ranking":
        return _ranking_figure(summary, key, suppress=suppress)
    if question.type == "number":
        return _number_figure(summary, key, suppress=suppress)
    return Figure(None, None)  # text: themes and quotes are shown by the caller


def _matrix_figure(summary: QuestionSummary, key: str, *, suppress: bool) -> Figure:
    question = summary.question
    scale = list(question.scale)
    stacked, table_rows = [], []
    notes: list[str] = []
    withheld = 0
    for row in summary.matrix:
        if suppress and row.answered < MIN_ANSWERS:
            withheld += 1
            stacked.append(StackedRow(row.label, [Segment(c, None, "—") for c in scale], FEWER_THAN + " answers"))
            table_rows.append([row.label, *(["—"] * len(scale)), FEWER_THAN])
            continue
        hidden = hidden_cells(list(row.counts)) if suppress else set()
        segments = [Segment(category, None if i in hidden else 100 * count / row.answered if row.answered else 0,
                            "—" if i in hidden else percent(count, row.answered))
                    for i, (category, count) in enumerate(zip(scale, row.counts, strict=True))]  # fmt: skip
        stacked.append(StackedRow(row.label, segments, f"n = {row.answered:,}"))
        cells = [FEWER_THAN if i in hidden else f"{count:,} ({percent(count, row.answered)})"
                 for i, count in enumerate(row.counts)]  # fmt: skip
        table_rows.append([row.label, *cells, f"{row.answered:,}"])
        withheld += len(hidden)
    if withheld:
        notes = [f"Figures from fewer than {THRESHOLD} people are not shown."]
    chart = stacked_bar_chart(question.label, stacked, scale, key=key)
    return Figure(chart, Table(question.label, ["Statement", *scale, "Answered"], table_rows), notes=notes,
                  hidden=withheld)  # fmt: skip


def _ranking_figure(summary: QuestionSummary, key: str, *, suppress: bool) -> Figure:
    question = summary.question
    places = question.top or len(question.options)
    firsts = [row.first for row in summary.ranking]
    hidden = hidden_cells(firsts) if suppress else set()
    bars = [Bar(row.label, row.score, f"{row.score:.2f}") for row in summary.ranking]
    table_rows = [[row.label, f"{row.score:.2f}", _count_text(row.first, i in hidden),
                   _count_text(row.ranked, suppress and is_small(row.ranked))]
                  for i, row in enumerate(summary.ranking)]  # fmt: skip
    chart = bar_chart(question.label, bars, key=key, maximum=float(places))
    notes = [f"Rank score: the average points each option got, where a first place scores {places}, "
             f"a second {places - 1}, and so on; not ranking it scores 0 (highest possible: {places})."]  # fmt: skip
    withheld = len(hidden) + sum(1 for row in summary.ranking if suppress and is_small(row.ranked))
    return Figure(chart, Table(question.label, ["Option", "Rank score", "Ranked first", "Ranked at all"], table_rows),
                  notes=notes, hidden=withheld)  # fmt: skip


def _number_figure(summary: QuestionSummary, key: str, *, suppress: bool) -> Figure:
    facts: list[tuple[str, str]] = []
    if summary.mean is not None and summary.median is not None:
        facts += [("Average", f"{summary.mean:,.2f}".rstrip("0").rstrip(".")), ("Median", f"{summary.median:,g}")]
    if not suppress and summary.minimum is not None and summary.maximum is not None:
        # One person's answer each: never shown outside the console.
        facts += [("Lowest", f"{summary.minimum:,g}"), ("Highest", f"{summary.maximum:,g}")]
    figure = counts_figure(summary.question.label, summary.histogram, summary.answered, key=key, suppress=suppress,
                           label_head="Range", share_of="those who answered")  # fmt: skip
    figure.facts = facts
    return figure


def over_time_figure(
    title: str, days: Sequence[tuple[date, int]], *, key: str, suppress: bool
) -> Figure:  # fmt: skip
    """Daily columns for the console; weekly (weeks starting Monday) with small weeks hidden when suppressing."""
    if not suppress:
        points = [Point(f"{day.day} {day:%b}", count) for day, count in days]
        rows = [[f"{day.day} {day:%B %Y}", f"{count:,}"] for day, count in days]
        return Figure(column_chart(title, points, key=key, y_label="Signatures"),
                      Table(title, ["Day", "Signatures"], rows))  # fmt: skip
    weeks: dict[date, int] = {}
    for day, count in days:
        start = day - timedelta(days=day.weekday())
        weeks[start] = weeks.get(start, 0) + count
    points, rows = [], []
    for start, count in sorted(weeks.items()):
        small = is_small(count)
        points.append(Point(f"{start.day} {start:%b}", 0 if small else count))
        rows.append([f"Week of {start.day} {start:%B %Y}", FEWER_THAN if small else f"{count:,}"])
    notes = [f"Weeks with fewer than {THRESHOLD} signatures are drawn as zero."] if any(
        is_small(count) for count in weeks.values()
    ) else []  # fmt: skip
    chart = column_chart(title, points, key=key, y_label="Signatures")
    withheld = sum(1 for count in weeks.values() if is_small(count))
    return Figure(chart, Table(title, ["Week", "Signatures"], rows), notes=notes, hidden=withheld)
