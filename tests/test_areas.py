"""Areas: postcode prefixes, longest match wins, edited in the console or uploaded as CSV."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.areas import service
from campaign.areas.lookup import ELSEWHERE, NO_POSTCODE, OUTSIDE_UK, AreaLookup, InvalidPrefix, normalise_prefix
from campaign.exports.safe import spreadsheet_safe
from tests.helpers import csrf_token, make_organiser, sign_in, submit, text_of


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("yo", "YO"), (" yo1 ", "YO1"), ("YO10", "YO10"), ("yo1   7", "YO1 7"), ("sw1a", "SW1A"), ("SW1A 1", "SW1A 1"),
     ("b", "B"), ("ec1a 1", "EC1A 1")],
)  # fmt: skip
def test_prefixes_are_normalised(raw: str, expected: str) -> None:
    assert normalise_prefix(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [("", "Enter a postcode prefix"), ("YO1 7HH", "is a whole postcode; use its district or sector, such as YO1 7"),
     ("yo17hh", "whole postcode"), ("123", "is not a postcode area"), ("YORK", "is not a postcode area"),
     ("=cmd", "is not a postcode area"), ("YO1 77", "is not a postcode area")],
)  # fmt: skip
def test_bad_prefixes_say_why(raw: str, message: str) -> None:
    with pytest.raises(InvalidPrefix) as raised:
        normalise_prefix(raw)
    assert message in raised.value.message


def test_the_longest_prefix_wins_and_prefixes_are_whole_parts() -> None:
    lookup = AreaLookup({"YO": "North Yorkshire", "YO1": "York centre", "YO1 7": "Minster", "B": "Birmingham"})
    assert lookup.area_of("YO1 7HH") == "Minster"
    assert lookup.area_of("YO1 9AB") == "York centre"
    assert lookup.area_of("YO10 5DD") == "North Yorkshire", "YO1 must not catch YO10"
    assert lookup.area_of("B1 1AA") == "Birmingham"
    assert lookup.area_of("BA1 1AA") == ELSEWHERE, "B must not catch BA (Bath)"
    assert lookup.area_of(None, "FR") == OUTSIDE_UK
    assert lookup.area_of(None) == NO_POSTCODE
    assert lookup.order(["York centre", OUTSIDE_UK, "Birmingham", ELSEWHERE]) == [
        "Birmingham", "York centre", ELSEWHERE, OUTSIDE_UK,
    ]  # fmt: skip


def test_without_areas_people_are_placed_by_postcode_district() -> None:
    lookup = AreaLookup({})
    assert not lookup.defined
    assert lookup.area_of("YO1 7HH") == "YO1"
    assert lookup.area_of("SW1A 1AA") == "SW1A"


def test_a_mapping_csv_is_read_with_or_without_a_header() -> None:
    rows = service.parse_mapping_csv("\ufeffPrefix,Area\r\nyo1,York\n\nYO1,York\nhg1 , Harrogate ,\n")
    assert [(row.prefix, row.area) for row in rows] == [("YO1", "York"), ("HG1", "Harrogate")]
    assert [row.prefix for row in service.parse_mapping_csv("YO1,York\n")] == ["YO1"]


def test_every_problem_in_a_mapping_csv_is_listed_with_its_line() -> None:
    text = 'prefix,area\nYO1,York\nYO1 7HH,York\nYO2\nHG1,Harrogate,extra\nYO1,Harrogate\nTS9,\nXXXXX,Y\nTS1," "\n'
    with pytest.raises(service.MappingProblems) as raised:
        service.parse_mapping_csv(text)
    problems = dict(raised.value.problems)
    assert set(problems) == {"Line 3", "Line 4", "Line 5", "Line 6", "Line 7", "Line 8", "Line 9"}
    assert "is not a postcode area" in problems["Line 8"]
    assert "whole postcode" in problems["Line 3"]
    assert "needs the area's name" in problems["Line 4"] and "two columns" in problems["Line 5"]
    assert problems["Line 6"] == "YO1 is already given to York on line 2"
    assert "needs the area's name" in problems["Line 7"]
    with pytest.raises(service.MappingProblems, match="1 problem"):
        service.parse_mapping_csv("prefix,area\n")


@pytest.fixture
def organiser(app: Flask, client: FlaskClient) -> int:
    organiser_id = make_organiser(app)
    sign_in(client)
    return organiser_id


def areas_page(client: FlaskClient) -> str:
    return text_of(client.get("/console/areas/"))


def test_organisers_add_change_and_remove_areas(client: FlaskClient, organiser: int) -> None:
    assert "No areas yet" in areas_page(client)
    response = submit(client, "/console/areas/", {"name": "York", "prefixes": "yo1, YO10; yo1 7\nYO1"})
    assert response.status_code == 302
    assert "York YO1, YO1 7, YO10" in areas_page(client)
    response = submit(client, "/console/areas/", {"name": "Central", "prefixes": "YO10, HG1"})
    assert response.status_code == 200
    assert "Each prefix can be in one area only: YO10 is in York" in text_of(response)
    response = submit(client, "/console/areas/", {"name": "york", "prefixes": "YO1 7HH"})
    assert "whole postcode" in text_of(response)
    assert "Central" not in areas_page(client)

    page = client.get("/console/areas/")
    edit_url = next(
        line.split('"')[1] for line in page.get_data(as_text=True).split("href=") if "/console/areas/1" in line[:20]
    )
    response = submit(client, edit_url, {"name": "City of York", "prefixes": "YO1, YO10, YO24"})
    assert response.status_code == 302
    assert "City of York YO1, YO10, YO24" in areas_page(client)
    response = client.post(f"{edit_url}/delete", data={"csrf_token": csrf_token(client.get(edit_url).data)})
    assert response.status_code == 302
    assert "No areas yet" in areas_page(client)


def test_uploading_replaces_the_areas_only_when_the_whole_file_is_right(
    client: FlaskClient, organiser: int, app: Flask
) -> None:
    submit(client, "/console/areas/", {"name": "Old", "prefixes": "LS1"})
    bad = "prefix,area\nYO1,York\nnonsense,York\n"
    response = submit(client, "/console/areas/upload", {"document": bad})
    assert "The file has 1 problem; nothing was changed" in text_of(response)
    assert "Line 3" in text_of(response)
    assert "Old LS1" in areas_page(client)
    page = client.get("/console/areas/upload")
    upload = io.BytesIO(b"prefix,area\nYO1,York\nHG1,Harrogate\nHG2,Harrogate\n")
    response = client.post("/console/areas/upload", data={"csrf_token": csrf_token(page.data), "document": "",
                                                          "file": (upload, "areas.csv")})  # fmt: skip
    assert response.status_code == 302
    listing = areas_page(client)
    assert "Harrogate HG1, HG2" in listing and "York YO1" in listing and "Old" not in listing
    with app.app_context():
        assert service.lookup_for(1).area_of("HG2 8AA") == "Harrogate"


def test_the_download_round_trips_and_is_safe_in_a_spreadsheet(client: FlaskClient, organiser: int) -> None:
    submit(client, "/console/areas/", {"name": '=HYPERLINK("http://evil.example","Click")', "prefixes": "YO1"})
    submit(client, "/console/areas/", {"name": "Harrogate, Knaresborough", "prefixes": "HG1, HG5"})
    response = client.get("/console/areas/areas.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="areas.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [["prefix", "area"], ["YO1", '\'=HYPERLINK("http://evil.example","Click")'],
                    ["HG1", "Harrogate, Knaresborough"], ["HG5", "Harrogate, Knaresborough"]]  # fmt: skip
    response = submit(client, "/console/areas/upload", {"document": response.get_data(as_text=True)})
    assert response.status_code == 302
    assert 'Change =HYPERLINK("http://evil.example","Click")' in areas_page(client), "the round trip changes nothing"


def test_the_area_note_is_saved(client: FlaskClient, organiser: int) -> None:
    response = submit(client, "/console/areas/", {"action": "note", "note": "Approximate: districts, not wards."})
    assert response.status_code == 302
    assert 'value="Approximate: districts, not wards."' in client.get("/console/areas/").get_data(as_text=True)
    response = submit(client, "/console/areas/", {"action": "note", "note": "x" * 501})
    assert "500 characters or fewer" in text_of(response)


def test_another_organisations_areas_are_out_of_reach(app: Flask, client: FlaskClient, organiser: int) -> None:
    submit(client, "/console/areas/", {"name": "York", "prefixes": "YO1"})
    make_organiser(app, "other@example.org", organisation="Another Group")
    other = app.test_client()
    sign_in(other, "other@example.org")
    assert "No areas yet" in text_of(other.get("/console/areas/"))
    assert other.get("/console/areas/1").status_code == 404
    assert (
        other.post(
            "/console/areas/1/delete", data={"csrf_token": csrf_token(other.get("/console/areas/").data)}
        ).status_code
        == 404
    )
    assert "York YO1" in areas_page(client)
    # The same prefix means something else to another organisation.
    assert submit(other, "/console/areas/", {"name": "Centre", "prefixes": "YO1"}).status_code == 302


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+2", "'=1+2"), ("+44", "'+44"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
     ("  =1", "'  =1"), ("\uff1d1", "'\uff1d1"), ("-12.5", "-12.5"), ("-3", "-3"), ("York", "York"), ("", ""),
     ("a=b", "a=b")],
)  # fmt: skip
def test_spreadsheet_safe_text(value: str, expected: str) -> None:
    assert spreadsheet_safe(value) == expected
