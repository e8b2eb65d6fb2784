"""Briefings: aggregates with small numbers hidden, chosen quotes, revocable links, PDF; never personal data."""

from __future__ import annotations

import contextlib
import os
import re
import zlib
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from campaign.briefings.models import Briefing
from campaign.db import utcnow
from campaign.extensions import db
from campaign.summaries.quotes import is_further_redaction
from tests.briefing_helpers import PERSONAL, make_briefing
from tests.helpers import csrf_token, make_organiser, make_petition, submit, text_of


def feature_quote(client: FlaskClient, consultation_id: int, attribution: str, text: str | None = None) -> None:
    url = f"/console/consultations/{consultation_id}/quotes/why"
    page = client.get(url).get_data(as_text=True)
    card = next(part for part in page.split('<li class="quote-card') if attribution in part)
    response_id = re.search(r'name="response" value="(\d+)"', card).group(1)  # type: ignore[union-attr]
    current = re.search(r"<textarea[^>]*>([^<]*)</textarea>", card).group(1)  # type: ignore[union-attr]
    response = client.post(url, data={"csrf_token": csrf_token(page), "response": response_id, "featured": "yes",
                                      "text": text if text is not None else current, "action": "save"})  # fmt: skip
    assert response.status_code == 302, text_of(response)


def test_a_briefing_shows_aggregates_with_small_numbers_hidden_and_nothing_personal(
    app: Flask, client: FlaskClient, briefing_parts: dict[str, int]
) -> None:
    feature_quote(client, briefing_parts["consultation"], "Nadia Named")
    _, link = make_briefing(client, briefing_parts)
    reader = app.test_client()
    response = reader.get(link)
    assert response.status_code == 200
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow" and response.headers.getlist("Referrer-Policy") == [
        "no-referrer"
    ]
    assert "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    text = text_of(response)
    assert "Briefing for PFCC candidates" in text and "Read this first" in text
    assert "24 verified signatures" in text
    petition_part = html.split('id="consultation-')[0]
    row = r'<th scope="row">(York|Scarborough|Harrogate)</th><td class="numeric">([^<]+)</td>'
    area_rows = re.findall(row, petition_part)
    assert dict(area_rows) == {"York": "12", "Scarborough": "withheld", "Harrogate": "fewer than 5"}, (
        "Harrogate has 3; Scarborough's 9 is hidden too, or the total would give Harrogate away"
    )
    assert "Call [phone number removed] about road closures." in text and "Nadia Named" in text
    assert "Road closures, plainly." not in text, "not chosen for briefings"
    assert "Lowest" not in text and "97" not in re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    assert "How these figures were made" in text and "figures were hidden for this reason" in text
    for secret in PERSONAL:
        assert secret not in html, secret


def test_links_can_be_revoked_replaced_and_expire(
    app: Flask, client: FlaskClient, briefing_parts: dict[str, int]
) -> None:
    briefing_id, link = make_briefing(client, briefing_parts)
    reader = app.test_client()
    assert reader.get(link).status_code == 200
    detail = f"/console/briefings/{briefing_id}"
    client.post(f"{detail}/revoke", data={"csrf_token": csrf_token(client.get(detail).data)})
    assert reader.get(link).status_code == 404
    assert reader.get(link + "/briefing.pdf").status_code == 404
    submit(client, f"{detail}/share", {"expires_at": ""}, form_url=detail)
    fresh = re.search(r'value="https?://[^/"]+(/briefings/[^"]+)"', client.get(detail).get_data(as_text=True))
    assert fresh and fresh.group(1) != link
    assert reader.get(link).status_code == 404 and reader.get(fresh.group(1)).status_code == 200
    with app.app_context():
        db.session.execute(update(Briefing).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert reader.get(fresh.group(1)).status_code == 410
    past = submit(client, f"{detail}/share", {"expires_at": "2020-01-01T10:00"}, form_url=detail)
    assert "The expiry must be in the future" in text_of(past)
    assert reader.get(link.replace("/briefings/", "/briefings/x")).status_code == 404


def _names_font(pdf: bytes, name: bytes) -> bool:
    """Whether the PDF's font objects (usually in compressed object streams) name this font."""
    streams = re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S)
    for stream in streams:
        with contextlib.suppress(zlib.error):
            if name in zlib.decompress(stream):
                return True
    return name in pdf


