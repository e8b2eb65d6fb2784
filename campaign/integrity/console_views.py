"""Organiser console: trending signers, invalidations, and (for admins) the email blocklists."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from campaign.console import current_organiser, make_console_blueprint, require_admin, with_raw_values
from campaign.db import utcnow
from campaign.errors import DomainError, ValidationFailed
from campaign.forms import ConfirmForm, apply_errors
from campaign.integrity import invalidations, service
from campaign.integrity.criteria import Criteria, criteria_fingerprint, parse_criteria
from campaign.integrity.forms import BlockedAddressForm, DomainRuleForm, InvalidationForm
from campaign.integrity.trending import trending
from campaign.petitions.service import get_for_organiser
from campaign.timeutil import from_local

console_bp = make_console_blueprint("integrity_console", __name__, "/console")


@console_bp.route("/petitions/<id:petition_id>/trending")
def trending_view(petition_id: int) -> str:
    petition = get_for_organiser(current_organiser(), petition_id)
    hours = 24 if request.args.get("hours") == "24" else 1
    return render_template(
        "console/integrity/trending.html", petition=petition, trending=trending(petition_id, utcnow(), hours=hours),
        hours=hours, held_back=service.held_back_counts(petition_id),
    )  # fmt: skip


def _criteria_from(form: InvalidationForm) -> Criteria:
    return parse_criteria(
        addresses=form.addresses.data or "",
        address_hashes=[value for value in (form.address_hashes.data or "").split(",") if value],
        domains=form.domains.data or "", emails=form.emails.data or "", name_pattern=form.name_pattern.data or "",
        postcode_prefixes=form.postcode_prefixes.data or "",
        since=from_local(form.since.data) if form.since.data else None,
        until=from_local(form.until.data) if form.until.data else None,
    )  # fmt: skip


@console_bp.route("/petitions/<id:petition_id>/invalidations/new", methods=["GET", "POST"])
def new_invalidation(petition_id: int) -> str | Response:
    petition = get_for_organiser(current_organiser(), petition_id)
    form = InvalidationForm()
    if request.method == "GET":
        # A selection from the trending view arrives in the query string (GET changes nothing).
        form.address_hashes.data = ",".join(request.args.getlist("address")[:200])
        form.domains.data = "\n".join(request.args.getlist("domain")[:200])
        form.postcode_prefixes.data = ", ".join(request.args.getlist("postcode")[:200])
    preview = None
    if form.validate_on_submit():
        try:
            criteria = _criteria_from(form)
            # Apply only what was previewed: criteria changed since then are shown again first.
            previewed = form.previewed.data == criteria_fingerprint(criteria)
            if form.action.data == "apply" and previewed and not request.form.get("look_again"):
                invalidation_id = invalidations.create_invalidation(
                    petition_id, criteria, form.reason.data or "", current_organiser().id
                )
                invalidations.work_on(invalidation_id)
                return redirect(url_for(".invalidation", petition_id=petition_id, invalidation_id=invalidation_id))
            preview = invalidations.preview(petition_id, criteria)
            form.previewed.data = criteria_fingerprint(criteria)
        except ValidationFailed as error:
            apply_errors(form, error)
    form.action.data = "apply" if preview is not None and preview.total else "preview"
    return render_template("console/integrity/new_invalidation.html", petition=petition, form=form, preview=preview)


@console_bp.route("/petitions/<id:petition_id>/invalidations")
def invalidation_list(petition_id: int) -> str:
    petition = get_for_organiser(current_organiser(), petition_id)
    return render_template(
        "console/integrity/invalidations.html", petition=petition,
        invalidations=invalidations.invalidations_of(petition_id), Criteria=Criteria,
    )  # fmt: skip


@console_bp.route("/petitions/<id:petition_id>/invalidations/<id:invalidation_id>", methods=["GET", "POST"])
def invalidation(petition_id: int, invalidation_id: int) -> str | Response:
    petition = get_for_organiser(current_organiser(), petition_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        invalidations.get_invalidation(petition_id, invalidation_id)
        try:
            invalidations.revert_invalidation(invalidation_id, current_organiser().id)
        except DomainError as error:
            flash(error.message, "error")
        else:
            invalidations.work_on(invalidation_id)
        return redirect(url_for(".invalidation", petition_id=petition_id, invalidation_id=invalidation_id))
    record = invalidations.get_invalidation(petition_id, invalidation_id)
    return render_template(
        "console/integrity/invalidation.html", petition=petition, invalidation=record,
        criteria=Criteria.from_json(record.criteria), form=form,
    )  # fmt: skip


@console_bp.route("/blocklists", methods=["GET", "POST"])
def blocklists() -> str | Response:
    require_admin()
    domain_form = DomainRuleForm(prefix="domain")
    address_form = BlockedAddressForm(prefix="address")
    remove_form = ConfirmForm(prefix="remove")
    if request.method == "POST":
        kind = request.form.get("kind")
        try:
            if kind == "domain" and domain_form.validate_on_submit():
                service.set_domain_rule(domain_form.domain.data or "", domain_form.rule.data or "",
                                        domain_form.note.data or "")  # fmt: skip
                flash(
                    with_raw_values(_("Rule saved for %(domain)s."), domain=(domain_form.domain.data or "").lower()),
                    "success",
                )
                return redirect(url_for(".blocklists"))
            if kind == "address" and address_form.validate_on_submit():
                masked = service.block_address(address_form.address.data or "", address_form.note.data or "")
                flash(with_raw_values(_("%(address)s is blocked."), address=masked), "success")
                return redirect(url_for(".blocklists"))
            if kind in {"remove-domain", "remove-address"} and remove_form.validate_on_submit():
                target = request.form.get("target", "")[:253]
                if kind == "remove-domain":
                    service.remove_domain_rule(target)
                else:
                    service.unblock_address(target)
                flash(_("Removed."), "success")
                return redirect(url_for(".blocklists"))
        except ValidationFailed as error:
            apply_errors(domain_form if kind == "domain" else address_form, error)
    return render_template(
        "console/integrity/blocklists.html", lists=service.blocklists(), domain_form=domain_form,
        address_form=address_form, remove_form=remove_form,
    )  # fmt: skip
