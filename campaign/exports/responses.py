"""Submitted consultation responses as wide CSV, XLSX (with a codebook), long CSV and JSON.

"Not asked" (a condition hid the question) and "not answered" (shown, left empty) are kept
apart in every format: the cell says ``(not asked)`` or is empty. Postcode answers are exported
as their district (``YO1``) and area, never the full postcode. Names appear only for people who
agreed to be quoted by name; email addresses never appear.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from campaign.areas.lookup import AreaLookup
from campaign.consultations.answers import visible_questions
from campaign.consultations.definition import OTHER_CODE, Definition, Question
from campaign.consultations.documents import definition_document
from campaign.consultations.models import Consent, ConsultationResponse, ResponseState
from campaign.exports.csvstream import LocalTimes, csv_blocks
from campaign.exports.safe import spreadsheet_safe
from campaign.extensions import db
from campaign.identity import postcode_outward
from campaign.summaries.consultations import has_conditions, submitted_rows
from campaign.summaries.sql import within

NOT_ASKED = "(not asked)"
NOT_ANSWERED = ""
RESPONSES_FORMAT = "campaign/consultation-responses/1"

Cell = str | int | float


@dataclass(frozen=True)
class Answered:
    """One response as the exporters see it."""

    response_id: int
    submitted: str  # local time, as text
    area: str
    consent: str
    name: str  # only when they agreed to be quoted by name
    answers: dict[str, Any]
    other: dict[str, str]
    asked: frozenset[str]


@dataclass(frozen=True)
class Column:
    name: str
    question: str  # the question's key, or "" for the response's own columns
    meaning: str  # for the codebook
    values: str  # for the codebook: codes and what they stand for
    cell: Callable[[Answered], Cell]


def _chosen(key: str, code: str, row: Answered) -> Cell:
    return int(code in row.answers[key])


def _point(key: str, code: str, row: Answered) -> Cell:
    point = row.answers[key].get(code)
    return int(point) if isinstance(point, int) else NOT_ANSWERED


def _rank(key: str, code: str, row: Answered) -> Cell:
    ranked = row.answers[key]
    return ranked.index(code) + 1 if code in ranked else 0


def _codes_text(question: Question) -> str:
    choices = [(o.code, o.label) for o in question.choices] + ([(OTHER_CODE, "Other")] if question.other else [])
    return "; ".join(f"{code} = {label}" for code, label in choices)


def _asked(key: str, read: Callable[[Answered], Cell]) -> Callable[[Answered], Cell]:
    def cell(row: Answered) -> Cell:
        if key not in row.asked:
            return NOT_ASKED
        if row.answers.get(key) in (None, [], {}):
            return NOT_ANSWERED
        return read(row)

    return cell


def question_columns(question: Question, lookup: AreaLookup) -> list[Column]:
    key, kind, label = question.key, question.type, question.label
    columns: list[Column] = []

    def add(name: str, meaning: str, values: str, read: Callable[[Answered], Cell]) -> None:
        columns.append(Column(name, key, meaning, values, _asked(key, read)))

    if kind in {"single_choice", "yes_no"}:
        add(key, label, _codes_text(question), lambda row: str(row.answers[key]))
    elif kind == "likert":
        add(key, label, _codes_text(question), lambda row: int(row.answers[key]))
    elif kind == "multiple_choice":
        codes = [o.code for o in question.options] + ([OTHER_CODE] if question.other else [])
        for code in codes:
            add(f"{key}__{code}", f"{label}: {question.choice_label(code)}", "1 = chosen; 0 = not chosen",
                partial(_chosen, key, code))  # fmt: skip
    elif kind == "matrix":
        scale = "; ".join(f"{n} = {point}" for n, point in enumerate(question.scale, start=1))
        for statement in question.statements:
            add(f"{key}__{statement.code}", f"{label}: {statement.label}", scale,
                partial(_point, key, statement.code))  # fmt: skip
    elif kind == "ranking":
        for option in question.options:
            add(f"{key}__{option.code}", f"{label}: {option.label}", "rank given (1 = first); 0 = not ranked",
                partial(_rank, key, option.code))  # fmt: skip
    elif kind in {"short_text", "long_text"}:
        add(key, label, "text as written", lambda row: str(row.answers[key]))
    elif kind == "number":
        add(key, label, "a whole number" if question.integer else "a number", lambda row: row.answers[key])
    elif kind == "postcode":
        add(key, f"{label} (postcode district only)", "postcode district, e.g. YO1",
            lambda row: postcode_outward(str(row.answers[key])))  # fmt: skip
        add(f"{key}__area", f"{label}: area", "area the postcode is in",
            lambda row: lookup.area_of(str(row.answers[key])))  # fmt: skip
    if question.other and kind in {"single_choice", "multiple_choice"}:
        add(f"{key}__other_text", f"{label}: “Other” as specified", "text as written",
            lambda row: row.other.get(key, ""))  # fmt: skip
    return columns


def columns_for(definition: Definition, lookup: AreaLookup, zone: ZoneInfo) -> list[Column]:
    fixed = [
        Column("response", "", "Response number", "a number", lambda row: row.response_id),
        Column("submitted", "", f"When it was last submitted ({zone.key})", "date and time",
               lambda row: row.submitted),
        Column("area", "", "Area of the postcode the respondent gave", "an area",
               lambda row: row.area),
        Column("consent", "", "May we quote their words?", "named = with their name; anonymous; none = not at all",
               lambda row: row.consent),
        Column("name", "", "Name, only when they agreed to be quoted by name", "text",
               lambda row: row.name),
    ]  # fmt: skip
    return fixed + [column for _, question in definition.questions() for column in question_columns(question, lookup)]


def count_responses(consultation_id: int, start: datetime | None = None, end: datetime | None = None) -> int:
    query = (
        select(func.count())
        .select_from(ConsultationResponse)
        .where(ConsultationResponse.consultation_id == consultation_id,
               ConsultationResponse.state == ResponseState.SUBMITTED.value,
               within(ConsultationResponse.submitted_at, start, end))
    )  # fmt: skip
    return db.session.scalar(query) or 0


def answered_rows(
    consultation_id: int, definition: Definition, lookup: AreaLookup, zone: ZoneInfo,
    start: datetime | None = None, end: datetime | None = None,
) -> Iterator[Answered]:  # fmt: skip
    times = LocalTimes(zone)
    every_key = frozenset(question.key for _, question in definition.questions())
    conditional = has_conditions(definition)
    for response_id, answers, other, consent, postcode, name, submitted_at in submitted_rows(
        consultation_id, start, end
    ):
        asked = frozenset(q.key for _, q in visible_questions(definition, answers)) if conditional else every_key
        yield Answered(response_id, times.format(submitted_at), lookup.area_of(postcode), consent or Consent.NONE,
                       name if consent == Consent.NAMED else "", answers, other, asked)  # fmt: skip


def _safe(cells: list[Cell]) -> list[Cell]:
    return [spreadsheet_safe(cell) if isinstance(cell, str) else cell for cell in cells]


def wide_csv(rows: Iterator[Answered], columns: list[Column]) -> Iterator[str]:
    return csv_blocks([c.name for c in columns], (_safe([c.cell(row) for c in columns]) for row in rows))


def long_rows(rows: Iterator[Answered], definition: Definition, lookup: AreaLookup) -> Iterator[list[Cell]]:
    """One row per answer (an item of a multiple answer is a row of its own), with its status."""
    for row in rows:
        start: list[Cell] = [row.response_id, row.submitted, row.area]
        for _, question in definition.questions():
            key = question.key
            value = row.answers.get(key)
            if key not in row.asked:
                yield [*start, key, "", "not asked", "", ""]
                continue
            if value in (None, [], {}):
                yield [*start, key, "", "not answered", "", ""]
                continue
            for item, cell, label in _items(question, value, lookup):
                yield [*start, key, item, "answered", cell, label]
            if row.other.get(key):
                yield [*start, key, "other_text", "answered", row.other[key], ""]


def _items(question: Question, value: Any, lookup: AreaLookup) -> Iterator[tuple[str, Cell, str]]:
    kind = question.type
    if kind in {"single_choice", "yes_no", "likert"}:
        yield "", value, question.choice_label(str(value))
    elif kind == "multiple_choice":
        for code in value:
            yield code, 1, question.choice_label(code)
    elif kind == "matrix":
        for statement in question.statements:
            if statement.code in value:
                point = value[statement.code]
                scale = question.scale[point - 1] if 0 < point <= len(question.scale) else ""
                yield statement.code, point, scale
    elif kind == "ranking":
        for rank, code in enumerate(value, start=1):
            yield code, rank, question.choice_label(code)
    elif kind == "postcode":
        yield "", postcode_outward(str(value)), lookup.area_of(str(value))
    elif kind == "number":
        yield "", value, ""
    else:
        yield "", str(value), ""


LONG_HEADER = ["response", "submitted", "area", "question", "item", "status", "value", "label"]


def long_csv(rows: Iterator[Answered], definition: Definition, lookup: AreaLookup) -> Iterator[str]:
    return csv_blocks(LONG_HEADER, (_safe(cells) for cells in long_rows(rows, definition, lookup)))


def json_document(
    rows: Iterator[Answered], definition: Definition, about: dict[str, Any], *, lookup: AreaLookup
) -> Iterator[str]:
    """The definition and every response, written piece by piece (never the whole document in memory)."""
    head = {"format": RESPONSES_FORMAT, "consultation": about, "definition": definition_document(definition)}
    yield json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "responses": ['
    postcode_keys = {q.key for _, q in definition.questions() if q.type == "postcode"}
    first = True
    for row in rows:
        answers = {k: (postcode_outward(str(v)) if k in postcode_keys else v) for k, v in row.answers.items()}
        item = {
            "response": row.response_id,
            "submitted": row.submitted,
            "area": row.area,
            "consent": row.consent,
            **({"name": row.name} if row.name else {}),
            "answers": {k: v for k, v in answers.items() if v not in (None, [], {})},
            "other": row.other,
            "not_asked": sorted(k for _, q in definition.questions() if (k := q.key) not in row.asked),
            "not_answered": sorted(q.key for _, q in definition.questions()
                                   if q.key in row.asked and row.answers.get(q.key) in (None, [], {})),
        }  # fmt: skip
        yield ("\n  " if first else ",\n  ") + json.dumps(item, ensure_ascii=False)
        first = False
    yield "\n ]\n}\n"


def about_export(title: str, slug: str, version: int, zone: ZoneInfo) -> dict[str, Any]:
    return {"title": title, "slug": slug, "version": version, "time_zone": zone.key,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "markers": {"not_asked": "the question was hidden by a condition",
                        "not_answered": "the question was shown and left empty"}}  # fmt: skip
