"""Reading answers from forms: every type, conditions, forged and hidden answers."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from campaign.consultations.answers import (
    condition_met,
    describe_answer,
    form_values,
    incomplete_sections,
    read_answer,
    read_section,
    visible_questions,
    without_hidden,
)
from campaign.consultations.definition import Condition, Definition, parse_definition
from tests.test_consultation_definition import every_type

DEFINITION: Definition = parse_definition(every_type())


def q(key: str) -> Any:
    question = DEFINITION.question(key)
    assert question is not None
    return question


def form(**fields: Any) -> MultiDict[str, str]:
    pairs: list[tuple[str, str]] = []
    for name, value in fields.items():
        name = "q-" + name.replace("__", "-")
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, item))
    return MultiDict(pairs)


@pytest.mark.parametrize(
    ("key", "fields", "value", "other", "error"),
    [
        ("one", {"one": "a"}, "a", None, None),
        ("one", {"one": "other", "one__other": "  My own  "}, "other", "My own", None),
        ("one", {"one": "other"}, "other", None, "Tell us what “Other” is"),
        ("one", {"one": "z"}, None, None, "Choose one of the options"),
        ("one", {}, None, None, None),
        ("many", {"many": ["y", "x"]}, ["x", "y"], None, None),
        ("many", {"many": ["x", "y", "z"]}, ["x", "y", "z"], None, "Choose no more than 2"),
        ("many", {"many": ["x", "nope"]}, None, None, "Choose from the options given"),
        ("many", {"many": ["x", "x"]}, ["x"], None, None),
        ("yn", {"yn": "yes"}, "yes", None, None),
        ("yn", {"yn": "maybe"}, None, None, "Choose one of the options"),
        ("agree", {"agree": "5"}, 5, None, None),
        ("agree", {"agree": "6"}, None, None, "Choose one of the options"),
        ("agree", {"agree": "٣"}, None, None, "Choose one of the options"),
        ("grid", {"grid__s1": "1", "grid__s2": "2"}, {"s1": 1, "s2": 2}, None, None),
        ("grid", {"grid__s1": "3"}, None, None, "Choose a point on the scale for each statement"),
        ("rank", {"rank__q": "1", "rank__p": "2"}, ["q", "p"], None, None),
        (
            "rank",
            {"rank__q": "1", "rank__p": "1"},
            None,
            None,
            "Each rank can only be used once (rank 1 is given twice)",
        ),
        ("rank", {"rank__q": "2"}, None, None, "Rank your top 2, from 1 to 2, without gaps"),
        ("rank", {"rank__q": "3"}, None, None, "Use ranks from 1 to 2"),
        ("short", {"short": "  hello \n world "}, "hello world", None, None),
        ("short", {"short": "x" * 51}, None, None, "Your answer must be 50 characters or fewer (it is 51)"),
        ("long", {"long": "line one\r\n\r\nline two"}, "line one\n\nline two", None, None),
        ("count", {"count": "3.5"}, 3.5, None, None),
        ("count", {"count": "1,000"}, None, None, "Enter a number from 0 to 10.5"),
        ("count", {"count": "-1"}, None, None, "Enter a number from 0 to 10.5"),
        ("count", {"count": "ten"}, None, None, "Enter a number, like 12 or 3.5"),
        ("count", {"count": "nan"}, None, None, "Enter a number, like 12 or 3.5"),
        ("count", {"count": "1e400"}, None, None, "Enter a number, like 12 or 3.5"),
        ("where", {"where": "yo1 7hh"}, "YO1 7HH", None, None),
        ("where", {"where": "nowhere"}, None, None, "Enter a real UK postcode, like YO1 7HH"),
    ],
)
def test_reading_each_type(key: str, fields: dict[str, Any], value: Any, other: str | None, error: str | None) -> None:
    answer = read_answer(q(key), form(**fields))
    assert answer.error == error
    if error is None:
        assert answer.value == value
        assert answer.other == other


def test_whole_numbers_only_when_asked() -> None:
    integer = parse_definition({"schema": every_type()["schema"], "sections": [{"key": "s", "title": "S", "questions": [
        {"key": "n", "type": "number", "label": "N", "minimum": 1, "maximum": 5000}]}]}).question("n")  # fmt: skip
    assert integer is not None
    assert read_answer(integer, MultiDict({"q-n": "1,200"})).value == 1200
    assert read_answer(integer, MultiDict({"q-n": "2.5"})).error == "Enter a whole number, like 12"
    assert read_answer(integer, MultiDict({"q-n": "6000"})).error == "Enter a number from 1 to 5,000"


@pytest.mark.parametrize(
    ("condition", "answers", "met"),
    [
        (Condition("yn", "equals", ("yes",)), {"yn": "yes"}, True),
        (Condition("yn", "equals", ("yes",)), {"yn": "no"}, False),
        (Condition("yn", "equals", ("yes",)), {}, False),
        (Condition("agree", "equals", ("4", "5")), {"agree": 5}, True),
        (Condition("many", "includes", ("x",)), {"many": ["x", "y"]}, True),
        (Condition("many", "includes", ("z",)), {"many": ["x", "y"]}, False),
        (Condition("many", "not_includes", ("z",)), {"many": ["x", "y"]}, True),
        (Condition("many", "not_includes", ("x",)), {"many": ["x"]}, False),
        (Condition("many", "not_includes", ("x",)), {}, False),
        (Condition("many", "equals", ("x", "y")), {"many": ["y", "x"]}, True),
        (Condition("many", "equals", ("x",)), {"many": ["y", "x"]}, False),
    ],
)
def test_conditions(condition: Condition, answers: dict[str, Any], met: bool) -> None:
    assert condition_met(condition, answers) is met


def test_visibility_follows_answers_across_pages() -> None:
    shown = [question.key for _, question in visible_questions(DEFINITION, {"yn": "no"})]
    assert shown == ["one", "many", "yn", "agree", "grid"]
    shown = [question.key for _, question in visible_questions(DEFINITION, {"yn": "yes", "many": ["z"]})]
    assert shown == ["one", "many", "yn", "agree", "grid", "rank", "short", "count", "where"]
    shown = [question.key for _, question in visible_questions(DEFINITION, {"yn": "yes", "many": ["x"]})]
    assert "long" in shown


def test_a_page_keeps_valid_answers_and_requires_required_ones() -> None:
    first = DEFINITION.sections[0]
    result = read_section(DEFINITION, first, form(many=["x"], yn="yes"), {}, require=True)
    assert result.errors == {"one": "Choose an option"}
    result = read_section(DEFINITION, first, form(many=["x"], yn="yes"), {}, require=False)
    assert result.errors == {} and result.answers == {"many": ["x"], "yn": "yes"}


def test_forged_fields_are_refused_and_nothing_is_read() -> None:
    first = DEFINITION.sections[0]
    for forged in ({"one": "a", "q-injected": "x"}, {"one": "a", "rank__p": "1"}):
        fields = {k: v for k, v in forged.items() if not k.startswith("q-")}
        data = form(**fields)
        for k, v in forged.items():
            if k.startswith("q-"):
                data.add(k, v)
        result = read_section(DEFINITION, first, data, {}, require=True)
        assert result.page_error and "not on this page" in result.page_error
        assert result.answers == {}


def test_answers_to_questions_hidden_on_the_same_page_are_discarded() -> None:
    """Without JavaScript a follow-up question shows beside its trigger; if the trigger's answer hides
    it, whatever was typed there is dropped, not stored."""
    definition = parse_definition({"schema": every_type()["schema"], "sections": [
        {"key": "a", "title": "A", "questions": [
            {"key": "yn", "type": "yes_no", "label": "Yes?", "required": True},
            {"key": "why", "type": "short_text", "label": "Why?", "required": True,
             "condition": {"question": "yn", "operator": "equals", "values": ["yes"]}}]}]})  # fmt: skip
    page = definition.sections[0]
    result = read_section(definition, page, MultiDict({"q-yn": "no", "q-why": "written anyway"}), {}, require=True)
    assert result.errors == {} and result.answers == {"yn": "no"}
    result = read_section(definition, page, MultiDict({"q-yn": "yes"}), {}, require=True)
    assert result.errors == {"why": "Enter your answer"}


def test_questions_hidden_by_earlier_pages_cannot_be_answered() -> None:
    """A field for a question the person is not shown is a forged field."""
    definition = parse_definition({"schema": every_type()["schema"], "sections": [
        {"key": "a", "title": "A", "questions": [{"key": "yn", "type": "yes_no", "label": "Yes?"}]},
        {"key": "b", "title": "B", "questions": [
            {"key": "more", "type": "short_text", "label": "More",
             "condition": {"question": "yn", "operator": "equals", "values": ["yes"]}},
            {"key": "always", "type": "short_text", "label": "Always"}]}]})  # fmt: skip
    page = definition.sections[1]
    result = read_section(
        definition, page, MultiDict({"q-more": "sneaky", "q-always": "x"}), {"yn": "no"}, require=True
    )
    assert result.page_error is not None
    result = read_section(definition, page, MultiDict({"q-always": "x"}), {"yn": "no"}, require=True)
    assert result.answers == {"always": "x"}


def test_changing_an_answer_drops_answers_it_hid() -> None:
    answers, other = without_hidden(
        DEFINITION, {"yn": "no", "rank": ["p", "q"], "short": "s"}, {"one": "x", "short": "y"}
    )
    assert answers == {"yn": "no"}
    assert other == {"one": "x"}


def test_incomplete_sections_lists_pages_with_missing_required_answers() -> None:
    assert [s.key for s in incomplete_sections(DEFINITION, {"yn": "yes"})] == ["first"]
    complete = {"one": "a", "grid": {"s1": 1, "s2": 1}, "yn": "no"}
    assert incomplete_sections(DEFINITION, complete) == []
    required_later = every_type()
    required_later["sections"][1]["questions"][1]["required"] = True
    definition = parse_definition(required_later)
    assert [s.key for s in incomplete_sections(definition, {**complete, "yn": "yes"})] == ["second"]
    assert incomplete_sections(definition, complete) == [], "a hidden page's required questions are not required"


def test_stored_answers_fill_the_form_again() -> None:
    stored = {"one": "other", "many": ["x", "z"], "agree": 4, "grid": {"s1": 2}, "rank": ["q", "p"], "count": 2.5}
    values = form_values([q(k) for k in ("one", "many", "agree", "grid", "rank", "count")], stored, {"one": "Mine"})
    assert values == {"q-one": "other", "q-one-other": "Mine", "q-many": ["x", "z"], "q-agree": "4",
                      "q-grid-s1": "2", "q-rank-q": "1", "q-rank-p": "2", "q-count": "2.5"}  # fmt: skip
    # ...and reading them back gives the same answers.
    data = MultiDict([(k, v) for k, vs in values.items() for v in (vs if isinstance(vs, list) else [vs])])
    for key in ("one", "many", "agree", "grid", "rank", "count"):
        assert read_answer(q(key), data).value == stored[key]


def test_answers_in_words() -> None:
    assert describe_answer(q("one"), "other", "Mine") == "Other: Mine"
    assert describe_answer(q("agree"), 5, None) == "Strongly agree"
    assert describe_answer(q("rank"), ["q", "p"], None) == "1. Q; 2. P"
    assert describe_answer(q("grid"), {"s1": 2}, None) == "S1: High"
    assert describe_answer(q("count"), 3.0, None) == "3"
