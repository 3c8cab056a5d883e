"""`make mutation`: mutation testing of the rule modules, with cosmic-ray (pinned), outside `make test`.

    venv/bin/python -m mutation                      # the whole scope below, 2 workers
    venv/bin/python -m mutation --only settings,redis --jobs 1

Each target is one rule module and the tests that exercise it. cosmic-ray writes each mutant into the file
and runs the target's tests (`pytest -x`; the first file alone, then the rest only if it passed); a mutant
the tests do not fail on has *survived*: a regression that could ship with every test green. cosmic-ray
edits files in place, so every worker runs in its own throwaway copy of the working tree (`git ls-files`),
never in the checkout. Each target's tests first run once unmutated: a target whose tests already fail is
refused, since every mutant would count as killed.

Operators: cosmic-ray's core set, less the ones that only multiply near-identical mutants (a binary
operator replaced by each of the ten others; the bitwise and shift operators; identity/membership swapped
for ordering comparisons; decorator removal). What stays: comparison and boolean operator swaps, `not`
added or removed, `True`/`False` swapped, numbers moved by one, `+`/`-` and `*`/`/` swapped, loops that
never run, exceptions replaced, `break`/`continue` swapped. Lines marked `# pragma: no mutate` are skipped.

The kill rate counts killed mutants (tests failed, timed out, or the mutant could not even be imported)
over every mutant run. It is written to `reports/mutation.json` and `reports/mutation.md`, with every
survivor as file, line and operator, and the command exits 1 when it is below --goal (default 90%).
"""

from __future__ import annotations

import argparse
import json
import queue
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from exit_codes import run_command

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
SESSIONS = REPORTS / "mutation"  # each finished target's cosmic-ray session, for --collect

EXCLUDED_OPERATORS = (
    r"core/ReplaceBinaryOperator_(?!Add_Sub|Sub_Add|Mul_Div|Div_Mul)",
    r"core/ReplaceUnaryOperator_(?!Not_Delete|Delete_Not)",
    r"core/RemoveDecorator",
    r"core/ReplaceComparisonOperator_(Is|IsNot|In|NotIn)_(Lt|LtE|Gt|GtE|Eq|NotEq)",
    r"core/ReplaceComparisonOperator_(Lt|LtE|Gt|GtE|Eq|NotEq)_(Is|IsNot|In|NotIn)",
)


@dataclass(frozen=True)
class Target:
    name: str
    module: str
    tests: tuple[str, ...]
    # Whether the tests use pytest-httpserver's fixture (the ops parsers' local vendor servers); the plugin's
    # import is left out of every other target's test runs.
    http: bool = False


