"""The speed bench's baseline loads the SDK modules the program loads: no fewer (a cheaper baseline would make
the preflight look slow) and no more (a dearer one would make it look fast)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.project import ROOT

# The SDK packages whose modules count: the engine's SDK, the policy SDK and the providers' SDKs.
SDK_PACKAGES = ("pulumi", "pulumi_policy", "pulumiverse_", "upstash_pulumi")

LOADED = """
import json, sys
{code}
print(json.dumps(sorted(m for m in sys.modules if m.startswith({packages!r}))))
"""

PROGRAM = """
from pathlib import Path
from preflight.monitor import run_program
from stack_config import Project
project = Project.load(Path("."))
config = project.stack_config("prod")
run_program(project.main, project.name, "prod", config.values, config.secret_keys)
import pulumi_policy
"""


def loaded(code: str) -> set[str]:
    script = LOADED.format(code=code, packages=SDK_PACKAGES)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_the_baseline_loads_exactly_the_sdk_modules_the_program_loads() -> None:
    from benchmarks.preflight_speed import BARE_IMPORT

    program, baseline = loaded(PROGRAM), loaded(BARE_IMPORT)
    assert any(m.startswith("pulumiverse_grafana.alerting.") for m in program)  # a lazy subpackage, loaded
    assert sorted(program - baseline) == [], "SDK modules the program loads and the bench's baseline does not"
    assert sorted(baseline - program) == [], "SDK modules the bench's baseline loads and the program does not"
