"""The sign form's target, the "check your email" page and the confirmation link."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from werkzeug.wrappers import Response

from campaign.db import utcnow
from campaign.errors import ValidationFailed
from campaign.extensions import csrf, limiter
from campaign.forms import ConfirmForm, apply_errors
from campaign.petitions.service import get_public_petition
from campaign.petitions.views import render_petition_page
from campaign.security import public
from campaign.signing import counts, service
from campaign.signing.forms import SignForm
from campaign.tokens import TokenExpired, TokenInvalid
from campaign.urls import absolute_url, share_links

bp = Blueprint("signing", __name__)


def _sign_limit() -> str:
    return str(current_app.config["SIGN_RATE_LIMIT"])


@bp.route("/petitions/<slug:slug>/sign", methods=["POST"])
@public
@limiter.limit(_sign_limit)
def sign(slug: str) -> str | Response | tuple[str, int]:
    now = utcnow()
    petition = get_public_petition(slug, now)
    form = SignForm()
    if form.validate_on_submit():
        if form.is_bot:
            # Treated exactly like a real signature from the outside; nothing is stored.
            return redirect(url_for(".check_email", slug=slug))
        try:
            service.sign_petition(slug, form.to_request(), now=now)
        except ValidationFailed as error:
            apply_errors(form, error)
        except service.SigningClosed as error:
            form.form_errors.append(error.message)
        else:
            session["signed_email"] = (form.email.data or "").strip()[:254]
            return redirect(url_for(".check_email", slug=slug))
    else:
        _, problems = service.check_signature_request(form.to_request())
        apply_errors(form, problems, only_new=True)
    return render_petition_page(petition, now, sign_form=form), 200


# The sign form checks its own CSRF token, so an expired one keeps what the person typed
# and asks them to send it again, instead of a bare error page.
csrf.exempt(sign)


@bp.route("/petitions/<slug:slug>/check-email")
@public
def check_email(slug: str) -> str:
    petition = get_public_petition(slug, utcnow())
    return render_template("signing/check_email.html", petition=petition, email=session.get("signed_email"))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@public
def confirm(token: str) -> str | Response | tuple[str, int]:
    """GET shows a button and changes nothing; only the POST it sends confirms."""
    form = ConfirmForm()
    try:
        if form.validate_on_submit():
            service.confirm_signature(token)
            return redirect(url_for(".confirm", token=token))
        confirmation = service.describe_confirmation(token)
    except TokenExpired:
        petition = service.petition_for_expired_link(token)
        return render_template("signing/link_expired.html", petition=petition), 410
    except TokenInvalid as error:
        return render_template("signing/link_invalid.html", message=error.message), 404
    except service.ConfirmationClosed as error:
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
    )
