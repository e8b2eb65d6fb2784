"""Answers: read from a posted form, checked against their question, shown or hidden by conditions.

Stored answers are JSON values: a code (single choice, yes/no), a list of codes (multiple choice;
ranking, in rank order), a whole number (scale point), a mapping of statement code to scale point
(matrix), text, a number, or a normalised postcode. "Other, please specify" text is kept beside
the answer, under the same key.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from werkzeug.datastructures import MultiDict

from campaign.consultations.definition import OTHER_CODE, Condition, Definition, Question, Section
from campaign.i18n import gettext as _
from campaign.identity import normalise_postcode
from campaign.text import clean_block, clean_line

OTHER_TEXT_MAX = 200
FIELD_PREFIX = "q-"


FormData = MultiDict[str, str]


def field_name(question: Question, part: str | None = None) -> str:
    return f"{FIELD_PREFIX}{question.key}" + (f"-{part}" if part else "")


def field_names(question: Question) -> set[str]:
    """Every form field a question may send."""
    names = {field_name(question)}
    if question.other:
        names.add(field_name(question, OTHER_CODE))
    if question.type == "matrix":
        names |= {field_name(question, s.code) for s in question.statements}
    if question.type == "ranking":
        names |= {field_name(question, o.code) for o in question.options}
    return names


@dataclass
class Answer:
    """One question's answer as read from a form: the value to store, or the problem with it."""

    value: Any = None
    other: str | None = None
    error: str | None = None
    # What was typed, to put back in the form when there are errors.
    raw: dict[str, Any] = field(default_factory=dict)


def _codes(question: Question) -> set[str]:
    return {option.code for option in question.choices} | ({OTHER_CODE} if question.other else set())


def _other_text(question: Question, form: FormData, answer: Answer, chosen: bool) -> None:
    text = clean_line(form.get(field_name(question, OTHER_CODE), ""))
    answer.raw[field_name(question, OTHER_CODE)] = text
    if not chosen:
        return
    if not text:
        answer.error = _("Tell us what “Other” is")
    elif len(text) > OTHER_TEXT_MAX:
        answer.error = _("“Other” must be %(max)s characters or fewer", max=OTHER_TEXT_MAX)
    else:
        answer.other = text


def _scale_point(raw: str, points: int) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= points else None


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def _format_number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def read_answer(question: Question, form: FormData) -> Answer:
    """The answer to ``question`` in ``form``; required-ness is checked separately (it depends on
    whether the question is shown)."""
    answer = Answer()
    name = field_name(question)
    kind = question.type
    if kind in {"single_choice", "yes_no", "likert"}:
        raw = clean_line(form.get(name, ""))
        answer.raw[name] = raw
        if not raw:
            return answer
        if raw not in _codes(question):
            answer.error = _("Choose one of the options")
            return answer
        answer.value = int(raw) if kind == "likert" else raw
        if question.other:
            _other_text(question, form, answer, raw == OTHER_CODE)
    elif kind == "multiple_choice":
        chosen = list(dict.fromkeys(clean_line(value) for value in form.getlist(name) if value))
        answer.raw[name] = chosen
        if not chosen:
            return answer
        if not set(chosen) <= _codes(question):
            answer.error = _("Choose from the options given")
            return answer
        order = [option.code for option in question.options] + [OTHER_CODE]
        answer.value = sorted(chosen, key=order.index)
        if question.min_choices and len(chosen) < question.min_choices:
            answer.error = _("Choose at least %(min)s", min=question.min_choices)
        elif question.max_choices and len(chosen) > question.max_choices:
            answer.error = _("Choose no more than %(max)s", max=question.max_choices)
        if question.other:
            _other_text(question, form, answer, OTHER_CODE in chosen)
    elif kind == "matrix":
        points: dict[str, int] = {}
        for statement in question.statements:
            part = field_name(question, statement.code)
            raw = clean_line(form.get(part, ""))
            answer.raw[part] = raw
            if raw:
                point = _scale_point(raw, len(question.scale))
                if point is None:
                    answer.error = _("Choose a point on the scale for each statement")
                else:
                    points[statement.code] = point
        if points:
            answer.value = points
            if question.required and len(points) < len(question.statements) and not answer.error:
                answer.error = _("Answer every statement")
    elif kind == "ranking":
        _read_ranking(question, form, answer)
    elif kind in {"short_text", "long_text"}:
        text = (clean_line if kind == "short_text" else clean_block)(form.get(name, ""))
        answer.raw[name] = text
        limit = question.max_length or 0
        if text and len(text) > limit:
            answer.error = _(
                "Your answer must be %(max)s characters or fewer (it is %(length)s)",
                max=f"{limit:,}",
                length=f"{len(text):,}",
            )
        elif text:
            answer.value = text
    elif kind == "number":
        _read_number(question, form, answer)
    elif kind == "postcode":
        raw = clean_line(form.get(name, ""))
        answer.raw[name] = raw
        if raw:
            answer.value = normalise_postcode(raw)
            if answer.value is None:
                answer.error = _("Enter a real UK postcode, like YO1 7HH")
    return answer


