"""Areas for an organisation: defined in the console or by uploading a CSV of ``prefix,area`` rows."""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from campaign.accounts.models import Organisation, Organiser
from campaign.areas.lookup import AreaLookup, InvalidPrefix, normalise_prefix
from campaign.areas.models import AREA_NAME_MAX, Area, AreaPrefix
from campaign.audit.capture import automatic_capture_off
from campaign.audit.service import record_action
from campaign.db import transaction
from campaign.errors import DomainError, NotFound, ValidationFailed
from campaign.exports.safe import from_spreadsheet, spreadsheet_safe
from campaign.extensions import db
from campaign.i18n import gettext as _
from campaign.text import clean_line

logger = logging.getLogger(__name__)

MAX_MAPPING_ROWS = 10_000
AREA_NOTE_MAX = 500
_LIST_SEPARATORS = re.compile(r"[,;\n]+")


@dataclass(frozen=True)
class MappingRow:
    prefix: str
    area: str


class MappingProblems(DomainError):
    """An uploaded mapping with problems: each is (where, what); nothing was changed."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(f"The file has {len(problems)} problem{'s' if len(problems) != 1 else ''}.")
        self.problems = problems


def _check_name(raw: str) -> str:
    name = clean_line(raw)
    if not name:
        raise ValueError("Enter the area's name")
    if len(name) > AREA_NAME_MAX:
        raise ValueError(f"An area's name must be {AREA_NAME_MAX} characters or fewer")
    return name


def parse_mapping_csv(text: str) -> list[MappingRow]:
    """Rows of ``prefix,area`` (a header row is optional); every problem is reported at once."""
    problems: list[tuple[str, str]] = []
    rows: list[MappingRow] = []
    seen: dict[str, tuple[str, int]] = {}
    try:
        records = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    except csv.Error as error:
        raise MappingProblems([(_("File"), _("is not readable as CSV (%(error)s)", error=error))]) from None
    for line, record in enumerate(records, start=1):
        cells = [cell.strip() for cell in record]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if line == 1 and [cell.casefold() for cell in cells] == ["prefix", "area"]:
            continue
        if len(rows) + len(problems) >= MAX_MAPPING_ROWS:
            problems.append(
                (_("Line %(line)s", line=line), _("is past the limit of %(rows)s rows", rows=f"{MAX_MAPPING_ROWS:,}"))
            )
            break
        if len(cells) == 1:
            problems.append((_("Line %(line)s", line=line), _("needs the area's name after the prefix, e.g. YO1,York")))
            continue
        if len(cells) > 2:
            problems.append(
                (_("Line %(line)s", line=line), _("should have two columns: a postcode prefix, then the area's name"))
            )
            continue
        try:
            prefix = normalise_prefix(cells[0])
            area = _check_name(from_spreadsheet(cells[1]))
        except InvalidPrefix as error:
            problems.append((_("Line %(line)s", line=line), error.message))
            continue
        except ValueError as error:
            problems.append((_("Line %(line)s", line=line), str(error)))
            continue
        if prefix in seen:
            earlier_area, earlier_line = seen[prefix]
            if earlier_area != area:
                problems.append(
                    (
                        _("Line %(line)s", line=line),
                        _("%(prefix)s is already given to %(area)s on line %(earlier)s",
                          prefix=prefix, area=earlier_area, earlier=earlier_line),
                    )
                )  # fmt: skip
            continue
        seen[prefix] = (area, line)
        rows.append(MappingRow(prefix, area))
    if problems:
        raise MappingProblems(problems)
    if not rows:
        raise MappingProblems([("File", "has no rows: each line is a postcode prefix and an area, e.g. YO1,York")])
    return rows


def areas_for(organisation_id: int) -> list[Area]:
    query = (
        select(Area)
        .where(Area.organisation_id == organisation_id)
        .options(selectinload(Area.prefixes))
        .order_by(Area.name)
    )
    return list(db.session.scalars(query))


def lookup_for(organisation_id: int) -> AreaLookup:
    rows = db.session.execute(
        select(AreaPrefix.prefix, Area.name)
        .join(Area, Area.id == AreaPrefix.area_id)
        .where(AreaPrefix.organisation_id == organisation_id)
    )
    return AreaLookup(dict(rows.all()))


def area_note(organisation_id: int) -> str:
    return db.session.scalar(select(Organisation.area_note).where(Organisation.id == organisation_id)) or ""


def replace_mapping(organiser: Organiser, rows: list[MappingRow]) -> int:
    """Replace every area and prefix of the organiser's organisation with ``rows``; returns the areas made."""
    organisation_id = organiser.organisation_id
    # Core deletes bypass the audit log's automatic capture, and one event for the whole
    # replacement says more than hundreds: this records it itself.
    with automatic_capture_off(), transaction():
        before = _mapping_of(organisation_id)
        db.session.execute(delete(AreaPrefix).where(AreaPrefix.organisation_id == organisation_id))
        db.session.execute(delete(Area).where(Area.organisation_id == organisation_id))
        areas: dict[str, Area] = {}
        for row in rows:
            area = areas.get(row.area)
            if area is None:
                area = areas[row.area] = Area(organisation_id=organisation_id, name=row.area)
                db.session.add(area)
            area.prefixes.append(AreaPrefix(organisation_id=organisation_id, prefix=row.prefix))
        after: dict[str, list[str]] = {}
        for row in rows:
            after.setdefault(row.area, []).append(row.prefix)
        record_action(
            "areas.replace",
            actor_id=organiser.id,
            target_type="organisation",
            target_id=organisation_id,
            organisation_id=organisation_id,
            before={"areas": before},
            after={"areas": {name: sorted(prefixes) for name, prefixes in sorted(after.items())}},
        )
    logger.info("areas replaced", extra={"organisation_id": organisation_id, "areas": len(areas)})
    return len(areas)


