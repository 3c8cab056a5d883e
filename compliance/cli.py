"""The compliance evidence command line.

    python -m compliance diff BASE.json HEAD.json [--format markdown|json] [--json FILE] | --rules
    python -m compliance register append DIFF.json (--pr N | --commit SHA) (--approver LOGIN | --reviews FILE)
    python -m compliance residency REPORT.json [--stack NAME]...

Each command documents its exit codes, within the one convention of exit_codes.py: 0 done; 1 only for
`residency`, a residency violation; 2 a user's mistake or a file that cannot be used, named in one message.
A bug is one message and exit 2 too (never a traceback, never 1, which CI reads as a violation); Ctrl-C
exits 130 and SIGTERM 143 (`run_command` in compliance/__main__.py).
"""

from __future__ import annotations

import sys

from exit_codes import USAGE as EXIT_USAGE

COMMANDS = {
    "diff": "classified changes between two preflight reports (the pull request comment, the register's input)",
    "register": "append a merged diff's impacting changes to docs/compliance/register.md",
    "residency": "where each service keeps its data, per stack, with the pack's verdicts",
}


def main(argv: list[str] | None = None, prog: str = "python -m compliance") -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in COMMANDS:
        helping = bool(argv) and argv[0] in ("-h", "--help")
        print(_usage(prog), file=sys.stdout if helping else sys.stderr)
        if not helping:
            found = f"found {argv[0]!r}" if argv else "none given"
            print(
                f"{prog.removeprefix('python -m ')}: command: {found}; allowed: {', '.join(COMMANDS)}", file=sys.stderr
            )
        return 0 if helping else EXIT_USAGE
    name, rest = argv[0], argv[1:]
    command = f"{prog} {name}"
    try:
        return _run(name, rest, command)
    except BrokenPipeError:  # `... | head`: the reader left, nothing more to say
        sys.stderr.close()
        return 0


def _run(name: str, argv: list[str], prog: str) -> int:
    # Imported on use, so that each command loads only what it needs.
    if name == "diff":
        from compliance import diff

        return diff.main(argv, prog)
    if name == "register":
        from compliance import register

        return register.main(argv, prog)
    from compliance import residency

    return residency.main(argv, prog)


def _usage(prog: str) -> str:
    lines = [f"usage: {prog} {{{','.join(COMMANDS)}}} ...", "", "Compliance evidence from preflight reports:"]
    lines += [f"  {name:<10} {what}" for name, what in COMMANDS.items()]
    lines += ["", f"Each takes --help, e.g. `{prog} diff --help`."]
    return "\n".join(lines)
