"""Console form for the widget's settings."""

from __future__ import annotations

from flask_wtf import FlaskForm

from campaign.forms import TextBlockField
from campaign.i18n import lazy_gettext as _l
from campaign.signing.forms import SignForm


class EmbeddingForm(FlaskForm):
    embed_origins = TextBlockField(
        _l("Sites allowed to show the widget (optional)"),
        description=_l(
            "One address a line, such as https://example.org or https://*.example.org. "
            "Leave empty to let any site show it."
        ),
        render_kw={"rows": 5, "spellcheck": "false"},
    )


class EmbeddedSignForm(SignForm):
    """The sign form inside the widget: no session, so no session-based CSRF token (see service.py)."""

    class Meta:
        csrf = False