def _mapping_of(organisation_id: int) -> dict[str, list[str]]:
    """Area name -> its prefixes, for the audit log."""
    rows = db.session.execute(
        select(Area.name, AreaPrefix.prefix)
        .outerjoin(AreaPrefix, AreaPrefix.area_id == Area.id)
        .where(Area.organisation_id == organisation_id)
        .order_by(Area.name, AreaPrefix.prefix)
    )
    mapping: dict[str, list[str]] = {}
    for name, prefix in rows:
        prefixes = mapping.setdefault(name, [])
        if prefix is not None:
            prefixes.append(prefix)
    return mapping


def _parse_prefix_list(raw: str) -> list[str]:
    prefixes: list[str] = []
    problems: list[str] = []
    for part in _LIST_SEPARATORS.split(raw):
        if not part.strip():
            continue
        try:
            prefix = normalise_prefix(part)
        except InvalidPrefix as error:
            problems.append(error.message)
            continue
        if prefix not in prefixes:
            prefixes.append(prefix)
    if problems:
        raise ValidationFailed({"prefixes": "; ".join(problems[:5])})
    if not prefixes:
        raise ValidationFailed({"prefixes": "Enter at least one postcode prefix, such as YO1"})
    if len(prefixes) > 500:
        raise ValidationFailed({"prefixes": "An area can have at most 500 prefixes"})
    return prefixes


def _own_area(organiser: Organiser, area_id: int) -> Area:
    area = db.session.scalar(
        select(Area).where(Area.id == area_id, Area.organisation_id == organiser.organisation_id).with_for_update()
    )
    if area is None:
        raise NotFound("There is no area with that number in your organisation.")
    return area


def save_area(organiser: Organiser, area_id: int | None, name: str, prefixes_text: str) -> Area:
    """Create an area (``area_id`` None) or change one's name and prefixes."""
    errors: dict[str, str] = {}
    try:
        clean_name = _check_name(name)
    except ValueError as error:
        errors["name"] = str(error)
    try:
        prefixes = _parse_prefix_list(prefixes_text)
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)
    organisation_id = organiser.organisation_id
    try:
        with transaction():
            area = Area(organisation_id=organisation_id) if area_id is None else _own_area(organiser, area_id)
            taken_name = db.session.scalar(
                select(Area.id).where(Area.organisation_id == organisation_id, Area.name == clean_name)
            )
            if taken_name is not None and taken_name != area_id:
                raise ValidationFailed({"name": f"There is already an area called {clean_name}"})
            query = (
                select(AreaPrefix.prefix, Area.name)
                .join(Area, Area.id == AreaPrefix.area_id)
                .where(AreaPrefix.organisation_id == organisation_id, AreaPrefix.prefix.in_(prefixes))
            )
            if area_id is not None:
                query = query.where(AreaPrefix.area_id != area_id)
            taken = db.session.execute(query).all()
            if taken:
                listed = ", ".join(f"{prefix} is in {other}" for prefix, other in sorted(taken)[:5])
                raise ValidationFailed({"prefixes": f"Each prefix can be in one area only: {listed}"})
            area.name = clean_name
            if area_id is None:
                db.session.add(area)
            kept = {prefix.prefix: prefix for prefix in area.prefixes}
            area.prefixes = [kept.get(p) or AreaPrefix(organisation_id=organisation_id, prefix=p) for p in prefixes]
    except IntegrityError:
        # Someone else took the name or a prefix between our check and our write.
        raise ValidationFailed({"prefixes": "Someone changed the areas at the same moment; try again"}) from None
    logger.info("area saved", extra={"organisation_id": organisation_id, "area_id": area.id})
    return area


def delete_area(organiser: Organiser, area_id: int) -> None:
    with transaction():
        db.session.delete(_own_area(organiser, area_id))
    logger.info("area deleted", extra={"organisation_id": organiser.organisation_id, "area_id": area_id})


def set_area_note(organiser: Organiser, note: str) -> None:
    note = clean_line(note)
    if len(note) > AREA_NOTE_MAX:
        raise ValidationFailed({"note": f"The note must be {AREA_NOTE_MAX} characters or fewer"})
    with transaction():
        organisation = db.session.get_one(Organisation, organiser.organisation_id)
        organisation.area_note = note


def mapping_csv(organisation_id: int) -> str:
    """The mapping as a CSV an organiser can edit and upload again."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["prefix", "area"])
    for area in areas_for(organisation_id):
        for prefix in area.prefixes:
            writer.writerow([prefix.prefix, spreadsheet_safe(area.name)])
    return out.getvalue()
