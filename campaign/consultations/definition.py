"""A consultation's questionnaire: sections of questions, as a validated JSON document.

The same document is what the console builder edits, what is imported and exported, and what
answers are checked against. Its schema is described in docs/consultation-definition.md.
Parsing never trusts the input: every problem is reported with the path where it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from campaign.i18n import N_, gettext
from campaign.i18n import lazy_gettext as _l
from campaign.text import clean_block, has_visible_text

SCHEMA = "campaign/consultation-definition/1"

QUESTION_TYPES = (
    "single_choice", "multiple_choice", "yes_no", "likert", "matrix", "ranking",
    "short_text", "long_text", "number", "postcode",
)  # fmt: skip
TYPE_NAMES = {
    "single_choice": _l("Single choice"), "multiple_choice": _l("Multiple choice"), "yes_no": _l("Yes or no"),
    "likert": _l("Scale (agree to disagree)"), "matrix": _l("Several statements on one scale"),
    "ranking": _l("Ranking"), "short_text": _l("Short text"), "long_text": _l("Long text"), "number": _l("Number"),
    "postcode": _l("Postcode"),
}  # fmt: skip
CHOICE_TYPES = ("single_choice", "multiple_choice", "ranking")
CONDITION_SOURCES = ("single_choice", "multiple_choice", "yes_no", "likert")
OPERATORS = ("equals", "includes", "not_includes")
# Stored in English (they are part of the document); shown through the catalogue (see Question.choices).
DEFAULT_SCALE = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree")
YES_NO = (("yes", "Yes"), ("no", "No"))
_BUILT_IN_LABELS = (
    N_("Strongly disagree"),
    N_("Disagree"),
    N_("Neither agree nor disagree"),
    N_("Agree"),
    N_("Strongly agree"),
    N_("Yes"),
    N_("No"),
)
OTHER_CODE = "other"


def display_scale(scale: tuple[str, ...]) -> tuple[str, ...]:
    """The built-in agree/disagree scale is stored in English and shown in the site's language."""
    return tuple(gettext(label) for label in scale) if scale == DEFAULT_SCALE else scale


KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_SECTIONS, MAX_QUESTIONS, MAX_OPTIONS, MAX_STATEMENTS = 30, 100, 50, 30
LABEL_MAX, HELP_MAX, TITLE_MAX, DESCRIPTION_MAX, OPTION_LABEL_MAX = 500, 1000, 200, 2000, 200
SHORT_TEXT_LIMIT, LONG_TEXT_LIMIT = 500, 10_000
NUMBER_LIMIT = 1e12


@dataclass(frozen=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True)
class Condition:
    """Show only when the earlier question's answer equals / includes / does not include ``values``."""

    question: str
    operator: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    key: str
    type: str
    label: str
    help: str = ""
    required: bool = False
    options: tuple[Option, ...] = ()
    other: bool = False
    min_choices: int | None = None
    max_choices: int | None = None
    scale: tuple[str, ...] = ()
    statements: tuple[Option, ...] = ()
    top: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = True
    condition: Condition | None = None

    @property
    def choices(self) -> tuple[Option, ...]:
        """What can be chosen: options, yes/no, or the points of a scale ("1" to "n")."""
        if self.type == "yes_no":
            return tuple(Option(code, gettext(label)) for code, label in YES_NO)
        if self.type == "likert":
            scale = tuple(gettext(label) for label in self.scale) if self.scale == DEFAULT_SCALE else self.scale
            return tuple(Option(str(n), label) for n, label in enumerate(scale, start=1))
        return self.options

    def choice_label(self, code: str) -> str:
        if code == OTHER_CODE and self.other:
            return str(gettext("Other"))
        return next((option.label for option in self.choices if option.code == code), code)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    description: str = ""
    questions: tuple[Question, ...] = ()
    condition: Condition | None = None


@dataclass(frozen=True)
class Definition:
    sections: tuple[Section, ...] = ()

    def questions(self) -> Iterator[tuple[Section, Question]]:
        for section in self.sections:
            for question in section.questions:
                yield section, question

    def question(self, key: str) -> Question | None:
        return next((q for _, q in self.questions() if q.key == key), None)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    @property
    def question_count(self) -> int:
        return sum(len(section.questions) for section in self.sections)

    def with_sections(self, sections: list[Section]) -> Definition:
        return replace(self, sections=tuple(sections))


