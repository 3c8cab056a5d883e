"""Property-based: damaged stack files thrown at `python -m preflight`, as a user runs it.

Whatever the damage (bytes that are not UTF-8, YAML-only values, a duplicated or non-string key, a
`config` that is not a mapping, an unknown top-level key, a recursive alias, a value too large to reach
the pack), the preflight says so once, naming the file, and exits 2: never a traceback, never a pass.
And whatever regions a stack names, a stack outside Australia never passes and the run never exits 0.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stack_config import CONFIG_LIMIT
from tests.support.commands import preflight
from tests.support.project import ROOT, project_copy

SHIPPED = (ROOT / "Pulumi.dev.yaml").read_text()
LINES = SHIPPED.splitlines(keepends=True)
ENTRY = re.compile(r"^( *)([A-Za-z][\w:.-]*):( .*)?\n$")  # a `key: value` (or `key:`) line of a mapping
ENTRIES = [index for index, line in enumerate(LINES) if ENTRY.match(line)]
LEAVES = [index for index in ENTRIES if ENTRY.match(LINES[index]).group(3)]  # with a value on the line
YAML_ONLY = (
    "2026-01-01",
    "2026-01-01T10:00:00Z",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    ".nan",
    "-.inf",
    "yes",
    "off",
    "0755",
    "1:30",
    "1_000",
    "0o17",
    "!!omap [a: 1]",
)
NON_STRING_KEYS = ("1", "2.5", "true", "on", "null", "~", "[a, b]", "{a: 1}", "2026-01-01")
AUSTRALIA = {"vercel": "syd1", "neon": "aws-ap-southeast-2", "upstash": "ap-southeast-2"}
ELSEWHERE = (
    "iad1",
    "sfo1",
    "fra1",
    "sin1",
    "aws-us-east-1",
    "aws-eu-central-1",
    "ap-southeast-1",
    "us-east-1",
    "eu-west-1",
    "global",
    "",
    "syd2",
    "SYD1",
    "syd1 ",
    "aws-ap-southeast-2a",
)


def _with_value(index: int, value: str) -> str:
    indent, key, _ = ENTRY.match(LINES[index]).groups()
    return "".join([*LINES[:index], f"{indent}{key}: {value}\n", *LINES[index + 1 :]])


def _invalid_utf8(data: st.DataObject) -> bytes:
    position = data.draw(st.integers(0, len(SHIPPED)))
    junk = data.draw(st.sampled_from([b"\xff", b"\xc3", b"\xe9", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]))
    raw = SHIPPED.encode()
    return raw[:position] + junk + raw[position:]


def _yaml_only_value(data: st.DataObject) -> str:
    return _with_value(data.draw(st.sampled_from(LEAVES)), data.draw(st.sampled_from(YAML_ONLY)))


def _duplicated_key(data: st.DataObject) -> str:
    index = data.draw(st.sampled_from(LEAVES))
    return "".join([*LINES[: index + 1], LINES[index], *LINES[index + 1 :]])


def _non_string_key(data: st.DataObject) -> str:
    index = data.draw(st.sampled_from(ENTRIES))
    indent = ENTRY.match(LINES[index]).group(1)
    key = data.draw(st.sampled_from(NON_STRING_KEYS))
    return "".join([*LINES[:index], f"{indent}? {key}\n{indent}: x\n", *LINES[index:]])


def _config_not_a_mapping(data: st.DataObject) -> str:
    value = data.draw(st.sampled_from(["[a, b]", "dev", "3", "true", "'text'", "[]", "- a"]))
    head = SHIPPED[: SHIPPED.index("config:\n")]
    return head + ("config:\n  - a\n" if value == "- a" else f"config: {value}\n")


def _unknown_top_level_key(data: st.DataObject) -> str:
    key = data.draw(
        st.from_regex(r"[a-z][a-zA-Z0-9_-]{0,20}", fullmatch=True).filter(
            lambda k: k not in ("secretsprovider", "encryptedkey", "encryptionsalt", "config", "environment")
        )
    )
    return SHIPPED + f"{key}: x\n"


def _recursive_alias(data: st.DataObject) -> str:
    index = data.draw(st.sampled_from(LEAVES))
    indent, key, _ = ENTRY.match(LINES[index]).groups()
    return "".join([*LINES[:index], f"{indent}{key}: &loop\n{indent}  again: [*loop]\n", *LINES[index + 1 :]])


def _too_large(data: st.DataObject) -> str:
    size = data.draw(st.integers(CONFIG_LIMIT + 1, CONFIG_LIMIT * 2))
    return _with_value(data.draw(st.sampled_from(LEAVES)), "a" * size)


DAMAGE = [
    _invalid_utf8,
    _yaml_only_value,
    _duplicated_key,
    _non_string_key,
    _config_not_a_mapping,
    _unknown_top_level_key,
    _recursive_alias,
    _too_large,
]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_damaged_stack_file_is_one_clear_error_and_exit_2(data: st.DataObject) -> None:
    damage = data.draw(st.sampled_from(DAMAGE))
    stack_file = damage(data)
    with tempfile.TemporaryDirectory() as work:
        project = Path(work)
        (project / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
        (project / "Pulumi.dev.yaml").write_bytes(stack_file if isinstance(stack_file, bytes) else stack_file.encode())
        result = preflight("--project", str(project), "--stack", "dev")
    output = result.stdout + result.stderr
    assert result.returncode == 2, f"{damage.__name__}: {output}"
    assert "Traceback" not in output
    assert result.stderr == ""
    assert output.count("could not be evaluated:\n") == 1, output
    assert f"{project / 'Pulumi.dev.yaml'}: " in output, "the message names the file"


@settings(
    max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.fixed_dictionaries(
            {service: st.sampled_from((australian, *ELSEWHERE)) for service, australian in AUSTRALIA.items()}
        ).filter(lambda regions: regions != AUSTRALIA),
        min_size=3,
        max_size=4,
    )
)
def test_nothing_outside_australia_ever_passes(tmp_path_factory, regions: list[dict[str, str]]) -> None:
    """Personal dev stacks, each with at least one region outside Australia, all in one run: none passes."""
    copy = project_copy(tmp_path_factory.mktemp("regions"))
    names = []
    for number, chosen in enumerate(regions):
        text = SHIPPED
        for service, region in chosen.items():
            australian = AUSTRALIA[service]
            text = re.sub(
                rf"(motion-mavericks-portal:{service}:\n(?:    .*\n)*?    region: ){re.escape(australian)}\n",
                lambda m, r=region: f"{m.group(1)}{json.dumps(r)}\n",
                text,
                count=1,
            )
        name = f"dev-p{number}"
        (copy / f"Pulumi.{name}.yaml").write_text(text)
        names.append(name)
    args = [arg for name in names for arg in ("--stack", name)]
    result = preflight(*args, "--format", "json", cwd=copy)
    report = json.loads(result.stdout)
    assert len(report["stacks"]) == len(regions)
    for stack in report["stacks"]:
        assert stack["status"] != "pass", stack["name"]
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
