"""Console form for outcome updates."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired, Length

from campaign.forms import TextBlockField, TextLineField
from campaign.outcomes.models import BODY_MAX, TITLE_MAX


class UpdateForm(FlaskForm):
    title = TextLineField("Title", validators=[DataRequired("Enter a title"),
                          Length(max=TITLE_MAX, message=f"The title must be {TITLE_MAX} characters or fewer")],
                          description="For example: “We handed the petition to the Chief Constable”.")  # fmt: skip
    body = TextBlockField(
        "Update",
        validators=[DataRequired("Enter the update"),
                    Length(max=BODY_MAX, message=f"The update must be {BODY_MAX:,} characters or fewer")],
        description="We asked, you said, we did: what happened and what comes next. Markdown is allowed.",
        render_kw={"rows": 10},
    )  # fmt: skip
    email_signers = BooleanField("Also email it to signers who asked to hear about progress")
