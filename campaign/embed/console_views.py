"""Organiser console: which sites may show a petition's widget, and where to get the snippet."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from campaign.console import current_organiser, make_console_blueprint
from campaign.embed import service
from campaign.embed.forms import EmbeddingForm
from campaign.errors import ValidationFailed
from campaign.forms import apply_errors
from campaign.petitions.service import get_for_organiser

console_bp = make_console_blueprint("embed_console", __name__, "/console/petitions")


@console_bp.route("/<id:petition_id>/embedding", methods=["GET", "POST"])
def embedding(petition_id: int) -> str | Response:
    petition = get_for_organiser(current_organiser(), petition_id)
    form = EmbeddingForm(data={"embed_origins": petition.embed_origins})
    if form.validate_on_submit():
        try:
            origins = service.set_embed_origins(current_organiser(), petition_id, form.embed_origins.data or "")
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            flash(_("Only these %(count)s sites can show the widget now.", count=len(origins)) if origins
                  else _("Any site can show the widget now."), "success")  # fmt: skip
            return redirect(url_for(".embedding", petition_id=petition_id))
    return render_template("console/embed/embedding.html", petition=petition, form=form)
