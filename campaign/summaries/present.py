"""Summaries turned into what a page shows: charts, tables and sentences.

The same code serves the organiser's console (every figure) and briefings for candidates and the
public (``suppress=True``, see suppression.py): counts from 1 to 4 people hidden, with more withheld
so that totals cannot give them back; no figure about a question fewer than 5 people answered; no
median below 10 answers; number ranges widened at both ends until each holds 5 people; rank scores
only for options 5 or more people ranked; and never one person's answer, such as the highest number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from babel import dates
from markupsafe import Markup

from campaign.areas.lookup import OTHER_PLACES
from campaign.consultations.definition import display_scale
from campaign.i18n import gettext as _
from campaign.i18n import site_locale
from campaign.summaries.charts import Bar, Point, Segment, StackedRow, bar_chart, column_chart, stacked_bar_chart
from campaign.summaries.consultations import QuestionSummary
from campaign.summaries.suppression import THRESHOLD, fewer_than, hidden_cells, is_small, shown, widened_ranges

MIN_ANSWERS = THRESHOLD  # fewer answers than this: nothing about the question is shown when suppressing
MIN_FOR_MEDIAN = 2 * THRESHOLD


def hidden_note() -> str:
    return _(
        "Figures from fewer than %(threshold)s people are not shown, and some larger ones are withheld so "
        "that they cannot be worked out from the totals.",
        threshold=THRESHOLD,
    )


def format_day(day: date) -> str:
    """'21 November 2026' in the site's language (a calendar day: no time zone to apply)."""
    return dates.format_date(day, "d MMMM y", locale=site_locale())


def place_label(label: str) -> str:
    """Area names are the organisation's own; the three catch-alls are ours, so translated."""
    return _(label) if label in OTHER_PLACES else label


def short_day(day: date) -> str:
    """'21 Nov' in the site's language, for chart axes."""
    return dates.format_date(day, "d MMM", locale=site_locale())


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
    hidden: int = 0  # figures not shown, to protect the people behind small numbers


def counts_figure(
    title: str, rows: Sequence[tuple[str, int]], whole: int, *, key: str, suppress: bool, label_head: str,
    count_head: str | None = None, share_of: str = "",
) -> Figure:  # fmt: skip
    """A bar chart and table of counts, with shares of ``whole``."""
    counts = [count for _, count in rows]
    hidden = hidden_cells(counts) if suppress else set()
    bars, table_rows = [], []
    for index, (raw_label, count) in enumerate(rows):
        label = place_label(raw_label)
        is_hidden = index in hidden
        share = "—" if is_hidden else percent(count, whole)
        bars.append(
            Bar(label, None if is_hidden else count, shown(count, True) if is_hidden else f"{count:,} ({share})")
        )
        table_rows.append([label, shown(count, is_hidden), share])
    share_head = _("Share of %(whom)s", whom=share_of) if share_of else _("Share")
    head = [label_head, count_head or _("People"), share_head]
    return Figure(bar_chart(title, bars, key=key), Table(title, head, table_rows),
                  notes=[hidden_note()] if hidden else [], hidden=len(hidden))  # fmt: skip


def question_figure(summary: QuestionSummary, *, suppress: bool, key_prefix: str = "") -> Figure:
    question = summary.question
    key = f"{key_prefix}question-{question.key}"
    if suppress and summary.answered < MIN_ANSWERS:
        return Figure(None, None, notes=[_("Fewer than %(threshold)s people answered this question, so its figures "
                                           "are not shown.", threshold=THRESHOLD)], hidden=1)  # fmt: skip
    if suppress and question.type == "postcode":
        # The same people as "Respondents by area": a second breakdown, hidden differently, could be
        # set against the first to work out what either hides.
        return Figure(None, None, notes=[_("Where respondents live is shown once, under “Respondents by area”.")])
    if question.type in {"single_choice", "yes_no", "likert", "multiple_choice", "postcode"}:
        rows = [(count.label, count.count) for count in summary.counts]
        figure = counts_figure(question.label, rows, summary.answered, key=key, suppress=suppress,
                               label_head=_("Area") if question.type == "postcode" else _("Answer"),
                               share_of=_("those who answered"))  # fmt: skip
        if question.type == "multiple_choice":
            figure.notes.append(_("People could choose more than one answer, so shares add up to more than 100%%."))
        if question.type == "likert" and summary.mean is not None:
            points = len(question.scale)
            average = _(
                "%(mean)s out of %(points)s (1 = %(lowest)s, %(points)s = %(highest)s)",
                mean=f"{summary.mean:.1f}",
                points=points,
                lowest=display_scale(question.scale)[0],
                highest=display_scale(question.scale)[-1],
            )
            figure.facts.append((_("Average"), average))
            if not suppress or summary.answered >= MIN_FOR_MEDIAN:
                figure.facts.append((_("Median"), f"{summary.median:g}"))
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
    scale = list(display_scale(question.scale))
    stacked, table_rows = [], []
    withheld = 0
    for row in summary.matrix:
        if suppress and row.answered < MIN_ANSWERS:
            withheld += 1
            stacked.append(
                StackedRow(
                    row.label,
                    [Segment(c, None, "—") for c in scale],
                    _("fewer than %(threshold)s answers", threshold=THRESHOLD),
                )
            )
            table_rows.append([row.label, *(["—"] * len(scale)), fewer_than()])
            continue
        hidden = hidden_cells(list(row.counts)) if suppress else set()
        withheld += len(hidden)
        segments = [Segment(category, None if i in hidden else 100 * count / row.answered if row.answered else 0,
                            "—" if i in hidden else percent(count, row.answered))
                    for i, (category, count) in enumerate(zip(scale, row.counts, strict=True))]  # fmt: skip
        stacked.append(StackedRow(row.label, segments, f"n = {row.answered:,}"))
        cells = [shown(count, True) if i in hidden else f"{count:,} ({percent(count, row.answered)})"
                 for i, count in enumerate(row.counts)]  # fmt: skip
        table_rows.append([row.label, *cells, f"{row.answered:,}"])
    chart = stacked_bar_chart(question.label, stacked, scale, key=key)
    return Figure(chart, Table(question.label, [_("Statement"), *scale, _("Answered")], table_rows),
                  notes=[hidden_note()] if withheld else [], hidden=withheld)  # fmt: skip


