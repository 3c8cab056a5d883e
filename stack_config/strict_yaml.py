"""YAML as the Pulumi CLI reads it, or one clear refusal: JSON-like values and string keys, nothing else.

The CLI (Go, yaml.v3, YAML 1.2) and PyYAML (YAML 1.1) agree on plain JSON-like documents and differ at
the edges; where they would differ, or where a value has no JSON form to reach the program as, the file
is refused with its line and what to write instead:

- a key that appears twice in one mapping (the CLI refuses it too), and any key that is not a string;
- YAML-only types: dates and timestamps, `!!binary`, `!!set`, `!!omap`, `!!pairs`, `.inf`, `.nan`;
- scalars YAML 1.1 and 1.2 read differently: `yes`/`no`/`on`/`off`, `0777`, `1_000`, `1:30`;
- an alias inside the node it names (a recursive document), nesting deeper than `MAX_DEPTH`;
- bytes that are not UTF-8, and characters YAML does not allow.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final

import yaml

MAX_DEPTH: Final = 64
YAML_12_BOOLEANS: Final = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_STR_TAG: Final = "tag:yaml.org,2002:str"
_MERGE_TAG: Final = "tag:yaml.org,2002:merge"
_YAML_12_OCTAL: Final = re.compile(r"^[-+]?0o[0-7]+$")


class YamlRefusal(Exception):
    """What is wrong, at which line; `read_yaml` turns it into a message that names the file."""

    def __init__(self, message: str, node: Any = None) -> None:
        mark = getattr(node, "start_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        super().__init__(where + message)


def _quoted(node: yaml.Node) -> str:
    return f"write it quoted ('{node.value}') if a string is meant"


def _read_differently(node: yaml.ScalarNode, what: str) -> YamlRefusal:
    return YamlRefusal(f"found {node.value}, {what}; write it in decimal, or {_quoted(node)}", node)


# libyaml's scanner and parser (the PyYAML wheel ships them) turn the text into events six times faster than
# PyYAML's own; composing events into nodes and constructing values stays PyYAML's Python code, where the
# refusals below hook in. Without libyaml, PyYAML's Python reader, scanner and parser give the same events.
try:
    from yaml._yaml import CParser as _Events

    _EVENTS: tuple[type, ...] = (_Events,)
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    _EVENTS = (yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser)


class _StrictLoader(yaml.composer.Composer, *_EVENTS, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):  # type: ignore[misc]
    def __init__(self, stream: str) -> None:
        if len(_EVENTS) == 1:
            _EVENTS[0].__init__(self, stream)
        else:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._open_anchors: list[str] = []

    # Composing: aliases that point into their own node, and runaway nesting.
    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open_anchors:
                raise YamlRefusal(
                    f"alias *{event.anchor} is inside the node &{event.anchor} it names (a recursive document); "
                    "configuration must be a tree",
                    event,
                )
            return super().compose_node(parent, index)
        if len(self._open_anchors) >= MAX_DEPTH:
            raise YamlRefusal(f"nested more than {MAX_DEPTH} levels deep; configuration this deep is a mistake", event)
        self._open_anchors.append(getattr(event, "anchor", None) or "")
        try:
            return super().compose_node(parent, index)
        finally:
            self._open_anchors.pop()

    # Constructing: string keys, once each; JSON-like values only.
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                if key_node.tag != _STR_TAG or not isinstance(key_node, yaml.ScalarNode):
                    shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else f"a {key_node.id}"
                    raise YamlRefusal(
                        f"key {shown!r} is not a string; configuration keys are strings: {_quoted(key_node)}"
                        if isinstance(key_node, yaml.ScalarNode)
                        else f"a key is {shown}; configuration keys are strings",
                        key_node,
                    )
                if key_node.value in seen:
                    raise YamlRefusal(
                        f"key {key_node.value!r} appears twice in one mapping (first at line {seen[key_node.value]}); "
                        "the Pulumi CLI refuses duplicate keys: keep one",
                        key_node,
                    )
                seen[key_node.value] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_bool(self, node: yaml.ScalarNode) -> bool:
        if node.value not in YAML_12_BOOLEANS:
            raise YamlRefusal(
                f"found {node.value}, a boolean to YAML 1.1 but a string to the Pulumi CLI (YAML 1.2); "
                f"write true or false, or {_quoted(node)}",
                node,
            )
        return node.value.lower() == "true"

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = node.value.lstrip("+-")
        legacy = (
            "_" in text or ":" in text or text.startswith("0b") or (len(text) > 1 and text[0] == "0" and text[1] != "x")
        )
        if legacy:
            raise _read_differently(node, "a YAML 1.1 number that the Pulumi CLI (YAML 1.2) reads differently")
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        text = node.value.lower()
        if "inf" in text or "nan" in text:
            raise YamlRefusal(f"found {node.value}, which has no JSON form; configuration numbers are finite", node)
        if "_" in text or ":" in text:
            raise _read_differently(node, "a YAML 1.1 number that the Pulumi CLI (YAML 1.2) reads differently")
        return super().construct_yaml_float(node)

    def construct_yaml_str(self, node: yaml.ScalarNode) -> str:
        # a plain scalar: PyYAML's parser says style None, libyaml's says ""
        if not node.style and _YAML_12_OCTAL.match(node.value):
            raise _read_differently(node, "a number to the Pulumi CLI (YAML 1.2) but a string to YAML 1.1")
        return super().construct_yaml_str(node)

    def _no_json_form(self, node: yaml.Node) -> Any:
        kind = node.tag.rsplit(":", 1)[-1]
        if kind == "timestamp":
            raise YamlRefusal(
                f"found {node.value}, a YAML date; Pulumi configuration has no date type: {_quoted(node)}", node
            )
        raise YamlRefusal(
            f"found a !!{kind} value; configuration values are strings, numbers, booleans, lists and maps", node
        )


for _tag in ("timestamp", "binary", "set", "omap", "pairs"):
    _StrictLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _StrictLoader._no_json_form)
_StrictLoader.add_constructor("tag:yaml.org,2002:bool", _StrictLoader.construct_yaml_bool)
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _StrictLoader.construct_yaml_float)
_StrictLoader.add_constructor("tag:yaml.org,2002:str", _StrictLoader.construct_yaml_str)


def parse_yaml(text: str) -> Any:
    """The document in `text`; `YamlRefusal` names the line and the problem."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = ", ".join(part for part in (error.context, error.problem) if part) or "unreadable"
        raise YamlRefusal(f"{where}not valid YAML: {problem}") from None
    except yaml.YAMLError as error:  # the reader: a character YAML does not allow
        raise YamlRefusal(f"not valid YAML: {error}") from None
    except RecursionError:
        raise YamlRefusal(f"nested more than {MAX_DEPTH} levels deep; configuration this deep is a mistake") from None


def read_text(path: Path) -> str:
    """A file's text, which must be UTF-8 (as the Pulumi CLI reads it). Raises OSError, UnicodeDecodeError."""
    return path.read_bytes().decode("utf-8")
