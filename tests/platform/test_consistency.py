"""What platform/ declares matches what the rest of the repository relies on: the environments and check
names the workflows use, the pack version that is published, and the portal's own tags and stacks."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import yaml
from mm_policies import PACK_NAME

from stack_config import Project
from tests.support.platform import platform_config
from tests.support.project import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
MATRIX = re.compile(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}")


def configured(key: str) -> Any:
    return json.loads(platform_config()[f"motion-mavericks-platform:{key}"])


def _expand(text: str, job: dict[str, Any]) -> set[str]:
    """`text` with every `${{ matrix.x }}` replaced by each of the job's matrix values."""
    names = MATRIX.findall(text)
    if not names:
        return {text}
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    choices = [[str(v) for v in matrix[name]] for name in names]
    results = set()
    for values in itertools.product(*choices):
        expanded = text
        for name, value in zip(names, values, strict=True):
            expanded = re.sub(rf"\$\{{\{{\s*matrix\.{re.escape(name)}\s*\}}\}}", value, expanded, count=1)
        results.add(expanded)
    return results


def jobs() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job in (yaml.safe_load(path.read_text()).get("jobs") or {}).values():
            found.append((path.name, job))
    return found


def workflow_environments() -> set[str]:
    names: set[str] = set()
    for _, job in jobs():
        environment = job.get("environment")
        if isinstance(environment, dict):
            environment = environment.get("name")
        if environment:
            names |= _expand(str(environment), job)
    return names


def test_every_environment_a_workflow_uses_is_declared_and_nothing_else() -> None:
    assert set(configured("github")["environments"]) == workflow_environments()


def test_the_required_checks_are_the_pull_request_workflows_job_names() -> None:
    job_names: set[str] = set()
    for workflow, job in jobs():
        if workflow == "pull-request.yml" and "name" in job:
            job_names |= _expand(job["name"], job)
    required = configured("github")["branchRules"]["requiredChecks"]
    assert set(required) <= job_names, f"not a pull-request job: {set(required) - job_names}"
    assert "Lint, tests and preflight" in required


def test_the_policy_group_names_the_pack_and_version_the_repository_publishes() -> None:
    group = configured("pulumiCloud")["policyGroup"]
    pack = yaml.safe_load((ROOT / "policy" / "PulumiPolicy.yaml").read_text())
    assert group["policyPack"] == PACK_NAME
    assert group["policyPackVersion"] == str(pack["version"]), "publish the pack, then bump it here too"


def test_stack_tags_are_the_portal_stacks_and_their_own_tags() -> None:
    portal = Project.load(ROOT)
    cloud = configured("pulumiCloud")
    assert cloud["project"] == portal.name
    assert sorted(cloud["stacks"]) == sorted(portal.stacks())
    for stack in portal.stacks():
        portal_tags = portal.stack_config(stack).raw("motion-mavericks-portal:tags")
        assert portal_tags == cloud["stacks"][stack], f"stack {stack}: Pulumi Cloud's tags must be the stack's own"


def pins(path) -> dict[str, str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return dict(line.lower().split("==", 1) for line in lines if "==" in line)


def test_the_platform_pins_the_sdk_and_pydantic_as_the_portal_does() -> None:
    """One venv runs both in tests and the preflight: the shared pins must agree (Dependabot bumps each file)."""
    platform, portal = pins(ROOT / "platform" / "requirements.txt"), pins(ROOT / "requirements.txt")
    for package in ("pulumi", "pydantic"):
        assert platform[package] == portal[package], package
    assert {"pulumi-github", "pulumi-pulumiservice", "pulumi-aws"} <= platform.keys()
