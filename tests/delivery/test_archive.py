"""The deploy job that writes the 24-month plan archive writes where the archive's role trusts it to.

The archive itself (bucket, lock, lifecycle, role) is declared in `platform/` and tested under the mocks in
`tests/platform/test_program.py`; here the workflow and that declaration are held together."""

from __future__ import annotations

import json

import yaml

from tests.support.platform import platform_config
from tests.support.project import ROOT


def test_the_deploy_job_writes_where_the_role_trusts() -> None:
    archive = json.loads(platform_config()["motion-mavericks-platform:archive"])
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    job = wf["jobs"]["archive-prod"]
    assert job["environment"] == archive["writerEnvironment"]
    scripts = "\n".join(s.get("run", "") for s in job["steps"])
    assert f'prefix="{archive["prefix"]}' in scripts, "the role may write under the archive's prefix only"
    assert "SHA256SUMS" in scripts and "approvals" in scripts