class DefinitionProblems(ValueError):
    """The document is not a valid definition; ``problems`` lists (path, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))
        self.problems = problems


# --- Parsing ---------------------------------------------------------------------------------


@dataclass
class _Parser:
    problems: list[tuple[str, str]] = field(default_factory=list)

    def problem(self, path: str, message: str) -> None:
        if len(self.problems) < 200:
            self.problems.append((path, message))

    def fields(self, value: Any, path: str, required: set[str], allowed: set[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(path, "must be an object")
            return None
        for name in sorted(set(value) - allowed):
            self.problem(f"{path}.{name}", "is not a field of this object")
        for name in sorted(required - set(value)):
            self.problem(f"{path}.{name}", "is required")
        return value

    def text(self, value: Any, path: str, maximum: int, *, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            self.problem(path, "must be text")
            return ""
        text: str = clean_block(value)
        if required and not has_visible_text(text):
            self.problem(path, "must not be empty")
        elif len(text) > maximum:
            self.problem(path, f"must be {maximum} characters or fewer")
        return text

    def boolean(self, value: Any, path: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(path, "must be true or false")
            return default
        return value

    def whole(self, value: Any, path: str, low: int, high: int) -> int | None:
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.problem(path, f"must be a whole number from {low} to {high}")
            return None
        return value

    def number(self, value: Any, path: str) -> float | None:
        if value is None:
            return None
        if not isinstance(value, int | float) or isinstance(value, bool) or abs(value) > NUMBER_LIMIT:
            self.problem(path, f"must be a number between -{NUMBER_LIMIT:.0e} and {NUMBER_LIMIT:.0e}")
            return None
        return float(value)

    def key(self, value: Any, path: str, seen: set[str], what: str) -> str:
        if not isinstance(value, str) or not KEY_PATTERN.match(value):
            self.problem(path, f"{what} keys are 1 to 40 lower-case letters, digits or _, starting with a letter")
            return value if isinstance(value, str) else ""
        if value in seen:
            self.problem(path, f"duplicate {what} key {value!r}")
        seen.add(value)
        return value

    def options(self, value: Any, path: str, *, low: int, high: int, what: str = "option") -> tuple[Option, ...]:
        if not isinstance(value, list) or not low <= len(value) <= high:
            self.problem(path, f"must be a list of {low} to {high} {what}s")
            return ()
        result, codes = [], set()
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            data = self.fields(item, item_path, {"code", "label"}, {"code", "label"})
            if data is None:
                continue
            code = data.get("code")
            if not isinstance(code, str) or not CODE_PATTERN.match(code):
                self.problem(f"{item_path}.code", "codes are 1 to 40 lower-case letters, digits, - or _")
                continue
            if code in codes:
                self.problem(f"{item_path}.code", f"duplicate code {code!r}")
            if code == OTHER_CODE:
                self.problem(f"{item_path}.code", "'other' is reserved: use \"other\": true instead")
            codes.add(code)
            result.append(Option(code, self.text(data.get("label"), f"{item_path}.label", OPTION_LABEL_MAX)))
        return tuple(result)

    def scale(self, value: Any, path: str) -> tuple[str, ...]:
        if value is None:
            return DEFAULT_SCALE
        if not isinstance(value, list) or not 2 <= len(value) <= 11:
            self.problem(path, "must be a list of 2 to 11 labels")
            return DEFAULT_SCALE
        return tuple(self.text(label, f"{path}[{i}]", OPTION_LABEL_MAX) for i, label in enumerate(value))

    def condition(self, value: Any, path: str) -> Condition | None:
        if value is None:
            return None
        data = self.fields(value, path, {"question", "operator", "values"}, {"question", "operator", "values"})
        if data is None:
            return None
        operator = data.get("operator")
        if operator not in OPERATORS:
            self.problem(f"{path}.operator", f"must be one of {', '.join(OPERATORS)}")
        values = data.get("values")
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            self.problem(f"{path}.values", "must be a non-empty list of option codes")
            values = []
        question = data.get("question")
        if not isinstance(question, str):
            self.problem(f"{path}.question", "must be a question key")
            question = ""
        return Condition(question, str(operator), tuple(values))


_QUESTION_FIELDS = {
    "single_choice": {"options", "other"},
    "multiple_choice": {"options", "other", "min_choices", "max_choices"},
    "yes_no": set(),
    "likert": {"scale"},
    "matrix": {"statements", "scale"},
    "ranking": {"options", "top"},
    "short_text": {"max_length"},
    "long_text": {"max_length"},
    "number": {"minimum", "maximum", "integer"},
    "postcode": set(),
}
_COMMON_QUESTION_FIELDS = {"key", "type", "label", "help", "required", "condition"}


def _parse_question(p: _Parser, data: Any, path: str, keys: set[str]) -> Question | None:
    kind = data.get("type") if isinstance(data, dict) else None
    if kind not in QUESTION_TYPES:
        p.fields(
            data, path, {"key", "type", "label"}, _COMMON_QUESTION_FIELDS | set().union(*_QUESTION_FIELDS.values())
        )
        p.problem(f"{path}.type", f"must be one of {', '.join(QUESTION_TYPES)}")
        return None
    required = {"key", "type", "label"}
    if kind in CHOICE_TYPES:
        required.add("options")
    if kind == "matrix":
        required.add("statements")
    fields = p.fields(data, path, required, _COMMON_QUESTION_FIELDS | _QUESTION_FIELDS[kind])
    if fields is None:
        return None
    question = Question(
        key=p.key(fields.get("key"), f"{path}.key", keys, "question"),
        type=kind,
        label=p.text(fields.get("label"), f"{path}.label", LABEL_MAX),
        help=p.text(fields.get("help"), f"{path}.help", HELP_MAX, required=False),
        required=p.boolean(fields.get("required"), f"{path}.required", False),
        condition=p.condition(fields.get("condition"), f"{path}.condition"),
    )
    if kind in CHOICE_TYPES:
        low = 2
        options = p.options(fields.get("options"), f"{path}.options", low=low, high=MAX_OPTIONS)
        question = replace(question, options=options)
    if kind in {"single_choice", "multiple_choice"}:
        question = replace(question, other=p.boolean(fields.get("other"), f"{path}.other", False))
    if kind == "multiple_choice":
        available = len(question.options) + (1 if question.other else 0)
        minimum = p.whole(fields.get("min_choices"), f"{path}.min_choices", 0, MAX_OPTIONS + 1)
        maximum = p.whole(fields.get("max_choices"), f"{path}.max_choices", 1, MAX_OPTIONS + 1)
        if maximum is not None and maximum > available:
            p.problem(f"{path}.max_choices", f"must be at most the number of choices ({available})")
        if minimum is not None and minimum > (maximum if maximum is not None else available):
            p.problem(f"{path}.min_choices", "must not be more than max_choices or the number of choices")
        question = replace(question, min_choices=minimum, max_choices=maximum)
    if kind in {"likert", "matrix"}:
        question = replace(question, scale=p.scale(fields.get("scale"), f"{path}.scale"))
    if kind == "matrix":
        statements = p.options(fields.get("statements"), f"{path}.statements", low=1, high=MAX_STATEMENTS,
                               what="statement")  # fmt: skip
        question = replace(question, statements=statements)
    if kind == "ranking":
        top = p.whole(fields.get("top"), f"{path}.top", 1, MAX_OPTIONS)
        if top is not None and question.options and top > len(question.options):
            p.problem(f"{path}.top", f"must be at most the number of options ({len(question.options)})")
        question = replace(question, top=top)
    if kind in {"short_text", "long_text"}:
        limit = SHORT_TEXT_LIMIT if kind == "short_text" else LONG_TEXT_LIMIT
        default = 200 if kind == "short_text" else 2000
        length = p.whole(fields.get("max_length"), f"{path}.max_length", 1, limit)
        question = replace(question, max_length=length or default)
    if kind == "number":
        minimum_number = p.number(fields.get("minimum"), f"{path}.minimum")
        maximum_number = p.number(fields.get("maximum"), f"{path}.maximum")
        if minimum_number is not None and maximum_number is not None and minimum_number > maximum_number:
            p.problem(f"{path}.minimum", "must not be more than maximum")
        integer = p.boolean(fields.get("integer"), f"{path}.integer", True)
        question = replace(question, minimum=minimum_number, maximum=maximum_number, integer=integer)
    return question


def _check_condition(p: _Parser, condition: Condition | None, path: str, earlier: dict[str, Question]) -> None:
    """A condition must look back at an earlier choice question, using that question's codes."""
    if condition is None:
        return
    source = earlier.get(condition.question)
    if source is None:
        p.problem(f"{path}.question", f"{condition.question!r} is not an earlier question")
        return
    if source.type not in CONDITION_SOURCES:
        p.problem(f"{path}.question", f"conditions can only use {', '.join(CONDITION_SOURCES)} questions")
        return
    codes = {option.code for option in source.choices} | ({OTHER_CODE} if source.other else set())
    for index, value in enumerate(condition.values):
        if value not in codes:
            p.problem(f"{path}.values[{index}]", f"{value!r} is not a choice of {source.key!r}")


