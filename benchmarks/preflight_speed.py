"""Preflight speed, measured (never asserted in tests). Run: `make bench` or
`venv/bin/python benchmarks/preflight_speed.py [--rounds N] [--check]`.

All in one run, on the same machine, alternating so that a busy moment hurts every contender alike:

1. Three stacks: `python -m preflight` over the shipped stacks, against the bare SDK imports: `pulumi`,
   `pulumi_policy` and the provider SDKs the program uses, loaded as `BARE_IMPORT` below. Target: at most
   2.0x. The Grafana provider's subpackages are lazy (`pulumi._utils.lazy_import`): `import
   pulumiverse_grafana.alerting` runs nothing until an attribute is read, and then loads the whole
   subpackage. So the baseline reads them (`from ... import *`), and loads the same 104 Grafana modules the
   program does; a bare `import` of them loads 23. Until 2026-12-02 this bench used the bare `import`,
   which left the Grafana SDK out of the baseline (about 0.3 s); it still prints that figure, for comparison.
2. Twelve stacks: the same command on a copy of the project with nine personal `dev-<name>` stacks added
   (copies of `Pulumi.dev.yaml`, as a team of nine would have), against the three-stack run. Target: at
   most 2.5x.
3. The pack's per-resource cost over the Analyzer protocol: `Analyze` for every resource of the prod stack
   through the real pack, against the same calls to an empty pack (one policy that looks at nothing).
   Target: at most 2x.

It also reports CPU time (all processes): its ratio over the core count is the floor no overlap can beat.
Medians of N rounds. `--check` exits 1 when a target is missed.

Every command runs in a user's environment: no `PULUMI_*` variables, and Python's default of caching
bytecode (`PYTHONDONTWRITEBYTECODE` is dropped), so after the warm-up round the project's modules load
from `__pycache__` as they do from a user's second run on, and as the SDK's always do (pip compiled them
at install). With `PYTHONDONTWRITEBYTECODE=1` kept, every run would compile the project's modules again,
in the preflight, in every pack and in none of the bare imports.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROVIDERS = "import pulumi, pulumi_policy, pulumiverse_vercel, pulumiverse_sentry, upstash_pulumi"
GRAFANA = ("alerting", "cloud", "oss", "syntheticmonitoring")  # the subpackages the program uses
BARE_IMPORT = "\n".join([PROVIDERS, *(f"from pulumiverse_grafana.{name} import *" for name in GRAFANA)])
LAZY_IMPORT = ", ".join([PROVIDERS, *(f"pulumiverse_grafana.{name}" for name in GRAFANA)])  # the former baseline
THREE_STACKS_TARGET = 2.0
TWELVE_STACKS_TARGET = 2.5
PER_RESOURCE_TARGET = 2.0
TEAM = ("ana", "ben", "chloe", "dev", "eli", "fatima", "george", "hana", "ivan")  # nine personal stacks
NOT_COPIED = shutil.ignore_patterns(".git", "venv", "__pycache__", ".pytest_cache", ".ruff_cache", "tests", "docs")

# The SDK refuses a pack without policies, so the baseline has one that looks at nothing.
EMPTY_PACK_MAIN = """from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy
PolicyPack(
    name="empty",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[ResourceValidationPolicy(name="noop", description="looks at nothing", validate=lambda a, r: None)],
)
"""
EMPTY_PACK_YAML = "runtime: python\nversion: 0.0.1\ndescription: no policies, for measuring protocol cost\n"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path = ROOT) -> tuple[float, float]:
    """Wall time and CPU time (every process the command started and reaped, included)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_") and k != "PYTHONDONTWRITEBYTECODE"}
    cpu = _children_cpu()
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, _children_cpu() - cpu


def team_project(work: Path) -> Path:
    """A copy of the project with nine personal dev stacks added: twelve stacks."""
    copy = work / "team"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    for name in TEAM:
        shutil.copy(ROOT / "Pulumi.dev.yaml", copy / f"Pulumi.dev-{name}.yaml")
    return copy


def medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def end_to_end(rounds: int, team: Path) -> dict[str, tuple[float, float]]:
    """Medians of (wall, CPU) for the bare imports, three stacks and twelve stacks, alternating."""
    preflight = [sys.executable, "-m", "preflight"]
    contenders = {
        "bare": ([sys.executable, "-c", BARE_IMPORT], ROOT),
        "lazy": ([sys.executable, "-c", LAZY_IMPORT], ROOT),
        "three": (preflight, ROOT),
        "twelve": (preflight, team),
    }
    for command, cwd in contenders.values():  # warm the filesystem cache and bytecode
        timed(command, cwd)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, (command, cwd) in contenders.items():
            samples[name].append(timed(command, cwd))
    return {name: medians(found) for name, found in samples.items()}


def per_resource(rounds: int) -> tuple[float, float, int]:
    from preflight.analyzer_host import AnalyzerHost
    from preflight.judge import as_resource
    from preflight.monitor import run_program
    from stack_config import Project

    project = Project.load(ROOT)
    config = project.stack_config("prod")
    run = run_program(project.main, project.name, "prod", config.values, config.secret_keys)
    by_urn = {r.urn: r for r in run.registrations}
    resources = [as_resource(r, by_urn) for r in run.registrations]

    def cost(policy_dir: Path) -> float:
        with AnalyzerHost.start(policy_dir, project=project.name, stack="prod", config=config.decoded()) as host:
            host.configure(None)
            for resource in resources:  # warm-up round
                host.analyze(resource)
            samples = []
            for _ in range(rounds):
                start = time.perf_counter()
                for resource in resources:
                    host.analyze(resource)
                samples.append((time.perf_counter() - start) / len(resources))
            return statistics.median(samples)

    with tempfile.TemporaryDirectory() as empty:
        Path(empty, "PulumiPolicy.yaml").write_text(EMPTY_PACK_YAML)
        Path(empty, "__main__.py").write_text(EMPTY_PACK_MAIN)
        baseline = cost(Path(empty))
    ours = cost(ROOT / "policy")
    return baseline, ours, len(resources)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as work:
        runs = end_to_end(args.rounds, team_project(Path(work)))
    (bare, bare_cpu), (three, three_cpu), (twelve, twelve_cpu) = runs["bare"], runs["three"], runs["twelve"]
    lazy = runs["lazy"][0]
    three_ratio, twelve_ratio = three / bare, twelve / three
    print(f"bare SDK imports: {bare:.3f} s (CPU {bare_cpu:.2f} s)")
    print(f"  (former baseline, Grafana subpackages left lazy: {lazy:.3f} s; three stacks are {three / lazy:.2f}x it)")
    print(
        f"three stacks: {three:.3f} s, {three_ratio:.2f}x the bare imports (target <= {THREE_STACKS_TARGET}x); "
        f"CPU {three_cpu:.2f} s = {three_cpu / bare_cpu:.2f}x, "
        f"so at best {three_cpu / bare_cpu / cores:.2f}x on {cores} cores"
    )
    print(
        f"twelve stacks: {twelve:.3f} s, {twelve_ratio:.2f}x three (target <= {TWELVE_STACKS_TARGET}x); "
        f"CPU {twelve_cpu:.2f} s = {twelve_cpu / three_cpu:.2f}x three's"
    )
    empty, ours, count = per_resource(args.rounds)
    per_ratio = ours / empty
    print(
        f"per resource over the protocol ({count} resources, prod): pack {ours * 1e3:.3f} ms, "
        f"empty pack {empty * 1e3:.3f} ms: {per_ratio:.2f}x (target <= {PER_RESOURCE_TARGET}x)"
    )
    print(f"machine: {cores} cores, Python {sys.version.split()[0]}")
    missed = three_ratio > THREE_STACKS_TARGET or twelve_ratio > TWELVE_STACKS_TARGET or per_ratio > PER_RESOURCE_TARGET
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
