"""Editing a questionnaire: every change makes a new definition, which is checked whole and saved.

Before anyone has answered, anything may change. After that, only wording (labels, help, titles,
descriptions, scale labels) may change, and each change is recorded; a new structure needs a new
version (service.copy_to_new_version).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from campaign.accounts.models import Organiser
from campaign.consultations.definition import (
    Definition,
    DefinitionProblems,
    Question,
    Section,
    parse_definition,
    parse_definition_json,
)
from campaign.consultations.documents import definition_document, definition_json, structure_of, wording_changes
from campaign.consultations.models import WordingChange
from campaign.consultations.service import definition_of, get_for_organiser, has_answers
from campaign.db import transaction, utcnow
from campaign.errors import InvalidTransition, NotFound, ValidationFailed
from campaign.extensions import db
from campaign.petitions.models import PublicStatus

logger = logging.getLogger(__name__)

STRUCTURE_LOCKED = (
    "People have already answered this consultation, so its questions, options and conditions cannot "
    "change. You can still correct wording. To change the structure, copy it to a new version."
)


def _field_of(path: str, prefix: str) -> str:
    """``$.sections[0].questions[2].options[1].code`` -> ``options`` (the form field to mark)."""
    rest = path[len(prefix) :].lstrip(".")
    return rest.split(".", 1)[0].split("[", 1)[0] or ""


def problems_for(error: DefinitionProblems, prefix: str) -> dict[str, str]:
    """Problems under ``prefix`` keyed by form field; others (elsewhere in the document) under ""."""
    found: dict[str, str] = {}
    for path, message in error.problems:
        key = _field_of(path, prefix) if path.startswith(prefix) else ""
        text = message if key else f"{path}: {message}"
        found.setdefault(key, text)
    return found


def save_definition(
    organiser: Organiser,
    consultation_id: int,
    new: Definition,
    *,
    problem_prefix: str = "$",
    now: datetime | None = None,
) -> None:
    """Check and store a new definition, recording wording changes once people have answered."""
    now = now or utcnow()
    document = definition_document(new)
    try:
        checked = parse_definition(document)  # order-dependent rules (conditions look back) checked whole
    except DefinitionProblems as error:
        raise ValidationFailed(problems_for(error, problem_prefix)) from None
    with transaction():
        consultation = get_for_organiser(organiser, consultation_id, for_update=True)
        if consultation.public_status(now) in {PublicStatus.CLOSED, PublicStatus.ARCHIVED}:
            raise InvalidTransition("A closed consultation's questions cannot change.")
        old = definition_of(consultation)
        locked = has_answers(consultation.id)
        if locked and structure_of(old) != structure_of(checked):
            raise InvalidTransition(STRUCTURE_LOCKED)
        if locked:
            for path, before, after in wording_changes(old, checked):
                db.session.add(WordingChange(consultation_id=consultation.id, changed_by_id=organiser.id,
                                             path=path, before=before, after=after, changed_at=now))  # fmt: skip
        consultation.definition = definition_json(checked)
    logger.info("consultation questions changed", extra={"consultation_id": consultation_id})


def _current(organiser: Organiser, consultation_id: int) -> Definition:
    return definition_of(get_for_organiser(organiser, consultation_id))


def _section_index(definition: Definition, key: str) -> int:
    for index, section in enumerate(definition.sections):
        if section.key == key:
            return index
    raise NotFound("That section is not in this consultation.")


def _question_position(definition: Definition, key: str) -> tuple[int, int]:
    for s_index, section in enumerate(definition.sections):
        for q_index, question in enumerate(section.questions):
            if question.key == key:
                return s_index, q_index
    raise NotFound("That question is not in this consultation.")


def _parse_section(document: dict[str, Any], definition: Definition, index: int, replacing: bool) -> Section:
    """A section from a form's document, checked in its place in the whole definition."""
    sections = [*definition_document(definition)["sections"]]
    if replacing:
        document = {**document, "questions": sections[index]["questions"]}
        sections[index] = document
    else:
        sections.insert(index, {**document, "questions": []})
    try:
        return parse_definition({"schema": definition_document(definition)["schema"], "sections": sections}).sections[
            index
        ]
    except DefinitionProblems as error:
        raise ValidationFailed(problems_for(error, f"$.sections[{index}]")) from None


def add_section(organiser: Organiser, consultation_id: int, document: dict[str, Any]) -> Section:
    definition = _current(organiser, consultation_id)
    section = _parse_section(document, definition, len(definition.sections), replacing=False)
    save_definition(organiser, consultation_id, definition.with_sections([*definition.sections, section]))
    return section