def _read_ranking(question: Question, form: FormData, answer: Answer) -> None:
    wanted = question.top or len(question.options)
    ranks: dict[int, str] = {}
    for option in question.options:
        part = field_name(question, option.code)
        raw = clean_line(form.get(part, ""))
        answer.raw[part] = raw
        if not raw:
            continue
        rank = _scale_point(raw, wanted)
        if rank is None:
            answer.error = _("Use ranks from 1 to %(last)s", last=wanted)
            return
        if rank in ranks:
            answer.error = _("Each rank can only be used once (rank %(rank)s is given twice)", rank=rank)
            return
        ranks[rank] = option.code
    if not ranks:
        return
    if sorted(ranks) != list(range(1, len(ranks) + 1)) or len(ranks) != wanted:
        if question.top:
            answer.error = _("Rank your top %(wanted)s, from 1 to %(wanted)s, without gaps", wanted=wanted)
        else:
            answer.error = _("Rank all %(wanted)s options, from 1 to %(wanted)s, without gaps", wanted=wanted)
        return
    answer.value = [ranks[rank] for rank in sorted(ranks)]


def _read_number(question: Question, form: FormData, answer: Answer) -> None:
    name = field_name(question)
    raw = clean_line(form.get(name, ""))[:40]
    answer.raw[name] = raw
    compact = raw.replace(",", "").replace(" ", "").replace("_", "")
    if not compact:
        return
    if not _NUMBER.match(compact):
        answer.error = _("Enter a whole number, like 12") if question.integer else _("Enter a number, like 12 or 3.5")
        return
    try:
        number = Decimal(compact)
    except InvalidOperation:
        answer.error = _("Enter a number, like 12 or 3.5")
        return
    if question.integer and number != number.to_integral_value():
        answer.error = _("Enter a whole number, like 12")
        return
    value: float = int(number) if question.integer else float(number)
    if not math.isfinite(value) or abs(value) > 1e12:
        answer.error = _("Enter a smaller number")
        return
    low, high = question.minimum, question.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            answer.error = _(
                "Enter a number from %(low)s to %(high)s", low=_format_number(low), high=_format_number(high)
            )
        elif low is not None:
            answer.error = _("Enter a number of at least %(low)s", low=_format_number(low))
        else:
            answer.error = _("Enter a number no more than %(high)s", high=_format_number(high or 0))
        return
    answer.value = value


def missing_message(question: Question) -> str:
    return {
        "single_choice": _("Choose an option"),
        "yes_no": _("Choose yes or no"),
        "likert": _("Choose a point on the scale"),
        "multiple_choice": _("Choose at least one option"),
        "matrix": _("Answer every statement"),
        "ranking": _("Rank the options"),
        "postcode": _("Enter your postcode"),
        "number": _("Enter a number"),
    }.get(question.type, _("Enter your answer"))


# --- Conditions and visibility -------------------------------------------------------------------


def condition_met(condition: Condition | None, answers: Mapping[str, Any]) -> bool:
    """Unanswered questions meet no condition; lists compare as sets."""
    if condition is None:
        return True
    value = answers.get(condition.question)
    if value is None:
        return False
    chosen = {str(item) for item in value} if isinstance(value, list) else {str(value)}
    wanted = set(condition.values)
    if condition.operator == "equals":
        return chosen == wanted if isinstance(value, list) else bool(chosen & wanted)
    if condition.operator == "includes":
        return bool(chosen & wanted)
    return not chosen & wanted


def visible_questions(definition: Definition, answers: Mapping[str, Any]) -> list[tuple[Section, Question]]:
    """Questions a person is asked, in order, given their answers (hidden ones never count)."""
    shown: list[tuple[Section, Question]] = []
    effective: dict[str, Any] = {}
    for section in definition.sections:
        if not condition_met(section.condition, effective):
            continue
        for question in section.questions:
            if condition_met(question.condition, effective):
                shown.append((section, question))
                if question.key in answers:
                    effective[question.key] = answers[question.key]
    return shown


def visible_sections(definition: Definition, answers: Mapping[str, Any]) -> list[Section]:
    keys = {section.key for section, _ in visible_questions(definition, answers)}
    return [section for section in definition.sections if section.key in keys]


def answered(value: Any) -> bool:
    return value is not None and value != [] and value != {}


