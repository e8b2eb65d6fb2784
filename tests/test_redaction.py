from __future__ import annotations

import random
import time

import pytest

from campaign.summaries.redaction import EMAIL, HANDLE, LINK, PHONE, POSTCODE, redact

EMAILS = [
    "jo@example.com",
    "jo.bloggs@example.co.uk",
    "jo.bloggs+consultation@mail.example.org",
    "JO.BLOGGS@EXAMPLE.COM",
    "o'brien@example.ie",
    "first_last-99@sub.domain.example.net",
    "jo at example dot com",
    "Jo AT Example DOT Com",
    "jo [at] example [dot] org",
    "jo(at)example(dot)com",
    "jo {at} example {dot} co {dot} uk",
    "jo [ at ] example [ dot ] org",
    "jo @ example.com",
    "jo@ example.com",
    "jo@example dot com",
    "jo dot bloggs at example dot com",
    "jo.bloggs at example.com",
    "jo_bloggs at example.org",
    "jo99 at example.co.uk",
    "jo at mail.example dot co.uk",
]

PHONES = [
    "07700 900123",
    "07700900123",
    "07700-900-123",
    "07700.900.123",
    "077 0090 0123",
    "+44 7700 900123",
    "+447700900123",
    "+44 (0)7700 900123",
    "+44 (0) 1904 123456",
    "0044 7700 900123",
    "(01904) 123456",
    "(01904)123456",
    "(020) 7946 0958",
    "01904 123 456",
    "01904 123456",
    "020 7946 0958",
    "0800 123 4567",
    "0800-123-4567",
    "0800 123 456",
    "+1 415 555 0100",
    "+1-415-555-0100",
    "+33 1 23 45 67 89",
    "+353 1 234 5678",
    "+49 30 1234567",
    "(415) 555-0100",
    "415-555-0100",
    "415.555.0100",
]

POSTCODES = ["YO1 7HH", "yo1 7hh", "YO17HH", "yo17hh", "SW1A 1AA", "sw1a1aa", "EC1A1BB", "EC1A 1BB", "W1A 0AX", "M1 1AE",
             "B33 8TH", "CR2 6XH", "DN55 1PT", "LS1  4DY", "GIR 0AA", "gir0aa", "HG1 2AB", "BT1 5GS"]  # fmt: skip

LINKS = [
    "https://example.org",
    "http://example.org/page?id=42&x=y#top",
    "HTTPS://EXAMPLE.ORG/PATH",
    "ftp://files.example.com/a.txt",
    "https://en.wikipedia.org/wiki/York",
    "www.example.com",
    "WWW.Example.co.uk/news",
    "example.com",
    "Example.COM",
    "example.co.uk",
    "york.gov.uk/bins",
    "police.uk",
    "northyorkshire.police.uk/contact-us",
    "example.com/page",
    "bit.ly/xyz123",
    "t.co/AbC",
    "facebook.com/groups/yorkneighbours",
    "example.xyz/page",
    "my-site.example/path",
    "http://localhost/page",
    "https://intranet",
]

HANDLES = ["@jo_bloggs", "@JoBloggs", "@jo.bloggs", "@jo", "@2020vision", "@_underscore", "@jo@mastodon.social"]


@pytest.mark.parametrize("email", EMAILS)
@pytest.mark.parametrize(
    ("before", "after"), [("", ""), ("Email me: ", " thanks."), ("(", ")"), ("'", "'"), ("\n", "\n")]
)
def test_emails_are_removed_in_context(email: str, before: str, after: str) -> None:
    assert redact(f"{before}{email}{after}") == f"{before}{EMAIL}{after}"


@pytest.mark.parametrize("phone", PHONES)
@pytest.mark.parametrize(
    ("before", "after"), [("", ""), ("Call ", " after 6pm."), ("tel:", ""), ("(", ")"), ("ring ", ", ta")]
)
def test_phone_numbers_are_removed_in_context(phone: str, before: str, after: str) -> None:
    assert redact(f"{before}{phone}{after}") == f"{before}{PHONE}{after}"


