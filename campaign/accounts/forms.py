"""Organiser accounts: sign in, sign out, passwords and two-factor sign-in."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from campaign.accounts.passwords import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from campaign.forms import TextLineField


class LoginForm(FlaskForm):
    email = TextLineField(
        "Email address",
        validators=[DataRequired("Enter your email address"), Length(max=254, message="Enter a shorter email address")],
        render_kw={"autocomplete": "username", "type": "email", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password")],
        render_kw={"autocomplete": "current-password"},
    )


def _code_field(label: str, description: str) -> TextLineField:
    return TextLineField(
        label,
        validators=[DataRequired("Enter the code"), Length(max=40, message="Enter the code, without anything else")],
        description=description,
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"},
    )


class SecondFactorForm(FlaskForm):
    code = _code_field(
        "Code",
        "The 6-digit code your authenticator app shows now, or one of your recovery codes.",
    )


def _password_field() -> PasswordField:
    return PasswordField(
        "Your password",
        validators=[DataRequired("Enter your password")],
        render_kw={"autocomplete": "current-password"},
    )


class EnableTwoFactorForm(FlaskForm):
    token = HiddenField()
    code = _code_field("Code from the app", "After adding the account, the app shows a 6-digit code. Enter it here.")
    password = _password_field()


class PasswordConfirmForm(FlaskForm):
    password = _password_field()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password"),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
                message=f"Use between {PASSWORD_MIN_LENGTH} and {PASSWORD_MAX_LENGTH} characters",
            ),
        ],
        description=f"At least {PASSWORD_MIN_LENGTH} characters, and not a commonly used password. "
        "A few unrelated words make a good password.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        "Confirm new password",
        validators=[DataRequired("Confirm your new password"), EqualTo("new_password", "The passwords do not match")],
        render_kw={"autocomplete": "new-password"},
    )
