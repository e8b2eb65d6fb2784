"""Organiser accounts: sign in, sign out, passwords and two-factor sign-in."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from campaign.accounts.passwords import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from campaign.forms import TextLineField


class LoginForm(FlaskForm):
    email = TextLineField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter your email address")),
            Length(max=254, message=_l("Enter a shorter email address")),
        ],
        render_kw={"autocomplete": "username", "type": "email", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password"))],
        render_kw={"autocomplete": "current-password"},
    )


def _code_field(label: LazyString, description: LazyString) -> TextLineField:
    return TextLineField(
        label,
        validators=[
            DataRequired(_l("Enter the code")),
            Length(max=40, message=_l("Enter the code, without anything else")),
        ],
        description=description,
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"},
    )


class SecondFactorForm(FlaskForm):
    code = _code_field(
        _l("Code"),
        _l("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
    )


def _password_field() -> PasswordField:
    return PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password"))],
        render_kw={"autocomplete": "current-password"},
    )


class EnableTwoFactorForm(FlaskForm):
    token = HiddenField()
    code = _code_field(
        _l("Code from the app"), _l("After adding the account, the app shows a 6-digit code. Enter it here.")
    )
    password = _password_field()


class PasswordConfirmForm(FlaskForm):
    password = _password_field()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password"))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Enter a new password")),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
                message=_l(
                    "Use between %(min)s and %(max)s characters", min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH
                ),
            ),
        ],
        description=_l(
            "At least %(min)s characters, and not a commonly used password. "
            "A few unrelated words make a good password.",
            min=PASSWORD_MIN_LENGTH,
        ),
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("Confirm new password"),
        validators=[
            DataRequired(_l("Confirm your new password")),
            EqualTo("new_password", _l("The passwords do not match")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
