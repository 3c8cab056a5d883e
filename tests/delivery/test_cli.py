"""`python -m delivery` against a stand-in `pulumi` that records its arguments and plays back a preview.

The real CLI cannot run here (no binary, no credentials); what matters is the contract with it: which
flags every preview and update gets, how exit codes and the preview digest become a verdict, and what is
written for the job summary, the drift issue and the archive.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from delivery import digest, markdown
from tests.support.commands import run_module, run_module_in_process
from tests.support.project import ROOT

FAKE = """\
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
if os.environ.get("FAKE_CWD_LOG"):
    with open(os.environ["FAKE_CWD_LOG"], "a") as log:
        log.write(os.getcwd() + "\\n")
if args[:2] == ["stack", "history"]:
    print(json.dumps([{"kind": "update", "result": "succeeded", "resourceChanges": {"create": 2, "same": 9}}]))
    sys.exit(0)
if "--json" in args:
    sys.stdout.write(open(os.environ["FAKE_DIGEST"]).read())
    sys.exit(int(os.environ.get("FAKE_JSON_RC", "0")))
print("Previewing update (%s):" % args[args.index("--stack") + 1])
print("    + vercel:index/project:Project admin create")
print("Policies:\\n    mandatory: au-data-residency")
sys.exit(int(os.environ.get("FAKE_TEXT_RC", "0")))
"""

URN = "urn:pulumi:{stack}::motion-mavericks-portal::motion-mavericks:index:VercelSite${type}::{name}"


def step(op: str, type_: str, name: str, stack: str = "dev", **extra) -> dict:
    return {"op": op, "urn": URN.format(stack=stack, type=type_, name=name), **extra}


CHANGED = {
    "steps": [
        step("same", "vercel:index/project:Project", "guest"),
        step("create", "vercel:index/project:Project", "admin"),
        step("update", "vercel:index/projectDomain:ProjectDomain", "admin|x", diffReasons=["domain"]),
    ],
    "diagnostics": [{"urn": URN.format(stack="dev", type="t", name="admin"), "severity": "warning", "message": "w"}],
    "changeSummary": {"create": 1, "same": 1, "update": 1},
}
UNCHANGED = {"steps": [step("same", "vercel:index/project:Project", "guest")], "changeSummary": {"same": 1}}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project root with `pulumi` on PATH as the stand-in, and no vendor credential in sight."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pulumi"
    fake.write_text(f"#!{sys.executable}\n{FAKE}")
    fake.chmod(0o755)
    root = tmp_path / "project"
    (root / "policy").mkdir(parents=True)
    return root


def run(
    root: Path, *args: str, digest_: dict | str = CHANGED, subprocess: bool = False, **env: str
) -> CompletedProcess[str]:
    """`python -m delivery <args>` in `root`: in this process, as `python -m` runs it (tests/support/commands.py),
    or with `subprocess=True` as a process of its own, as the workflows start it (a preview and an update here;
    Ctrl-C and SIGTERM passed on to `pulumi` in tests/test_exit_codes.py)."""
    digest_file = root.parent / "digest.json"
    digest_file.write_text(digest_ if isinstance(digest_, str) else json.dumps(digest_))
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "GITHUB_"))}
    environ |= {
        "PATH": f"{root.parent / 'bin'}{os.pathsep}/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "FAKE_LOG": str(root.parent / "calls.jsonl"),
        "FAKE_DIGEST": str(digest_file),
        **env,
    }
    if subprocess:
        return run_module("delivery", *args, cwd=root, env=environ, timeout=60)
    return run_module_in_process("delivery", *args, cwd=root, env=environ)


def calls(root: Path) -> list[list[str]]:
    log = root.parent / "calls.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def result(root: Path, out: str) -> dict:
    return json.loads((root / out / "result.json").read_text())


# --- preview ---------------------------------------------------------------------------------------


def test_preview_runs_the_policy_pack_in_text_and_json(project: Path) -> None:
    proc = run(project, "preview", "dev", "--out", "out", subprocess=True)
    assert proc.returncode == 0, proc.stderr
    text, as_json = calls(project)
    assert text[:3] == ["preview", "--stack", "dev"] and "--diff" in text
    assert as_json[:3] == ["preview", "--stack", "dev"] and "--json" in as_json
    for call in (text, as_json):
        assert call[call.index("--policy-pack") + 1] == "policy"
        assert "--policy-pack-config" not in call, "no per-stack config ships"
        for flag in ("--non-interactive", "--suppress-outputs"):
            assert flag in call
        assert "--refresh" not in call and "--expect-no-changes" not in call
    out = project / "out"
    assert "mandatory: au-data-residency" in (out / "preview.txt").read_text(), "the verdict is in the text"
    assert json.loads((out / "preview.json").read_text()) == CHANGED
    assert result(project, "out")["status"] == "ok"
    assert result(project, "out")["changes"] == {"create": 1, "same": 1, "update": 1}


def test_preview_uses_the_stacks_policy_config_when_one_exists(project: Path) -> None:
    (project / "policy" / "config").mkdir()
    (project / "policy" / "config" / "prod.json").write_text("{}")
    run(project, "preview", "prod", "--out", "out", PULUMI_ORG="motion-mavericks")
    for call in calls(project):
        assert call[call.index("--stack") + 1] == "motion-mavericks/prod"
        assert call[call.index("--policy-pack-config") + 1] == "policy/config/prod.json"
    run(project, "preview", "dev", "--out", "out-dev")
    assert "--policy-pack-config" not in calls(project)[-1], "dev has no config file"


def test_another_project_runs_in_its_directory_with_the_repositorys_pack_and_its_own_config(project: Path) -> None:
    platform = project / "platform"
    platform.mkdir()
    (platform / "Pulumi.yaml").write_text("name: motion-mavericks-platform\n")
    (project / "policy" / "config").mkdir()
    (project / "policy" / "config" / "prod.json").write_text("{}")  # the portal's: never the platform's
    cwd_log = project.parent / "cwd.log"
    proc = run(project, "preview", "prod", "--project", "platform", "--out", "out", FAKE_CWD_LOG=str(cwd_log))
    assert proc.returncode == 0, proc.stderr
    for call in calls(project):
        assert call[call.index("--policy-pack") + 1] == "../policy"
        assert "--policy-pack-config" not in call
    (project / "policy" / "config" / "platform-prod.json").write_text("{}")
    run(project, "up", "prod", "--project", "platform", "--out", "up", FAKE_CWD_LOG=str(cwd_log))
    up_call = calls(project)[-2]
    assert up_call[up_call.index("--policy-pack-config") + 1] == "../policy/config/platform-prod.json"
    assert set(cwd_log.read_text().split()) == {str(platform)}
    assert (project / "out" / "preview.txt").exists(), "outputs stay where --out says, from the repository root"


def test_a_project_that_is_not_one_is_a_usage_error(project: Path) -> None:
    for bad in ("nowhere", "../elsewhere", "/etc"):
        proc = run(project, "preview", "prod", "--project", bad)
        assert proc.returncode == 2 and "is not a Pulumi project directory of this repository" in proc.stderr
        assert calls(project) == []


def test_a_failed_preview_fails_and_still_keeps_its_outputs(project: Path, tmp_path: Path) -> None:
    gh_output = tmp_path / "github_output"
    proc = run(project, "preview", "prod", "--out", "out", FAKE_TEXT_RC="255", GITHUB_OUTPUT=str(gh_output))
    assert proc.returncode == 1
    assert result(project, "out")["status"] == "failed"
    assert (project / "out" / "preview.txt").exists() and (project / "out" / "preview.json").exists()
    assert "status=failed" in gh_output.read_text()


def test_preview_tells_the_workflow_whether_prod_would_change(project: Path, tmp_path: Path) -> None:
    gh_output = tmp_path / "github_output"
    run(project, "preview", "prod", "--out", "a", GITHUB_OUTPUT=str(gh_output))
    run(project, "preview", "prod", "--out", "b", digest_=UNCHANGED, GITHUB_OUTPUT=str(gh_output))
    assert gh_output.read_text().splitlines() == [
        "status=ok",
        "has-changes=true",
        "status=ok",
        "has-changes=false",
    ]


def test_no_credential_reaches_an_argument_or_a_file(project: Path) -> None:
    secret = "vercel-token-value-for-the-test"
    run(project, "preview", "dev", "--out", "out", VERCEL_API_TOKEN=secret, PULUMI_ACCESS_TOKEN=secret)
    assert secret not in json.dumps(calls(project))
    assert not any(secret in p.read_text() for p in (project / "out").iterdir())


# --- drift -----------------------------------------------------------------------------------------


def test_drift_refreshes_expects_no_changes_and_leaves_the_pack_out(project: Path) -> None:
    run(project, "drift", "staging", "--out", "out", digest_=UNCHANGED)
    text, as_json = calls(project)
    assert "--refresh" in text and "--expect-no-changes" in text
    assert "--refresh" in as_json and "--expect-no-changes" not in as_json
    assert "--policy-pack" not in text + as_json


@pytest.mark.parametrize(
    ("text_rc", "json_rc", "digest_", "status", "exit_code"),
    [
        ("0", "0", UNCHANGED, "clean", 0),
        ("255", "0", CHANGED, "drift", 0),
        ("255", "0", UNCHANGED, "error", 1),  # failed, but proposed nothing: not drift
        ("255", "255", CHANGED, "error", 1),  # e.g. an expired token
        ("0", "0", "", "error", 1),  # no JSON at all
    ],
)
def test_drift_verdicts(project: Path, text_rc, json_rc, digest_, status, exit_code) -> None:
    proc = run(project, "drift", "prod", "--out", "out", digest_=digest_, FAKE_TEXT_RC=text_rc, FAKE_JSON_RC=json_rc)
    assert (result(project, "out")["status"], proc.returncode) == (status, exit_code), proc.stdout + proc.stderr


# --- up --------------------------------------------------------------------------------------------


def test_up_runs_the_policy_pack_and_keeps_the_update_record(project: Path) -> None:
    proc = run(project, "up", "prod", "--out", "out", subprocess=True)
    assert proc.returncode == 0, proc.stderr
    up, history = calls(project)
    assert up[:3] == ["up", "--stack", "prod"]
    assert up[up.index("--policy-pack") + 1] == "policy"
    for flag in ("--yes", "--non-interactive", "--suppress-outputs", "--diff"):
        assert flag in up
    assert history[:2] == ["stack", "history"] and "--json" in history
    assert result(project, "out")["changes"] == {"create": 2, "same": 9}
    assert (project / "out" / "up.txt").exists()


def test_a_failed_up_fails(project: Path) -> None:
    proc = run(project, "up", "staging", "--out", "out", FAKE_TEXT_RC="255")
    assert proc.returncode == 1
    assert result(project, "out")["status"] == "failed"


def test_a_missing_cli_is_a_failure_not_a_pass(project: Path) -> None:
    (project.parent / "bin" / "pulumi").unlink()
    assert run(project, "up", "dev", "--out", "out").returncode == 1
    assert run(project, "drift", "dev", "--out", "drift").returncode == 1


def test_stack_names_are_checked(project: Path) -> None:
    proc = run(project, "up", "prod; rm -rf /", "--out", "out")
    assert proc.returncode == 2 and "not a stack name" in proc.stderr
    assert calls(project) == []


# --- compare (prod's plan against the approved one) -------------------------------------------------


def test_the_approved_plan_matches_itself_in_any_order(project: Path) -> None:
    (project / "a.json").write_text(json.dumps(CHANGED))
    (project / "b.json").write_text(json.dumps({**CHANGED, "steps": list(reversed(CHANGED["steps"]))}))
    assert run(project, "compare", "a.json", "b.json").returncode == 0


def test_a_plan_that_changed_since_approval_is_refused(project: Path) -> None:
    extra = step("delete", "neon:index/project:Project", "db")
    changed_reason = [dict(s) for s in CHANGED["steps"]]
    changed_reason[2]["diffReasons"] = ["domain", "redirect"]
    (project / "a.json").write_text(json.dumps(CHANGED))
    for current in ({**CHANGED, "steps": [*CHANGED["steps"], extra]}, {**CHANGED, "steps": changed_reason}):
        (project / "b.json").write_text(json.dumps(current))
        proc = run(project, "compare", "a.json", "b.json")
        assert proc.returncode == 1 and "re-run the workflow" in proc.stdout


def test_compare_refuses_a_missing_plan(project: Path) -> None:
    (project / "a.json").write_text("")
    proc = run(project, "compare", "a.json", "missing.json")
    assert proc.returncode == 2 and "empty" in proc.stderr


# --- markdown ----------------------------------------------------------------------------------------


def test_summary_shows_the_changes_the_verdict_and_the_output(project: Path) -> None:
    run(project, "preview", "prod", "--out", "out")
    proc = run(project, "summary", "out", "--title", "Prod plan awaiting approval")
    md = proc.stdout
    assert md.startswith("### ✅ Prod plan awaiting approval")
    assert "| create | `vercel:index/project:Project` | `admin` |  |" in md
    assert "| update | `vercel:index/projectDomain:ProjectDomain` | `admin\\|x` | `domain` |" in md
    assert "guest" not in md.split("<details>")[0], "unchanged resources are not listed"
    assert "| warning | `admin` | w |" in md
    assert "Policy pack: `policy`." in md
    assert "mandatory: au-data-residency" in md


def test_long_output_keeps_its_end_where_the_policy_verdict_is(tmp_path: Path) -> None:
    (tmp_path / "preview.txt").write_text("".join(f"line {i}\n" for i in range(50_000)) + "Policies: the end\n")
    result_ = {"command": "preview", "stack": "prod", "stack_ref": "prod", "status": "failed", "reason": "x"}
    md = markdown.run_summary(tmp_path, result_, limit=20_000)
    assert len(md) < 20_000
    assert "Policies: the end" in md and "line 0\n" not in md and "earlier output cut" in md


def test_output_cannot_close_its_code_fence(tmp_path: Path) -> None:
    (tmp_path / "up.txt").write_text("````\n# not a heading\n")
    result_ = {"command": "up", "stack": "dev", "stack_ref": "dev", "status": "ok"}
    md = markdown.run_summary(tmp_path, result_)
    assert "`````text\n````\n# not a heading\n`````" in md


def test_the_comment_starts_with_its_marker_and_fits_github(tmp_path: Path) -> None:
    report = tmp_path / "preflight.md"
    report.write_text("## Preflight\n" + "| row |\n" * 20_000)
    marker = "<!-- motion-mavericks:preflight -->"
    body = markdown.comment(report.read_text(), marker=marker, link="https://example.invalid/run")
    assert body.startswith(marker + "\n") and len(body) <= 65_536
    assert "Truncated" in body and "https://example.invalid/run" in body
    short = markdown.comment("## Preflight\nall good\n", marker=marker, link="L")
    assert "Truncated" not in short and "all good" in short


def test_urn_parts() -> None:
    urn = "urn:pulumi:prod::motion-mavericks-portal::motion-mavericks:index:NeonDatabase$neon:index/project:Project::db"
    assert (digest.urn_type(urn), digest.urn_name(urn)) == ("neon:index/project:Project", "db")


def test_up_never_saves_a_refresh(project: Path) -> None:
    """A saved refresh makes the Neon provider write the roles' current passwords into the state
    (docs/runbooks/rotate-neon-password.md, "What the state holds"): `up` never refreshes."""
    proc = run(project, "up", "dev", "--out", "up")
    up_call = next(call for call in calls(project) if call[0] == "up")
    assert "--refresh" not in up_call and not any(arg.startswith("--refresh") for arg in up_call), proc.stderr
