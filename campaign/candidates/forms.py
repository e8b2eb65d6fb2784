"""Forms for inviting candidates (console) and for candidates publishing their response."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; stubs lag
from wtforms.validators import AnyOf, DataRequired, Length

from campaign.candidates.models import AFFILIATION_MAX, NAME_MAX, PLEDGE_MAX, POSITION_LABELS, STATEMENT_MAX
from campaign.forms import TextBlockField, TextLineField
from campaign.i18n import lazy_gettext as _l


class InviteCandidateForm(FlaskForm):
    name = TextLineField(
        _l("Candidate's name"),
        validators=[DataRequired(_l("Enter the candidate's name")),
                    Length(max=NAME_MAX, message=_l("The name must be %(max)s characters or fewer", max=NAME_MAX))],
    )  # fmt: skip
    affiliation = TextLineField(
        _l("Party or affiliation (optional)"),
        validators=[
            Length(max=AFFILIATION_MAX, message=_l("Must be %(max)s characters or fewer", max=AFFILIATION_MAX))
        ],
        description=_l("For example: Independent, or the party they stand for."),
    )
    email = TextLineField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter the candidate's email address")), Length(max=254)],
        description=_l("We email them a private link to publish their response. It is never shown."),
        render_kw={"type": "email", "autocomplete": "off", "spellcheck": "false"},
    )


CHOOSE_POSITION = _l("Choose whether you support or oppose the petition, or are undecided")


class StatementForm(FlaskForm):
    position = RadioField(
        _l("Where do you stand on this petition?"),
        choices=[SelectChoice(position.value, label) for position, label in POSITION_LABELS.items()],
        validators=[AnyOf([position.value for position in POSITION_LABELS], message=CHOOSE_POSITION)],
        validate_choice=False,
    )
    statement = TextBlockField(
        _l("Your statement"),
        validators=[DataRequired(_l("Enter your statement")),
                    Length(max=STATEMENT_MAX,
                           message=_l("The statement must be %(max)s characters or fewer", max=f"{STATEMENT_MAX:,}"))],
        description=_l(
            "Shown in full on the petition's page and in briefings. Plain text; blank lines start paragraphs."
        ),
        render_kw={"rows": 10},
    )  # fmt: skip
    pledge = TextBlockField(
        _l("A pledge (optional)"),
        validators=[
            Length(max=PLEDGE_MAX, message=_l("The pledge must be %(max)s characters or fewer", max=f"{PLEDGE_MAX:,}"))
        ],
        description=_l("One thing you commit to do if elected, in a sentence or two."),
        render_kw={"rows": 3},
    )
