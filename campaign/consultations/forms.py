"""Console forms for consultations; the rules about what they contain live in the definition parser."""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import LazyString, format_number
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; stubs lag
from wtforms.validators import DataRequired, Length, Optional

from campaign.consultations.definition import (
    DEFAULT_SCALE,
    OPERATORS,
    OTHER_CODE,
    Condition,
    Option,
    Question,
    Section,
)
from campaign.consultations.models import INTRO_MAX, SUMMARY_MAX, TITLE_MAX
from campaign.forms import LocalDateTimeField, TextBlockField, TextLineField, WholeNumberField
from campaign.text import SLUG_MAX_LENGTH, slugify

OPERATOR_LABELS = {"equals": _l("is"), "includes": _l("includes"), "not_includes": _l("does not include")}


class ConsultationForm(FlaskForm):
    title = TextLineField(
        _l("Title"),
        validators=[DataRequired(_l("Enter a title")), Length(max=TITLE_MAX)],
        render_kw={"maxlength": TITLE_MAX},
    )
    summary = TextLineField(
        _l("Summary"),
        validators=[DataRequired(_l("Enter a summary")), Length(max=SUMMARY_MAX)],
        description=_l("One or two sentences shown in lists and at the top of the consultation."),
    )
    intro = TextBlockField(
        _l("Introduction (optional)"),
        validators=[
            Length(
                max=INTRO_MAX,
                message=_l(
                    "The introduction must be %(max)s characters or fewer", max=LazyString(format_number, INTRO_MAX)
                ),
            )
        ],
        description=_l("What the consultation is about and how answers will be used. Markdown is allowed."),
        render_kw={"rows": 8},
    )
    slug = TextLineField(
        _l("Web address (optional)"),
        validators=[Optional(), Length(max=SLUG_MAX_LENGTH)],
        description=_l("Leave empty to make one from the title. It cannot change once the consultation opens."),
    )
    petition_id = SelectField(
        _l("Linked petition (optional)"),
        choices=[],
        validate_choice=False,
        description=_l("People who sign it are offered this consultation, and the other way round."),
    )
    opens_at = LocalDateTimeField(_l("Opening date (optional)"), validators=[Optional()])
    closes_at = LocalDateTimeField(
        _l("Closing date (optional)"),
        validators=[Optional()],
        description=_l("Answers can be given and changed until then."),
    )


class ConditionFields:
    """Show this only when an earlier question's answer ... (shared by section and question forms)."""

    condition_question = SelectField(_l("Show only when this earlier question"), choices=[], validate_choice=False)
    condition_operator = SelectField(_l("…"), choices=[SelectChoice(op, OPERATOR_LABELS[op]) for op in OPERATORS])
    condition_values = TextLineField(
        _l("…one of these option codes"),
        validators=[Length(max=500)],
        description=_l("Codes separated by commas, for example: yes or tv, radio"),
    )

    def condition_document(self) -> dict[str, Any] | None:
        question = self.condition_question.data
        if not question:
            return None
        values = [v.strip() for v in (self.condition_values.data or "").split(",") if v.strip()]
        return {"question": question, "operator": self.condition_operator.data, "values": values}

    def fill_condition(self, condition: Condition | None) -> None:
        if condition is not None:
            self.condition_question.data = condition.question
            self.condition_operator.data = condition.operator
            self.condition_values.data = ", ".join(condition.values)


class SectionForm(FlaskForm, ConditionFields):
    key = TextLineField(
        _l("Key"),
        validators=[DataRequired(_l("Enter a key"))],
        description=_l("Stable identifier, for example about_you. Keep it when you edit."),
    )
    title = TextLineField(_l("Title"), validators=[DataRequired(_l("Enter a title"))])
    description = TextBlockField(_l("Description (optional)"), render_kw={"rows": 3})

    def document(self) -> dict[str, Any]:
        document: dict[str, Any] = {"key": self.key.data or "", "title": self.title.data or ""}
        if self.description.data:
            document["description"] = self.description.data
        condition = self.condition_document()
        if condition:
            document["condition"] = condition
        return document

    def fill(self, section: Section) -> None:
        self.key.data, self.title.data, self.description.data = section.key, section.title, section.description
        self.fill_condition(section.condition)


def _lines(value: str | None) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def parse_option_lines(value: str | None) -> list[dict[str, str]]:
    """One option per line: "code | label", or just a label (a code is made from it)."""
    options, used = [], set()
    for number, line in enumerate(_lines(value), start=1):
        code, separator, label = line.partition("|")
        if separator:
            code, label = code.strip(), label.strip()
        else:
            label = line
            code = slugify(line, max_length=40) or f"option-{number}"
            if code == OTHER_CODE:
                code = "other-answer"
        base, suffix = code, 2
        while code in used:
            code, suffix = f"{base[:36]}-{suffix}", suffix + 1
        used.add(code)
        options.append({"code": code, "label": label})
    return options


def option_lines(options: tuple[Option, ...]) -> str:
    return "\n".join(f"{option.code} | {option.label}" for option in options)