@dataclass
class PageResult:
    """A section's answers read from a form: what to keep, and problems by field or for the page."""

    answers: dict[str, Any]
    other: dict[str, str]
    errors: dict[str, str]
    raw: dict[str, Any]
    page_error: str | None = None


def read_section(
    definition: Definition,
    section: Section,
    form: FormData,
    earlier: Mapping[str, Any],
    *,
    require: bool,
) -> PageResult:
    """Read one page: forged fields are refused, hidden questions' answers dropped, and (when
    ``require``) unanswered required questions reported."""
    offered = offered_questions(section, earlier)
    allowed = set().union(*(field_names(q) for q in offered)) if offered else set()
    posted = {name for name in form if name.startswith(FIELD_PREFIX)}
    result = PageResult({}, {}, {}, {})
    if posted - allowed:
        result.page_error = _(
            "The form had answers to questions that are not on this page. Reload the page and try again."
        )
        return result
    read = {q.key: read_answer(q, form) for q in offered}
    for answer in read.values():
        result.raw.update(answer.raw)
    merged = {**earlier, **{key: a.value for key, a in read.items() if a.value is not None and not a.error}}
    shown = {q.key for _, q in visible_questions(definition, merged)}
    for question in offered:
        answer = read[question.key]
        if question.key not in shown:
            continue  # hidden by an answer on this same page: whatever was sent is discarded
        if answer.error:
            result.errors[question.key] = answer.error
        elif answered(answer.value):
            result.answers[question.key] = answer.value
            if answer.other:
                result.other[question.key] = answer.other
        elif require and question.required:
            result.errors[question.key] = missing_message(question)
    return result


def offered_questions(section: Section, earlier: Mapping[str, Any]) -> list[Question]:
    """The questions put on a page: those shown by earlier pages' answers, and those depending on a
    question on the same page (which only the server can settle when JavaScript is off)."""
    on_page = {q.key for q in section.questions}
    return [
        q
        for q in section.questions
        if q.condition is None or q.condition.question in on_page or condition_met(q.condition, earlier)
    ]


def incomplete_sections(definition: Definition, answers: Mapping[str, Any]) -> list[Section]:
    """Shown sections with a required question not answered yet, in order."""
    missing = []
    for section, question in visible_questions(definition, answers):
        if question.required and not answered(answers.get(question.key)) and section not in missing:
            missing.append(section)
    return missing


def without_hidden(
    definition: Definition, answers: Mapping[str, Any], other: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Answers (and "other" texts) to shown questions only: a changed answer can hide later ones."""
    shown = {q.key for _, q in visible_questions(definition, answers)}
    return (
        {key: value for key, value in answers.items() if key in shown},
        {key: value for key, value in other.items() if key in shown},
    )


def form_values(questions: Iterable[Question], answers: Mapping[str, Any], other: Mapping[str, str]) -> dict[str, Any]:
    """What a page's fields should show for stored answers (the inverse of read_answer)."""
    values: dict[str, Any] = {}
    for question in questions:
        value = answers.get(question.key)
        if value is None:
            continue
        name = field_name(question)
        if question.type == "matrix" and isinstance(value, dict):
            for code, point in value.items():
                values[field_name(question, code)] = str(point)
        elif question.type == "ranking" and isinstance(value, list):
            for rank, code in enumerate(value, start=1):
                values[field_name(question, code)] = str(rank)
        elif question.type == "multiple_choice" and isinstance(value, list):
            values[name] = [str(code) for code in value]
        elif question.type == "number" and isinstance(value, int | float):
            values[name] = f"{value:g}" if isinstance(value, float) else str(value)
        else:
            values[name] = str(value)
        if question.key in other:
            values[field_name(question, OTHER_CODE)] = other[question.key]
    return values


def describe_answer(question: Question, value: Any, other: str | None) -> str:
    """An answer in words, for the review page and exports."""
    if value is None:
        return ""
    if question.type in {"single_choice", "yes_no"}:
        text = question.choice_label(str(value))
        return f"{text}: {other}" if other and value == OTHER_CODE else text
    if question.type == "likert":
        return question.choice_label(str(value))
    if question.type == "multiple_choice" and isinstance(value, list):
        labels = [question.choice_label(str(code)) for code in value]
        return "; ".join(f"{label}: {other}" if code == OTHER_CODE and other else label
                         for code, label in zip(value, labels, strict=True))  # fmt: skip
    if question.type == "ranking" and isinstance(value, list):
        return "; ".join(f"{rank}. {question.choice_label(str(code))}" for rank, code in enumerate(value, start=1))
    if question.type == "matrix" and isinstance(value, dict):
        statements = {s.code: s.label for s in question.statements}
        return "; ".join(
            f"{statements.get(code, code)}: {question.scale[point - 1] if 0 < point <= len(question.scale) else point}"
            for code, point in value.items()
        )
    if question.type == "number" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
