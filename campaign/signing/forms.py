from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from campaign.forms import TextLineField
from campaign.i18n import lazy_gettext as _l
from campaign.signing.models import NAME_MAX


class SignForm(FlaskForm):
    """The sign form. Rules about what was typed live in the signing service; this carries it."""

    name = TextLineField(
        _l("Full name"),
        validators=[Length(max=NAME_MAX, message=_l("Name must be %(max)s characters or fewer", max=NAME_MAX))],
        render_kw={"autocomplete": "name", "spellcheck": "false", "maxlength": NAME_MAX},
    )
    email = TextLineField(
        _l("Email address"),
        validators=[Length(max=254, message=_l("Email address must be 254 characters or fewer"))],
        description=_l("We will email you a link to confirm your signature. It only counts once confirmed."),
        render_kw={"type": "email", "autocomplete": "email", "spellcheck": "false", "inputmode": "email"},
    )
    postcode = TextLineField(
        _l("UK postcode"),
        validators=[Length(max=12, message=_l("Enter a real UK postcode, like YO1 7HH"))],
        description=_l("To show which areas support the petition. Your postcode is never published."),
        render_kw={"autocomplete": "postal-code", "spellcheck": "false", "autocapitalize": "characters"},
    )
    outside_uk = BooleanField(_l("I live outside the UK"))
    # Rendered from country_options_html() (cached); the service checks the code.
    country = StringField(_l("Country"))
    notify_progress = BooleanField(_l("Email me about this petition's progress and what happens next"))
    share_name = BooleanField(_l("Share my name with the organisers"))
    # A field people never see: bots that fill every box reveal themselves here.
    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})