@pytest.mark.parametrize("postcode", POSTCODES)
@pytest.mark.parametrize(("before", "after"), [("", ""), ("I live in ", "."), ("York, ", ", UK"), ("(", ")")])
def test_full_postcodes_are_removed_in_any_case_and_spacing(postcode: str, before: str, after: str) -> None:
    assert redact(f"{before}{postcode}{after}") == f"{before}{POSTCODE}{after}"


@pytest.mark.parametrize("link", LINKS)
@pytest.mark.parametrize(
    ("before", "after"), [("", ""), ("See ", "."), ("(", ")"), ("<", ">"), ('"', '"'), ("**", "**")]
)
def test_links_are_removed_without_the_punctuation_after_them(link: str, before: str, after: str) -> None:
    assert redact(f"{before}{link}{after}") == f"{before}{LINK}{after}"


@pytest.mark.parametrize("handle", HANDLES)
@pytest.mark.parametrize(("before", "after"), [("", ""), ("Follow ", " for updates."), ("(", ")"), ("cc ", ",")])
def test_social_handles_are_removed(handle: str, before: str, after: str) -> None:
    assert redact(f"{before}{handle}{after}") == f"{before}{HANDLE}{after}"


@pytest.mark.parametrize(
    "text",
    [
        # "at" and "dot" in ordinary sentences
        "Meet me at the station at 10.",
        "Look at example dot com for details",
        "I looked at it dot by dot",
        "We were at home. So we called.",
        "I was at home.so I left",
        "Available at the library and online",
        "The dot com bubble burst at last",
        "info at the front desk",
        # numbers that are not phone numbers
        "In 2023 there were 3 officers.",
        "On 21/11/2026 at 14:00",
        "Dates: 01/02/2023, 01.02.2023, 2023-11-21 and 21-11-2026",
        "It cost £1,250,000 (or $1,250,000 or €1.250.000)",
        "Crime fell by 12.5% and 0.5%",
        "Reference 12345678 and case 87654321",
        "Call 999 or 101, or text 61016",
        "About 100,000 people, 1,000,000 views",
        "Between 0800 and 1800",
        "A ratio of 3:1, a score of 10/10",
        "Version 2.0.1 of the app",
        "The A64 and M62, junction 24",
        # postcode-like text that is not a full postcode
        "YO1",
        "Harrogate HG1 and York YO10 are fine",
        "I live in SW1A",
        "The M1 2nd exit, the A1 3rd lane, the B1 1st turn",
        "QQ1 1AA is not a postcode area",
        "YO1 7CC has invalid inward letters",
        # dotted text that is not a link
        "e.g. this, i.e. that, etc. and U.S. and U.K.",
        "Mr.Smith and Dr.Jones",
        "node.js and file.txt and report.pdf",
        "I called yesterday.Today they came",
        "Scores of 3.5/10 and 4.5/5",
        "Sainsbury's and Co-op.",
        # @ used for "at", and emails' @ never a handle
        "See you @home or @ 3pm or @10am or @ the station",
        "Meet @noon",
        "@",
        "a @ b",
        # things near placeholders stay as they are
        "Already redacted: [email removed], [phone number removed], [postcode removed], [link removed].",
        "",
        "   \n\t  ",
        "Emoji 👮‍♀️🚓 and accents: café, naïve, Zoë",
    ],
)
def test_ordinary_text_is_kept_exactly(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Email jo@example.com or call 07700 900123.", f"Email {EMAIL} or call {PHONE}."),
        ("I'm at YO1 7HH, see https://x.org/a.", f"I'm at {POSTCODE}, see {LINK}."),
        ("Follow @jo_bloggs or email jo@example.com", f"Follow {HANDLE} or email {EMAIL}"),
        ("jo@example.com,07700 900123;YO1 7HH", f"{EMAIL},{PHONE};{POSTCODE}"),
        ("See www.example.com/contact?email=jo@example.com", f"See {LINK}"),
        ("https://twitter.com/@jo_bloggs", LINK),
        ("mailto:jo@example.com", f"mailto:{EMAIL}"),
        ("Write to jo [at] example [dot] org or ring +44 7700 900123", f"Write to {EMAIL} or ring {PHONE}"),
        ("3 officers at 14:00 on 21/11/2026, call 01904 123456", f"3 officers at 14:00 on 21/11/2026, call {PHONE}"),
        ("In York YO1 (YO1 7HH)", f"In York YO1 ({POSTCODE})"),
        ("  spaced\tjo@example.com\n", f"  spaced\t{EMAIL}\n"),
        ("🙂 jo@example.com 🙂", f"🙂 {EMAIL} 🙂"),
        ("I paid £20 at tesco.com", f"I paid £20 at {LINK}"),
        ("Lunch at 12.30 at example.com", f"Lunch at 12.30 at {LINK}"),
    ],
)
def test_mixed_text_keeps_everything_else_byte_for_byte(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        *EMAILS,
        *PHONES,
        *POSTCODES,
        *LINKS,
        *HANDLES,
        "jo@example.com07700 900123",
        "07700900123jo@example.com",
        "(01904) 123456.+44 7700 900123",
        "415-555-0100/(415) 555-0100-",
        "jo(at)example(dot)com dot 0044 7700 900123",
        "jo@example dot com.415-555-0100",
        "YO1 7HH+447700900123",
        "jo@x.com@jo_bloggs",
    ],
)
def test_redaction_is_idempotent_on_examples(text: str) -> None:
    once = redact(text)
    assert once != text
    assert redact(once) == once


