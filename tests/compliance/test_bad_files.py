"""Issue 11, point 9: a report, diff, reviews or register file of the wrong shape (not UTF-8, not JSON,
wrong types, missing keys) gives one message naming the file and the key, exit 2, never a traceback."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.compliance import Reports, compliance, load
from tests.support.project import ROOT


def report_with(change: Callable[[dict], Any]) -> Callable[[dict], dict]:
    def edit(report: dict) -> dict:
        change(report)
        return report

    return edit


REPORTS = [
    (b"\xff\xfe{}", "not UTF-8 text (byte 0)"),
    (b'{"schemaVersion": 1, "stacks": "prod"', "not JSON"),
    (b"42", "found a JSON number; expected a preflight report object"),
    (report_with(lambda r: r.update(stacks="prod")), "stacks: 'prod' is not of type 'array'"),
    (report_with(lambda r: r["stacks"][0].pop("name")), "stacks[0]: 'name' is a required property"),
    (report_with(lambda r: r["stacks"][0]["resources"][0].update(inputs=[1])), "stacks[0].resources[0].inputs"),
    (report_with(lambda r: r["stacks"][0]["residency"][0].update(verdict=7)), "stacks[0].residency[0].verdict"),
    (
        report_with(lambda r: r["stacks"][0]["diagnostics"].append({"policy": 1})),
        "stacks[0].diagnostics[3]: 'policyPack' is a required",
    ),
]


def write(path: Path, content: bytes | Callable[[dict], dict], base: Path) -> Path:
    data = content if isinstance(content, bytes) else json.dumps(content(load(base))).encode()
    path.write_bytes(data)
    return path


def assert_one_clear_message(result: Any, *parts: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for part in parts:
        assert part in result.stderr


@pytest.mark.parametrize(("content", "expected"), REPORTS, ids=range(len(REPORTS)))
def test_a_report_of_the_wrong_shape_is_named_by_diff_and_residency(
    prod_reports: Reports, tmp_path: Path, content: Any, expected: str
) -> None:
    report = write(tmp_path / "head.json", content, prod_reports.base)
    result = compliance("diff", str(prod_reports.base), str(report))
    assert_one_clear_message(result, f"compliance diff: head report {report}: ", expected)
    result = compliance("residency", str(report))
    assert_one_clear_message(result, f"compliance residency: the report {report}: ", expected)


def diff_with(change: Callable[[dict], Any]) -> Callable[[dict], dict]:
    return report_with(change)


DIFFS = [
    (b"\xc3\x28", "not UTF-8 text (byte 0)"),
    (b"[]", "schemaVersion: found None; allowed: 1"),
    (diff_with(lambda d: d.update(stacks={"prod": {}})), "stacks: {'prod': {}} is not of type 'array'"),
    (diff_with(lambda d: d["stacks"][0].pop("impacts")), "stacks[0]: 'impacts' is a required property"),
    (diff_with(lambda d: d["stacks"][0]["impacts"][0].update(classes="residency")), "stacks[0].impacts[0].classes"),
    (diff_with(lambda d: d["stacks"][0]["impacts"][1].update(classes=["gdpr"])), "stacks[0].impacts[1].classes[0]"),
    (diff_with(lambda d: d["stacks"][0]["impacts"][0].update(change=None)), "stacks[0].impacts[0].change"),
    (diff_with(lambda d: d["stacks"][0].update(name=3)), "stacks[0].name: 3 is not of type 'string'"),
]


@pytest.fixture
def register(tmp_path: Path) -> Path:
    copy = tmp_path / "register.md"
    shutil.copy(ROOT / "docs" / "compliance" / "register.md", copy)
    return copy


def append(diff: Path, register: Path, *args: str) -> Any:
    return compliance("register", "append", str(diff), "--register", str(register), "--pr", "3", *args)


@pytest.mark.parametrize(("content", "expected"), DIFFS, ids=range(len(DIFFS)))
def test_a_diff_of_the_wrong_shape_is_named(
    prod_reports: Reports, tmp_path: Path, register: Path, content: Any, expected: str
) -> None:
    diff = write(tmp_path / "diff.json", content, prod_reports.diff)
    before = register.read_text()
    result = append(diff, register, "--approver", "alice")
    assert_one_clear_message(result, f"compliance register: diff {diff}: ", expected)
    assert register.read_text() == before


REVIEWS = [
    (b"\xff", "not UTF-8 text (byte 0)"),
    (b'{"user": {"login": "a"}, "state": "APPROVED"}\n{oops\n', "line 2: not JSON"),
    (b'[{"user": "alice", "state": "APPROVED"}]', '[0].user.login: found user "alice"; allowed: the reviewer'),
    (b'[{"state": "APPROVED"}]', "[0].user.login: found no user"),
    (b'[[{"user": {"login": "a"}}]]', "[0][0].state: found null; allowed: a review state"),
    (b'[{"user": {"login": 5}, "state": "APPROVED"}]', '[0].user.login: found user {"login": 5}'),
    (b"[1, 2]", "[0]: found a JSON number; expected a review object"),
    (b'"APPROVED"', "(top level): found a JSON string; expected a review object"),
]


@pytest.mark.parametrize(("content", "expected"), REVIEWS, ids=range(len(REVIEWS)))
def test_a_reviews_file_of_the_wrong_shape_is_named(
    prod_reports: Reports, tmp_path: Path, register: Path, content: bytes, expected: str
) -> None:
    reviews = tmp_path / "reviews.json"
    reviews.write_bytes(content)
    result = append(prod_reports.diff, register, "--reviews", str(reviews))
    assert_one_clear_message(result, f"compliance register: --reviews {reviews}: ", expected)


def test_a_register_that_is_not_utf8_is_named(prod_reports: Reports, register: Path) -> None:
    register.write_bytes(register.read_bytes() + b"| \xff |\n")
    result = append(prod_reports.diff, register, "--approver", "alice")
    assert_one_clear_message(result, f"--register {register}: not UTF-8 text")


def test_the_aliases_name_themselves(prod_reports: Reports, tmp_path: Path) -> None:
    from tests.support.commands import preflight

    report = write(tmp_path / "bad.json", b"[]", prod_reports.base)
    result = preflight("diff", str(prod_reports.base), str(report))
    assert_one_clear_message(result, f"preflight diff: head report {report}: found a JSON list")
    result = preflight("residency", "--from-report", str(report))
    assert_one_clear_message(result, f"preflight residency: --from-report report {report}: found a JSON list")


def test_a_missing_or_unknown_command_is_a_usage_error() -> None:
    for args, found in (((), "none given"), (("regsiter",), "found 'regsiter'")):
        result = compliance(*args)
        assert result.returncode == 2
        assert f"compliance: command: {found}; allowed: diff, register, residency" in result.stderr
    helped = compliance("--help")
    assert helped.returncode == 0 and "residency" in helped.stdout
