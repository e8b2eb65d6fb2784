"""Sign in, sign out and change password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from campaign.accounts import service
from campaign.accounts.forms import ChangePasswordForm, LoginForm
from campaign.console import current_organiser, make_console_blueprint
from campaign.errors import ValidationFailed
from campaign.extensions import limiter
from campaign.forms import apply_errors
from campaign.security import public

bp = Blueprint("accounts", __name__)
console_bp = make_console_blueprint("account", __name__, "/console/account")


def _login_limit_per_ip() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT_PER_IP"])


def safe_next_url(target: str | None) -> str:
    """Only ever redirect to a path on this site after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("console.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit_per_ip, methods=["POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("console.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            organiser = service.authenticate(form.email.data or "", form.password.data or "")
        except service.SignInLocked as error:
            form.form_errors.append(error.message)
            return render_template("accounts/login.html", form=form), 429
        if organiser is None:
            form.email.errors = ["Incorrect email address or password"]
        else:
            organiser = service.start_session(organiser.id, form.password.data or "")
            # A fresh session on sign-in: nothing set before (by anyone) carries over.
            session.clear()
            login_user(organiser)
            return redirect(safe_next_url(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@public
def logout() -> Response:
    if current_user.is_authenticated:
        service.end_session(current_user.get_id())
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("petitions.index"))


@console_bp.route("/password", methods=["GET", "POST"])
def change_password() -> str | Response | tuple[str, int]:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            organiser = service.change_password(
                current_organiser().id, form.current_password.data or "", form.new_password.data or ""
            )
        except ValidationFailed as error:
            apply_errors(form, error)
        except service.SignInLocked as error:
            form.form_errors.append(error.message)
            return render_template("console/account/password.html", form=form), 429
        else:
            session.clear()
            login_user(organiser)
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("console.dashboard"))
    return render_template("console/account/password.html", form=form)
