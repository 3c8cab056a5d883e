"""Stack configuration as the CLI layers it, offline: ESC environments' `pulumiConfig` keys become redacted
secret placeholders, reported as not resolved; the repository's ESC definitions hold only references."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from components.settings import PROJECT, SECRETS, grafana_secret_keys, settings_from_stack_config
from stack_config import REDACTED, Project, ProjectError
from tests.support.project import ROOT, STACKS


def project_with(tmp_path: Path, stack_file: str, esc: dict[str, str] | None = None) -> Project:
    (tmp_path / "Pulumi.yaml").write_text(f"name: {PROJECT}\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(stack_file)
    for name, text in (esc or {}).items():
        (tmp_path / "esc").mkdir(exist_ok=True)
        (tmp_path / "esc" / f"{name}.yaml").write_text(text)
    return Project.load(tmp_path)


ESC_DEV = """\
values:
  vault:
    fn::open::1password-secrets:
      login:
        serviceAccountToken: ${login.token}
      get:
        key: {ref: "op://mm-portal-dev/resend/api-key"}
  pulumiConfig:
    motion-mavericks-portal:resendApiKey: ${vault.key}
    clerkSecretKey: ${vault.key}
    aws:region: ${vault.key}
"""


def test_every_pulumi_config_key_of_an_imported_environment_is_a_redacted_secret(tmp_path: Path) -> None:
    project = project_with(tmp_path, "environment:\n  - motion-mavericks-portal/dev\n", {"dev": ESC_DEV})
    config = project.stack_config("dev")
    keys = (f"{PROJECT}:resendApiKey", f"{PROJECT}:clerkSecretKey", "aws:region")  # unqualified: the project's
    assert config.secret_keys == keys
    assert all(config.values[key] == REDACTED for key in keys)
    assert config.unresolved == tuple(
        f"{key} (from ESC environment 'motion-mavericks-portal/dev'; a [secret] placeholder offline)" for key in keys
    )


def test_the_stack_file_wins_over_its_environment(tmp_path: Path) -> None:
    stack_file = (
        "environment: [motion-mavericks-portal/dev@v3]\n"
        "config:\n"
        "  motion-mavericks-portal:resendApiKey:\n    secure: v1:AAAAZmFrZQ==\n"
        "  motion-mavericks-portal:clerkSecretKey: plain-in-the-stack-file\n"
    )
    config = project_with(tmp_path, stack_file, {"dev": ESC_DEV}).stack_config("dev")
    assert config.values[f"{PROJECT}:clerkSecretKey"] == "plain-in-the-stack-file"
    assert config.secret_keys == (f"{PROJECT}:resendApiKey", "aws:region")
    assert config.unresolved[0] == f"{PROJECT}:resendApiKey (secure value, not decrypted offline)"
    assert len(config.unresolved) == 2


def test_an_import_without_a_definition_in_the_repository_is_named(tmp_path: Path) -> None:
    config = project_with(tmp_path, "environment:\n  - motion-mavericks-portal/dev\n").stack_config("dev")
    assert config.secret_keys == ()
    assert config.unresolved == (
        "ESC environment 'motion-mavericks-portal/dev': no definition esc/dev.yaml in the repository, so the "
        "configuration it hands over is unknown offline",
    )


@pytest.mark.parametrize(
    ("stack_file", "esc", "expected"),
    [
        (
            "environment: motion-mavericks-portal/dev\n",
            None,
            "environment: found 'motion-mavericks-portal/dev'; allowed: a list of ESC environment names",
        ),
        (
            "environment: [x/dev]\n",
            {"dev": "values:\n  pulumiConfig: [a, b]\n"},
            "values.pulumiConfig: found a list (['a', 'b']); allowed: a mapping",
        ),
        ("environment: [x/dev]\n", {"dev": "values: [\n"}, "dev.yaml: line 2, column 1: not valid YAML"),
    ],
)
def test_a_malformed_import_or_definition_is_a_project_error(tmp_path, stack_file, esc, expected) -> None:
    with pytest.raises(ProjectError, match=re.escape(expected)):
        project_with(tmp_path, stack_file, esc).stack_config("dev")


@pytest.mark.parametrize("stack", STACKS)
def test_each_shipped_stack_imports_its_own_environment_whose_definition_is_only_references(stack: str) -> None:
    stack_file = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    assert stack_file["environment"] == [f"{PROJECT}/{stack}"]
    text = (ROOT / "esc" / f"{stack}.yaml").read_text()
    definition = yaml.safe_load(text)
    values = definition["values"]
    settings = settings_from_stack_config(Project.load(ROOT).stack_config(stack).values, stack)
    expected = (*SECRETS, *grafana_secret_keys(settings.grafana))  # Grafana's: what this stack's settings need
    assert set(values["pulumiConfig"]) == {f"{PROJECT}:{key}" for key in expected}
    opened = values["onePassword"]["fn::open::1password-secrets"]
    # the service-account token is an interpolation from an imported environment, never a literal
    assert opened["login"] == {"serviceAccountToken": "${onePasswordLogin.serviceAccountToken}"}
    assert definition["imports"] == [f"{PROJECT}/1password-{stack}"]
    for name, item in opened["get"].items():
        assert re.fullmatch(rf"op://mm-portal-{stack}/[a-z-]+/[a-z-]+", item["ref"]), name
        assert values["pulumiConfig"][f"{PROJECT}:{name}"] == f"${{onePassword.{name}}}"
    assert "fn::secret" not in text and "ops_" not in text and "ciphertext" not in text


def test_the_reader_needs_no_sdk_and_ops_never_import_the_preflight() -> None:
    import subprocess
    import sys

    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, stack_config; print(sorted(m for m in sys.modules if m.split('.')[0] "
            "in ('pulumi', 'pulumi_policy', 'preflight', 'components')))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert loaded == "[]"
    importers = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "ops").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.match(r"\s*(from|import)\s+preflight\b", line)
    ]
    assert importers == []
