"""Values from a report render inert, checked with GitHub's own parser on hostile and on generated text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.markdown import code, fenced, one_line, row, text
from tests.compliance.rendering import Rendering

HOSTILE = [
    "x` <img src=x onerror=alert(1)> `y",
    "``` [click](https://evil.example) ![i](https://evil.example/i.png)",
    "a | b || c \\| d",
    "first\nsecond\r\nthird",
    "<script>alert(1)</script><!-- comment -->",
    "**bold** _em_ ~~gone~~ $x^2$ \\`",
    "https://evil.example www.evil.example mail@evil.example @org/team #123",
    "[ref]: https://evil.example",
    "\u202eevil\u200b\x00\x1b[31m",
    "&amp; &lt;b&gt; &#96;",
    "# heading",
    "- item",
    "1. item",
    "> quote",
]


def cell(markdown: str) -> Rendering:
    return Rendering("| value |\n|---|\n" + row(markdown) + "\n")


def test_hostile_values_stay_one_cell_of_plain_text() -> None:
    for value in HOSTILE:
        for rendered_as, make in (("text", text), ("code", code)):
            rendering = cell(make(value))
            assert rendering.links == [], (rendered_as, value)
            assert set(rendering.tags) <= {"table", "thead", "tbody", "tr", "th", "td", "code"}, (rendered_as, value)
            assert rendering.rows[1:] == [[one_line(value)]], (rendered_as, value)


def test_a_code_span_holds_whatever_backticks_are_inside() -> None:
    rendering = cell(code("a ``` b ` c"))
    assert rendering.tags.count("code") == 1
    assert rendering.rows[1] == ["a ``` b ` c"]


def test_line_start_markers_in_prose_are_plain_text() -> None:
    for value in ("# heading", "- item", "1. item", "> quote", "+ item", "=== x"):
        rendering = Rendering(text(value, line_start=True) + "\n")
        assert rendering.tags == ["p"], value
        assert "".join(rendering.text).strip() == value


def test_a_fenced_block_cannot_be_closed_from_inside() -> None:
    value = "error:\n```\n# not a heading\n[link](https://evil.example)\n````"
    rendering = Rendering("\n".join(fenced(value)) + "\n\nafter\n")
    assert rendering.tags == ["pre", "code", "p"]
    assert rendering.links == []


def test_invisible_characters_are_shown_by_code_point() -> None:
    assert one_line("a\u202eb\u200bc\x1bd") == "a[U+202E]b[U+200B]c[U+001B]d"


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=60).filter(lambda s: one_line(s) != ""))
def test_any_text_renders_as_itself_in_one_cell(value: str) -> None:
    for make in (text, code):
        rendering = cell(make(value))
        assert rendering.links == []
        assert set(rendering.tags) <= {"table", "thead", "tbody", "tr", "th", "td", "code"}
        assert rendering.rows[1:] == [[one_line(value)]]