def _ranking_figure(summary: QuestionSummary, key: str, *, suppress: bool) -> Figure:
    question = summary.question
    places = question.top or len(question.options)
    hidden_firsts = hidden_cells([row.first for row in summary.ranking]) if suppress else set()
    bars, table_rows = [], []
    withheld = len(hidden_firsts)
    for index, row in enumerate(summary.ranking):
        # A score from a handful of rankings says what those few people did.
        few = suppress and is_small(row.ranked)
        withheld += few
        score = "—" if few else f"{row.score:.2f}"
        bars.append(
            Bar(
                row.label,
                None if few else row.score,
                _("fewer than %(threshold)s ranked it", threshold=THRESHOLD) if few else score,
            )
        )
        table_rows.append([row.label, score, shown(row.first, index in hidden_firsts),
                           fewer_than() if few else f"{row.ranked:,}"])  # fmt: skip
    chart = bar_chart(question.label, bars, key=key, maximum=float(places))
    notes = [_("Rank score: the average points each option got, where a first place scores %(places)s, "
               "a second %(second)s, and so on; not ranking it scores 0 (highest possible: %(places)s).",
               places=places, second=places - 1)]  # fmt: skip
    if withheld:
        notes.append(hidden_note())
    head = [_("Option"), _("Rank score"), _("Ranked first"), _("Ranked at all")]
    return Figure(chart, Table(question.label, head, table_rows), notes=notes, hidden=withheld)


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def _range_label(lower: float | None, upper: float | None, integer: bool) -> str:
    if lower is None and upper is not None:
        return _("under %(number)s", number=_number(upper))
    if upper is None and lower is not None:
        return _("%(number)s or more", number=_number(lower))
    if lower is None or upper is None:  # unreachable: one end is always given
        return ""
    if integer:
        return _number(lower) if upper - lower == 1 else f"{_number(lower)}–{_number(upper - 1)}"
    return _("%(lower)s to under %(upper)s", lower=_number(lower), upper=_number(upper))


def _number_figure(summary: QuestionSummary, key: str, *, suppress: bool) -> Figure:
    integer = summary.question.integer
    facts: list[tuple[str, str]] = []
    if summary.mean is not None:
        facts.append((_("Average"), _number(round(summary.mean, 1) if suppress else summary.mean)))
    if summary.median is not None and (not suppress or summary.answered >= MIN_FOR_MEDIAN):
        facts.append((_("Median"), _number(summary.median)))
    if not suppress and summary.minimum is not None and summary.maximum is not None:
        # One person's answer each: never shown outside the console.
        facts += [(_("Lowest"), _number(summary.minimum)), (_("Highest"), _number(summary.maximum))]
    ranges = widened_ranges(summary.histogram) if suppress else summary.histogram
    rows = [(_range_label(lower, upper, integer), count) for lower, upper, count in ranges]
    figure = counts_figure(summary.question.label, rows, summary.answered, key=key, suppress=suppress,
                           label_head=_("Range"), share_of=_("those who answered"))  # fmt: skip
    figure.facts = facts
    return figure


def over_time_figure(title: str, days: Sequence[tuple[date, int]], *, key: str, suppress: bool) -> Figure:
    """Daily columns for the console; weekly bars (weeks starting Monday) with small weeks hidden when suppressing."""
    if not suppress:
        points = [Point(short_day(day), count) for day, count in days]
        rows = [[format_day(day), f"{count:,}"] for day, count in days]
        return Figure(column_chart(title, points, key=key, y_label=_("Signatures")),
                      Table(title, [_("Day"), _("Signatures")], rows))  # fmt: skip
    weeks: dict[date, int] = {}
    for day, count in days:
        start = day - timedelta(days=day.weekday())
        weeks[start] = weeks.get(start, 0) + count
    ordered = sorted(weeks.items())
    hidden = hidden_cells([count for _, count in ordered])
    bars, rows = [], []
    for index, (start, count) in enumerate(ordered):
        label = _("Week of %(date)s", date=format_day(start))
        bars.append(Bar(label, None if index in hidden else count, shown(count, index in hidden)))
        rows.append([label, shown(count, index in hidden)])
    return Figure(bar_chart(title, bars, key=key), Table(title, [_("Week"), _("Signatures")], rows),
                  notes=[hidden_note()] if hidden else [], hidden=len(hidden))  # fmt: skip