def parse_definition(document: Any) -> Definition:
    """A Definition from decoded JSON; raises DefinitionProblems listing every problem found."""
    p = _Parser()
    data = p.fields(document, "$", {"schema", "sections"}, {"schema", "sections"})
    if data is None:
        raise DefinitionProblems(p.problems)
    if data.get("schema") != SCHEMA:
        p.problem("$.schema", f"must be {SCHEMA!r}")
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or len(raw_sections) > MAX_SECTIONS:
        p.problem("$.sections", f"must be a list of at most {MAX_SECTIONS} sections")
        raise DefinitionProblems(p.problems)
    sections: list[Section] = []
    section_keys: set[str] = set()
    question_keys: set[str] = set()
    earlier: dict[str, Question] = {}
    total = 0
    for s_index, raw_section in enumerate(raw_sections):
        path = f"$.sections[{s_index}]"
        section_data = p.fields(raw_section, path, {"key", "title", "questions"},
                                {"key", "title", "description", "questions", "condition"})  # fmt: skip
        if section_data is None:
            continue
        condition = p.condition(section_data.get("condition"), f"{path}.condition")
        _check_condition(p, condition, f"{path}.condition", earlier)
        raw_questions = section_data.get("questions")
        if not isinstance(raw_questions, list):
            p.problem(f"{path}.questions", "must be a list of questions")
            raw_questions = []
        questions = []
        for q_index, raw_question in enumerate(raw_questions):
            q_path = f"{path}.questions[{q_index}]"
            question = _parse_question(p, raw_question, q_path, question_keys)
            if question is None:
                continue
            _check_condition(p, question.condition, f"{q_path}.condition", earlier)
            questions.append(question)
            earlier[question.key] = question
        total += len(raw_questions)
        sections.append(
            Section(
                key=p.key(section_data.get("key"), f"{path}.key", section_keys, "section"),
                title=p.text(section_data.get("title"), f"{path}.title", TITLE_MAX),
                description=p.text(
                    section_data.get("description"), f"{path}.description", DESCRIPTION_MAX, required=False
                ),
                questions=tuple(questions),
                condition=condition,
            )
        )
    if total > MAX_QUESTIONS:
        p.problem("$.sections", f"has {total} questions; the most a consultation can have is {MAX_QUESTIONS}")
    if p.problems:
        raise DefinitionProblems(p.problems)
    return Definition(tuple(sections))


def readiness_problems(definition: Definition) -> list[str]:
    """What stops a (valid) definition from being answered: nothing to ask, or empty pages."""
    problems = []
    if definition.question_count == 0:
        problems.append(gettext("Add at least one question."))
    for section in definition.sections:
        if not section.questions:
            problems.append(
                gettext("The section “%(title)s” has no questions: add some or remove it.", title=section.title)
            )
    return problems


def parse_definition_json(text: str) -> Definition:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise DefinitionProblems([("$", f"is not valid JSON: {error}")]) from None
    return parse_definition(document)


@lru_cache(maxsize=256)
def load_definition(stored: str) -> Definition:
    """The Definition of a stored (already validated) document; cached because pages read it often."""
    return parse_definition_json(stored)