def test_redaction_is_idempotent_on_random_mixtures() -> None:
    """Details glued to each other and to punctuation: a placeholder must not expose anything new."""
    pieces = [*EMAILS, *PHONES, *POSTCODES, *LINKS, *HANDLES, "2023", "21/11/2026", "£1,250,000", "12.5%", "14:00",
              "YO1", "M1 2nd", "@home", "e.g.", "at", "dot", "[at]", "(dot)", "@", "+", "0", "1", ".", "(", ")", "[", "]"]  # fmt: skip
    glue = [
        "",
        " ",
        ", ",
        ".",
        "-",
        "/",
        "@",
        ":",
        "(",
        ")",
        "\n",
        "'",
        '"',
        "[",
        "]",
        "+",
        "0",
        "1",
        "a",
        " at ",
        " dot ",
    ]
    rng = random.Random(2026)
    for _ in range(5_000):
        text = "".join(piece + rng.choice(glue) for piece in rng.choices(pieces, k=rng.randint(1, 5)))
        once = redact(text)
        assert redact(once) == once, text


HOSTILE = [
    "a@a." * 25_000, "a.a@" * 25_000, "a@" * 50_000, "@" * 100_000, "@a" * 50_000, "@jo." + "jo." * 33_000,
    "1" * 100_000, "1." * 50_000, "0 " * 50_000, "+1" * 50_000, "(0" * 50_000, "123-" * 25_000, "07700 " * 16_000,
    "a" * 100_000, "a." * 50_000, "a-" * 50_000, "a'" * 50_000, "a+" * 50_000, "a%" * 50_000, " -a" * 33_000,
    "a dot " * 16_000, "a at " * 20_000, "a at " * 100 + "a dot " * 16_000, "jo.b at " + "a." * 50_000,
    "jo at " + "a dot " * 16_000, "a(dot)" * 16_000, "a[at]" * 20_000, "www." * 25_000, "http://" * 14_000,
    "x.com/" * 16_000, "yo1 " * 25_000,
]  # fmt: skip


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("tail", ["", " call 07700 900123"])  # a number: the full pattern must run
def test_hostile_input_cannot_make_the_patterns_backtrack(text: str, tail: str) -> None:
    started = time.perf_counter()
    result = redact(text + tail)
    assert time.perf_counter() - started < 2.0  # linear runs take well under 0.1 s; backtracking takes minutes
    assert result.endswith(f" call {PHONE}" if tail else "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see -bit.ly/xyz", f"see -{LINK}"),
        ("(-jo@example.com)", f"(-{EMAIL})"),
        ("50%-off at example.com", f"50%-off at {LINK}"),
        ("well-known.com", LINK),
        ("-www.example.com", f"-{LINK}"),
    ],
)
def test_a_detail_after_a_leading_hyphen_is_found_without_it(text: str, expected: str) -> None:
    assert redact(text) == expected