def update_section(organiser: Organiser, consultation_id: int, key: str, document: dict[str, Any]) -> Section:
    definition = _current(organiser, consultation_id)
    index = _section_index(definition, key)
    section = _parse_section(document, definition, index, replacing=True)
    sections = [*definition.sections]
    sections[index] = section
    save_definition(
        organiser, consultation_id, definition.with_sections(sections), problem_prefix=f"$.sections[{index}]"
    )
    return section


def remove_section(organiser: Organiser, consultation_id: int, key: str) -> None:
    definition = _current(organiser, consultation_id)
    index = _section_index(definition, key)
    sections = [*definition.sections]
    del sections[index]
    save_definition(organiser, consultation_id, definition.with_sections(sections))


def move_section(organiser: Organiser, consultation_id: int, key: str, step: int) -> None:
    definition = _current(organiser, consultation_id)
    index = _section_index(definition, key)
    target = index + step
    if not 0 <= target < len(definition.sections):
        return
    sections = [*definition.sections]
    sections[index], sections[target] = sections[target], sections[index]
    save_definition(organiser, consultation_id, definition.with_sections(sections))


def _with_question(definition: Definition, s_index: int, q_index: int, question_document: dict[str, Any],
                   *, replacing: bool) -> tuple[Definition, str]:  # fmt: skip
    """The whole definition with a question from a form put in place, checked; and the prefix of its path."""
    document = definition_document(definition)
    questions = document["sections"][s_index]["questions"]
    if replacing:
        questions[q_index] = question_document
    else:
        questions.insert(q_index, question_document)
    prefix = f"$.sections[{s_index}].questions[{q_index}]"
    try:
        return parse_definition(document), prefix
    except DefinitionProblems as error:
        raise ValidationFailed(problems_for(error, prefix)) from None


def add_question(organiser: Organiser, consultation_id: int, section_key: str, document: dict[str, Any]) -> Question:
    definition = _current(organiser, consultation_id)
    s_index = _section_index(definition, section_key)
    q_index = len(definition.sections[s_index].questions)
    new, prefix = _with_question(definition, s_index, q_index, document, replacing=False)
    save_definition(organiser, consultation_id, new, problem_prefix=prefix)
    return new.sections[s_index].questions[q_index]


def update_question(organiser: Organiser, consultation_id: int, key: str, document: dict[str, Any]) -> Question:
    definition = _current(organiser, consultation_id)
    s_index, q_index = _question_position(definition, key)
    new, prefix = _with_question(definition, s_index, q_index, document, replacing=True)
    save_definition(organiser, consultation_id, new, problem_prefix=prefix)
    return new.sections[s_index].questions[q_index]


def remove_question(organiser: Organiser, consultation_id: int, key: str) -> None:
    definition = _current(organiser, consultation_id)
    s_index, q_index = _question_position(definition, key)
    section = definition.sections[s_index]
    sections = [*definition.sections]
    sections[s_index] = replace(section, questions=section.questions[:q_index] + section.questions[q_index + 1 :])
    save_definition(organiser, consultation_id, definition.with_sections(sections))


def move_question(organiser: Organiser, consultation_id: int, key: str, step: int) -> None:
    """Move a question up (step -1) or down (+1); past the edge of its section it moves into the next one."""
    definition = _current(organiser, consultation_id)
    s_index, q_index = _question_position(definition, key)
    sections = [list(section.questions) for section in definition.sections]
    here = sections[s_index]
    if step < 0 and q_index > 0:
        here[q_index - 1], here[q_index] = here[q_index], here[q_index - 1]
    elif step < 0 and s_index > 0:
        sections[s_index - 1].append(here.pop(q_index))
    elif step > 0 and q_index < len(here) - 1:
        here[q_index + 1], here[q_index] = here[q_index], here[q_index + 1]
    elif step > 0 and s_index + 1 < len(sections):
        sections[s_index + 1].insert(0, here.pop(q_index))
    else:
        return
    moved = [replace(section, questions=tuple(qs)) for section, qs in zip(definition.sections, sections, strict=True)]
    save_definition(organiser, consultation_id, definition.with_sections(moved))


def import_definition(organiser: Organiser, consultation_id: int, text: str) -> Definition:
    """Replace the questionnaire with a JSON document; all problems are reported, nothing saved."""
    if len(text) > 1_000_000:
        raise ValidationFailed({"document": "The file is too large (the limit is 1 MB)."})
    try:
        definition = parse_definition_json(text)
    except DefinitionProblems as error:
        raise DefinitionImportFailed(error.problems) from None
    save_definition(organiser, consultation_id, definition)
    return definition


class DefinitionImportFailed(ValidationFailed):
    """An imported document's problems, each with its path."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__({"document": f"The file has {len(problems)} problem{'s' if len(problems) != 1 else ''}."})
        self.problems = problems
