"""The preflight as a library: which stacks to evaluate, and their report. Used by the command line
(`preflight/cli.py`) and by `python -m preflight residency`; the argument parsing stays in the commands."""

from __future__ import annotations

import sys
from pathlib import Path

import account_isolation
from stack_config import Project, ProjectError


def select_stacks(project_dir: Path, wanted: list[str] | None) -> tuple[Project, list[str]]:
    """The project and the stacks to evaluate (all shipped ones unless named); ProjectError if unknown."""
    root = project_dir.resolve()
    project = Project.load(root)
    shipped = project.stacks()
    stacks = wanted or shipped
    unknown = [s for s in stacks if s not in shipped]
    if unknown:
        raise ProjectError(
            f"--stack {', '.join(unknown)}: no such stack; stacks shipped: {', '.join(shipped) or 'none'}"
        )
    if not stacks:
        raise ProjectError(f"{root}: no Pulumi.<stack>.yaml files; nothing to check")
    return project, stacks


def evaluate_report(
    project: Project, stacks: list[str], policy_pack: Path | None, *, fork: bool = True
) -> tuple[dict, list]:
    """Every stack evaluated and judged by the pack: the JSON report and the per-stack results (`fork`: see
    `preflight.runner.evaluate`). It forks this process (packs, and a worker per stack): call it from a
    process that has not started gRPC, as `python -m preflight` is."""
    # Imported here so that usage errors answer at once; the runner pulls in the Pulumi SDK.
    from preflight.report import StackResult, build_report
    from preflight.runner import Progress, evaluate

    # The project-level check, over every stack file (no single stack shows it): a non-prod stack that shares
    # prod's Vercel team or Sentry organisation is an error of that stack's configuration, not evaluated.
    shared = account_isolation.problems(project, stacks)
    policy_dir = (policy_pack or default_policy_pack(project.root)).resolve()
    progress = Progress(enabled=sys.stderr.isatty())
    evaluated = evaluate(project, [s for s in stacks if s not in shared], policy_dir, progress, fork=fork)
    progress.done()
    by_stack = {r.name: r for r in evaluated} | {s: StackResult(s, error=m) for s, m in shared.items()}
    results = [by_stack[stack] for stack in stacks]
    return build_report(project.name, results), results


def default_policy_pack(project_root: Path) -> Path:
    """`<project>/policy`, or for a project inside the repository (`--project platform`) the repository's
    `policy/` beside it: one pack judges every project, as `python -m delivery --project` passes it."""
    own = project_root / "policy"
    beside = project_root.parent / "policy"
    if not (own / "PulumiPolicy.yaml").is_file() and (beside / "PulumiPolicy.yaml").is_file():
        return beside
    return own
