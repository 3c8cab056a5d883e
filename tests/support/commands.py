"""Commands run as a user runs them: a subprocess, no `pulumi` on PATH, no vendor credential."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.project import ROOT

CREDENTIALS = ("VERCEL_API_TOKEN", "NEON_API_KEY", "UPSTASH_EMAIL", "UPSTASH_API_KEY", "SENTRY_AUTH_TOKEN")


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without vendor credentials, Pulumi variables or a `pulumi` binary on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS and not k.startswith("PULUMI_")}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + "/usr/bin:/bin"
    assert shutil.which("pulumi", path=env["PATH"]) is None
    env.update(extra)
    return env


def run_module(module: str, *args: str, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`python -m <module> <args>` in `cwd`."""
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout
    )


def preflight(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """`python -m preflight <args>` in `cwd`."""
    return run_module("preflight", *args, cwd=cwd)
