from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from campaign.forms import LocalDateTimeField, TextBlockField, TextLineField, WholeNumberField
from campaign.petitions.models import BODY_MAX, HIDDEN_REASON_MAX, SUMMARY_MAX, TARGET_MAX, TITLE_MAX
from campaign.text import SLUG_MAX_LENGTH


class PetitionDatesForm(FlaskForm):
    """What may still change once a petition is open: its target and dates."""

    target = WholeNumberField(
        "Signature target",
        validators=[
            InputRequired("Enter a signature target"),
            NumberRange(min=1, max=TARGET_MAX, message=f"Target must be between 1 and {TARGET_MAX:,}"),
        ],
        description="The number of signatures you are aiming for. Progress is shown against it.",
        render_kw={"inputmode": "numeric", "min": 1, "max": TARGET_MAX},
    )
    opens_at = LocalDateTimeField(
        "Opening date (optional)",
        validators=[Optional()],
        description="Leave empty to open as soon as you press Open.",
    )
    closes_at = LocalDateTimeField(
        "Closing date (optional)",
        validators=[Optional()],
        description="The petition closes automatically at this time.",
    )


class PetitionForm(PetitionDatesForm):
    """Everything about a draft petition."""

    title = TextLineField(
        "Title",
        validators=[
            DataRequired("Enter a title"),
            Length(max=TITLE_MAX, message=f"Title must be {TITLE_MAX} characters or fewer"),
        ],
        description="What you are asking for, in a short sentence.",
        render_kw={"maxlength": TITLE_MAX, "autocomplete": "off"},
    )
    summary = TextLineField(
        "Summary",
        validators=[
            DataRequired("Enter a summary"),
            Length(max=SUMMARY_MAX, message=f"Summary must be {SUMMARY_MAX} characters or fewer"),
        ],
        description="One or two sentences shown in lists and link previews.",
        render_kw={"maxlength": SUMMARY_MAX},
    )
    body = TextBlockField(
        "Text of the petition",
        validators=[
            DataRequired("Enter the text of the petition"),
            Length(max=BODY_MAX, message=f"The text must be {BODY_MAX:,} characters or fewer"),
        ],
        description="Why people should sign. You can use Markdown: **bold**, *italic*, [links](https://…), lists.",
        render_kw={"rows": 14},
    )
    slug = TextLineField(
        "Web address (optional)",
        validators=[Optional(), Length(max=SLUG_MAX_LENGTH, message=f"Use at most {SLUG_MAX_LENGTH} characters")],
        description="The last part of the petition's address. Leave empty to make one from the title. "
        "It cannot change once the petition opens.",
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    submission_id = HiddenField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not self.submission_id.data:
            self.submission_id.data = secrets.token_urlsafe(16)


class HidePetitionForm(FlaskForm):
    reason = TextBlockField(
        "Reason for taking it down",
        validators=[
            DataRequired("Enter the reason for taking the petition down"),
            Length(max=HIDDEN_REASON_MAX, message=f"The reason must be {HIDDEN_REASON_MAX:,} characters or fewer"),
        ],
        description="Kept for organisers and administrators. The public page says only that it was taken down.",
        render_kw={"rows": 4},
    )
