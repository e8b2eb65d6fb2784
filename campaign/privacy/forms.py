"""The console's erasure form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Length

from campaign.forms import TextLineField


class SubjectForm(FlaskForm):
    email = TextLineField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter the email address")),
            Length(max=320, message=_l("Enter a real email address")),
        ],
        description=_l("Everything signed or answered with this mailbox is found, however the address was written."),
        render_kw={"autocomplete": "off", "spellcheck": "false", "inputmode": "email"},
    )
