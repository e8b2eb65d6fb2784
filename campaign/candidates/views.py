"""Candidates' private response page, and the public record of what each candidate said."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from campaign.candidates import service
from campaign.candidates.forms import StatementForm
from campaign.candidates.models import POSITION_LABELS, Candidate
from campaign.db import utcnow
from campaign.errors import NotFound, ValidationFailed
from campaign.extensions import db, limiter
from campaign.forms import apply_errors
from campaign.i18n import gettext as _
from campaign.petitions.models import Petition
from campaign.petitions.service import get_public_petition
from campaign.security import public
from campaign.tokens import TokenExpired, TokenInvalid

bp = Blueprint("candidates", __name__)


@bp.route("/candidates/respond/<token>", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute")
def respond(token: str) -> str | Response | tuple[str, int]:
    """The candidate's own page: GET shows the form (changing nothing); POST publishes a new version."""
    try:
        candidate = service.candidate_for_link(token)
    except TokenExpired:
        return render_template("signing/link_invalid.html", title=_("This link has expired"),
                               message=_("Ask the organisers to send you a new one.")), 410  # fmt: skip
    except TokenInvalid as error:
        return render_template("signing/link_invalid.html", message=error.message), 404
    petition = db.session.get_one(Petition, candidate.petition_id)
    latest = candidate.latest
    form = StatementForm(data={"position": latest.position, "statement": latest.statement,
                               "pledge": latest.pledge} if latest else None)  # fmt: skip
    if form.validate_on_submit():
        try:
            published = service.publish_statement(
                token, form.position.data or "", form.statement.data or "", form.pledge.data or ""
            )
        except ValidationFailed as error:
            apply_errors(form, error)
        except TokenInvalid as error:
            return render_template("signing/link_invalid.html", message=error.message), 404
        else:
            if published.changed:
                flash(_("Your response is published on the petition's page."), "success")
            else:
                flash(_("Nothing had changed, so your response stays as it was."), "info")
            return redirect(url_for(".respond", token=token))
    return render_template("candidates/respond.html", candidate=candidate, petition=petition, form=form,
                           now=utcnow(), positions=POSITION_LABELS)  # fmt: skip


@bp.route("/petitions/<slug:slug>/candidates/<id:candidate_id>")
@public
def history(slug: str, candidate_id: int) -> str:
    """Every version a candidate published, newest first: edits are never hidden."""
    petition = get_public_petition(slug, utcnow())
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None or candidate.petition_id != petition.id or candidate.removed_at is not None:
        raise NotFound(_("There is no such candidate on this petition."))
    if not candidate.statements:
        raise NotFound(_("%(name)s has not responded yet.", name=candidate.name))
    return render_template("candidates/history.html", candidate=candidate, petition=petition,
                           positions=POSITION_LABELS)  # fmt: skip
