"""Console forms for briefings."""

from __future__ import annotations

from flask_babel import LazyString, format_number
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Length, Optional

from campaign.briefings.models import AUDIENCE_MAX, INTRO_MAX, TITLE_MAX
from campaign.forms import LocalDateTimeField, TextBlockField, TextLineField


class BriefingForm(FlaskForm):
    title = TextLineField(
        _l("Title"),
        validators=[
            DataRequired(_l("Enter a title")),
            Length(max=TITLE_MAX, message=_l("Must be %(max)s characters or fewer", max=TITLE_MAX)),
        ],
        description=_l("For example: “What residents think about police social media”."),
    )
    audience = TextLineField(
        _l("Who it is for"),
        validators=[
            DataRequired(_l("Say who the briefing is for")),
            Length(max=AUDIENCE_MAX, message=_l("Must be %(max)s characters or fewer", max=AUDIENCE_MAX)),
        ],
        description=_l("For example: “Candidates for Police, Fire and Crime Commissioner, 2028”."),
    )
    intro = TextBlockField(
        _l("Introduction (optional)"),
        validators=[
            Length(
                max=INTRO_MAX,
                message=_l("Must be %(max)s characters or fewer", max=LazyString(format_number, INTRO_MAX)),
            )
        ],
        description=_l("Why you are sending it and what you ask of the reader. Markdown is allowed."),
        render_kw={"rows": 8},
    )


class ShareForm(FlaskForm):
    expires_at = LocalDateTimeField(
        _l("The link stops working on (optional)"),
        validators=[Optional()],
        description=_l("Leave empty for a link that works until you turn it off."),
    )
