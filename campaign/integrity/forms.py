"""Console forms: invalidation criteria, and the email blocklists."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; stubs lag
from wtforms.validators import AnyOf, InputRequired, Length

from campaign.forms import LocalDateTimeField, TextBlockField, TextLineField


class InvalidationForm(FlaskForm):
    addresses = TextBlockField(
        "IP addresses or ranges",
        description="One or more, like 203.0.113.7 or 203.0.113.0/24 (only whole addresses and /24 blocks are kept).",
        render_kw={"rows": 2, "spellcheck": "false"},
    )
    address_hashes = HiddenField()
    domains = TextBlockField("Email domains", description="Like example.org (covers its subdomains too).",
                             render_kw={"rows": 2, "spellcheck": "false"})  # fmt: skip
    emails = TextBlockField("Email addresses", description="Whole addresses, to remove particular signatures.",
                            render_kw={"rows": 2, "spellcheck": "false"})  # fmt: skip
    name_pattern = TextLineField("Names like", description="* stands for any letters, ? for one: *test*",
                                 validators=[Length(max=100)])  # fmt: skip
    postcode_prefixes = TextLineField(
        "Postcodes starting",
        description="Separated by commas: areas, districts, sectors or whole postcodes, like LS, YO1, YO1 7 "
        "(YO1 does not include YO10).",
    )
    since = LocalDateTimeField("Signed from (optional)")
    until = LocalDateTimeField("Signed before (optional)")
    reason = TextBlockField(
        "Reason", description="Recorded with the invalidation and shown in the audit log.",
        validators=[Length(max=500, message="Keep the reason to 500 characters or fewer")],
        render_kw={"rows": 2},
    )  # fmt: skip
    action = HiddenField(default="preview")
    previewed = HiddenField()


class DomainRuleForm(FlaskForm):
    domain = TextLineField("Email domain", validators=[InputRequired("Enter a domain, like example.org"),
                                                       Length(max=253)])  # fmt: skip
    rule = RadioField(
        "Rule",
        choices=[
            SelectChoice("block", "Block: hold back signatures from it"),
            SelectChoice("allow", "Allow: exempt from the domain limit"),
        ],
        default="block",
        validate_choice=False,
        validators=[AnyOf(["block", "allow"], message="Choose block or allow")],
    )
    note = TextLineField("Note (optional)", validators=[Length(max=200)])


class BlockedAddressForm(FlaskForm):
    address = TextLineField("Email address", validators=[InputRequired("Enter an email address"), Length(max=254)])
    note = TextLineField("Note (optional)", validators=[Length(max=200)])
