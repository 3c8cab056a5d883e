"""Markdown as GitHub renders it (cmark-gfm, GitHub's own parser, with its table and autolink extensions),
reduced to what a reader sees: the elements and the text of each table cell."""

from __future__ import annotations

from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options

# What our own markdown makes; anything else in a rendering came from a value.
STRUCTURE = {"h1", "h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "ul", "li"}
STRUCTURE |= {"blockquote", "strong", "em", "details", "summary", "a"}


def html(markdown: str) -> str:
    # UNSAFE keeps raw HTML as GitHub's parser passes it on (GitHub sanitises later); a value must not
    # produce any, so the test sees it rather than cmark's placeholder.
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


class Rendering(HTMLParser):
    def __init__(self, markdown: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[str] = []
        self.rows: list[list[str]] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self.feed(html(markdown))
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("a", "img"):
            self.links.append(dict(attrs).get("href") or dict(attrs).get("src") or "")
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def handle_comment(self, data: str) -> None:  # our autolink breakers: not shown
        pass