POLICY_TESTS = "tests/policy/test_policy_{}.py"
VENDOR_ANSWERS, VENDOR_EDGES = "tests/ops/test_vendor_answers.py", "tests/ops/test_vendor_answers_edges.py"
SCOPE: tuple[Target, ...] = (
    Target(
        "settings",
        "components/settings.py",
        # In this order: pytest -x stops at the first failure, and the first file kills most mutants fastest.
        # Settings parsed from the real stack files (no program run), then the parity with the pack; the first
        # file also runs load_settings/load_secrets under Pulumi's mocks, the only code that needs them. The
        # whole-program tests (test_settings.py, test_secrets.py) cost ~10x as much a mutant and add no kill.
        (
            "tests/program/test_settings_mutants.py",
            "tests/program/test_settings_rules.py",
            "tests/policy/test_settings_parity.py",
        ),
    ),
    Target(
        "alerting", "policy/mm_policies/alerting.py", (POLICY_TESTS.format("alerting"), POLICY_TESTS.format("messages"))
    ),
    Target("monitoring", "policy/mm_policies/monitoring.py", (POLICY_TESTS.format("monitoring"),)),
    Target(
        "environment",
        "policy/mm_policies/environment.py",
        (
            POLICY_TESTS.format("environment"),
            POLICY_TESTS.format("messages"),
            POLICY_TESTS.format("alerting"),
            POLICY_TESTS.format("monitoring"),
            POLICY_TESTS.format("retention"),
        ),
    ),
    Target(
        "props",
        "policy/mm_policies/props.py",
        tuple(POLICY_TESTS.format(n) for n in ("residency", "redis", "retention", "tags", "sensitive_env")),
    ),
    Target("protection", "policy/mm_policies/protection.py", (POLICY_TESTS.format("protection"),)),
    Target("redis", "policy/mm_policies/redis.py", (POLICY_TESTS.format("redis"),)),
    Target(
        "residency",
        "policy/mm_policies/residency.py",
        (
            POLICY_TESTS.format("residency"),
            POLICY_TESTS.format("residency_messages"),
            POLICY_TESTS.format("residency_grafana"),
            POLICY_TESTS.format("governance"),
            "tests/policy/test_settings_parity.py",
        ),
    ),
    Target(
        "retention",
        "policy/mm_policies/retention.py",
        (POLICY_TESTS.format("retention"), POLICY_TESTS.format("messages"), "tests/policy/test_settings_parity.py"),
    ),
    Target("sensitive_env", "policy/mm_policies/sensitive_env.py", (POLICY_TESTS.format("sensitive_env"),)),
    Target("tags", "policy/mm_policies/tags.py", (POLICY_TESTS.format("tags"),)),
    Target(
        "ops_vercel",
        "ops/vercel.py",
        (
            "tests/ops/test_vercel_api.py",  # every call of the client, first: it kills most mutants alone
            VENDOR_ANSWERS,
            VENDOR_EDGES,
            "tests/ops/test_rotate_neon_password.py",
            "tests/ops/test_preview_env.py",  # the preview variables' calls (upsert, delete, markers)
            "tests/ops/test_credential_guard.py",  # whether a project is visible
        ),
        http=True,
    ),
    Target(
        "ops_neon",
        "ops/neon.py",
        (
            "tests/ops/test_neon_api.py",  # every call of the client, first: it kills most mutants alone
            "tests/ops/test_preview_env.py",  # branches, endpoints, roles, databases, operations, 423
            "tests/ops/test_rotate_neon_password.py",  # the project by name, the owner role, reset_password
            "tests/ops/test_credential_guard.py",  # whether a key sees prod's project
            "tests/ci/test_preview_env_workflows.py",
            "tests/ops/test_bad_input_properties.py",
        ),
        http=True,
    ),
    Target("ops_vercel_git", "ops/checks/vercel_git.py", (VENDOR_ANSWERS, VENDOR_EDGES), http=True),
    Target("ops_mux", "ops/checks/mux.py", (VENDOR_ANSWERS, VENDOR_EDGES), http=True),
)


# What `make mutation` runs by default: the rules the program and the pack share (settings, environment,
# residency, retention), the rules the surviving mutants lived in (alerting, residency, settings),
# monitoring (declared like alerting), Redis, and the ops parsers of vendor answers. The remaining pack modules
# (props, tags, sensitive_env, protection) run with --all; they take as long again on 2 cores.
DEFAULT = (
    "settings",
    "alerting",
    "monitoring",
    "environment",
    "redis",
    "residency",
    "retention",
    "ops_vercel",
    "ops_neon",
    "ops_vercel_git",
    "ops_mux",
)


# Relative cost (mutants x test time), so the longest target starts first and no worker idles at the end.
SIZE = {
    "settings": 10,
    "ops_neon": 3,
    "residency": 4,
    "retention": 2,
    "environment": 2,
    "alerting": 2,
    "monitoring": 2,
    "props": 2,
    "tags": 2,
}


def test_command(target: Target, python: str) -> str:
    """The target's tests in two pytest runs: the first file alone, then (only if it passed) the rest.

    The mutant is killed exactly when some test of the target fails, as with one `pytest -x` over all the files;
    but most mutants die in the first file, and then the rest is not even collected (collecting the parity
    tests, which import the pack and hypothesis, costs more than running the first file). Plugins no test
    here needs are not loaded: hypothesis's (`@given` runs without it) and, outside the ops targets,
    pytest-httpserver's. The baseline run (`run_target`) shows the command passes on the unmutated tree.
    """
    options = ["-x", "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest"]
    if not target.http:
        options += ["-p", "no:pytest_httpserver"]
    first, rest = target.tests[0], target.tests[1:]
    runs = [shlex.join([python, "-m", "pytest", *options, first])]
    if rest:
        runs.append(shlex.join([python, "-m", "pytest", *options, *rest]))
    return shlex.join(["/bin/sh", "-c", " && ".join(runs)])


def _config(target: Target, python: str) -> str:
    excluded = ", ".join(json.dumps(e) for e in EXCLUDED_OPERATORS)
    return (
        "[cosmic-ray]\n"
        f'module-path = "{target.module}"\n'
        "timeout = 180.0\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(test_command(target, python))}\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
        "[cosmic-ray.filters.operators-filter]\n"
        f"exclude-operators = [{excluded}]\n"
    )


