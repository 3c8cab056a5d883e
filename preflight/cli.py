"""The preflight command line.

    python -m preflight [--stack NAME]... [--json FILE] [--format text|json|markdown]

Exit codes: 0 no mandatory violation; 1 mandatory violations; 2 a stack's program or configuration
could not be evaluated (or the command was used wrongly).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from preflight.project import Project, ProjectError

EXIT_USAGE = 2


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m preflight",
        description=(
            "Preview every stack offline: the Pulumi program under Pulumi's mock monitor, judged by the "
            "policy pack over the Analyzer protocol. No Pulumi CLI, credentials or network needed."
        ),
    )
    parser.add_argument(
        "--stack",
        action="append",
        metavar="NAME",
        help="check only this stack (repeatable); default: every Pulumi.<stack>.yaml in the project",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the JSON report to FILE")
    parser.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="what to print on stdout (markdown is what CI posts on a pull request)",
    )
    parser.add_argument("--project", type=Path, default=Path.cwd(), help="project directory (default: .)")
    parser.add_argument(
        "--policy-pack", type=Path, default=None, help="policy pack directory (default: <project>/policy)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = args.project.resolve()
    try:
        project = Project.load(root)
        shipped = project.stacks()
        stacks = args.stack or shipped
        unknown = [s for s in stacks if s not in shipped]
        if unknown:
            raise ProjectError(
                f"--stack {', '.join(unknown)}: no such stack; stacks shipped: {', '.join(shipped) or 'none'}"
            )
        if not stacks:
            raise ProjectError(f"{root}: no Pulumi.<stack>.yaml files; nothing to check")
    except ProjectError as exc:
        print(f"preflight: {exc}", file=sys.stderr)
        return EXIT_USAGE
    policy_dir = (args.policy_pack or root / "policy").resolve()

    # Imported here so that usage errors answer at once; the runner pulls in the Pulumi SDK.
    from preflight import render
    from preflight.report import build_report, exit_code, write_json
    from preflight.runner import Progress, evaluate

    progress = Progress(enabled=sys.stderr.isatty())
    results = evaluate(project, stacks, policy_dir, progress)
    progress.done()
    report = build_report(project.name, results)
    if args.json:
        write_json(report, args.json)
    if args.format == "json":
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(render.markdown(report))
    else:
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        sys.stdout.write(render.text(report, render.Style(colour)))
    return exit_code(results)
