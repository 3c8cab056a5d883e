"""The Pulumi CLI invocations of the workflows, each run once here with the same safety flags.

Every preview and update runs the policy pack (`--policy-pack policy`, plus the stack's
`policy/config/<stack>.json` when one exists). Drift detection is the one exception: it asks whether
the cloud still matches the state, and a policy verdict there would blur that answer (the pack already
judged the code on its pull request and before its update).

Nothing here prints a secret: the vendor credentials reach the CLI through the inherited environment
and never appear in an argument; `--suppress-outputs` keeps stack outputs (hosts, DSNs) out of logs and
artefacts; the CLI masks secret values as `[secret]`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from delivery import digest
from exit_codes import passing_interrupts_to

POLICY_PACK = "policy"
QUIET = ("--non-interactive", "--color", "never", "--suppress-outputs", "--suppress-progress")


@dataclass
class Result:
    """What one run did; written next to its outputs as result.json for later jobs and the archive."""

    command: str  # preview | drift | up
    stack: str
    stack_ref: str
    status: str  # preview/up: ok | failed; drift: clean | drift | error
    commands: list[list[str]] = field(default_factory=list)
    exit_codes: list[int] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)
    policy_pack_config: str | None = None
    reason: str = ""

    def write(self, out: Path) -> None:
        (out / "result.json").write_text(json.dumps(asdict(self), indent=2) + "\n")


def load_result(out: Path) -> dict[str, Any]:
    return json.loads((out / "result.json").read_text())


def stack_ref(stack: str) -> str:
    """`<org>/<stack>` when the repository variable PULUMI_ORG is set, else the login's default org."""
    org = os.environ.get("PULUMI_ORG", "").strip()
    return f"{org}/{stack}" if org else stack


def policy_args(stack: str, root: Path, project: Path = Path(".")) -> tuple[list[str], str | None]:
    """The pack and its per-stack config, as paths relative to the project directory the CLI runs in.

    The portal's stacks read `policy/config/<stack>.json`; another project's (`--project platform`) read
    `policy/config/<project>-<stack>.json`, so that the portal's prod exceptions never apply to it."""
    name = f"{stack}.json" if project == Path(".") else f"{project.name}-{stack}.json"
    config = Path(POLICY_PACK) / "config" / name
    pack = os.path.relpath(root / POLICY_PACK, root / project)
    if (root / config).is_file():
        relative = os.path.relpath(root / config, root / project)
        return ["--policy-pack", pack, "--policy-pack-config", relative], str(config)
    return ["--policy-pack", pack], None


def preview(
    stack: str, out: Path, root: Path, *, drift: bool = False, pulumi: str = "pulumi", project: Path = Path(".")
) -> Result:
    """Text preview (the diff and the policy verdict) into preview.txt, JSON into preview.json.

    With `drift`: `--refresh`, no policy pack, and `--expect-no-changes` on the text run; the status is
    `clean` (exit 0), `drift` (the text run failed and the JSON shows changes) or `error` (anything else,
    e.g. bad credentials: never reported as drift, never closes a drift issue).
    """
    out.mkdir(parents=True, exist_ok=True)
    ref = stack_ref(stack)
    policy, config = ([], None) if drift else policy_args(stack, root, project)
    base = [pulumi, "preview", "--stack", ref, *QUIET, *policy]
    text_cmd = [*base, "--diff"] + (["--refresh", "--expect-no-changes"] if drift else [])
    json_cmd = [*base, "--json"] + (["--refresh"] if drift else [])

    text_rc = _tee(text_cmd, out / "preview.txt", root / project)
    json_rc = _capture(json_cmd, out / "preview.json", out / "preview.stderr", root / project)

    result = Result("drift" if drift else "preview", stack, ref, "", [text_cmd, json_cmd], [text_rc, json_rc])
    result.policy_pack_config = config
    parsed: dict[str, Any] | None = None
    try:
        parsed = digest.load(out / "preview.json")
        result.changes = digest.counts(parsed)
    except digest.DigestError as exc:
        result.reason = str(exc)

    if not drift:
        result.status = "ok" if text_rc == 0 else "failed"
        if text_rc != 0:
            result.reason = result.reason or "the preview failed (errors or mandatory policy violations)"
    elif json_rc != 0 or parsed is None:
        result.status, result.reason = "error", result.reason or f"the JSON preview exited {json_rc}"
    elif text_rc == 0:
        result.status = "clean"
    elif digest.has_changes(parsed):
        result.status, result.reason = "drift", "the refreshed state differs from the program"
    else:
        result.status = "error"
        result.reason = f"the preview exited {text_rc} but proposed no change: see preview.txt"
    result.write(out)
    return result


def up(stack: str, out: Path, root: Path, *, pulumi: str = "pulumi", project: Path = Path(".")) -> Result:
    """`pulumi up` with the policy pack into up.txt, then the update's record into history.json."""
    out.mkdir(parents=True, exist_ok=True)
    ref = stack_ref(stack)
    policy, config = policy_args(stack, root, project)
    up_cmd = [pulumi, "up", "--stack", ref, "--yes", *QUIET, *policy, "--diff"]
    history_cmd = [pulumi, "stack", "history", "--stack", ref, "--json", "--page-size", "1"]

    up_rc = _tee(up_cmd, out / "up.txt", root / project)
    history_rc = _capture(history_cmd, out / "history.json", out / "history.stderr", root / project)

    result = Result("up", stack, ref, "ok" if up_rc == 0 else "failed", [up_cmd, history_cmd], [up_rc, history_rc])
    result.policy_pack_config = config
    if up_rc != 0:
        result.reason = "the update failed (errors or mandatory policy violations): see up.txt"
    try:
        history = json.loads((out / "history.json").read_text() or "null")
        if isinstance(history, list) and history and isinstance(history[0], dict):
            result.changes = {str(k): int(v) for k, v in (history[0].get("resourceChanges") or {}).items()}
    except (OSError, ValueError):
        pass
    result.write(out)
    return result


# The CLI runs in a session of its own: Ctrl-C or SIGTERM reaches it once, passed on by this command, which
# waits for it to cancel cleanly (and release the stack's lock) before exiting 130 or 143 (exit_codes.py).
def _tee(cmd: list[str], path: Path, cwd: Path) -> int:
    """Run with stdout and stderr shown in the log as they come, and kept in `path`."""
    print("$ " + " ".join(cmd), flush=True)
    with path.open("w") as kept:
        try:
            proc = subprocess.Popen(
                cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
            )
        except OSError as exc:
            kept.write(f"cannot run {cmd[0]}: {exc.strerror}\n")
            print(f"cannot run {cmd[0]}: {exc.strerror}", file=sys.stderr)
            return 127
        assert proc.stdout is not None
        with passing_interrupts_to(proc):
            for line in proc.stdout:
                sys.stdout.write(line)
                kept.write(line)
            return proc.wait()


def _capture(cmd: list[str], stdout: Path, stderr: Path, cwd: Path) -> int:
    """Run with stdout kept whole in a file (it is JSON); stderr kept and shown."""
    print("$ " + " ".join(cmd), flush=True)
    try:
        with stdout.open("w") as out, stderr.open("w") as err:
            proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, text=True, start_new_session=True)
            with passing_interrupts_to(proc):
                rc = proc.wait()
    except OSError as exc:
        stderr.write_text(f"cannot run {cmd[0]}: {exc.strerror}\n")
        rc = 127
    sys.stderr.write(stderr.read_text())
    sys.stdout.flush()
    return rc
