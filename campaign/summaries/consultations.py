"""A consultation's submitted responses, summarised question by question.

One pass over the responses (streamed, a few thousand rows at a time) feeds an aggregator per
question. "Not asked" (a condition hid the question) and "not answered" (shown, left empty) are
counted apart: answers to hidden questions are never stored, so asked is worked out from the
conditions and each response's own answers.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from campaign.areas.lookup import AreaLookup
from campaign.consultations.answers import condition_met
from campaign.consultations.definition import (
    OTHER_CODE,
    Condition,
    Definition,
    Option,
    Question,
    Section,
    display_scale,
)
from campaign.consultations.models import ConsultationResponse, ResponseState
from campaign.extensions import db
from campaign.i18n import gettext as _
from campaign.summaries.sql import within
from campaign.summaries.themes import Theme, extract_themes

CHOICE_LIKE = frozenset({"single_choice", "yes_no", "likert", "multiple_choice"})
TEXT_TYPES = frozenset({"short_text", "long_text"})
HISTOGRAM_BINS = 8


@dataclass(frozen=True)
class Count:
    code: str
    label: str
    count: int
    share: float  # of the people who answered the question


@dataclass(frozen=True)
class MatrixRow:
    code: str
    label: str
    counts: tuple[int, ...]  # people choosing each point of the scale, in order
    answered: int
    mean: float | None


@dataclass(frozen=True)
class RankRow:
    code: str
    label: str
    score: float  # average points: first place scores as many points as places ranked, unranked 0
    first: int  # people who ranked it first
    ranked: int  # people who ranked it at all


@dataclass
class QuestionSummary:
    section: Section
    question: Question
    asked: int = 0
    answered: int = 0
    counts: list[Count] = field(default_factory=list)
    mean: float | None = None
    median: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    matrix: list[MatrixRow] = field(default_factory=list)
    ranking: list[RankRow] = field(default_factory=list)
    histogram: list[tuple[float, float, int]] = field(default_factory=list)  # from, up to (excluded), people
    themes: list[Theme] = field(default_factory=list)
    other_answers: int = 0

    @property
    def not_answered(self) -> int:
        return self.asked - self.answered


@dataclass
class ConsultationSummary:
    total: int
    questions: list[QuestionSummary]
    consent: dict[str, int]
    by_area: list[tuple[str, int]]
    areas_defined: bool

    def question(self, key: str) -> QuestionSummary | None:
        return next((summary for summary in self.questions if summary.question.key == key), None)


def submitted_rows(
    consultation_id: int, start: datetime | None = None, end: datetime | None = None
) -> Iterator[tuple[int, dict[str, Any], dict[str, str], str | None, str | None, str, datetime | None]]:
    """(id, answers, other, consent, postcode, name, submitted_at) of each submitted response, streamed."""
    query = (
        select(ConsultationResponse.id, ConsultationResponse.answers, ConsultationResponse.consent,
               ConsultationResponse.postcode, ConsultationResponse.name, ConsultationResponse.submitted_at)
        .where(ConsultationResponse.consultation_id == consultation_id,
               ConsultationResponse.state == ResponseState.SUBMITTED.value,
               within(ConsultationResponse.submitted_at, start, end))
        .order_by(ConsultationResponse.id)
        .execution_options(yield_per=5000)
    )  # fmt: skip
    # Core on the session's connection: the ORM's result machinery would cost more than the summary itself.
    for response_id, stored, consent, postcode, name, submitted_at in db.session.connection().execute(query):
        document = json.loads(stored or "{}")
        yield (response_id, document.get("answers", {}), document.get("other", {}), consent, postcode, name,
               submitted_at)  # fmt: skip


def has_conditions(definition: Definition) -> bool:
    return any(section.condition for section in definition.sections) or any(
        question.condition for _, question in definition.questions()
    )


class _Tally:
    """Everything counted for one question while the responses stream past.

    Each question type gets its own small ``add`` (chosen once, here), because it runs for every
    answer of every response: a hundred thousand responses to twelve questions is over a million calls.
    """

    def __init__(self, section: Section, question: Question, lookup: AreaLookup) -> None:
        self.section, self.question, self.key = section, question, question.key
        self.asked = self.answered = self.other_answers = 0
        self.has_other = question.other
        self.codes: Counter[str] = Counter()
        self.points: Counter[int] = Counter()
        self.statements: dict[str, Counter[int]] = {s.code: Counter() for s in question.statements}
        self.positions: dict[str, Counter[int]] = {o.code: Counter() for o in question.options}
        self.numbers: list[float] = []
        self.texts: list[str] = []
        self.areas: Counter[str] = Counter()
        self._lookup = lookup
        adders = {
            "single_choice": self._add_code, "yes_no": self._add_code, "likert": self._add_point,
            "multiple_choice": self._add_codes, "matrix": self._add_matrix, "ranking": self._add_ranking,
            "number": self._add_number, "short_text": self._add_text, "long_text": self._add_text,
            "postcode": self._add_postcode,
        }  # fmt: skip
        self.add: Callable[[Any], None] = adders.get(question.type, self._ignore)

    def _ignore(self, value: Any) -> None:
        return None

    def _add_code(self, value: Any) -> None:
        self.codes[str(value)] += 1

    def _add_point(self, value: Any) -> None:
        if isinstance(value, int):
            self.points[value] += 1

    def _add_codes(self, value: Any) -> None:
        if isinstance(value, list):
            self.codes.update(value)

    def _add_matrix(self, value: Any) -> None:
        if isinstance(value, dict):
            for code, point in value.items():
                chosen = self.statements.get(code)
                if chosen is not None and isinstance(point, int):
                    chosen[point] += 1

    def _add_ranking(self, value: Any) -> None:
        if isinstance(value, list):
            for rank, code in enumerate(value, start=1):
                ranked = self.positions.get(code)
                if ranked is not None:
                    ranked[rank] += 1

    def _add_number(self, value: Any) -> None:
        if isinstance(value, int | float):
            self.numbers.append(float(value))

    def _add_text(self, value: Any) -> None:
        if isinstance(value, str):
            self.texts.append(value)

    def _add_postcode(self, value: Any) -> None:
        if isinstance(value, str):
            self.areas[self._lookup.area_of(value)] += 1

    def summary(self, lookup: AreaLookup, *, with_themes: bool) -> QuestionSummary:
        question, answered = self.question, self.answered
        result = QuestionSummary(self.section, question, self.asked, answered, other_answers=self.other_answers)

        def share(count: int) -> float:
            return count / answered if answered else 0.0

        if question.type in {"single_choice", "yes_no", "multiple_choice"}:
            choices = list(question.choices) + ([Option(OTHER_CODE, _("Other"))] if question.other else [])
            result.counts = [Count(o.code, o.label, self.codes[o.code], share(self.codes[o.code])) for o in choices]
        elif question.type == "likert":
            result.counts = [Count(str(n), label, self.points[n], share(self.points[n]))
                             for n, label in enumerate(display_scale(question.scale), start=1)]  # fmt: skip
            result.mean, result.median = _mean_and_median(self.points)
        elif question.type == "matrix":
            for statement in question.statements:
                chosen = self.statements[statement.code]
                counts = tuple(chosen[n] for n in range(1, len(question.scale) + 1))
                mean, _median = _mean_and_median(chosen)
                result.matrix.append(MatrixRow(statement.code, statement.label, counts, sum(counts), mean))
        elif question.type == "ranking":
            places = question.top or len(question.options)
            for option in question.options:
                positions = self.positions[option.code]
                points = sum((places - rank + 1) * count for rank, count in positions.items())
                result.ranking.append(RankRow(option.code, option.label, points / answered if answered else 0.0,
                                              positions[1], sum(positions.values())))  # fmt: skip
            result.ranking.sort(key=lambda row: (-row.score, row.label.casefold()))
        elif question.type == "number" and self.numbers:
            result.mean = statistics.fmean(self.numbers)
            result.median = statistics.median(self.numbers)
            result.minimum, result.maximum = min(self.numbers), max(self.numbers)
            result.histogram = _histogram(self.numbers, integer=question.integer)
        elif question.type == "postcode":
            result.counts = [Count(area, area, self.areas[area], share(self.areas[area]))
                             for area in lookup.order(self.areas)]  # fmt: skip
        elif question.type in TEXT_TYPES and with_themes:
            result.themes = extract_themes(self.texts)
        return result


def _mean_and_median(points: Counter[int]) -> tuple[float | None, float | None]:
    total = sum(points.values())
    if not total:
        return None, None
    mean = sum(point * count for point, count in points.items()) / total
    ordered = sorted(points.items())

    def nth(position: int) -> int:
        seen = 0
        for point, count in ordered:
            seen += count
            if seen > position:
                return point
        return ordered[-1][0]

    median = (nth((total - 1) // 2) + nth(total // 2)) / 2
    return mean, median


def _nice_width(span: float, bins: int) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50... that covers ``span`` in at most ``bins`` bins."""
    width = 10 ** math.floor(math.log10(span / bins)) if span > 0 else 1.0
    for step in (1, 2, 5, 10):
        if span / (width * step) <= bins:
            return width * step
    return width * 10


