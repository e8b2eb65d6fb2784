"""Form fields shared by every feature: text is cleaned before any validator sees it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, StringField, TextAreaField

from campaign.errors import ValidationFailed
from campaign.i18n import gettext as _
from campaign.text import clean_block, clean_line
from campaign.timeutil import site_zone


class TextLineField(StringField):
    """A single line of text, Unicode-normalised, controls removed, spaces folded."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.data = clean_line(self.data)


class TextBlockField(TextAreaField):
    """Several paragraphs of text, Unicode-normalised with tidy line endings."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.data = clean_block(self.data)


def apply_errors(form: Any, error: ValidationFailed | dict[str, str], *, only_new: bool = False) -> None:
    """Show a service's rule failures next to the matching fields of a form.

    With ``only_new``, fields that already show an error keep just that one.
    """
    errors = error.errors if isinstance(error, ValidationFailed) else error
    for field_name, message in errors.items():
        field = getattr(form, field_name, None) if field_name else None
        if field is None:
            if message not in form.form_errors:
                form.form_errors.append(message)
        elif not (only_new and field.errors):
            field.errors = [*field.errors, message]


_DATETIME_FORMATS = (
    "%Y-%m-%dT%H:%M",  # what browsers send from a date-time picker
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M",  # what people type where there is no picker
    "%d/%m/%Y, %H:%M",
)


class LocalDateTimeField(DateTimeLocalField):
    """A date and time typed in the site's zone (converted to UTC by the view)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M")
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = " ".join(valuelist).strip() if valuelist else ""
        if not raw:
            self.data = None
            return
        self.data = None
        for fmt in _DATETIME_FORMATS:
            try:
                # Naive on purpose: a wall-clock time in the site's zone, converted by from_local.
                parsed = datetime.strptime(raw, fmt)  # noqa: DTZ007
                break
            except ValueError:
                continue
        else:
            raise ValueError(_("Enter a real date and time, for example 31/03/2027 17:00"))
        if not 2000 <= parsed.year <= 2099:
            raise ValueError(_("Enter a date between the years 2000 and 2099"))
        zone = site_zone()
        round_trip = parsed.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if round_trip != parsed:
            raise ValueError(
                _(
                    "That time does not exist in %(zone)s time (the clocks go forward then); choose another",
                    zone=zone.key,
                )
            )
        self.data = parsed


class WholeNumberField(IntegerField):
    """A whole number; accepts the way people write them ("10,000", " 250 ")."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0]).strip().replace(",", "").replace("_", "").replace(" ", "")
        if not raw:
            self.data = None
            return
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
            self.data = None
            raise ValueError(_("Enter a whole number, like 10000"))
        self.data = int(raw)


class ConfirmForm(FlaskForm):
    """A button that carries only the CSRF token."""
