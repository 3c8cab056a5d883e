"""`python -m delivery`: the steps of the delivery workflows, runnable by hand the same way.

    python -m delivery preview STACK [--out DIR]          # pulumi preview, with the policy pack
    python -m delivery drift STACK [--out DIR]            # pulumi preview --refresh --expect-no-changes
    python -m delivery up STACK [--out DIR]               # pulumi up --yes, with the policy pack
    (preview, drift and up take --project DIR: another Pulumi project of this repository, e.g. platform)
    python -m delivery summary DIR [--title T]            # markdown of a run, for a job summary or issue
    python -m delivery compare APPROVED.json CURRENT.json # did prod's plan change since it was approved?
    python -m delivery comment REPORT.md --marker M --link URL   # the pull-request comment body
    python -m delivery codeowners [--check]               # .github/CODEOWNERS from .github/owners.yml

Exit codes: preview and up return the CLI's verdict (0 passed, 1 failed); drift returns 0 for clean and
for drift (the status is in DIR/result.json and on GITHUB_OUTPUT) and 1 when the check itself failed;
compare returns 1 when the plans differ, and codeowners --check when CODEOWNERS is stale; 2 means the
command was used wrongly, an input is unreadable, or a bug (one message; exit_codes.py); Ctrl-C 130 and
SIGTERM 143, after passing the signal to `pulumi` once and letting it cancel cleanly.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from delivery import codeowners, digest, markdown, runner

STACK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    root = Path.cwd()
    try:
        return args.run(args, root)
    except (digest.DigestError, codeowners.OwnersError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _preview(args: argparse.Namespace, root: Path) -> int:
    result = runner.preview(args.stack, _out(args), root, project=args.project)
    _outputs(status=result.status, has_changes=str(_changed(result.changes)).lower())
    return 0 if result.status == "ok" else 1


def _drift(args: argparse.Namespace, root: Path) -> int:
    result = runner.preview(args.stack, _out(args), root, drift=True, project=args.project)
    _outputs(status=result.status)
    print(f"drift check of {result.stack_ref}: {result.status}" + (f" ({result.reason})" if result.reason else ""))
    return 1 if result.status == "error" else 0


def _up(args: argparse.Namespace, root: Path) -> int:
    result = runner.up(args.stack, _out(args), root, project=args.project)
    _outputs(status=result.status)
    return 0 if result.status == "ok" else 1


def _summary(args: argparse.Namespace, root: Path) -> int:
    try:
        result = runner.load_result(args.dir)
    except (OSError, ValueError) as exc:
        print(f"error: {args.dir}/result.json: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(markdown.run_summary(args.dir, result, title=args.title, limit=args.limit))
    return 0


def _compare(args: argparse.Namespace, root: Path) -> int:
    removed, added = digest.compare(digest.load(args.approved), digest.load(args.current))
    if not removed and not added:
        print("The current plan is the approved plan.")
        return 0
    print("The plan changed since it was approved; re-run the workflow so that a person approves the new one.")
    for label, items in (("approved, no longer planned", removed), ("planned, never approved", added)):
        for c in items:
            print(f"  {label}: {c.op} {c.urn}" + (f" ({', '.join(c.reasons)})" if c.reasons else ""))
    return 1


def _comment(args: argparse.Namespace, root: Path) -> int:
    try:
        body = args.report.read_text()
    except OSError as exc:
        body = f"The preflight produced no report ({exc.strerror}): see the run's log."
    sys.stdout.write(markdown.comment(body, marker=args.marker, link=args.link, limit=args.limit))
    return 0


def _codeowners(args: argparse.Namespace, root: Path) -> int:
    text = codeowners.render(codeowners.load(root / codeowners.OWNERS_FILE))
    if not args.check:
        sys.stdout.write(text)
        return 0
    path = root / codeowners.CODEOWNERS_FILE
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        print(f"{codeowners.CODEOWNERS_FILE} matches {codeowners.OWNERS_FILE}")
        return 0
    print(
        f"{codeowners.CODEOWNERS_FILE} differs from {codeowners.OWNERS_FILE}; regenerate it: "
        f"python -m delivery codeowners > {codeowners.CODEOWNERS_FILE}",
        file=sys.stderr,
    )
    return 1


def _out(args: argparse.Namespace) -> Path:
    return args.out or Path("reports") / args.stack


def _changed(counts: dict[str, int]) -> bool:
    return any(n for op, n in counts.items() if op not in digest.NO_CHANGE_OPS)


def _outputs(**values: str) -> None:
    """Step outputs for later steps and jobs, when running inside GitHub Actions."""
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a") as f:
            f.writelines(f"{k.replace('_', '-')}={v}\n" for k, v in values.items())


def _stack_name(value: str) -> str:
    if not STACK_NAME.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a stack name (letters, digits, '.', '_', '-')")
    return value


def _project_dir(value: str) -> Path:
    path = Path(value)
    if path.is_absolute() or ".." in path.parts or not (path / "Pulumi.yaml").is_file():
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a Pulumi project directory of this repository (a relative path holding Pulumi.yaml)"
        )
    return path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m delivery", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    for name, run, help_ in (
        ("preview", _preview, "pulumi preview with the policy pack (text and JSON)"),
        ("drift", _drift, "pulumi preview --refresh --expect-no-changes (no policy pack)"),
        ("up", _up, "pulumi up --yes with the policy pack, then the update's history record"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument("stack", type=_stack_name, help="dev, staging, prod (or a personal stack such as dev-jane)")
        p.add_argument("--out", type=Path, help="output directory (default: reports/<stack>)")
        p.add_argument(
            "--project",
            type=_project_dir,
            default=Path("."),
            help="the Pulumi project's directory, relative to the repository (default: .; e.g. platform)",
        )
        p.set_defaults(run=run)

    p = sub.add_parser("summary", help="markdown of a run's output directory")
    p.add_argument("dir", type=Path)
    p.add_argument("--title")
    p.add_argument("--limit", type=int, default=markdown.SUMMARY_LIMIT, help="at most this many characters")
    p.set_defaults(run=_summary)

    p = sub.add_parser("compare", help="exit 1 if the current preview plans other changes than the approved one")
    p.add_argument("approved", type=Path)
    p.add_argument("current", type=Path)
    p.set_defaults(run=_compare)

    p = sub.add_parser("comment", help="the pull-request comment body for a markdown report")
    p.add_argument("report", type=Path)
    p.add_argument("--marker", required=True, help="an HTML comment that identifies the comment to update")
    p.add_argument("--link", required=True, help="URL of the workflow run")
    p.add_argument("--limit", type=int, default=markdown.ISSUE_LIMIT)
    p.set_defaults(run=_comment)

    p = sub.add_parser("codeowners", help=".github/CODEOWNERS generated from .github/owners.yml")
    p.add_argument("--check", action="store_true", help="exit 1 if .github/CODEOWNERS is not what it would generate")
    p.set_defaults(run=_codeowners)
    return parser
