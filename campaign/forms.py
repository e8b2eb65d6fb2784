"""Form fields shared by every feature: text is cleaned before any validator sees it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wtforms import DateTimeLocalField, IntegerField, StringField, TextAreaField

from campaign.errors import ValidationFailed
from campaign.text import clean_block, clean_line


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
        field = getattr(form, field_name, None)
        if field is None:
            form.form_errors.append(message)
        elif not (only_new and field.errors):
            field.errors = [*field.errors, message]


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
        for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
            try:
                # Naive on purpose: a wall-clock time in the site's zone, converted by from_local.
                self.data = datetime.strptime(raw, fmt)  # noqa: DTZ007
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError("Enter a real date and time, for example 31/03/2027 17:00")


class WholeNumberField(IntegerField):
    """A whole number; accepts the way people write them ("10,000", " 250 ")."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0]).strip().replace(",", "").replace("_", "").replace(" ", "")
        if not raw:
            self.data = None
            return
        if not raw.isdigit() or len(raw) > 12:
            self.data = None
            raise ValueError("Enter a whole number, like 10000")
        self.data = int(raw)
