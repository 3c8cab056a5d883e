"""Preflight speed, measured (never asserted in tests). Run: `make bench` or
`venv/bin/python benchmarks/preflight_speed.py [--rounds N] [--check]`.

1. End to end: `python -m preflight` over all stacks, against bare
   `python -c "import pulumi, pulumi_policy, pulumiverse_vercel, pulumiverse_sentry, upstash_pulumi,
   pulumiverse_grafana.{alerting,cloud,oss,syntheticmonitoring}"` (the SDK modules the program imports), on the
   same machine in the same run, alternating. Target: at most 2.5x.
   It also reports CPU time (all processes), whose ratio over the core count is the floor no overlap can beat.
2. The pack's per-resource cost over the Analyzer protocol: `Analyze` for every resource of the prod
   stack through the real pack, against the same calls to an empty pack (one policy that looks at
   nothing). Target: at most 2x.

Medians of N rounds. `--check` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE_IMPORT = (
    "import pulumi, pulumi_policy, pulumiverse_vercel, pulumiverse_sentry, upstash_pulumi, "
    "pulumiverse_grafana.alerting, pulumiverse_grafana.cloud, pulumiverse_grafana.oss, "
    "pulumiverse_grafana.syntheticmonitoring"
)
END_TO_END_TARGET = 2.5
PER_RESOURCE_TARGET = 2.0

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


def timed(command: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (every process the command started and reaped, included)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    cpu = _children_cpu()
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, _children_cpu() - cpu


def end_to_end(rounds: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Medians of (wall, CPU) for the bare imports and for the preflight, alternating."""
    bare, preflight = [], []
    timed([sys.executable, "-m", "preflight"])  # warm the filesystem cache and bytecode
    for _ in range(rounds):
        bare.append(timed([sys.executable, "-c", BARE_IMPORT]))
        preflight.append(timed([sys.executable, "-m", "preflight"]))

    def medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)

    return medians(bare), medians(preflight)


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
    plain_config = {key: config.raw(key) for key in config.values}

    def cost(policy_dir: Path) -> float:
        with AnalyzerHost.start(policy_dir, project=project.name, stack="prod", config=plain_config) as host:
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

    (bare, bare_cpu), (full, full_cpu) = end_to_end(args.rounds)
    ratio = full / bare
    print(
        f"end to end: preflight (all stacks) {full:.3f} s, bare import {bare:.3f} s: {ratio:.2f}x "
        f"(target <= {END_TO_END_TARGET}x)"
    )
    # The floor: with every core busy all the time, the wall ratio is the CPU ratio over the core count.
    cores = os.cpu_count() or 1
    print(
        f"  CPU: preflight {full_cpu:.2f} s, bare import {bare_cpu:.2f} s: {full_cpu / bare_cpu:.2f}x, "
        f"so at best {full_cpu / bare_cpu / cores:.2f}x on {cores} cores"
    )
    empty, ours, count = per_resource(args.rounds)
    per_ratio = ours / empty
    print(
        f"per resource over the protocol ({count} resources, prod): pack {ours * 1e3:.3f} ms, "
        f"empty pack {empty * 1e3:.3f} ms: {per_ratio:.2f}x (target <= {PER_RESOURCE_TARGET}x)"
    )
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    missed = ratio > END_TO_END_TARGET or per_ratio > PER_RESOURCE_TARGET
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
