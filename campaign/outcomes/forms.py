"""Console form for outcome updates."""

from __future__ import annotations

from flask_babel import LazyString, format_number
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired, Length

from campaign.forms import TextBlockField, TextLineField
from campaign.outcomes.models import BODY_MAX, TITLE_MAX


class UpdateForm(FlaskForm):
    title = TextLineField(
        _l("Title"),
        validators=[
            DataRequired(_l("Enter a title")),
            Length(max=TITLE_MAX, message=_l("The title must be %(max)s characters or fewer", max=TITLE_MAX)),
        ],
        description=_l("For example: “We handed the petition to the Chief Constable”."),
    )
    body = TextBlockField(
        _l("Update"),
        validators=[
            DataRequired(_l("Enter the update")),
            Length(
                max=BODY_MAX,
                message=_l("The update must be %(max)s characters or fewer", max=LazyString(format_number, BODY_MAX)),
            ),
        ],
        description=_l("We asked, you said, we did: what happened and what comes next. Markdown is allowed."),
        render_kw={"rows": 10},
    )
    email_signers = BooleanField(_l("Also email it to signers who asked to hear about progress"))
