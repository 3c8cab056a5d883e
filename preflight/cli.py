"""The preflight command line.

    python -m preflight [check] [--stack NAME]... [--json FILE] [--format text|json|markdown]
    python -m preflight residency [--stack NAME]... [--from-report FILE] [--format markdown]
    python -m preflight diff ...        the same as `python -m compliance diff ...`
    python -m preflight register ...    the same as `python -m compliance register ...`

Without a subcommand (or with `check`): every stack is evaluated. Exit codes: 0 no mandatory violation;
1 mandatory violations; 2 a stack's program or configuration could not be evaluated (or the command was
used wrongly). `residency` evaluates the stacks (or reads --from-report) and shows them as
`python -m compliance residency` does. The compliance evidence tools live in `compliance/`, which reads
reports and never imports the Pulumi SDK; `diff` and `register` here are aliases kept for the workflows
and for habit. Each documents its own exit codes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import exit_codes
from preflight.evaluation import evaluate_report, select_stacks
from stack_config import ProjectError

EXIT_USAGE = exit_codes.USAGE
SUBCOMMANDS = ("diff", "residency", "register")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m preflight",
        description=(
            "Preview every stack offline: the Pulumi program under Pulumi's mock monitor, judged by the "
            "policy pack over the Analyzer protocol. No Pulumi CLI, credentials or network needed."
        ),
        epilog=(
            "Other commands: `residency` (where each service keeps its data), and the aliases of "
            "`python -m compliance`: `diff BASE.json HEAD.json` (classified changes between two reports), "
            "`register append DIFF.json` (the compliance register). Each takes --help."
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
    parser.add_argument(
        "--pack-start",
        choices=("fork", "spawn"),
        default="fork",
        help=(
            "how each stack's policy pack starts: forked from this process after one SDK import (default; "
            "it then runs the pack fresh with the engine's environment and arguments), or spawned in a new "
            "interpreter exactly as the engine does (slower; for comparison)"
        ),
    )
    parser.add_argument("--project", type=Path, default=Path.cwd(), help="project directory (default: .)")
    parser.add_argument(
        "--policy-pack",
        type=Path,
        default=None,
        help="policy pack directory (default: <project>/policy, else the policy/ beside the project: e.g. "
        "--project platform uses the repository's pack)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in SUBCOMMANDS:
        return _subcommand(argv[0], argv[1:])
    if argv and argv[0] == "check":
        argv = argv[1:]
    args = parse_args(argv)
    try:
        project, stacks = select_stacks(args.project, args.stack)
    except ProjectError as exc:
        print(f"preflight: {exc}", file=sys.stderr)
        return EXIT_USAGE

    # Imported here so that usage errors answer at once; the runner pulls in the Pulumi SDK.
    from preflight import render
    from preflight.report import exit_code, write_json

    report, results = evaluate_report(project, stacks, args.policy_pack, fork=args.pack_start == "fork")
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


def _subcommand(name: str, argv: list[str]) -> int:
    # Imported on use, so that each command loads only what it needs.
    if name == "residency":
        from preflight import residency

        return residency.main(argv)
    from compliance import cli

    return cli.main([name, *argv], prog="python -m preflight")