def test_the_briefing_as_a_pdf(app: Flask, client: FlaskClient, briefing_parts: dict[str, int]) -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"WeasyPrint cannot run here ({error}); install Pango to make PDFs")
    briefing_id, link = make_briefing(client, briefing_parts)
    response = app.test_client().get(link + "/briefing.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and len(response.data) > 5000
    assert _names_font(response.data, b"Atkinson-Hyperlegible"), "the PDF is set in the site's own font, embedded"
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get(f"/console/briefings/{briefing_id}/briefing.pdf").data.startswith(b"%PDF")


def test_only_the_organisations_own_work_goes_in(
    app: Flask, client: FlaskClient, briefing_parts: dict[str, int]
) -> None:
    other_id = make_organiser(app, "other@example.org", organisation="Other Group")
    foreign = make_petition(app, other_id, state="open", slug="foreign")
    page = client.get("/console/briefings/new")
    response = client.post("/console/briefings/new", data={"csrf_token": csrf_token(page.data), "title": "T",
                                                           "audience": "A", "petitions": str(foreign)})  # fmt: skip
    assert response.status_code == 200 and "Choose from your organisation's" in text_of(response)
    response = client.post("/console/briefings/new", data={"csrf_token": csrf_token(page.data), "title": "T",
                                                           "audience": "A"})  # fmt: skip
    assert "Choose at least one petition or consultation" in text_of(response)


@pytest.mark.parametrize(
    ("edited", "allowed"),
    [("Call [phone number removed] about road closures.", True), ("Call […] about road closures.", True),
     ("[…] road closures.", True), ("Call […] about […]", True), ("Call the mayor about road closures.", False),
     ("Call [phone number removed] about road closures and bins.", False), ("[…] potholes […]", False),
     ("  Call [phone number removed] about road closures.  ", True)],
)  # fmt: skip
def test_organisers_can_only_remove_words_from_quotes(edited: str, allowed: bool) -> None:
    assert is_further_redaction("Call [phone number removed] about road closures.", edited) is allowed


def test_quote_edits_are_checked_and_lapse_when_the_answer_changes(
    app: Flask, client: FlaskClient, briefing_parts: dict[str, int]
) -> None:
    consultation_id = briefing_parts["consultation"]
    url = f"/console/consultations/{consultation_id}/quotes/why"
    page = client.get(url)
    assert "Quiet Respondent" not in text_of(page), "people who did not agree are never listed"
    response_id = re.findall(r'name="response" value="(\d+)"', page.get_data(as_text=True))[0]
    refused = client.post(url, data={"csrf_token": csrf_token(page.data), "response": response_id, "featured": "yes",
                                     "text": "Call the council about road closures."})  # fmt: skip
    assert refused.status_code == 200 and "You can only remove words" in text_of(refused)
    feature_quote(client, consultation_id, "Nadia Named", "Call […] about road closures.")
    assert "you removed words" in text_of(client.get(url)) and "· in briefings" in text_of(client.get(url))
    from campaign.consultations.models import ConsultationResponse

    with app.app_context():
        document = '{"answers": {"agree": "no", "why": "Something else entirely."}, "other": {}}'
        db.session.execute(update(ConsultationResponse).where(ConsultationResponse.id == int(response_id))
                           .values(answers=document, working=document))  # fmt: skip
        db.session.commit()
    text = text_of(client.get(url))
    assert "Something else entirely." in text and "· in briefings" not in text, "an edit about old words lapses"
