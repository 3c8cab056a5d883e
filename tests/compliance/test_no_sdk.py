"""`compliance/` reads reports and never imports the Pulumi SDK: each command, run in a fresh interpreter,
leaves no Pulumi (or gRPC) module in `sys.modules`."""

from __future__ import annotations

import json
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import compliance
from tests.support.compliance import Reports
from tests.support.project import ROOT

PROBE = """
import importlib, json, sys
from compliance import cli
codes = [cli.main(args) for args in json.loads(sys.argv[1])]
for module in json.loads(sys.argv[2]):
    importlib.import_module(module)
sdk = ("pulumi", "pulumi_policy", "grpc", "google.protobuf")
loaded = sorted(m for m in sys.modules if m.startswith(sdk))
print(json.dumps({"codes": codes, "sdk": loaded}))
"""


def test_no_command_and_no_module_of_compliance_imports_the_sdk(prod_reports: Reports, tmp_path: Path) -> None:
    register = tmp_path / "register.md"
    shutil.copy(ROOT / "docs" / "compliance" / "register.md", register)
    runs = [
        ["diff", str(prod_reports.base), str(prod_reports.head), "--json", str(tmp_path / "diff.json")],
        ["diff", "--rules"],
        ["register", "append", str(prod_reports.diff), "--register", str(register), "--pr", "1", "--approver", "a"],
        ["residency", str(prod_reports.head)],
    ]
    modules = [f"compliance.{m.name}" for m in pkgutil.iter_modules(compliance.__path__) if m.name != "__main__"]
    assert {"compliance.diff", "compliance.register", "compliance.residency"} <= set(modules)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(runs), json.dumps([*modules, "catalog"])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["codes"] == [0, 0, 0, 1], "the head report has a residency violation"
    assert outcome["sdk"] == []
