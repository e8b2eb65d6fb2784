"""Console forms for briefings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Length, Optional

from campaign.briefings.models import AUDIENCE_MAX, INTRO_MAX, TITLE_MAX
from campaign.forms import LocalDateTimeField, TextBlockField, TextLineField


class BriefingForm(FlaskForm):
    title = TextLineField("Title", validators=[DataRequired("Enter a title"),
                          Length(max=TITLE_MAX, message=f"Must be {TITLE_MAX} characters or fewer")],
                          description="For example: “What residents think about police social media”.")  # fmt: skip
    audience = TextLineField(
        "Who it is for",
        validators=[DataRequired("Say who the briefing is for"),
                    Length(max=AUDIENCE_MAX, message=f"Must be {AUDIENCE_MAX} characters or fewer")],
        description="For example: “Candidates for Police, Fire and Crime Commissioner, 2028”.",
    )  # fmt: skip
    intro = TextBlockField(
        "Introduction (optional)",
        validators=[Length(max=INTRO_MAX, message=f"Must be {INTRO_MAX:,} characters or fewer")],
        description="Why you are sending it and what you ask of the reader. Markdown is allowed.",
        render_kw={"rows": 8},
    )


class ShareForm(FlaskForm):
    expires_at = LocalDateTimeField("The link stops working on (optional)", validators=[Optional()],
                                    description="Leave empty for a link that works until you turn it off.")  # fmt: skip