def _histogram(values: list[float], *, integer: bool) -> list[tuple[float, float, int]]:
    """(from, up to but not including, people) for bins with round edges (0, 10, 20...). Edges never
    come from the data itself: an edge at the lowest or highest answer would give away one person's answer."""
    low, high = min(values), max(values)
    width = _nice_width(high - low, HISTOGRAM_BINS)
    if integer:
        width = max(width, 1.0)
    start = math.floor(low / width) * width
    counts: Counter[int] = Counter(int((value - start) // width) for value in values)
    return [(start + index * width, start + (index + 1) * width, counts[index]) for index in range(max(counts) + 1)]


def _asked_plan(definition: Definition) -> list[tuple[Condition | None, list[tuple[str, Condition | None]]]]:
    return [(section.condition, [(q.key, q.condition) for q in section.questions]) for section in definition.sections]


def asked_keys(
    plan: list[tuple[Condition | None, list[tuple[str, Condition | None]]]], answers: Mapping[str, Any]
) -> set[str]:
    """The questions a response was shown (what visible_questions decides, without building its list)."""
    asked: set[str] = set()
    effective: dict[str, Any] = {}
    for section_condition, questions in plan:
        if section_condition is not None and not condition_met(section_condition, effective):
            continue
        for key, condition in questions:
            if condition is None or condition_met(condition, effective):
                asked.add(key)
                value = answers.get(key)
                if value is not None:
                    effective[key] = value
    return asked


def summarise_consultation(
    consultation_id: int,
    definition: Definition,
    lookup: AreaLookup,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    with_themes: bool = True,
) -> ConsultationSummary:
    tallies = [_Tally(section, question, lookup) for section, question in definition.questions()]
    plan = _asked_plan(definition) if has_conditions(definition) else None
    total = 0
    consent: Counter[str] = Counter()
    places: Counter[str | None] = Counter()
    for _id, answers, other, consent_given, postcode, _name, _at in submitted_rows(consultation_id, start, end):
        total += 1
        consent[consent_given or "none"] += 1
        places[postcode[:-2] if postcode else None] += 1
        asked = asked_keys(plan, answers) if plan is not None else None
        for tally in tallies:
            key = tally.key
            if asked is not None and key not in asked:
                continue
            tally.asked += 1
            value = answers.get(key)
            if value is None or value == [] or value == {}:
                continue
            tally.answered += 1
            if tally.has_other and other.get(key):
                tally.other_answers += 1
            tally.add(value)
    areas: Counter[str] = Counter()
    for sector, count in places.items():
        areas[lookup.area_of_sector(sector) if sector else lookup.area_of(None)] += count
    return ConsultationSummary(
        total=total,
        questions=[tally.summary(lookup, with_themes=with_themes) for tally in tallies],
        consent=dict(consent),
        by_area=[(area, areas[area]) for area in lookup.order(areas)],
        areas_defined=lookup.defined,
    )
