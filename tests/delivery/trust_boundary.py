"""Which workflow jobs can run untrusted code, and with which environments: read from the workflow files.

A job can run untrusted code when a run that an outsider to `main` can start reaches it: a pull request
(its code and even the workflow file come from the branch), a manual run started on another branch, a
push to a branch other than `main`. For each such run this module evaluates each job's `if:` the way
GitHub does (three-valued: what is not known about the run, such as a job's status, may be anything)
and expands its `environment:` over the job's matrix. A job whose condition cannot be false for that
run "may run" there. tests/delivery/test_trust_boundary.py states the rules over this model.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any, ClassVar

# The third truth value of an `if:` expression: a value the run does not fix (a job's status, another job's
# output), which may be anything when the job runs. Not the pack's UNKNOWN (a resource value known only after
# the update): a different idea, so a different name.
INDETERMINATE = object()

# Events an outsider to `main` controls: the branch's code (and workflow files) or its text run.
PULL_REQUEST_EVENTS = (
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
    "issue_comment",
    "workflow_run",
    "merge_group",
)
REPOSITORY = "motion-mavericks/portal-iac"
OTHER_BRANCH = "refs/heads/someone-elses-branch"


@dataclass(frozen=True)
class Run:
    """One way a run can start without going through `main`'s review."""

    name: str
    context: dict[str, Any]

    @property
    def from_pull_request(self) -> bool:
        return self.context["github.event_name"] in PULL_REQUEST_EVENTS


def untrusted_runs(triggers: Any) -> list[Run]:
    """The runs of a workflow with these `on:` triggers that do not start from `main`'s reviewed code."""
    if isinstance(triggers, str):
        triggers = {triggers: None}
    elif isinstance(triggers, list):
        triggers = dict.fromkeys(triggers)
    runs = []
    for event, spec in triggers.items():
        if event in PULL_REQUEST_EVENTS:
            # The worst case: a branch of this repository (forks get no secrets at all).
            runs.append(Run(event, _context(event, "refs/pull/1/merge", pull_request=True)))
        elif event == "workflow_dispatch":
            runs.append(Run("manual run on a branch", _context(event, OTHER_BRANCH)))
        elif event == "push" and _push_reaches_other_branches(spec or {}):
            runs.append(Run("push to a branch", _context(event, OTHER_BRANCH)))
        # schedule: GitHub runs it on the default branch only. Anything else is refused by the tests.
    return runs


def _push_reaches_other_branches(spec: dict[str, Any]) -> bool:
    branches = spec.get("branches")
    return spec.get("branches-ignore") is not None or branches is None or set(branches) != {"main"}


def _context(event: str, ref: str, *, pull_request: bool = False) -> dict[str, Any]:
    context = {"github.event_name": event, "github.ref": ref, "github.repository": REPOSITORY}
    if pull_request:
        context |= {
            "github.event.pull_request.head.repo.full_name": REPOSITORY,
            "github.event.pull_request.user.login": "a-developer",
        }
    return context


def may_run(job: dict[str, Any], run: Run) -> bool:
    """False only if the job's `if:` is certainly false for this run."""
    condition = job.get("if")
    if condition is None or condition is True:
        return True
    return evaluate(str(condition), run.context) is not False


def environments(job: dict[str, Any]) -> set[str]:
    """Every environment name the job can use, its matrix expanded (an unresolved expression stays)."""
    env = job.get("environment")
    if env is None:
        return set()
    name = env["name"] if isinstance(env, dict) else str(env)
    return {_substitute(name, combo) for combo in _matrix(job)}


def _matrix(job: dict[str, Any]) -> list[dict[str, Any]]:
    matrix = dict((job.get("strategy") or {}).get("matrix") or {})
    include = matrix.pop("include", []) or []
    matrix.pop("exclude", None)
    keys = list(matrix)
    combos = [dict(zip(keys, values, strict=True)) for values in itertools.product(*(matrix[k] for k in keys))]
    return (combos or [{}]) + list(include)


def _substitute(text: str, combo: dict[str, Any]) -> str:
    def one(m: re.Match[str]) -> str:
        key = m.group(1)
        return str(combo[key]) if key in combo else m.group(0)

    return re.sub(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}", one, text)


# --- GitHub's expression language, enough of it for `if:` -------------------------------------------

TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op>==|!=|<=|>=|&&|\|\||[!<>(),])"
    r"|(?P<name>[A-Za-z_][\w.-]*(?:\[\*\])?))"
)


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """The value of an `if:` expression: True, False, another value, or INDETERMINATE."""
    text = expression.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    tokens = _tokens(text)
    parser = _Parser(tokens, context)
    value = parser.disjunction()
    if parser.pos != len(tokens):
        raise ValueError(f"cannot read the expression {expression!r}")
    return _truth(value)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text.rstrip()):
        m = TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot read the expression {text!r} at {pos}")
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


def _truth(value: Any) -> Any:
    return value if value is INDETERMINATE else bool(value)


def _not(value: Any) -> Any:
    return INDETERMINATE if value is INDETERMINATE else not value


