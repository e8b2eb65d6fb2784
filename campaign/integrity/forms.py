"""Console forms: invalidation criteria, and the email blocklists."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; stubs lag
from wtforms.validators import AnyOf, InputRequired, Length

from campaign.forms import LocalDateTimeField, TextBlockField, TextLineField


class InvalidationForm(FlaskForm):
    addresses = TextBlockField(
        _l("IP addresses or ranges"),
        description=_l(
            "One or more, like 203.0.113.7 or 203.0.113.0/24 (only whole addresses and /24 blocks are kept)."
        ),
        render_kw={"rows": 2, "spellcheck": "false"},
    )
    address_hashes = HiddenField()
    domains = TextBlockField(
        _l("Email domains"),
        description=_l("Like example.org (covers its subdomains too)."),
        render_kw={"rows": 2, "spellcheck": "false"},
    )
    emails = TextBlockField(
        _l("Email addresses"),
        description=_l("Whole addresses, to remove particular signatures."),
        render_kw={"rows": 2, "spellcheck": "false"},
    )
    name_pattern = TextLineField(
        _l("Names like"), description=_l("* stands for any letters, ? for one: *test*"), validators=[Length(max=100)]
    )
    postcode_prefixes = TextLineField(
        _l("Postcodes starting"),
        description=_l(
            "Separated by commas: areas, districts, sectors or whole postcodes, like LS, YO1, YO1 7 "
            "(YO1 does not include YO10)."
        ),
    )
    since = LocalDateTimeField(_l("Signed from (optional)"))
    until = LocalDateTimeField(_l("Signed before (optional)"))
    reason = TextBlockField(
        _l("Reason"),
        description=_l("Recorded with the invalidation and shown in the audit log."),
        validators=[Length(max=500, message=_l("Keep the reason to 500 characters or fewer"))],
        render_kw={"rows": 2},
    )
    action = HiddenField(default="preview")
    previewed = HiddenField()


class DomainRuleForm(FlaskForm):
    domain = TextLineField(
        _l("Email domain"), validators=[InputRequired(_l("Enter a domain, like example.org")), Length(max=253)]
    )
    rule = RadioField(
        _l("Rule"),
        choices=[
            SelectChoice("block", _l("Block: hold back signatures from it")),
            SelectChoice("allow", _l("Allow: exempt from the domain limit")),
        ],
        default="block",
        validate_choice=False,
        validators=[AnyOf(["block", "allow"], message=_l("Choose block or allow"))],
    )
    note = TextLineField(_l("Note (optional)"), validators=[Length(max=200)])


class BlockedAddressForm(FlaskForm):
    address = TextLineField(
        _l("Email address"), validators=[InputRequired(_l("Enter an email address")), Length(max=254)]
    )
    note = TextLineField(_l("Note (optional)"), validators=[Length(max=200)])
