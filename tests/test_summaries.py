"""Summaries checked against figures worked out by hand, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.accounts.models import Organiser
from campaign.areas.lookup import ELSEWHERE, NO_POSTCODE, OUTSIDE_UK
from campaign.areas.service import lookup_for, parse_mapping_csv, replace_mapping
from campaign.consultations.definition import SCHEMA, parse_definition
from campaign.consultations.models import Consultation
from campaign.consultations.service import definition_of
from campaign.extensions import db
from campaign.petitions.models import Petition
from campaign.summaries.consultations import summarise_consultation
from campaign.summaries.crosstab import BY_AREA, crosstab
from campaign.summaries.petitions import DateRange, summarise_petition
from campaign.summaries.suppression import hidden_cells, hidden_table_cells
from tests.consultation_helpers import make_consultation
from tests.helpers import make_organiser, make_petition, sign_in, text_of
from tests.summary_helpers import add_response, add_signature

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
def organiser_id(app: Flask) -> int:
    organiser_id = make_organiser(app)
    with app.app_context():
        organiser = db.session.get_one(Organiser, organiser_id)
        replace_mapping(organiser, parse_mapping_csv("YO1,York\nHG,Harrogate\n"))
    return organiser_id


def test_petition_figures(app: Flask, organiser_id: int) -> None:
    petition_id = make_petition(app, organiser_id, state="open", target=100)
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time): a local day, not a UTC one.
    for _ in range(10):
        add_signature(app, petition_id, confirmed_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC), postcode="YO1 7HH")
    add_signature(app, petition_id, confirmed_at=datetime(2026, 7, 2, 9, 0, tzinfo=UTC), postcode="HG2 8AA")
    add_signature(app, petition_id, confirmed_at=datetime(2026, 7, 2, 9, 30, tzinfo=UTC), postcode="YO10 5DD")
    add_signature(app, petition_id, confirmed_at=datetime(2026, 7, 3, 9, 0, tzinfo=UTC), country="FR")
    add_signature(app, petition_id, state="pending")
    with app.test_request_context():
        petition = db.session.get_one(Petition, petition_id)
        summary = summarise_petition(petition, DateRange(), LONDON, NOW)
        assert (summary.confirmed, summary.confirmed_all_time, summary.pending) == (13, 13, 1)
        days = dict(summary.daily)
        assert days[date(2026, 7, 1)] == 10 and date(2026, 6, 30) not in days
        assert days[date(2026, 7, 2)] == 2 and days[date(2026, 7, 3)] == 1 and days[date(2026, 7, 4)] == 0
        assert summary.daily[-1][0] == date(2026, 11, 21)
        assert summary.by_area == [("Harrogate", 1), ("York", 10), (ELSEWHERE, 1), (OUTSIDE_UK, 1)]
        milestones = {m.threshold: m.reached_in_hour for m in summary.milestones}
        assert milestones == {10: datetime(2026, 6, 30, 23, tzinfo=UTC), 100: None}
        assert len(summary.hourly) == 72 and sum(count for _, count in summary.hourly) == 0

        july_2 = summarise_petition(petition, DateRange(date(2026, 7, 2), date(2026, 7, 2)), LONDON, NOW)
        assert (july_2.confirmed, july_2.confirmed_all_time) == (2, 13)
        assert july_2.by_area == [("Harrogate", 1), (ELSEWHERE, 1)]
        assert [day for day, _ in july_2.daily] == [date(2026, 7, 2)]


def test_the_summary_page_filters_dates_and_refuses_bad_ones(
    app: Flask, client: FlaskClient, organiser_id: int
) -> None:
    petition_id = make_petition(app, organiser_id, state="open")
    add_signature(app, petition_id, postcode="YO1 7HH")
    sign_in(client)
    page = client.get(f"/console/petitions/{petition_id}/summary")
    assert page.status_code == 200
    text = text_of(page)
    assert "1 confirmed signatures" in text and "York" in text and "Download signatures (CSV)" in text
    assert page.get_data(as_text=True).count("<svg") >= 4
    bad = client.get(f"/console/petitions/{petition_id}/summary?start=2026-13-01&end=yesterday")
    assert bad.status_code == 200 and "Enter a real date" in text_of(bad)
    reversed_range = client.get(f"/console/petitions/{petition_id}/summary?start=2026-07-02&end=2026-07-01")
    assert "The end date must be on or after the start date" in text_of(reversed_range)
    assert client.get(f"/console/petitions/{petition_id}/signatures.csv?start=nonsense").status_code == 400


def all_types() -> dict[str, Any]:
    options = [{"code": c, "label": c.title()} for c in ("red", "blue", "green")]
    return {"schema": SCHEMA, "sections": [{"key": "s", "title": "All", "questions": [
        {"key": "colour", "type": "single_choice", "label": "Colour?", "options": options, "other": True},
        {"key": "channels", "type": "multiple_choice", "label": "Channels?",
         "options": [{"code": c, "label": c.upper()} for c in "abc"]},
        {"key": "agree", "type": "likert", "label": "Agree?"},
        {"key": "grid", "type": "matrix", "label": "Grid?", "statements": [{"code": "x", "label": "X"},
                                                                        {"code": "y", "label": "Y"}]},
        {"key": "rank", "type": "ranking", "label": "Rank?", "top": 2,
         "options": [{"code": c, "label": c.upper()} for c in "pqr"]},
        {"key": "years", "type": "number", "label": "Years?", "minimum": 0, "maximum": 100},
        {"key": "follow", "type": "yes_no", "label": "Follow?"},
        {"key": "why", "type": "long_text", "label": "Why?",
         "condition": {"question": "follow", "operator": "equals", "values": ["yes"]}},
        {"key": "where", "type": "postcode", "label": "Postcode?"},
    ]}]}  # fmt: skip


RESPONSES: list[dict[str, Any]] = [
    {"colour": "red", "channels": ["a", "b"], "agree": 5, "grid": {"x": 4, "y": 2}, "rank": ["p", "q"], "years": 10,
     "follow": "yes", "why": "Road closures were posted fast", "where": "YO1 7HH"},
    {"colour": "red", "channels": ["a"], "agree": 4, "grid": {"x": 4, "y": 1}, "rank": ["q", "p"], "years": 20,
     "follow": "yes", "why": "The road closure updates", "where": "YO1 8AB"},
    {"colour": "blue", "channels": ["c"], "agree": 2, "grid": {"x": 5, "y": 3}, "rank": ["p", "r"], "years": 30,
     "follow": "no", "where": "HG1 2AA"},
    {"colour": "other", "channels": ["a", "b"], "agree": 4, "grid": {"x": 3, "y": 2}, "rank": ["p", "q"], "years": 40,
     "follow": "no"},
    {"colour": "red", "agree": 1, "grid": {"x": 1, "y": 1}, "rank": ["r", "p"], "follow": "yes"},
    {"colour": "blue", "channels": ["b"], "agree": 3, "grid": {"x": 2, "y": 5}, "rank": ["q", "r"], "years": 50,
     "follow": "no", "where": "LS1 4AP"},
]  # fmt: skip


@pytest.fixture
def consultation_id(app: Flask, organiser_id: int) -> int:
    consultation_id = make_consultation(app, organiser_id, definition=all_types())
    for n, answers in enumerate(RESPONSES):
        add_response(app, consultation_id, answers, other={"colour": "Purple"} if n == 3 else None)
    return consultation_id


def summarise(app: Flask, consultation_id: int) -> Any:
    with app.test_request_context():
        consultation = db.session.get_one(Consultation, consultation_id)
        return summarise_consultation(consultation_id, definition_of(consultation), lookup_for(1))


def test_consultation_figures_for_every_type(app: Flask, consultation_id: int) -> None:
    summary = summarise(app, consultation_id)
    assert summary.total == 6 and summary.consent == {"none": 6}
    colour = summary.question("colour")
    assert [(c.code, c.count) for c in colour.counts] == [("red", 3), ("blue", 2), ("green", 0), ("other", 1)]
    assert colour.counts[0].share == 0.5 and colour.other_answers == 1
    channels = summary.question("channels")
    assert (channels.asked, channels.answered, channels.not_answered) == (6, 5, 1)
    assert [(c.code, c.count) for c in channels.counts] == [("a", 3), ("b", 3), ("c", 1)]
    agree = summary.question("agree")
    assert agree.mean == pytest.approx(19 / 6) and agree.median == 3.5
    assert [c.count for c in agree.counts] == [1, 1, 1, 2, 1]
    grid = summary.question("grid")
    assert [(row.code, row.counts, row.answered) for row in grid.matrix] == [
        ("x", (1, 1, 1, 2, 1), 6), ("y", (2, 2, 1, 0, 1), 6)]  # fmt: skip
    assert grid.matrix[0].mean == pytest.approx(19 / 6)
    rank = summary.question("rank")
    assert [(row.code, round(row.score, 3), row.first, row.ranked) for row in rank.ranking] == [
        ("p", 1.333, 3, 5), ("q", 1.0, 2, 4), ("r", 0.667, 1, 3)]  # fmt: skip
    years = summary.question("years")
    assert (years.mean, years.median, years.minimum, years.maximum, years.answered) == (30, 30, 10, 50, 5)
    assert sum(count for _, _, count in years.histogram) == 5
    assert years.histogram[0][:2] == (10, 15) and years.histogram[-1][:2] == (50, 55), "round edges"
    why = summary.question("why")
    assert (why.asked, why.answered, why.not_answered) == (3, 2, 1), "asked only when they follow; one left it empty"
    assert any("road closure" in theme.label for theme in why.themes)
    where = summary.question("where")
    assert [(c.label, c.count) for c in where.counts] == [("Harrogate", 1), ("York", 2), (ELSEWHERE, 1)]
    assert summary.by_area == [("Harrogate", 1), ("York", 2), (ELSEWHERE, 1), (NO_POSTCODE, 2)]


def test_crosstabs_by_question_and_by_area(app: Flask, consultation_id: int) -> None:
    with app.test_request_context():
        definition = definition_of(db.session.get_one(Consultation, consultation_id))
        by_follow = crosstab(consultation_id, definition, lookup_for(1), "colour", "follow")
        assert by_follow.column_labels == ["Yes", "No"]
        assert by_follow.cells == [[3, 0], [0, 2], [0, 0], [0, 1]]
        assert (by_follow.row_totals, by_follow.column_totals, by_follow.total) == ([3, 2, 0, 1], [3, 3], 6)
        by_area = crosstab(consultation_id, definition, lookup_for(1), "colour", BY_AREA)
        assert by_area.column_labels == ["Harrogate", "York", ELSEWHERE, NO_POSTCODE]
        assert by_area.cells == [[0, 2, 0, 1], [1, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 1]]
        multiple = crosstab(consultation_id, definition, lookup_for(1), "channels", "follow")
        assert multiple.several_per_person and multiple.cells == [[2, 1], [1, 2], [0, 1]]
        with pytest.raises(KeyError):
            crosstab(consultation_id, definition, lookup_for(1), "why", BY_AREA)


def test_the_consultation_summary_page(app: Flask, client: FlaskClient, consultation_id: int) -> None:
    sign_in(client)
    page = client.get(f"/console/consultations/{consultation_id}/summary?crosstab=colour&by=follow")
    assert page.status_code == 200
    text = text_of(page)
    assert "6 submitted responses" in text
    assert "2 answered (67% of the 3 asked); 1 left it empty; 3 not asked (a condition hid it)" in text
    assert "Rank score" in text and "Lowest" in text and "Highest" in text
    assert "Colour?, by Follow? (6 people" in text
    bad = client.get(f"/console/consultations/{consultation_id}/summary?crosstab=nonsense&by=area")
    assert bad.status_code == 200 and "Choose two different choice questions" in text_of(bad)


def test_another_organisations_summaries_are_out_of_reach(app: Flask, consultation_id: int) -> None:
    make_organiser(app, "other@example.org", organisation="Other Group")
    other = app.test_client()
    sign_in(other, "other@example.org")
    assert other.get(f"/console/consultations/{consultation_id}/summary").status_code == 404
    assert other.get(f"/console/consultations/{consultation_id}/responses/csv").status_code == 404


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [([10, 3, 20], {1, 0}), ([10, 0, 20], set()), ([3, 4, 20], {0, 1}), ([2, 0, 0], {0}), ([7, 8], set()),
     ([1], {0})],
)  # fmt: skip
def test_small_counts_are_hidden_with_one_more_when_a_total_would_give_them_away(
    counts: list[int], hidden: set[int]
) -> None:
    assert hidden_cells(counts) == hidden


def test_cross_tabulations_hide_enough_cells_in_every_row_and_column() -> None:
    table = [[10, 3, 20], [12, 15, 9], [30, 40, 50]]
    hidden = hidden_table_cells(table)
    assert (0, 1) in hidden
    for r in range(3):
        assert len([c for c in range(3) if (r, c) in hidden]) != 1
    for c in range(3):
        assert len([r for r in range(3) if (r, c) in hidden]) != 1


def test_the_fast_check_of_what_was_asked_agrees_with_the_pages_shown() -> None:
    from campaign.consultations.answers import visible_questions
    from campaign.summaries.consultations import _asked_plan, asked_keys

    document = all_types()
    document["sections"].append({"key": "more", "title": "More", "condition": {
        "question": "channels", "operator": "includes", "values": ["a"]}, "questions": [
        {"key": "detail", "type": "short_text", "label": "Detail?",
         "condition": {"question": "colour", "operator": "not_includes", "values": ["red"]}}]})  # fmt: skip
    definition = parse_definition(document)
    plan = _asked_plan(definition)
    for answers in [*RESPONSES, {}, {"channels": ["a"], "colour": "blue"}, {"channels": ["a"], "colour": "red"},
                    {"channels": ["b"]}, {"follow": "yes", "channels": ["a", "c"]}]:  # fmt: skip
        expected = {question.key for _, question in visible_questions(definition, answers)}
        assert asked_keys(plan, answers) == expected, answers
