"""Writing a definition back out (document, JSON), and telling structure from wording."""

from __future__ import annotations

import json
from typing import Any

from campaign.consultations.definition import (
    CHOICE_TYPES,
    SCHEMA,
    Condition,
    Definition,
    Option,
    Question,
)

# --- Writing ---------------------------------------------------------------------------------


def _options_document(options: tuple[Option, ...]) -> list[dict[str, str]]:
    return [{"code": option.code, "label": option.label} for option in options]


def _condition_document(condition: Condition | None) -> dict[str, Any] | None:
    if condition is None:
        return None
    return {"question": condition.question, "operator": condition.operator, "values": list(condition.values)}


def question_document(question: Question) -> dict[str, Any]:
    document: dict[str, Any] = {"key": question.key, "type": question.type, "label": question.label}
    if question.help:
        document["help"] = question.help
    document["required"] = question.required
    kind = question.type
    if kind in CHOICE_TYPES:
        document["options"] = _options_document(question.options)
    if kind in {"single_choice", "multiple_choice"}:
        document["other"] = question.other
    if kind == "multiple_choice":
        for name in ("min_choices", "max_choices"):
            if getattr(question, name) is not None:
                document[name] = getattr(question, name)
    if kind in {"likert", "matrix"}:
        document["scale"] = list(question.scale)
    if kind == "matrix":
        document["statements"] = _options_document(question.statements)
    if kind == "ranking" and question.top is not None:
        document["top"] = question.top
    if kind in {"short_text", "long_text"}:
        document["max_length"] = question.max_length
    if kind == "number":
        for name in ("minimum", "maximum"):
            value = getattr(question, name)
            if value is not None:
                document[name] = int(value) if float(value).is_integer() else value
        document["integer"] = question.integer
    if question.condition is not None:
        document["condition"] = _condition_document(question.condition)
    return document


def definition_document(definition: Definition) -> dict[str, Any]:
    sections = []
    for section in definition.sections:
        document: dict[str, Any] = {"key": section.key, "title": section.title}
        if section.description:
            document["description"] = section.description
        if section.condition is not None:
            document["condition"] = _condition_document(section.condition)
        document["questions"] = [question_document(q) for q in section.questions]
        sections.append(document)
    return {"schema": SCHEMA, "sections": sections}


def definition_json(definition: Definition, *, indent: int | None = None) -> str:
    return json.dumps(definition_document(definition), ensure_ascii=False, indent=indent)


# --- Structure and wording ---------------------------------------------------------------------

# What a person reads: these may be corrected once answers exist; everything else is structure.
_WORDING_FIELDS = {"label", "help", "title", "description"}


def _strip_wording(document: Any) -> Any:
    if isinstance(document, dict):
        return {
            # Scale labels are wording; how many points a scale has is structure.
            name: len(value) if name == "scale" else _strip_wording(value)
            for name, value in document.items()
            if name not in _WORDING_FIELDS
        }
    if isinstance(document, list):
        return [_strip_wording(item) for item in document]
    return document


def structure_of(definition: Definition) -> Any:
    """Everything answers depend on: keys, types, codes, order, limits, conditions."""
    return _strip_wording(definition_document(definition))


def wording_changes(before: Definition, after: Definition) -> list[tuple[str, str, str]]:
    """(path, old text, new text) for every wording difference between two same-structured definitions."""
    changes: list[tuple[str, str, str]] = []

    def walk(old: Any, new: Any, path: str) -> None:
        if isinstance(old, dict) and isinstance(new, dict):
            for name in old.keys() | new.keys():
                walk(old.get(name), new.get(name), f"{path}.{name}")
        elif isinstance(old, list) and isinstance(new, list):
            for index, (left, right) in enumerate(zip(old, new, strict=False)):
                walk(left, right, f"{path}[{index}]")
        elif old != new and (isinstance(old, str) or isinstance(new, str)):
            changes.append((path, "" if old is None else str(old), "" if new is None else str(new)))

    walk(definition_document(before), definition_document(after), "$")
    return sorted(changes)
