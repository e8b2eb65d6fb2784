from __future__ import annotations

import pytest

from campaign.identity import (
    InvalidEmail,
    canonical_email,
    countries,
    country_name,
    name_key,
    normalise_email,
    normalise_postcode,
)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("  Jo.Bloggs@Example.org ", "jo.bloggs@example.org"),
        ("Jo.Bloggs+petitions@GoogleMail.com", "jobloggs@gmail.com"),
        ("j.o.bloggs@gmail.com", "jobloggs@gmail.com"),
        ("jo+tag@outlook.com", "jo@outlook.com"),
        ("jo+tag@example.org", "jo+tag@example.org"),  # tags only mean nothing at providers that ignore them
        ("jo.bloggs@outlook.com", "jo.bloggs@outlook.com"),  # dots matter outside Gmail
        ("Someone@ME.com", "someone@icloud.com"),
        ("+tagonly@gmail.com", "+tagonly@gmail.com"),
        ("user@protonmail.com", "user@proton.me"),
    ],
)
def test_canonical_email(typed: str, canonical: str) -> None:
    assert canonical_email(typed) == canonical


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "no-at-sign",
        "a@",
        "@example.org",
        "a b@example.org",
        "a@example..org",
        "a@exa\nmple.org",
        "x" * 250 + "@e.org",
    ],
)
def test_bad_emails_are_refused(bad: str) -> None:
    with pytest.raises(InvalidEmail):
        normalise_email(bad)


def test_internationalised_domains_are_normalised() -> None:
    # Kept in the ASCII form every mail relay accepts.
    assert normalise_email("Jo@BÜCHER.example") == "Jo@xn--bcher-kva.example"
    assert normalise_email("jö@example.org") == "jö@example.org", "only a relay with SMTPUTF8 can send to this"


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("yo1 7hh", "YO1 7HH"),
        ("YO17HH", "YO1 7HH"),
        ("  hg1   1aa ", "HG1 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        ("ec1a 1bb", "EC1A 1BB"),
        ("gir 0aa", "GIR 0AA"),
        ("m1 1ae", "M1 1AE"),
    ],
)
def test_uk_postcodes_are_normalised(typed: str, normalised: str) -> None:
    assert normalise_postcode(typed) == normalised


@pytest.mark.parametrize("bad", ["", "YO1", "12345", "YO1 7H", "QQ1 1AA", "YO1 7CH", "<script>", "YO1 7HH extra"])
def test_bad_postcodes_are_refused(bad: str) -> None:
    assert normalise_postcode(bad) is None


def test_name_key_ignores_case_accents_spacing_and_punctuation() -> None:
    assert name_key("Zoë  O'Brien") == name_key("zoe obrien") == name_key("ZOE O BRIEN")
    assert name_key("Jo Bloggs") != name_key("Sam Bloggs")
    assert name_key("<>!!") == ""


def test_country_list_excludes_the_uk_and_non_countries() -> None:
    codes = {code for code, _ in countries()}
    assert "GB" not in codes and "EU" not in codes and "ZZ" not in codes
    assert {"IE", "FR", "US", "XK"} <= codes
    assert country_name("IE") == "Ireland"
    assert country_name("GB") is None
    assert [name for _, name in countries()][:2] == ["Afghanistan", "Åland Islands"]
