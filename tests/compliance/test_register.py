"""`python -m compliance register append` as CI runs it on merge: rows, idempotence, approvers, bad input."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.support.compliance import Reports, compliance, load
from tests.support.project import ROOT

REGISTER = ROOT / "docs" / "compliance" / "register.md"
URL = "https://github.com/motion-mavericks/portal-infra/pull/42"


@pytest.fixture
def register(tmp_path: Path) -> Path:
    copy = tmp_path / "register.md"
    shutil.copy(REGISTER, copy)
    return copy


def append(diff: Path, register: Path, *args: str, subprocess: bool = False) -> tuple[int, str, str]:
    result = compliance("register", "append", str(diff), "--register", str(register), *args, subprocess=subprocess)
    return result.returncode, result.stdout, result.stderr


def rows(register: Path) -> list[str]:
    lines = register.read_text().splitlines()
    return lines[lines.index("|---|---|---|---|---|---|") + 1 :]


def test_each_impacting_change_becomes_one_row(prod_reports: Reports, register: Path) -> None:
    code, out, err = append(
        prod_reports.diff,
        register,
        *("--pr", "42", "--pr-url", URL, "--approver", "alice", "--date", "2026-11-25"),
        subprocess=True,
    )
    assert code == 0, err
    impacts = load(prod_reports.diff)["summary"]["impacts"]
    assert out == f"appended {impacts} entries for #42 to {register}\n"
    added = rows(register)
    assert len(added) == impacts == 16
    assert (
        "| 2026-11-25 | prod | `neon-project` (neon:index/project:Project): `regionId` aws-ap-southeast-2 → "
        f"aws-us-east-1 | residency | [#42]({URL}) | @alice |"
    ) in added
    row = re.compile(
        r"^\| 2026-11-25 \| prod \| .+ \| (residency|security|backup|cost)(, [a-z]+)* \| \[#42\]\(.+\) \| @alice \|$"
    )
    assert all(row.match(line) for line in added), added
    assert register.read_text().startswith(REGISTER.read_text()), "the header and earlier rows are kept as they were"


def test_a_rerun_for_the_same_pull_request_appends_nothing(prod_reports: Reports, register: Path) -> None:
    assert append(prod_reports.diff, register, "--pr", "42", "--approver", "alice")[0] == 0
    before = register.read_text()
    code, out, _ = append(prod_reports.diff, register, "--pr", "42", "--approver", "bob")
    assert code == 0
    assert out == f"{register} already records #42; nothing appended\n"
    assert register.read_text() == before
    # Another pull request whose number starts the same is its own entry.
    assert append(prod_reports.diff, register, "--pr", "4", "--approver", "alice")[0] == 0
    assert len(rows(register)) == 2 * 16


def test_approvers_come_from_the_pull_requests_latest_reviews(
    prod_reports: Reports, register: Path, tmp_path: Path
) -> None:
    reviews = [
        {"user": {"login": "carol"}, "state": "APPROVED"},
        {"user": {"login": "alice"}, "state": "APPROVED"},
        {"user": {"login": "bob"}, "state": "CHANGES_REQUESTED"},
        {"user": {"login": "dave"}, "state": "COMMENTED"},
        {"user": {"login": "carol"}, "state": "CHANGES_REQUESTED"},
        {"user": {"login": "bob"}, "state": "APPROVED"},
        {"user": {"login": "alice"}, "state": "COMMENTED"},
    ]
    # One review per line, as `gh api --paginate ... --jq '.[]'` prints them.
    (tmp_path / "reviews.jsonl").write_text("\n".join(json.dumps(r) for r in reviews) + "\n")
    code, _, err = append(prod_reports.diff, register, "--pr", "7", "--reviews", str(tmp_path / "reviews.jsonl"))
    assert code == 0, err
    assert all(line.endswith("| #7 | @alice, @bob |") for line in rows(register))


def test_a_merge_without_approval_is_recorded_as_such(prod_reports: Reports, register: Path, tmp_path: Path) -> None:
    (tmp_path / "reviews.json").write_text(json.dumps([[{"user": {"login": "dave"}, "state": "COMMENTED"}], []]))
    assert append(prod_reports.diff, register, "--pr", "8", "--reviews", str(tmp_path / "reviews.json"))[0] == 0
    assert all(line.endswith("| #8 | none (no approving review) |") for line in rows(register))


def test_a_direct_push_is_recorded_by_its_commit(prod_reports: Reports, register: Path, tmp_path: Path) -> None:
    (tmp_path / "none.json").write_text("[]")
    sha = "0123456789abcdef0123456789abcdef01234567"
    code, out, _ = append(prod_reports.diff, register, "--commit", sha, "--reviews", str(tmp_path / "none.json"))
    assert code == 0
    assert "for commit 0123456789ab" in out
    assert all("| commit 0123456789ab | none (no approving review) |" in line for line in rows(register))
    assert append(prod_reports.diff, register, "--commit", sha, "--approver", "x")[1].endswith("nothing appended\n")


def test_unassessed_stacks_are_recorded_and_quiet_diffs_append_nothing(register: Path, tmp_path: Path) -> None:
    diff = {
        "schemaVersion": 1,
        "stacks": [
            {"name": "dev", "change": "unchanged", "note": "", "impacts": []},
            {
                "name": "prod",
                "change": "not-comparable",
                "note": "could not be evaluated in head: the program failed:",
                "impacts": [],
            },
        ],
    }
    (tmp_path / "diff.json").write_text(json.dumps(diff))
    assert append(tmp_path / "diff.json", register, "--pr", "9", "--approver", "alice", "--date", "2026-11-25")[0] == 0
    assert rows(register) == [
        "| 2026-11-25 | prod | changes not assessed: the stack could not be evaluated in head: the program failed: "
        "| unassessed | #9 | @alice |"
    ]
    diff["stacks"] = diff["stacks"][:1]
    (tmp_path / "quiet.json").write_text(json.dumps(diff))
    code, out, _ = append(tmp_path / "quiet.json", register, "--pr", "10", "--approver", "alice")
    assert code == 0 and out == f"no impacting change in {tmp_path / 'quiet.json'}; {register} unchanged\n"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--pr", "x", "--approver", "a"], "--pr: found 'x'; allowed: a pull request number"),
        (["--pr", "0", "--approver", "a"], "--pr: found '0'; allowed: a pull request number"),
        (["--commit", "main", "--approver", "a"], "--commit: found 'main'; allowed: a commit SHA"),
        (["--pr", "1", "--approver", "a b"], "--approver: found 'a b'; allowed: a GitHub login"),
        (
            ["--pr", "1", "--approver", "a", "--date", "2026-02-30"],
            "--date: found '2026-02-30'; allowed: a calendar date",
        ),
        (["--pr", "1", "--approver", "a", "--date", "25/11/2026"], "--date: found '25/11/2026'"),
        (["--pr", "1"], "who approved: give --approver LOGIN (repeatable) or --reviews FILE"),
        (
            ["--pr", "1", "--reviews", "/nonexistent/reviews.json"],
            "--reviews /nonexistent/reviews.json: cannot be read",
        ),
        (
            ["--pr", "1", "--approver", "a", "--pr-url", "javascript:x"],
            "--pr-url: found 'javascript:x'; allowed: an https",
        ),
        (["--approver", "a"], "one of the arguments --pr --commit is required"),
    ],
)
def test_bad_arguments_exit_2_naming_them(
    prod_reports: Reports, register: Path, args: list[str], expected: str
) -> None:
    before = register.read_text()
    code, _, err = append(prod_reports.diff, register, *args)
    assert code == 2
    assert expected in err
    assert "Traceback" not in err
    assert register.read_text() == before


@pytest.mark.parametrize(
    ("diff", "register_text", "expected"),
    [
        ("{oops", None, "diff {diff}: not JSON"),
        # The version is right; what is missing is named (this once said "schemaVersion: found 1; allowed: 1").
        ('{"schemaVersion": 1}', None, "diff {diff}: (top level): 'stacks' is a required property"),
        ('{"schemaVersion": 2, "stacks": []}', None, "diff {diff}: schemaVersion: found 2; allowed: 1"),
        ('{"schemaVersion": 1, "stacks": []}', "# Notes\n", "--register {register}: not a register; its table header"),
        (
            '{"schemaVersion": 1, "stacks": []}',
            "| Date | Stack | Change | Classification | Pull request | Approver |\n|---|---|---|---|---|---|\n\nmore\n",
            "--register {register}: the table must end the file",
        ),
    ],
)
def test_unusable_files_exit_2_naming_them(
    tmp_path: Path, register: Path, diff: str, register_text: str | None, expected: str
) -> None:
    (tmp_path / "diff.json").write_text(diff)
    if register_text is not None:
        register.write_text(register_text)
    code, _, err = append(tmp_path / "diff.json", register, "--pr", "1", "--approver", "a")
    assert code == 2
    assert expected.format(diff=tmp_path / "diff.json", register=register) in err


def test_a_missing_register_is_not_created(prod_reports: Reports, tmp_path: Path) -> None:
    code, _, err = append(prod_reports.diff, tmp_path / "nowhere.md", "--pr", "1", "--approver", "a")
    assert code == 2
    assert f"--register {tmp_path / 'nowhere.md'}: no such file" in err
    assert not (tmp_path / "nowhere.md").exists()