def _either(left: Any, right: Any, decisive: bool) -> Any:
    """`||` (decisive True) or `&&` (decisive False), three-valued: the decisive value wins whatever the other
    side is; otherwise INDETERMINATE if either side is, else the other truth value."""
    truths = (_truth(left), _truth(right))
    if decisive in truths:
        return decisive
    return INDETERMINATE if INDETERMINATE in truths else not decisive


def _equal(a: Any, b: Any) -> Any:
    if a is INDETERMINATE or b is INDETERMINATE:
        return INDETERMINATE
    if isinstance(a, str) and isinstance(b, str):  # GitHub compares strings ignoring case
        return a.lower() == b.lower()
    return a == b


class _Parser:
    FUNCTIONS: ClassVar[dict[str, Any]] = {
        "always": lambda: True,
        "success": lambda: INDETERMINATE,
        "failure": lambda: INDETERMINATE,
        "cancelled": lambda: INDETERMINATE,
    }

    def __init__(self, tokens: list[tuple[str, str]], context: dict[str, Any]) -> None:
        self.tokens, self.context, self.pos = tokens, context, 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise ValueError(f"expected {expected!r}, found {token[1]!r}")
        self.pos += 1
        return token

    def disjunction(self) -> Any:
        value = self.conjunction()
        while self.peek() == "||":
            self.take()
            value = _either(value, self.conjunction(), decisive=True)
        return value

    def conjunction(self) -> Any:
        value = self.comparison()
        while self.peek() == "&&":
            self.take()
            value = _either(value, self.comparison(), decisive=False)
        return value

    def comparison(self) -> Any:
        value = self.unary()
        while self.peek() in ("==", "!="):
            op = self.take()[1]
            equal = _equal(value, self.unary())
            value = equal if op == "==" else _not(equal)
        return value

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return _not(_truth(self.unary()))
        return self.primary()

    def primary(self) -> Any:
        kind, text = self.take()
        if text == "(":
            value = self.disjunction()
            self.take(")")
            return value
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if kind != "name":
            raise ValueError(f"unexpected {text!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self.peek() == "(":
            self.take("(")
            args = []
            while self.peek() != ")":
                args.append(self.disjunction())
                if self.peek() == ",":
                    self.take(",")
            self.take(")")
            function = self.FUNCTIONS.get(text)
            return function(*args) if function else INDETERMINATE
        return self.context.get(text, INDETERMINATE)


# --- the credential guard: first, from the reviewed base commit ---------------------------------------

GUARD_COMMAND = "python -m ops.credential_guard"
BASE_REF = "${{ github.event.pull_request.base.sha }}"
# The vendor credentials the guard can ask about; a job that uses one must have handed it to the guard.
GUARDED_SECRETS = ("NEON_API_KEY", "VERCEL_API_TOKEN", "UPSTASH_EMAIL", "UPSTASH_API_KEY", "SENTRY_AUTH_TOKEN")
SECRET = re.compile(r"\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def _path(value: Any) -> str:
    return str(value or ".").strip().strip("/") or "."


def secrets_of(step: dict[str, Any]) -> set[str]:
    """The secrets a step receives, by name (from `env:` and `with:`)."""
    text = " ".join(str(v) for key in ("env", "with") for v in (step.get(key) or {}).values())
    return set(SECRET.findall(text))


def guard_problems(job: dict[str, Any]) -> list[str]:
    """What keeps a job that holds environment secrets from running the credential guard first: the guard
    must run from a checkout of the base commit (reviewed code), before any step receives a secret, and
    before any command runs outside that checkout (a command in the branch's checkout runs the branch's code,
    e.g. `python -m pip` imports a `pip/` the branch adds); it must be handed every vendor credential the job
    uses later."""
    steps = job.get("steps", [])
    checked_out: dict[str, str] = {}  # path -> the ref last checked out there
    for index, step in enumerate(steps):
        uses, run = str(step.get("uses", "")), step.get("run")
        where = _path(step.get("working-directory"))
        if uses.startswith("actions/checkout@"):
            checked_out[_path((step.get("with") or {}).get("path"))] = str((step.get("with") or {}).get("ref", ""))
            continue
        if run is not None and GUARD_COMMAND in str(run):
            problems = []
            if checked_out.get(where) != BASE_REF:
                problems.append(
                    f"the credential guard runs in {where!r}, which is not a checkout of the base commit ({BASE_REF})"
                )
            later = set().union(*(secrets_of(s) for s in steps[index + 1 :])) & set(GUARDED_SECRETS)
            unguarded = sorted(later - secrets_of(step))
            if unguarded:
                problems.append(f"the credential guard is not handed {', '.join(unguarded)}, which later steps use")
            return problems
        if secrets_of(step):
            name = step.get("name", uses or "a step")
            return [f"step {name!r} receives {', '.join(sorted(secrets_of(step)))} before the credential guard runs"]
        if run is not None and checked_out.get(where) != BASE_REF:
            return [f"step {step.get('name', 'a run step')!r} runs a command in {where!r} before the credential guard"]
    return ["no step runs the credential guard (python -m ops.credential_guard)"]
