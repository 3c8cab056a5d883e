"""`python -m preflight residency`: the residency report (compliance/residency.py) of the stacks evaluated
now, or of a report written earlier (`--from-report FILE`, the same as `python -m compliance residency`).

Exit codes: those of `python -m compliance residency`; 2 also when a stack cannot be evaluated.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compliance import residency

PROG = "python -m preflight residency"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Where each service's data lives, per stack, with the policy pack's residency verdicts.",
    )
    parser.add_argument("--stack", action="append", metavar="NAME", help="only this stack (repeatable)")
    parser.add_argument("--from-report", type=Path, metavar="FILE", help="read a preflight JSON report instead")
    parser.add_argument("--format", choices=("markdown",), default="markdown", help="output format (markdown)")
    parser.add_argument("--project", type=Path, default=Path.cwd(), help="project directory (default: .)")
    parser.add_argument("--policy-pack", type=Path, default=None, help="default: <project>/policy")
    args = parser.parse_args(argv)
    name = PROG.removeprefix("python -m ")
    if args.from_report is not None:
        from compliance.reports import ReportError, load_report

        try:
            report = load_report(args.from_report, "--from-report")
        except ReportError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return residency.EXIT_USAGE
        return residency.show(report, args.stack, args.from_report, name)

    from preflight.evaluation import evaluate_report, select_stacks
    from stack_config import ProjectError

    try:
        project, stacks = select_stacks(args.project, args.stack)
    except ProjectError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return residency.EXIT_USAGE
    report, _ = evaluate_report(project, stacks, args.policy_pack)
    return residency.show(report, None, None, name)
