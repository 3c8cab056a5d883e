r"""Markdown from values we do not control: every helper here renders its value inert.

A report's values come from the program and the pack of whatever commit was evaluated, a pull request's
included: resource names, types, input values, policy messages, stack and project names. Where they reach
markdown (the pull request comment, the residency report, and `docs/compliance/register.md`, which an app
commits to `main` past branch protection), none may end a code span, start a link, an image, an
autolink, HTML, emphasis or a heading, or split a table cell or row:

- `code(value)`: a code span no backtick in the value can close (the fence is longer than any run of
  backticks inside); HTML and link syntax inside a code span are shown as typed.
- `text(value)`: prose with every character that starts inline markup backslash-escaped (CommonMark lets
  any ASCII punctuation be escaped), autolinks broken (`https\://`, `www\.`, and an empty HTML comment
  after `@` and before a digit after `#`: GitHub links an e-mail address whatever is escaped in it, and in
  a comment it links `@user` and `#123`), and, at the start of a line, a block marker (`#`, `-`, `>`,
  `1.`) escaped.
- `fenced(value)`: a fenced code block no line inside can close.

`code` and `text` put everything on one line (a newline ends a table row); all of them show control and
invisible formatting characters (e.g. U+202E, which reverses the text after it) by their code point. In a table
cell `|` is escaped, inside code spans too (GitHub's tables split cells before reading code spans).
`tests/compliance/test_markdown.py` renders the results with GitHub's own cmark-gfm.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Characters that can start or end inline markup in GitHub-flavoured markdown (with `$` for math).
INLINE = frozenset("\\`*_[]<>&~|$!")
LINE_START = re.compile(r"^(#|-|\+|=|>|\d+[.)])")
AUTOLINK = re.compile(r"(?i)(://|www\.)")
INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"}


def one_line(value: Any) -> str:
    """The value as text on one line: whitespace runs become one space, invisible characters visible."""
    return " ".join(visible(value).split())


def visible(value: Any) -> str:
    """Line breaks and tabs as spaces, other invisible characters by their code point; spacing kept."""
    out = []
    for char in str(value):
        if char in "\t\n\r\v\f" or char in "\u2028\u2029\x85":
            out.append(" ")
        elif unicodedata.category(char) in INVISIBLE:
            out.append(f"[U+{ord(char):04X}]")
        else:
            out.append(char)
    return "".join(out)


def text(value: Any, line_start: bool = False) -> str:
    """Inert prose, safe in a list item or a table cell; `line_start`: it begins a line (a paragraph or a
    blockquote), where `#`, `-`, `>` or `1.` would start a heading, a list or a quote."""
    escaped = "".join("\\" + c if c in INLINE else c for c in one_line(value))
    # GitHub links bare URLs and e-mail addresses; an escaped `:` or `.` stops the first two, while an
    # address is linked whatever is escaped in it, so an empty HTML comment (not shown) splits it.
    escaped = AUTOLINK.sub(lambda m: "\\://" if m.group(1) == "://" else m.group(1)[:3] + "\\.", escaped)
    escaped = escaped.replace("@", "@<!-- -->")
    # In a pull request comment GitHub also links `#123` to an issue (and `@team` notifies it: split above).
    escaped = re.sub(r"#(?=[0-9])", "#<!-- -->", escaped)
    match = LINE_START.match(escaped) if line_start else None
    if match:
        marker = match.group(1)
        escaped = (marker[:-1] + "\\" + marker[-1]) + escaped[len(marker) :]
    return escaped


def code(value: Any, cell: bool = True) -> str:
    """An inert code span; `cell`: inside a table, where `|` must be escaped even in code."""
    line = one_line(value)
    if cell:
        line = line.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", line)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if line.startswith(("`", " ")) or line.endswith(("`", " ")) or not line else ""
    return f"{fence}{pad}{line}{pad}{fence}"


def fenced(value: Any) -> list[str]:
    """A fenced code block of the value's lines (control characters shown), which no line can close."""
    lines = [visible(line).rstrip() for line in str(value).splitlines()] or [""]
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, *lines, fence]


def row(*cells: str) -> str:
    """A table row of cells already made inert (by `text` or `code`, or our own words)."""
    return "| " + " | ".join(cells) + " |"
