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
4. Where one stack's CPU goes (no target; `per_stack`): its program, its pack and the preflight's client,
   and how much of the pack's work is the policy SDK's own. It is what bounds the first target: README,
   "How it runs".

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
from collections.abc import Callable
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
NOT_COPIED = shutil.ignore_patterns(
    ".git", "venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", "tests", "docs"
)

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


def _cpu(work: Callable[[], object]) -> float:
    """CPU seconds this process (every thread) spends on `work()`."""
    start = time.process_time()
    work()
    return time.process_time() - start


def _cpu_of(pid: int) -> float:
    """CPU seconds (user and system, every thread) a running child has used so far (Linux `/proc`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def per_stack(rounds: int) -> dict[str, float]:
    """Where one stack's CPU goes (prod), medians of `rounds`, measured as the preflight runs (collector off):

    - `program`: its program under the mock monitor, in a warm process (a stack worker's part);
    - `policies`, `sdk`: its pack's `Analyze` (every resource) and `AnalyzeStack`, served in this process by
      the policy SDK's servicer: with the pack's policies, and with as many policies of the same kinds that
      look at nothing (what the policy SDK itself costs: it converts every resource once per policy);
    - `pack`, `client`: the same questions over the Analyzer protocol, the pack forked as the preflight forks
      it (its start and the handshake not counted), and the preflight's client that asks them.
    """
    import asyncio
    import gc
    from unittest import mock

    from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy

    from preflight.analyzer_host import AnalyzerHost
    from preflight.analyzer_wire import build_analyze_request, build_analyze_stack_request
    from preflight.judge import as_resource, ask
    from preflight.monitor import run_program
    from preflight.pack_process import PackProcess, engine_environment
    from preflight.report import StackResult
    from sdk_internals import policy_servicer
    from stack_config import Project

    gc.disable()
    project = Project.load(ROOT)
    config = project.stack_config("prod")
    policy_dir = ROOT / "policy"
    # Forked before this process speaks gRPC, as the preflight forks its packs.
    packs = [
        PackProcess.launch(policy_dir, project=project.name, stack="prod", config=config.decoded(), fork=True)
        for _ in range(rounds)
    ]

    def program() -> object:
        asyncio.set_event_loop(asyncio.new_event_loop())  # a fresh loop per run, as each stack worker has
        return run_program(project.main, project.name, "prod", config.values, config.secret_keys)

    run = program()  # imports the program's modules, as the preflight's first run does
    by_urn = {r.urn: r for r in run.registrations}
    resources = [as_resource(r, by_urn) for r in run.registrations]
    requests = [build_analyze_request(resource) for resource in resources]
    stack_request = build_analyze_stack_request(resources)
    sys.path.insert(0, str(policy_dir))
    from mm_policies import POLICIES

    def looks_at_nothing(policy: object) -> object:
        kind = StackValidationPolicy if isinstance(policy, StackValidationPolicy) else ResourceValidationPolicy
        return kind(name=policy.name, description=policy.description, validate=lambda args, report: None)

    def served(policies: list) -> Callable[[], None]:
        servicer = policy_servicer("bench", "0.0.1", policies, EnforcementLevel.MANDATORY)

        def serve() -> None:
            for request in requests:
                servicer.Analyze(request, None)
            servicer.AnalyzeStack(stack_request, None)

        return serve

    found: dict[str, list[float]] = {name: [] for name in ("program", "policies", "sdk", "pack", "client")}
    engine = engine_environment(project.name, "prod", config.decoded(), None, True)  # what the pack is given
    with mock.patch.dict(os.environ, engine, clear=True):
        for _ in range(rounds):
            found["program"].append(_cpu(program))
            found["policies"].append(_cpu(served(list(POLICIES))))
            found["sdk"].append(_cpu(served([looks_at_nothing(p) for p in POLICIES])))
    for pack in packs:
        with AnalyzerHost.connect(pack) as host:
            before = _cpu_of(pack.pid)
            found["client"].append(_cpu(lambda host=host: ask(host, policy_dir, run, StackResult("prod"))))
            found["pack"].append(_cpu_of(pack.pid) - before)
    gc.enable()
    return {name: statistics.median(samples) for name, samples in found.items()} | {"resources": len(resources)}


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
    parts = per_stack(args.rounds)
    program, pack, client = parts["program"], parts["pack"], parts["client"]
    print(
        f"one stack's CPU (prod, {parts['resources']:.0f} resources): {program + pack + client:.3f} s = "
        f"its program under the mock monitor {program:.3f} s + its pack {pack:.3f} s + the preflight's client "
        f"{client:.3f} s; the pack's work in process {parts['policies']:.3f} s, of which the policy SDK's "
        f"{parts['sdk']:.3f} s (policies that look at nothing), so about {pack - parts['policies']:.3f} s is "
        "its gRPC serving"
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
