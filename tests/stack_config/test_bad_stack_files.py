"""Damaged stack files, as a user meets them: `python -m preflight` (one run over a project of damaged
stacks, one per case) and `python -m ops.check_manual` stop with one message that names the file (and
line or key), what was found and what is allowed: exit 2, no traceback. Every class of issue 11's point 9
that concerns stack files has a case here."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from stack_config import CONFIG_LIMIT
from tests.support.commands import preflight, run_module_in_process
from tests.support.project import ROOT, edit, project_copy

ENV = "  motion-mavericks-portal:environment: dev\n"
LAUGHS = "config:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)
)

CASES = {
    "config is a list": ("config: [a, b]\n", "Pulumi.dev.yaml: config: found a list (['a', 'b']); allowed: a mapping"),
    "config is a string": ("config: dev\n", "Pulumi.dev.yaml: config: found a string ('dev'); allowed: a mapping"),
    "the file is a list": (
        "- config\n",
        "Pulumi.dev.yaml: found a list (['config']) at the top level; allowed: a mapping",
    ),
    "not UTF-8": (
        b"config:\n  motion-mavericks-portal:environment: d\xe9v\n",
        "Pulumi.dev.yaml: not UTF-8 text (byte 0xe9",
    ),
    "a date": (
        "config:\n  motion-mavericks-portal:environment: 2026-01-01\n",
        "Pulumi.dev.yaml: line 2: found 2026-01-01, a YAML date; Pulumi configuration has no date type: write it "
        "quoted ('2026-01-01')",
    ),
    "a timestamp": ("config:\n  x:y: 2026-01-01T10:00:00Z\n", "line 2: found 2026-01-01T10:00:00Z, a YAML date"),
    "binary": ("config:\n  x:y: !!binary aGVsbG8=\n", "line 2: found a !!binary value; configuration values are"),
    "a set": ("config:\n  x:y: !!set {a, b}\n", "line 2: found a !!set value"),
    "an ordered map": ("config:\n  x:y: !!omap [a: 1]\n", "line 2: found a !!omap value"),
    "a Python tag": ("config:\n  x:y: !!python/name:os.system\n", "line 2, column 8: not valid YAML"),
    "a recursive alias": (
        "config:\n  motion-mavericks-portal:tags: &tags\n    owner: [*tags]\n",
        "Pulumi.dev.yaml: line 3: alias *tags is inside the node &tags it names (a recursive document)",
    ),
    "an integer key": ("config:\n  motion-mavericks-portal:tags:\n    1: x\n", "line 3: key '1' is not a string"),
    "a boolean key": ("config:\n  x:y:\n    on: x\n", "line 3: key 'on' is not a string"),
    "a null key": ("config:\n  x:y:\n    ~: x\n", "line 3: key '~' is not a string"),
    "a mapping as key": ("config:\n  x:y:\n    ? {a: 1}\n    : x\n", "line 3: a key is a mapping"),
    "a duplicated key": (
        "config:\n" + ENV + "  motion-mavericks-portal:environment: prod\n",
        "Pulumi.dev.yaml: line 3: key 'motion-mavericks-portal:environment' appears twice in one mapping (first at "
        "line 2); the Pulumi CLI refuses duplicate keys",
    ),
    "a duplicated nested key": ("config:\n  x:y:\n    a: 1\n    a: 2\n", "line 4: key 'a' appears twice"),
    "yes for true": (
        "config:\n  x:y: yes\n",
        "line 2: found yes, a boolean to YAML 1.1 but a string to the Pulumi CLI",
    ),
    "a YAML 1.1 octal": ("config:\n  x:y: 0755\n", "line 2: found 0755, a YAML 1.1 number"),
    "sexagesimal": ("config:\n  x:y: 1:30\n", "line 2: found 1:30, a YAML 1.1 number"),
    "a YAML 1.2 octal": ("config:\n  x:y: 0o755\n", "line 2: found 0o755, a number to the Pulumi CLI (YAML 1.2)"),
    "infinity": ("config:\n  x:y: .inf\n", "line 2: found .inf, which has no JSON form"),
    "not YAML": ("config:\n  x:y: [a\n", "Pulumi.dev.yaml: line 3, column 1: not valid YAML"),
    "a NUL character": ("config:\n  x:y: a\x00b\n", "Pulumi.dev.yaml: not valid YAML: unacceptable character #x0000"),
    "two documents": (
        "config: {}\n---\nconfig: {}\n",
        "not valid YAML: expected a single document in the stream, but found another document",
    ),
    "deep nesting": ("config:\n  x:y: " + "[" * 200 + "]" * 200 + "\n", "nested more than 64 levels deep"),
    "an unknown top-level key": (
        "confg:\n" + ENV,
        "Pulumi.dev.yaml: confg: unknown top-level key; allowed: secretsprovider, encryptedkey, encryptionsalt, "
        "config, environment",
    ),
    "a key that does not parse": (
        "config:\n  a:b:c: x\n",
        "config key 'a:b:c' cannot be parsed; allowed: <namespace>:<name>",
    ),
    "a secure value of the wrong shape": (
        "config:\n  x:y:\n    secure: 12\n",
        "Pulumi.dev.yaml: x:y: found a secure value of the wrong shape (secure); allowed: {secure: <ciphertext",
    ),
    "environment not a list": ("environment: 3\n", "Pulumi.dev.yaml: environment: found 3; allowed: a list of ESC"),
    "a value over 128 KiB": (
        "config:\n  motion-mavericks-portal:vercel: " + "x" * (CONFIG_LIMIT + 10) + "\n",
        f"Pulumi.dev.yaml: motion-mavericks-portal:vercel: found a value of {CONFIG_LIMIT + 12:,} bytes as JSON; "
        f"allowed: at most {CONFIG_LIMIT:,} bytes for the whole stack's configuration",
    ),
    "aliases that stand for a billion values": (
        LAUGHS,
        f"Pulumi.dev.yaml: motion-mavericks-portal:a4: found a value of more than {CONFIG_LIMIT:,} bytes as JSON",
    ),
    "values over 128 KiB together": (
        "config:\n" + "".join(f"  x:k{i}: {'y' * 40_000}\n" for i in range(4)),
        "the stack's configuration comes to 160,",
    ),
}


def minimal_project(tmp_path: Path, stack_file: str | bytes) -> Path:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_bytes(stack_file if isinstance(stack_file, bytes) else stack_file.encode())
    return tmp_path


def assert_one_clear_error(result, expected: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert expected in output, output
    assert output.count(expected) == 1, "one message, said once"
    assert "Traceback" not in output


def stack_name(case: str) -> str:
    """The stack a case is written to: `Pulumi.<case as a slug>.yaml`."""
    return re.sub(r"[^a-z0-9]+", "-", case.lower()).strip("-")


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """One `python -m preflight` over a project holding every damaged stack file, one stack per case."""
    project = tmp_path_factory.mktemp("damaged")
    (project / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    for case, (stack_file, _) in CASES.items():
        data = stack_file if isinstance(stack_file, bytes) else stack_file.encode()
        (project / f"Pulumi.{stack_name(case)}.yaml").write_bytes(data)
    return preflight("--project", str(project))


@pytest.mark.parametrize("case", CASES)
def test_the_preflight_refuses_a_damaged_stack_file(damaged: subprocess.CompletedProcess[str], case: str) -> None:
    expected = CASES[case][1].replace("Pulumi.dev.yaml", f"Pulumi.{stack_name(case)}.yaml")
    assert_one_clear_error(damaged, expected)
    block = damaged.stdout.split(f"Stack {stack_name(case)}  ERROR", 1)[1].split("\nStack ", 1)[0]
    assert block.count("could not be evaluated:") == 1 and expected in block, "one message, under its own stack"


def test_a_single_damaged_stack_file_is_exit_2_on_its_own(tmp_path: Path) -> None:
    stack_file, expected = CASES["config is a list"]
    assert_one_clear_error(preflight("--project", str(minimal_project(tmp_path, stack_file))), expected)


@pytest.mark.parametrize("case", ["not UTF-8", "a duplicated key"])
def test_ops_refuse_a_damaged_stack_file_the_same_way(tmp_path: Path, case: str) -> None:
    stack_file, expected = CASES[case]
    project = minimal_project(tmp_path, stack_file)
    result = run_module_in_process("ops.check_manual", "--stack", "dev", "--project", str(project))
    assert_one_clear_error(result, expected)


def test_a_damaged_project_file_is_refused_before_any_stack(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: motion-mavericks-portal\nname: other\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    result = preflight("--project", str(tmp_path))
    assert_one_clear_error(result, "Pulumi.yaml: line 2: key 'name' appears twice")


@pytest.fixture(scope="module")
def typos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project with typos at every level of prod's stack file: the namespace, a top-level key, a nested key."""
    copy = project_copy(tmp_path_factory.mktemp("typos"))
    edit(
        copy / "Pulumi.prod.yaml",
        "  motion-mavericks-portal:environment: prod\n",
        "  motion-mavericks-portal:environment: prod\n  motion-mavericks-portal:regoin: syd1\n"
        "  motion-mavericks-portl:budget: 3\n",
    )
    edit(copy / "Pulumi.prod.yaml", "    backupRetentionDays: 30\n", "    backupRetentionDays: 30\n    regoin: x\n")
    return copy


TYPO_MESSAGES = (
    "motion-mavericks-portal:neon.regoin: unknown key (found 'x'); allowed keys here: region, plan,",
    "motion-mavericks-portal:regoin: unknown key; allowed: environment, tags, vercel, neon, upstash, sentry, "
    "grafana, clerkSecretKey,",
    "motion-mavericks-portl:budget: unknown namespace 'motion-mavericks-portl' (did you mean motion-mavericks-portal?)",
)


def test_the_program_refuses_unknown_keys_at_every_level_through_the_preflight(typos: Path) -> None:
    result = preflight("--stack", "prod", cwd=typos)
    assert result.returncode == 2, result.stdout + result.stderr
    for message in TYPO_MESSAGES:
        assert message in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_ops_refuse_unknown_keys_at_every_level(typos: Path) -> None:
    result = run_module_in_process("ops.check_manual", "--stack", "prod", "--only", "resend", "--project", str(typos))
    assert result.returncode == 2, result.stdout + result.stderr
    for message in TYPO_MESSAGES:
        assert message in result.stderr
