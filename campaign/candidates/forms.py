"""Forms for inviting candidates (console) and for candidates publishing their response."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; stubs lag
from wtforms.validators import AnyOf, DataRequired, Length

from campaign.candidates.models import AFFILIATION_MAX, NAME_MAX, PLEDGE_MAX, POSITION_LABELS, STATEMENT_MAX
from campaign.forms import TextBlockField, TextLineField


class InviteCandidateForm(FlaskForm):
    name = TextLineField("Candidate's name", validators=[DataRequired("Enter the candidate's name"),
                         Length(max=NAME_MAX, message=f"The name must be {NAME_MAX} characters or fewer")])  # fmt: skip
    affiliation = TextLineField(
        "Party or affiliation (optional)",
        validators=[Length(max=AFFILIATION_MAX, message=f"Must be {AFFILIATION_MAX} characters or fewer")],
        description="For example: Independent, or the party they stand for.",
    )
    email = TextLineField(
        "Email address",
        validators=[DataRequired("Enter the candidate's email address"), Length(max=254)],
        description="We email them a private link to publish their response. It is never shown.",
        render_kw={"type": "email", "autocomplete": "off", "spellcheck": "false"},
    )


CHOOSE_POSITION = "Choose whether you support or oppose the petition, or are undecided"


class StatementForm(FlaskForm):
    position = RadioField(
        "Where do you stand on this petition?",
        choices=[SelectChoice(position.value, label) for position, label in POSITION_LABELS.items()],
        validators=[AnyOf([position.value for position in POSITION_LABELS], message=CHOOSE_POSITION)],
        validate_choice=False,
    )
    statement = TextBlockField(
        "Your statement",
        validators=[DataRequired("Enter your statement"),
                    Length(max=STATEMENT_MAX, message=f"The statement must be {STATEMENT_MAX:,} characters or fewer")],
        description="Shown in full on the petition's page and in briefings. Plain text; blank lines start paragraphs.",
        render_kw={"rows": 10},
    )  # fmt: skip
    pledge = TextBlockField(
        "A pledge (optional)",
        validators=[Length(max=PLEDGE_MAX, message=f"The pledge must be {PLEDGE_MAX:,} characters or fewer")],
        description="One thing you commit to do if elected, in a sentence or two.",
        render_kw={"rows": 3},
    )
