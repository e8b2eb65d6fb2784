"""The sign form's target, the "check your email" page and the confirmation link."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, unquote

from flask import Blueprint, current_app, make_response, redirect, render_template, request, session, url_for
from flask_wtf.csrf import validate_csrf
from werkzeug.wrappers import Response
from wtforms import ValidationError

from campaign.consultations.service import open_consultation_for_petition
from campaign.db import utcnow
from campaign.errors import ValidationFailed
from campaign.extensions import csrf, limiter
from campaign.forms import ConfirmForm, apply_errors
from campaign.net import client_address
from campaign.petitions.service import PetitionGone, get_public_petition
from campaign.petitions.views import render_petition_page
from campaign.security import public
from campaign.signing import confirming, counts, service
from campaign.signing.forms import SignForm
from campaign.tokens import TokenExpired, TokenInvalid
from campaign.urls import absolute_url, share_links
from campaign.verified import remember_identity, verified_identity

bp = Blueprint("signing", __name__)

SIGNED_EMAIL_COOKIE = "signed_email"


def _sign_limit() -> str:
    return str(current_app.config["SIGN_RATE_LIMIT"])


@bp.route("/petitions/<slug:slug>/sign", methods=["POST"])
@public
@limiter.limit(_sign_limit)
def sign(slug: str) -> str | Response | tuple[str, int]:
    now = utcnow()
    # The common case (a valid signature) needs no form object; one is built only to show problems.
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return _show_problems(slug, now, {})
    if request.form.get("website", "").strip():
        # A bot filled the hidden field: it sees exactly what a person would; nothing is stored.
        return _to_check_email(slug)
    identity = verified_identity(now)
    try:
        outcome = service.sign_petition(
            slug, service.SignatureRequest.from_form(request.form), verified_email=identity.email if identity else None,
            now=now, client_ip=client_address(),
        )  # fmt: skip
    except ValidationFailed as error:
        return _show_problems(slug, now, error.errors)
    except service.SigningClosed as error:
        return _show_problems(slug, now, {"": error.message})
    if outcome in {service.SignOutcome.CONFIRMED, service.SignOutcome.ALREADY_CONFIRMED}:
        signed = set(session.get("signed", []))
        session["signed"] = sorted(signed | {slug})
        return redirect(url_for(".signed", slug=slug))
    return _to_check_email(slug)


def _to_check_email(slug: str) -> Response:
    check_page = url_for(".check_email", slug=slug)
    response = redirect(check_page)
    # Only the "check your email" page reads this, for a few minutes, to show the address typed:
    # cheaper than rewriting the whole session on every signature.
    response.set_cookie(
        SIGNED_EMAIL_COOKIE, quote(request.form.get("email", "").strip()[:254]), max_age=600, path=check_page,
        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
    )  # fmt: skip
    return response


def _show_problems(slug: str, now: datetime, problems: dict[str, str]) -> tuple[str, int]:
    """The petition page again, with what was typed and every problem with it."""
    form = SignForm()
    form.validate()  # the form's own checks (lengths, the CSRF token)
    _, more = service.check_signature_request(service.SignatureRequest.from_form(request.form))
    apply_errors(form, {**more, **problems}, only_new=True)
    return render_petition_page(get_public_petition(slug, now), now, sign_form=form), 200


# The sign form checks its own CSRF token, so an expired one keeps what the person typed
# and asks them to send it again, instead of a bare error page.
csrf.exempt(sign)


@bp.route("/petitions/<slug:slug>/check-email")
@public
def check_email(slug: str) -> Response:
    petition = get_public_petition(slug, utcnow())
    email = unquote(request.cookies.get(SIGNED_EMAIL_COOKIE, ""))[:254] or None
    response = make_response(render_template("signing/check_email.html", petition=petition, email=email))
    response.headers["Cache-Control"] = "private, no-store"  # it shows the address typed
    return response


@bp.route("/petitions/<slug:slug>/signed")
@public
def signed(slug: str) -> str | Response:
    """Thanks, for someone whose signature counted at once (their mailbox was proved a moment ago)."""
    now = utcnow()
    petition = get_public_petition(slug, now)
    if slug not in session.get("signed", []):
        return redirect(url_for("petitions.show", slug=slug))
    url = absolute_url("petitions.show", slug=petition.slug)
    return render_template(
        "signing/signed.html",
        petition=petition,
        count=counts.exact_count(petition.id),
        share_links=share_links(url, petition.title, petition.summary),
        canonical_url=url,
        consultation=open_consultation_for_petition(petition.id, now),
    )


def _confirm_limit() -> str:
    return str(current_app.config["CONFIRM_RATE_LIMIT"])


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_confirm_limit, methods=["POST"])
def confirm(token: str) -> str | Response | tuple[str, int]:
    """GET shows a button and changes nothing; only the POST it sends confirms."""
    form = ConfirmForm()
    try:
        if form.validate_on_submit():
            confirming.confirm_signature(token)
            remember_identity(confirming.signer_identity(token, utcnow()))
            return redirect(url_for(".confirm", token=token))
        confirmation = confirming.describe_confirmation(token)
    except TokenExpired:
        petition = confirming.petition_for_expired_link(token)
        return render_template("signing/link_expired.html", petition=petition), 410
    except TokenInvalid as error:
        return render_template("signing/link_invalid.html", message=error.message), 404
    except (service.ConfirmationClosed, service.HouseholdFull, service.SignatureRemoved, PetitionGone) as error:
        return render_template("signing/link_invalid.html", message=error.message, title=error.title), 409
    petition = confirmation.petition
    url = absolute_url("petitions.show", slug=petition.slug)
    return render_template(
        "signing/confirm.html",
        confirmation=confirmation,
        petition=petition,
        form=form,
        count=counts.exact_count(petition.id) if confirmation.confirmed else None,
        share_links=share_links(url, petition.title, petition.summary) if confirmation.confirmed else [],
        canonical_url=url,
        consultation=open_consultation_for_petition(petition.id, utcnow()) if confirmation.confirmed else None,
    )
