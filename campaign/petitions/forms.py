from __future__ import annotations

import secrets

from flask_babel import LazyString, format_number
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from campaign.forms import LocalDateTimeField, TextBlockField, TextLineField, WholeNumberField
from campaign.petitions.models import BODY_MAX, HIDDEN_REASON_MAX, SUMMARY_MAX, TARGET_MAX, TITLE_MAX
from campaign.text import SLUG_MAX_LENGTH


class PetitionDatesForm(FlaskForm):
    """What may still change once a petition is open: its target and dates."""

    target = WholeNumberField(
        _l("Signature target"),
        validators=[
            InputRequired(_l("Enter a signature target")),
            NumberRange(
                min=1,
                max=TARGET_MAX,
                message=_l("Target must be between 1 and %(max)s", max=LazyString(format_number, TARGET_MAX)),
            ),
        ],
        description=_l("The number of signatures you are aiming for. Progress is shown against it."),
        render_kw={"inputmode": "numeric", "min": 1, "max": TARGET_MAX},
    )
    opens_at = LocalDateTimeField(
        _l("Opening date (optional)"),
        validators=[Optional()],
        description=_l("Leave empty to open as soon as you press Open."),
    )
    closes_at = LocalDateTimeField(
        _l("Closing date (optional)"),
        validators=[Optional()],
        description=_l("The petition closes automatically at this time."),
    )


class PetitionForm(PetitionDatesForm):
    """Everything about a draft petition."""

    title = TextLineField(
        _l("Title"),
        validators=[
            DataRequired(_l("Enter a title")),
            Length(max=TITLE_MAX, message=_l("Title must be %(max)s characters or fewer", max=TITLE_MAX)),
        ],
        description=_l("What you are asking for, in a short sentence."),
        render_kw={"maxlength": TITLE_MAX, "autocomplete": "off"},
    )
    summary = TextLineField(
        _l("Summary"),
        validators=[
            DataRequired(_l("Enter a summary")),
            Length(max=SUMMARY_MAX, message=_l("Summary must be %(max)s characters or fewer", max=SUMMARY_MAX)),
        ],
        description=_l("One or two sentences shown in lists and link previews."),
        render_kw={"maxlength": SUMMARY_MAX},
    )
    body = TextBlockField(
        _l("Text of the petition"),
        validators=[
            DataRequired(_l("Enter the text of the petition")),
            Length(
                max=BODY_MAX,
                message=_l("The text must be %(max)s characters or fewer", max=LazyString(format_number, BODY_MAX)),
            ),
        ],
        description=_l("Why people should sign. You can use Markdown: **bold**, *italic*, [links](https://…), lists."),
        render_kw={"rows": 14},
    )
    slug = TextLineField(
        _l("Web address (optional)"),
        validators=[
            Optional(),
            Length(max=SLUG_MAX_LENGTH, message=_l("Use at most %(max)s characters", max=SLUG_MAX_LENGTH)),
        ],
        description=_l(
            "The last part of the petition's address. Leave empty to make one from the title. "
            "It cannot change once the petition opens."
        ),
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    submission_id = HiddenField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not self.submission_id.data:
            self.submission_id.data = secrets.token_urlsafe(16)


class HidePetitionForm(FlaskForm):
    reason = TextBlockField(
        _l("Reason for taking it down"),
        validators=[
            DataRequired(_l("Enter the reason for taking the petition down")),
            Length(
                max=HIDDEN_REASON_MAX,
                message=_l(
                    "The reason must be %(max)s characters or fewer", max=LazyString(format_number, HIDDEN_REASON_MAX)
                ),
            ),
        ],
        description=_l("Kept for organisers and administrators. The public page says only that it was taken down."),
        render_kw={"rows": 4},
    )
