"""What the ops commands import to start: the stack's settings, never the Pulumi SDK, a component or a
provider SDK. Each costs CPU at every start (`pulumi` alone about 0.4 s, the Neon component half a second)."""

from __future__ import annotations

import subprocess
import sys

from tests.support.project import ROOT

LIGHT = ("components.settings", "components.settings_error", "components.database_url")
HEAVY = ("pulumi", "pulumi_policy", "neon_sdk", "pulumi_vercel", "upstash_pulumi", "pulumiverse_sentry")


def test_the_ops_commands_read_a_stack_without_the_sdks() -> None:
    """Each command's modules, and the settings of a stack read as they read them (components/settings.py
    imports the SDK only where the program calls it; DATABASE_URL is built in components/database_url.py)."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "import ops.check_manual, ops.credential_guard, ops.preview_env, ops.rotate_neon_password\n"
        "from components.database_url import postgres_uri\n"
        "from ops.isolation import load_stacks\n"
        "ops.check_manual.load_context(Path('.'), 'prod')\n"
        "load_stacks(Path('.').resolve(), 'dev')\n"
        "postgres_uri('portal_app', 'p', 'host', 'portal')\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} "
        f"or m.startswith('components.') and m not in {LIGHT!r}))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "[]"
