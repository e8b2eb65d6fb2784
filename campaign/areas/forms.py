"""Console forms for areas."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Length

from campaign.areas.models import AREA_NAME_MAX
from campaign.areas.service import AREA_NOTE_MAX
from campaign.forms import TextBlockField, TextLineField


class AreaForm(FlaskForm):
    name = TextLineField(
        _l("Area name"),
        validators=[
            DataRequired(_l("Enter the area's name")),
            Length(
                max=AREA_NAME_MAX, message=_l("An area's name must be %(max)s characters or fewer", max=AREA_NAME_MAX)
            ),
        ],
        render_kw={"maxlength": AREA_NAME_MAX},
    )
    prefixes = TextBlockField(
        _l("Postcode prefixes"),
        validators=[DataRequired(_l("Enter at least one postcode prefix, such as YO1"))],
        description=_l(
            "Postcode areas (YO), districts (YO1) or sectors (YO1 7), separated by commas. "
            "A postcode belongs to the area with its longest matching prefix."
        ),
        render_kw={"rows": 3, "spellcheck": "false"},
    )


class UploadAreasForm(FlaskForm):
    document = TextBlockField(
        _l("CSV (prefix,area)"),
        validators=[DataRequired(_l("Choose a file or paste the CSV"))],
        render_kw={"rows": 10, "spellcheck": "false"},
    )


class AreaNoteForm(FlaskForm):
    note = TextLineField(
        _l("Note shown with counts by area (optional)"),
        validators=[
            Length(max=AREA_NOTE_MAX, message=_l("The note must be %(max)s characters or fewer", max=AREA_NOTE_MAX))
        ],
        description=_l("For example: “Approximate: postcode districts do not follow council boundaries exactly.”"),
    )
