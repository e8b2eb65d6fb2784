from __future__ import annotations

from html.parser import HTMLParser

import pytest

from campaign.markup import ALLOWED_TAGS, render_markdown


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def elements_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<iframe src='https://evil.example'></iframe>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](java\tscript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](vbscript:msgbox(1))",
        "<a href='javascript:alert(1)' onclick='alert(1)'>x</a>",
        "![x](javascript:alert(1))",
        '<svg onload="alert(1)"></svg>',
        "<style>body{display:none}</style>",
        "<form action='https://evil.example'><input name=x></form>",
        '[x](https://ok.example" onmouseover="alert(1))',
        "[x]: javascript:alert(1)\n\n[y][x]",
        "<details open ontoggle=alert(1)>",
    ],
)
def test_hostile_markdown_never_produces_active_content(hostile: str) -> None:
    for tag, attributes in elements_of(render_markdown(hostile)):
        assert tag in ALLOWED_TAGS, (hostile, tag)
        for name, value in attributes.items():
            assert not name.startswith("on"), (hostile, name)
            assert name in {"href", "title", "rel", "start", "align"}, (hostile, name)
            if name == "href":
                assert (value or "").startswith(("https://", "http://", "mailto:")), (hostile, value)


def test_markdown_formatting_is_kept() -> None:
    html = render_markdown("# Why\n\n**Trust** and *speed*.\n\n- one\n- two\n\n[Read more](https://example.org/a?b=1)")
    assert "<h2>Why</h2>" in html  # the page title is the only h1
    assert "<strong>Trust</strong>" in html
    assert "<em>speed</em>" in html
    assert "<li>one</li>" in html
    assert '<a href="https://example.org/a?b=1" rel="nofollow noopener noreferrer ugc">Read more</a>' in html


@pytest.mark.parametrize(
    ("source", "headings"),
    [
        ("# A\n\n## B\n\n### C", ["h2", "h3", "h4"]),
        ("## A\n\n### B", ["h2", "h3"]),
        ("### A\n\n#### B\n\n### C", ["h2", "h3", "h2"]),
        ("###### Deep", ["h2"]),
    ],
)
def test_headings_start_at_h2_without_gaps(source: str, headings: list[str]) -> None:
    assert [tag for tag, _ in elements_of(render_markdown(source)) if tag.startswith("h")] == headings


def test_raw_html_is_shown_as_text() -> None:
    assert "&lt;b&gt;bold&lt;/b&gt;" in render_markdown("<b>bold</b>")


def test_images_become_links_so_nothing_loads_from_other_sites() -> None:
    html = render_markdown("![A photo of the station](https://example.org/station.jpg)")
    assert "<img" not in html
    assert '<a href="https://example.org/station.jpg"' in html
    assert "A photo of the station" in html
