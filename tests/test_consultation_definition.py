"""The questionnaire document: every type, every problem reported with its path, structure versus wording."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from campaign.consultations.definition import (
    DEFAULT_SCALE,
    SCHEMA,
    DefinitionProblems,
    parse_definition,
    parse_definition_json,
    readiness_problems,
)
from campaign.consultations.documents import definition_document, structure_of, wording_changes

DEMO = Path(__file__).resolve().parent.parent / "campaign" / "demo_data" / "policing-and-social-media.json"


def every_type() -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "sections": [
            {
                "key": "first",
                "title": "First page",
                "questions": [
                    {"key": "one", "type": "single_choice", "label": "One?", "required": True, "other": True,
                     "options": [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}]},
                    {"key": "many", "type": "multiple_choice", "label": "Many?", "min_choices": 1, "max_choices": 2,
                     "options": [{"code": "x", "label": "X"}, {"code": "y", "label": "Y"}, {"code": "z", "label": "Z"}]},
                    {"key": "yn", "type": "yes_no", "label": "Yes?"},
                    {"key": "agree", "type": "likert", "label": "Agree?"},
                    {"key": "grid", "type": "matrix", "label": "Grid?", "scale": ["Low", "High"],
                     "statements": [{"code": "s1", "label": "S1"}, {"code": "s2", "label": "S2"}]},
                ],
            },
            {
                "key": "second",
                "title": "Second page",
                "condition": {"question": "yn", "operator": "equals", "values": ["yes"]},
                "questions": [
                    {"key": "rank", "type": "ranking", "label": "Rank?", "top": 2,
                     "options": [{"code": "p", "label": "P"}, {"code": "q", "label": "Q"}, {"code": "r", "label": "R"}]},
                    {"key": "short", "type": "short_text", "label": "Short?", "max_length": 50},
                    {"key": "long", "type": "long_text", "label": "Long?",
                     "condition": {"question": "many", "operator": "includes", "values": ["x", "y"]}},
                    {"key": "count", "type": "number", "label": "Count?", "minimum": 0, "maximum": 10.5, "integer": False},
                    {"key": "where", "type": "postcode", "label": "Postcode?"},
                ],
            },
        ],
    }  # fmt: skip


def test_every_question_type_parses_and_round_trips() -> None:
    definition = parse_definition(every_type())
    assert definition.question_count == 10
    assert [q.type for _, q in definition.questions()] == [
        "single_choice", "multiple_choice", "yes_no", "likert", "matrix",
        "ranking", "short_text", "long_text", "number", "postcode",
    ]  # fmt: skip
    assert definition.question("agree").scale == DEFAULT_SCALE  # type: ignore[union-attr]
    assert definition.question("long").max_length == 2000  # type: ignore[union-attr]
    again = parse_definition(definition_document(definition))
    assert again == definition
    assert json.loads(json.dumps(definition_document(again))) == definition_document(definition)


def test_the_demo_definition_is_valid_and_ready() -> None:
    definition = parse_definition_json(DEMO.read_text())
    assert 8 <= definition.question_count <= 10
    assert readiness_problems(definition) == []
    assert any(q.condition for _, q in definition.questions())


def problems_of(document: Any) -> dict[str, str]:
    with pytest.raises(DefinitionProblems) as error:
        parse_definition(document)
    return dict(error.value.problems)


def broken(change: Any) -> dict[str, str]:
    document = every_type()
    change(document)
    return problems_of(document)


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda d: d.update(schema="other"), "$.schema", "must be"),
        (lambda d: d.update(extra=1), "$.extra", "is not a field"),
        (lambda d: d["sections"][0].update(key="Not A Key"), "$.sections[0].key", "section keys"),
        (lambda d: d["sections"][1].update(key="first"), "$.sections[1].key", "duplicate section key"),
        (
            lambda d: d["sections"][0]["questions"][1].update(key="one"),
            "$.sections[0].questions[1].key",
            "duplicate question key",
        ),
        (
            lambda d: d["sections"][0]["questions"][0].update(type="essay"),
            "$.sections[0].questions[0].type",
            "must be one of",
        ),
        (
            lambda d: d["sections"][0]["questions"][0].update(label=""),
            "$.sections[0].questions[0].label",
            "must not be empty",
        ),
        (
            lambda d: d["sections"][0]["questions"][0].update(label="x" * 501),
            "$.sections[0].questions[0].label",
            "500 characters",
        ),
        (
            lambda d: d["sections"][0]["questions"][0]["options"].append({"code": "a", "label": "Again"}),
            "$.sections[0].questions[0].options[2].code",
            "duplicate code",
        ),
        (
            lambda d: d["sections"][0]["questions"][0]["options"].append({"code": "other", "label": "O"}),
            "$.sections[0].questions[0].options[2].code",
            "reserved",
        ),
        (
            lambda d: d["sections"][0]["questions"][0].update(options=[{"code": "only", "label": "One"}]),
            "$.sections[0].questions[0].options",
            "2 to 50",
        ),
        (
            lambda d: d["sections"][0]["questions"][1].update(max_choices=9),
            "$.sections[0].questions[1].max_choices",
            "at most",
        ),
        (
            lambda d: d["sections"][0]["questions"][1].update(min_choices=3, max_choices=2),
            "$.sections[0].questions[1].min_choices",
            "not be more",
        ),
        (
            lambda d: d["sections"][0]["questions"][1].update(min_choices=True),
            "$.sections[0].questions[1].min_choices",
            "whole number",
        ),
        (
            lambda d: d["sections"][0]["questions"][3].update(scale=["only one"]),
            "$.sections[0].questions[3].scale",
            "2 to 11",
        ),
        (lambda d: d["sections"][1]["questions"][0].update(top=4), "$.sections[1].questions[0].top", "at most"),
        (
            lambda d: d["sections"][1]["questions"][1].update(max_length=100_000),
            "$.sections[1].questions[1].max_length",
            "from 1 to 500",
        ),
        (
            lambda d: d["sections"][1]["questions"][3].update(minimum=20),
            "$.sections[1].questions[3].minimum",
            "not be more than maximum",
        ),
        (
            lambda d: d["sections"][1]["questions"][3].update(maximum=float("inf")),
            "$.sections[1].questions[3].maximum",
            "must be a number",
        ),
        (
            lambda d: d["sections"][0]["questions"][2].update(options=[]),
            "$.sections[0].questions[2].options",
            "is not a field",
        ),
        (
            lambda d: d["sections"][1]["condition"].update(question="nope"),
            "$.sections[1].condition.question",
            "not an earlier question",
        ),
        (
            lambda d: d["sections"][1]["condition"].update(question="short"),
            "$.sections[1].condition.question",
            "not an earlier question",
        ),
        (
            lambda d: d["sections"][1]["questions"][2]["condition"].update(question="short"),
            "$.sections[1].questions[2].condition.question",
            "conditions can only use",
        ),
        (
            lambda d: d["sections"][1]["condition"].update(values=["maybe"]),
            "$.sections[1].condition.values[0]",
            "not a choice",
        ),
        (
            lambda d: d["sections"][1]["condition"].update(operator="like"),
            "$.sections[1].condition.operator",
            "must be one of",
        ),
        (lambda d: d["sections"][1]["condition"].update(values=[]), "$.sections[1].condition.values", "non-empty list"),
    ],
)
def test_problems_are_reported_with_their_path(change: Any, path: str, message: str) -> None:
    problems = broken(change)
    assert path in problems, problems
    assert message in problems[path]


@pytest.mark.parametrize("hostile", [None, [], "text", 42, {"schema": SCHEMA}, {"schema": SCHEMA, "sections": "x"}])
def test_hostile_documents_never_crash(hostile: Any) -> None:
    assert problems_of(hostile)


@pytest.mark.parametrize("text", ["", "{", "[1, 2", '{"schema": ' + "[" * 5000 + "]" * 5000 + "}", "\x00"])
def test_invalid_json_is_a_problem_not_an_error(text: str) -> None:
    with pytest.raises(DefinitionProblems) as error:
        parse_definition_json(text)
    assert error.value.problems[0][0] == "$"


def test_every_problem_is_reported_at_once() -> None:
    document = every_type()
    document["sections"][0]["questions"][0]["label"] = ""
    document["sections"][0]["questions"][3]["scale"] = "not a list"
    document["sections"][1]["questions"][3]["minimum"] = 99
    assert len(problems_of(document)) == 3


def test_too_many_questions_are_refused() -> None:
    document = {"schema": SCHEMA, "sections": [{"key": "s", "title": "S", "questions": [
        {"key": f"q{n}", "type": "yes_no", "label": "Q"} for n in range(101)]}]}  # fmt: skip
    assert "has 101 questions" in problems_of(document)["$.sections"]


def test_wording_is_not_structure() -> None:
    before = parse_definition(every_type())
    reworded = every_type()
    reworded["sections"][0]["questions"][0]["label"] = "A clearer question?"
    reworded["sections"][0]["questions"][0]["options"][0]["label"] = "Option A"
    reworded["sections"][0]["questions"][3]["scale"] = ["1", "2", "3", "4", "Five"]
    reworded["sections"][1]["title"] = "Page two"
    after = parse_definition(reworded)
    assert structure_of(before) == structure_of(after)
    assert wording_changes(before, after) == sorted(
        [
            ("$.sections[0].questions[0].label", "One?", "A clearer question?"),
            ("$.sections[0].questions[0].options[0].label", "A", "Option A"),
            ("$.sections[0].questions[3].scale[0]", "Strongly disagree", "1"),
            ("$.sections[0].questions[3].scale[1]", "Disagree", "2"),
            ("$.sections[0].questions[3].scale[2]", "Neither agree nor disagree", "3"),
            ("$.sections[0].questions[3].scale[3]", "Agree", "4"),
            ("$.sections[0].questions[3].scale[4]", "Strongly agree", "Five"),
            ("$.sections[1].title", "Second page", "Page two"),
        ]
    )


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["sections"][0]["questions"][0]["options"].append({"code": "c", "label": "C"}),
        lambda d: d["sections"][0]["questions"][0].update(required=False),
        lambda d: d["sections"][0]["questions"][0]["options"].reverse(),
        lambda d: d["sections"][1]["condition"].update(values=["no"]),
        lambda d: d["sections"][0]["questions"][3].update(scale=["a", "b", "c"]),
        lambda d: d["sections"][1]["questions"][3].update(maximum=11),
        lambda d: d["sections"][0]["questions"].pop(),
    ],
)
def test_structural_changes_are_detected(change: Any) -> None:
    before = parse_definition(every_type())
    document = copy.deepcopy(every_type())
    change(document)
    assert structure_of(parse_definition(document)) != structure_of(before)


def test_readiness_needs_questions_on_every_page() -> None:
    empty = parse_definition({"schema": SCHEMA, "sections": []})
    assert readiness_problems(empty) == ["Add at least one question."]
    blank_page = every_type()
    blank_page["sections"].append({"key": "third", "title": "Blank", "questions": []})
    assert readiness_problems(parse_definition(blank_page)) == [
        "The section “Blank” has no questions: add some or remove it."
    ]
