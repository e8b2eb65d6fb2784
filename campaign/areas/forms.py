"""Console forms for areas."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Length

from campaign.areas.models import AREA_NAME_MAX
from campaign.areas.service import AREA_NOTE_MAX
from campaign.forms import TextBlockField, TextLineField


class AreaForm(FlaskForm):
    name = TextLineField(
        "Area name",
        validators=[
            DataRequired("Enter the area's name"),
            Length(max=AREA_NAME_MAX, message=f"An area's name must be {AREA_NAME_MAX} characters or fewer"),
        ],
        render_kw={"maxlength": AREA_NAME_MAX},
    )
    prefixes = TextBlockField(
        "Postcode prefixes",
        validators=[DataRequired("Enter at least one postcode prefix, such as YO1")],
        description="Postcode areas (YO), districts (YO1) or sectors (YO1 7), separated by commas. "
        "A postcode belongs to the area with its longest matching prefix.",
        render_kw={"rows": 3, "spellcheck": "false"},
    )


class UploadAreasForm(FlaskForm):
    document = TextBlockField("CSV (prefix,area)", validators=[DataRequired("Choose a file or paste the CSV")],
                              render_kw={"rows": 10, "spellcheck": "false"})  # fmt: skip


class AreaNoteForm(FlaskForm):
    note = TextLineField(
        "Note shown with counts by area (optional)",
        validators=[Length(max=AREA_NOTE_MAX, message=f"The note must be {AREA_NOTE_MAX} characters or fewer")],
        description="For example: “Approximate: postcode districts do not follow council boundaries exactly.”",
    )
