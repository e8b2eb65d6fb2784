"""Sign in (with a code when two-factor sign-in is on), sign out, password and two-factor settings."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from campaign.accounts import service, twofactor
from campaign.accounts.forms import (
    ChangePasswordForm,
    EnableTwoFactorForm,
    LoginForm,
    PasswordConfirmForm,
    SecondFactorForm,
)
from campaign.console import current_organiser, make_console_blueprint
from campaign.errors import ValidationFailed
from campaign.extensions import limiter
from campaign.forms import apply_errors
from campaign.net import client_address
from campaign.security import public
from campaign.tokens import TokenExpired, TokenInvalid

bp = Blueprint("accounts", __name__)
console_bp = make_console_blueprint("account", __name__, "/console/account")

SECOND_STEP = "second_step"


def _login_limit_per_ip() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT_PER_IP"])


def safe_next_url(target: str | None) -> str:
    """Only ever redirect to a path on this site after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("console.dashboard")


def _signed_in(organiser: object) -> Response:
    # A fresh session on sign-in: nothing set before (by anyone) carries over, and the login id
    # in the cookie is new on every sign-in.
    session.clear()
    login_user(organiser)
    return redirect(safe_next_url(request.args.get("next")))


def _private(page: str, status: int = 200) -> Response:
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit_per_ip, methods=["POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("console.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        password = form.password.data or ""
        try:
            organiser = service.authenticate(form.email.data or "", password, address=client_address())
        except service.SignInLocked as error:
            form.form_errors.append(error.message)
            return render_template("accounts/login.html", form=form), 429
        except service.AccountDisabled as error:
            form.form_errors.append(error.message)
            return render_template("accounts/login.html", form=form), 403
        if organiser is None:
            form.email.errors = [_("Incorrect email address or password")]
        elif organiser.has_two_factor:
            token = twofactor.second_step_token(organiser, password)
            session.clear()
            session[SECOND_STEP] = token
            return redirect(url_for(".login_code", next=request.args.get("next")))
        else:
            return _signed_in(service.start_session(organiser.id, password))
    return render_template("accounts/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit_per_ip, methods=["POST"])
def login_code() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("console.dashboard"))
    token = session.get(SECOND_STEP)
    try:
        if not isinstance(token, str):
            raise TokenInvalid("Sign in with your email address and password first.")
        twofactor.check_second_step(token)
    except TokenExpired:
        session.pop(SECOND_STEP, None)
        flash(_("That took too long. Sign in again."), "error")
        return redirect(url_for(".login", next=request.args.get("next")))
    except (TokenInvalid, service.AccountDisabled) as error:
        session.pop(SECOND_STEP, None)
        flash(error.message, "error")
        return redirect(url_for(".login", next=request.args.get("next")))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            organiser = twofactor.complete_sign_in(token, form.code.data or "", address=client_address())
        except service.SignInLocked as error:
            form.form_errors.append(error.message)
            return render_template("accounts/code.html", form=form), 429
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            return _signed_in(organiser)
    return render_template("accounts/code.html", form=form)


@bp.route("/logout", methods=["POST"])
@public
def logout() -> Response:
    if current_user.is_authenticated:
        service.end_session(current_user.get_id())
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
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
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("console.dashboard"))
    return render_template("console/account/password.html", form=form)


def _two_factor_page(form: EnableTwoFactorForm | None = None, status: int = 200) -> Response:
    organiser = current_organiser()
    enrolment = None
    if not organiser.has_two_factor:
        form = form or EnableTwoFactorForm()
        if form.token.data:
            try:
                enrolment = twofactor.enrolment_from_token(organiser, form.token.data)
            except TokenInvalid:
                form.form_errors.append("The set-up took too long. Add this new key to your app instead.")
        enrolment = enrolment or twofactor.new_enrolment(organiser)
        form.token.data = enrolment.token
    page = render_template(
        "console/account/two_factor.html",
        organiser=organiser,
        enrolment=enrolment,
        form=form,
        codes_left=twofactor.recovery_codes_left(organiser.id) if organiser.has_two_factor else 0,
        confirm_form=PasswordConfirmForm(),
    )
    return _private(page, status)


def _recovery_codes_page(codes: list[str]) -> Response:
    return _private(render_template("console/account/recovery_codes.html", codes=codes))


@console_bp.route("/two-factor", methods=["GET", "POST"])
@limiter.limit(_login_limit_per_ip, methods=["POST"])
def two_factor() -> Response:
    form = EnableTwoFactorForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            codes = twofactor.enable(current_organiser().id, form.token.data or "", form.password.data or "",
                                     form.code.data or "")  # fmt: skip
        except ValidationFailed as error:
            apply_errors(form, error)
        except TokenInvalid as error:
            form.form_errors.append(error.message)
        except service.SignInLocked as error:
            form.form_errors.append(error.message)
            return _two_factor_page(form, 429)
        else:
            flash(_("Two-factor sign-in is on. Keep your recovery codes somewhere safe."), "success")
            return _recovery_codes_page(codes)
    return _two_factor_page(form if request.method == "POST" else None)


@console_bp.route("/two-factor/<any('recovery-codes', disable):action>", methods=["POST"])
@limiter.limit(_login_limit_per_ip)
def two_factor_change(action: str) -> Response:
    form = PasswordConfirmForm()
    if form.validate_on_submit():
        try:
            if action == "disable":
                twofactor.disable(current_organiser().id, form.password.data or "")
            else:
                return _recovery_codes_page(
                    twofactor.regenerate_recovery_codes(current_organiser().id, form.password.data or "")
                )
        except ValidationFailed as error:
            flash(error.message, "error")
        except service.SignInLocked as error:
            flash(error.message, "error")
        else:
            flash(_("Two-factor sign-in is off."), "success")
    else:
        flash(_("Enter your password to confirm."), "error")
    return redirect(url_for(".two_factor"))