class QuestionForm(FlaskForm, ConditionFields):
    """One form for every type; the view shows only the fields the chosen type uses."""

    type = HiddenField()
    key = TextLineField(
        _l("Key"),
        validators=[DataRequired(_l("Enter a key"))],
        description=_l("Stable identifier used in exports, for example hear_about. Keep it when you edit."),
    )
    label = TextBlockField(_l("Question"), validators=[DataRequired(_l("Enter the question"))], render_kw={"rows": 2})
    help = TextBlockField(_l("Help text (optional)"), render_kw={"rows": 2})
    required = BooleanField(_l("An answer is required"))
    options = TextBlockField(
        _l("Options, one per line"),
        render_kw={"rows": 6},
        description=_l("Write “code | label” to choose the code yourself, or just the label."),
    )
    other = BooleanField(_l("Offer “Other, please specify”"))
    min_choices = WholeNumberField(_l("Fewest choices (optional)"), validators=[Optional()])
    max_choices = WholeNumberField(_l("Most choices (optional)"), validators=[Optional()])
    scale = TextBlockField(
        _l("Scale, one point per line, lowest first"),
        render_kw={"rows": 5},
        description=_l("Leave empty for the usual five points, from “Strongly disagree” to “Strongly agree”."),
    )
    statements = TextBlockField(
        _l("Statements, one per line"),
        render_kw={"rows": 5},
        description=_l("Write “code | statement”, or just the statement."),
    )
    top = WholeNumberField(
        _l("Rank only the top … (optional)"),
        validators=[Optional()],
        description=_l("Leave empty to rank every option."),
    )
    max_length = WholeNumberField(_l("Longest answer, in characters (optional)"), validators=[Optional()])
    minimum = StringField(_l("Lowest number allowed (optional)"))
    maximum = StringField(_l("Highest number allowed (optional)"))
    integer = BooleanField(_l("Whole numbers only"), default=True)

    FIELDS_FOR_TYPE: ClassVar[dict[str, tuple[str, ...]]] = {
        "single_choice": ("options", "other"),
        "multiple_choice": ("options", "other", "min_choices", "max_choices"),
        "yes_no": (),
        "likert": ("scale",),
        "matrix": ("statements", "scale"),
        "ranking": ("options", "top"),
        "short_text": ("max_length",),
        "long_text": ("max_length",),
        "number": ("minimum", "maximum", "integer"),
        "postcode": (),
    }

    def document(self) -> dict[str, Any]:
        kind = self.type.data or ""
        document: dict[str, Any] = {"key": self.key.data or "", "type": kind, "label": self.label.data or ""}
        if self.help.data:
            document["help"] = self.help.data
        document["required"] = bool(self.required.data)
        for name in self.FIELDS_FOR_TYPE.get(kind, ()):
            value = getattr(self, name).data
            if name in {"options", "statements"}:
                document[name] = parse_option_lines(value)
            elif name == "scale":
                if _lines(value):
                    document[name] = _lines(value)
            elif name in {"minimum", "maximum"}:
                if (value or "").strip():
                    document[name] = _number_or_text(value)
            elif name in {"other", "integer"}:
                document[name] = bool(value)
            elif value is not None:
                document[name] = value
        condition = self.condition_document()
        if condition:
            document["condition"] = condition
        return document

    def fill(self, question: Question) -> None:
        self.type.data, self.key.data, self.label.data = question.type, question.key, question.label
        self.help.data, self.required.data = question.help, question.required
        self.options.data, self.other.data = option_lines(question.options), question.other
        self.min_choices.data, self.max_choices.data = question.min_choices, question.max_choices
        self.scale.data = "\n".join(question.scale) if question.scale and question.scale != DEFAULT_SCALE else ""
        self.statements.data, self.top.data = option_lines(question.statements), question.top
        self.max_length.data = question.max_length
        self.minimum.data = "" if question.minimum is None else f"{question.minimum:g}"
        self.maximum.data = "" if question.maximum is None else f"{question.maximum:g}"
        self.integer.data = question.integer
        self.fill_condition(question.condition)


def _number_or_text(value: str) -> float | str:
    """Numbers as numbers; anything else is passed on for the definition check to reject clearly."""
    try:
        number = float(value.replace(",", "").strip())
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


class ImportForm(FlaskForm):
    document = TextBlockField(
        _l("Definition (JSON)"),
        validators=[DataRequired(_l("Paste the JSON definition"))],
        render_kw={"rows": 18, "spellcheck": "false"},
    )


class StartForm(FlaskForm):
    name = TextLineField(
        _l("Your name"),
        validators=[Length(max=100)],
        render_kw={"autocomplete": "name"},
        description=_l("Only shared with your words if you agree to be quoted by name."),
    )
    email = TextLineField(
        _l("Email address"),
        validators=[Length(max=254)],
        description=_l("We email you a link to the questions. Use it to come back and change your answers."),
        render_kw={"type": "email", "autocomplete": "email", "spellcheck": "false"},
    )