def _copy_tree(destination: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


def _warm(workdir: Path, targets: list[Target]) -> None:
    """Compile the copy once, so no mutant's test run compiles the unchanged modules again.

    cosmic-ray runs the tests with PYTHONDONTWRITEBYTECODE, and a fresh copy has no `__pycache__`, so without this
    every run compiled every project module from source. The byte code is `checked-hash`: Python compares it
    with the source's hash on every import, so the mutated module is always compiled from its mutated source.
    Collecting the targets' tests once writes pytest's rewritten test modules the same way (checked by mtime and
    size; test files are never mutated)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "--invalidation-mode", "checked-hash", "."],
        cwd=workdir,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    tests = sorted({test for target in targets for test in target.tests})
    subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *tests],
        cwd=workdir,
        check=True,
        stdout=subprocess.DEVNULL,
    )


class BaselineFailed(Exception):
    """The target's tests fail on the unmutated tree, so every mutant would count as killed."""


def _baseline(target: Target, workdir: Path) -> None:
    command = shlex.split(test_command(target, sys.executable))
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    if result.returncode != 0:
        raise BaselineFailed(
            f"{target.name}: the tests fail without any mutant ({' '.join(target.tests)}); fix them first:\n"
            + result.stdout[-3000:]
        )


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def run_target(target: Target, workdir: Path) -> dict:
    """Init, filter and execute one cosmic-ray session in `workdir`; keep the session in reports/mutation/."""
    config = workdir / f"mutation-{target.name}.toml"
    session = workdir / f"mutation-{target.name}.sqlite"
    config.write_text(_config(target, sys.executable))
    began = time.monotonic()

    def run(*args: str) -> None:
        subprocess.run(args, cwd=workdir, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    _baseline(target, workdir)
    run(_tool("cosmic-ray"), "init", str(config), str(session))
    run(_tool("cr-filter-operators"), str(session), str(config))
    run(_tool("cr-filter-pragma"), str(session))
    run(_tool("cosmic-ray"), "exec", str(config), str(session))
    SESSIONS.mkdir(parents=True, exist_ok=True)
    shutil.copy2(session, SESSIONS / f"{target.name}.sqlite")
    return {**session_result(target, session), "seconds": round(time.monotonic() - began)}


def session_result(target: Target, session: Path) -> dict:
    """Outcomes and survivors of one finished cosmic-ray session."""
    dump = subprocess.run(
        [_tool("cosmic-ray"), "dump", str(session)], capture_output=True, text=True, check=True
    ).stdout
    outcomes: Counter[str] = Counter()
    survivors = []
    for line in dump.splitlines():
        item, result = json.loads(line)
        if result is None:
            outcomes["not run"] += 1
            continue
        if result.get("worker_outcome") == "skipped":
            outcomes["skipped"] += 1
            continue
        outcome = _outcome(result)
        outcomes[outcome] += 1
        if outcome == "survived":
            mutation = item["mutations"][0]
            survivors.append(
                {
                    "file": mutation["module_path"],
                    "line": mutation["start_pos"][0],
                    "operator": mutation["operator_name"],
                    "occurrence": mutation["occurrence"],
                }
            )
    return {
        "target": target.name,
        "module": target.module,
        "tests": list(target.tests),
        "outcomes": dict(outcomes),
        "survivors": survivors,
    }


def _outcome(result: dict) -> str:
    worker, test = result.get("worker_outcome"), result.get("test_outcome")
    if worker == "normal":
        return "killed" if test == "killed" else ("incompetent" if test == "incompetent" else "survived")
    if worker == "timeout":
        return "timeout"
    return "error"  # the worker itself failed: counted apart, never as killed


def summarise(results: list[dict], seconds: float | None, goal: float) -> dict:
    total: Counter[str] = Counter()
    for result in results:
        total.update(result["outcomes"])
    killed = total["killed"] + total["timeout"] + total["incompetent"]
    run = killed + total["survived"] + total["error"]
    rate = killed / run if run else 0.0
    return {
        "tool": "cosmic-ray 8.7.0",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "seconds": None if seconds is None else round(seconds),  # None: collected from kept sessions
        "mutants_run": run,
        "killed": killed,
        "survived": total["survived"],
        "errors": total["error"],
        "skipped": total["skipped"],
        "kill_rate": round(rate * 100, 1),
        "goal": goal,
        "targets": results,
    }


def markdown(summary: dict) -> str:
    lines = [
        f"# Mutation testing: {summary['kill_rate']}% killed ({summary['killed']} of {summary['mutants_run']})",
        "",
        f"{summary['tool']}, {summary['date']}, "
        + (
            "collected from the sessions kept in reports/mutation/"
            if summary["seconds"] is None
            else f"{summary['seconds']} s"
        )
        + f". Goal: {summary['goal']}%.",
        "",
        "| Target | Module | Killed | Survived | Other | Seconds |",
        "|---|---|---|---|---|---|",
    ]
    for result in summary["targets"]:
        o = result["outcomes"]
        killed = o.get("killed", 0) + o.get("timeout", 0) + o.get("incompetent", 0)
        lines.append(
            f"| {result['target']} | `{result['module']}` | {killed} | {o.get('survived', 0)} | "
            f"{o.get('error', 0)} errors, {o.get('skipped', 0)} skipped | {result['seconds'] or '-'} |"
        )
    survivors = [s for r in summary["targets"] for s in r["survivors"]]
    if survivors:
        lines += ["", "## Survivors", ""]
        lines += [f"- `{s['file']}:{s['line']}` {s['operator']} (occurrence {s['occurrence']})" for s in survivors]
    return "\n".join(lines) + "\n"


def _run(targets: list[Target], jobs: int) -> list[dict]:
    """Every target, the largest first, each taken by the next free worker in its own copy of the tree."""
    pending: queue.Queue[Target] = queue.Queue()
    for target in sorted(targets, key=lambda t: -SIZE.get(t.name, 1)):
        pending.put(target)
    with tempfile.TemporaryDirectory(prefix="mutation-") as scratch:
        workdirs = []
        for index in range(min(jobs, len(targets))):
            workdir = Path(scratch) / f"worker-{index}"
            _copy_tree(workdir)
            _warm(workdir, targets)
            workdirs.append(workdir)

        def work(workdir: Path) -> list[dict]:
            done = []
            while True:
                try:
                    target = pending.get_nowait()
                except queue.Empty:
                    return done
                print(f"mutation: {target.name} ({target.module}) ...", flush=True)
                done.append(run_target(target, workdir))
                print(f"mutation: {target.name}: {done[-1]['outcomes']} in {done[-1]['seconds']} s", flush=True)

        with ThreadPoolExecutor(len(workdirs)) as pool:
            return [r for chunk in pool.map(work, workdirs) for r in chunk]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help=f"comma-separated targets: {', '.join(t.name for t in SCOPE)}")
    parser.add_argument("--all", action="store_true", help="every target, not only the default scope")
    parser.add_argument("--jobs", type=int, default=2, help="workers, each in its own copy of the tree (default 2)")
    parser.add_argument("--goal", type=float, default=90.0, help="least kill rate in percent (default 90)")
    parser.add_argument(
        "--collect",
        action="store_true",
        help="run nothing: report the sessions the last runs kept in reports/mutation/ (one per target)",
    )
    args = parser.parse_args(argv)
    targets = list(SCOPE) if args.all else [t for t in SCOPE if t.name in DEFAULT]
    if args.only:
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = sorted(set(wanted) - {t.name for t in SCOPE})
        if unknown or not wanted:
            parser.error(
                f"--only: found {', '.join(unknown) or repr(args.only)}; allowed: {', '.join(t.name for t in SCOPE)}"
            )
        targets = [t for t in SCOPE if t.name in wanted]
    if args.jobs < 1:
        parser.error(f"--jobs: found {args.jobs}; allowed: 1 or more")
    if not Path(_tool("cosmic-ray")).exists():
        print("python -m mutation: cosmic-ray is not installed; run `make mutation` (requirements-mutation.txt)")
        return 2
    began = time.monotonic()
    if args.collect:
        results = []
        for target in targets:
            session = SESSIONS / f"{target.name}.sqlite"
            if not session.exists():
                parser.error(f"--collect: no finished session for {target.name} ({session})")
            results.append({**session_result(target, session), "seconds": None})
    else:
        results = _run(targets, args.jobs)
    order = [t.name for t in SCOPE]
    results.sort(key=lambda r: order.index(r["target"]))
    summary = summarise(results, None if args.collect else time.monotonic() - began, args.goal)
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "mutation.json").write_text(json.dumps(summary, indent=2) + "\n")
    (REPORTS / "mutation.md").write_text(markdown(summary))
    print(markdown(summary))
    return 0 if summary["kill_rate"] >= args.goal else 1


if __name__ == "__main__":
    run_command(main, "mutation")
