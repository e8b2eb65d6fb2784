"""A cross-tabulation of one choice question by area or by another choice question."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from campaign.areas.lookup import OTHER_PLACES, AreaLookup
from campaign.consultations.answers import visible_questions
from campaign.consultations.definition import OTHER_CODE, Definition, Question
from campaign.i18n import gettext
from campaign.summaries.consultations import CHOICE_LIKE, has_conditions, submitted_rows

BY_AREA = "area"


@dataclass(frozen=True)
class CrossTab:
    row_question: Question
    column_title: str
    row_labels: list[str]
    column_labels: list[str]
    cells: list[list[int]]  # cells[row][column]: people
    row_totals: list[int]  # people giving each row answer (with any column answer)
    column_totals: list[int]
    total: int  # people counted at all
    several_per_person: bool  # a multiple-choice side: one person can be in several cells


def crosstab_questions(definition: Definition) -> list[Question]:
    return [question for _, question in definition.questions() if question.type in CHOICE_LIKE]


def _codes(question: Question, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(code) for code in value]
    return [str(value)]


def _labels(question: Question) -> tuple[list[str], list[str]]:
    codes = [option.code for option in question.choices] + ([OTHER_CODE] if question.other else [])
    return codes, [question.choice_label(code) for code in codes]


def crosstab(
    consultation_id: int,
    definition: Definition,
    lookup: AreaLookup,
    row_key: str,
    by: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> CrossTab:
    """Raises KeyError when ``row_key`` or ``by`` is not a choice question of ``definition``."""
    choice = {question.key: question for question in crosstab_questions(definition)}
    row_question = choice[row_key]
    column_question = None if by == BY_AREA else choice[by]
    row_codes, row_labels = _labels(row_question)
    conditional = has_conditions(definition)
    pairs: Counter[tuple[str, str]] = Counter()
    rows_seen: Counter[str] = Counter()
    columns_seen: Counter[str] = Counter()
    total = 0
    for _, answers, _, _, postcode, _, _ in submitted_rows(consultation_id, start, end):
        if conditional:
            asked = {question.key for _, question in visible_questions(definition, answers)}
            if row_key not in asked or (column_question is not None and column_question.key not in asked):
                continue
        row_values = _codes(row_question, answers.get(row_key))
        if column_question is None:
            column_values = [lookup.area_of(postcode)]
        else:
            column_values = _codes(column_question, answers.get(column_question.key))
        if not row_values or not column_values:
            continue
        total += 1
        rows_seen.update(row_values)
        columns_seen.update(column_values)
        pairs.update((r, c) for r in row_values for c in column_values)
    if column_question is None:
        column_codes = lookup.order(columns_seen)
        # Area names are the organisation's own; the catch-alls ("No postcode given") are ours.
        column_labels = [gettext(code) if code in OTHER_PLACES else code for code in column_codes]
        column_title = gettext("Area")
    else:
        column_codes, column_labels = _labels(column_question)
        column_title = column_question.label
    return CrossTab(
        row_question=row_question,
        column_title=column_title,
        row_labels=row_labels,
        column_labels=column_labels,
        cells=[[pairs[(r, c)] for c in column_codes] for r in row_codes],
        row_totals=[rows_seen[r] for r in row_codes],
        column_totals=[columns_seen[c] for c in column_codes],
        total=total,
        several_per_person=row_question.type == "multiple_choice"
        or (column_question is not None and column_question.type == "multiple_choice"),
    )
