"""The preflight report (schema: preflight/schema/report-v1.json), built from each stack's evaluation.

Nothing here judges a resource: verdicts are the policy pack's diagnostics. The residency table only
shows where each data-holding resource says it lives, next to the pack's `au-data-residency` verdict.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import catalog
from compliance.reports import violation_text
from preflight.registrations import Registration, shown, tree_order

SCHEMA_PATH = Path(__file__).with_name("schema") / "report-v1.json"
SCHEMA_VERSION = 1
RESIDENCY_POLICY_PREFIX = "au-data-residency"

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2

# A Pulumi Python dynamic resource carries its provider as pickled code in the input `__provider`
# (pulumi/dynamic/dynamic.py): base64 noise to a reader, and often large. Reported by name only.
DYNAMIC_PROVIDER_KEY = "__provider"
DYNAMIC_PROVIDER_SHOWN = "[serialized dynamic provider]"


@dataclass
class Diagnostic:
    policy: str
    policy_pack: str
    enforcement_level: str  # advisory | mandatory | remediate | disabled
    message: str
    urn: str = ""
    description: str = ""

    @property
    def violation(self) -> str:
        return violation_text(self.message, self.description)

    def as_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "policyPack": self.policy_pack,
            "enforcementLevel": self.enforcement_level,
            "description": self.description,
            "message": self.message,
            "urn": self.urn,
        }


@dataclass
class StackResult:
    name: str
    registrations: list[Registration] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    error: str | None = None
    pack: dict[str, Any] | None = None  # the pack's GetAnalyzerInfo, as JSON

    @property
    def mandatory(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.enforcement_level == "mandatory"]

    @property
    def advisory(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.enforcement_level == "advisory"]

    @property
    def status(self) -> str:
        if self.error is not None:
            return "error"
        return "fail" if self.mandatory else "pass"

    def put_in_order(self) -> None:
        """Resources parents first, diagnostics in resource order: the same on every run, although the SDK
        registers concurrently, so the report CI keeps and diffs depends only on the program."""
        self.registrations = tree_order(self.registrations)
        position = {r.urn: index for index, r in enumerate(self.registrations)}
        self.diagnostics.sort(key=lambda d: (position.get(d.urn, -1), d.policy, d.message))


def exit_code(results: list[StackResult]) -> int:
    if any(r.status == "error" for r in results):
        return EXIT_ERROR
    if any(r.status == "fail" for r in results):
        return EXIT_VIOLATIONS
    return EXIT_OK


def build_report(project: str, results: list[StackResult]) -> dict[str, Any]:
    pack = next((r.pack for r in results if r.pack is not None), None)
    return {
        "schemaVersion": SCHEMA_VERSION,
        "project": project,
        "generatedAt": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tool": {
            "name": "preflight",
            "pulumi": _version("pulumi"),
            "pulumiPolicy": _version("pulumi-policy"),
        },
        "policyPack": pack,
        "stacks": [_stack_json(r) for r in results],
        "summary": {
            "stacks": len(results),
            "passed": sum(r.status == "pass" for r in results),
            "failed": sum(r.status == "fail" for r in results),
            "errors": sum(r.status == "error" for r in results),
            "mandatory": sum(len(r.mandatory) for r in results),
            "advisory": sum(len(r.advisory) for r in results),
            "exitCode": exit_code(results),
        },
    }


def _stack_json(result: StackResult) -> dict[str, Any]:
    return {
        "name": result.name,
        "status": result.status,
        "error": result.error,
        "unresolved": list(result.unresolved),
        "resources": [_resource_json(r) for r in result.registrations],
        "outputs": shown(result.outputs),
        "diagnostics": [d.as_json() for d in result.diagnostics],
        "residency": residency_rows(result),
        "summary": {
            "resources": len(result.registrations),
            "mandatory": len(result.mandatory),
            "advisory": len(result.advisory),
        },
    }


def _resource_json(r: Registration) -> dict[str, Any]:
    return {
        "urn": r.urn,
        "type": r.type,
        "name": r.name,
        "parent": r.parent,
        "custom": r.custom,
        "protect": r.protect,
        "retainOnDelete": r.retain_on_delete,
        "provider": r.provider,
        "dependencies": list(r.dependencies),
        "inputs": _inputs(r),
        "secretInputs": list(r.secret_inputs),
    }


def _inputs(r: Registration) -> dict[str, Any]:
    """The wire inputs for a reader: a dynamic resource's pickled provider code is not shown."""
    inputs = shown(r.inputs)
    if r.type.startswith(catalog.DYNAMIC_PREFIX) and DYNAMIC_PROVIDER_KEY in inputs:
        inputs[DYNAMIC_PROVIDER_KEY] = DYNAMIC_PROVIDER_SHOWN
    return inputs


def residency_rows(result: StackResult) -> list[dict[str, str]]:
    """Each data-holding resource, where it says it lives, and the pack's residency verdict on it."""
    by_urn = {r.urn: r for r in result.registrations}
    rows = []
    for registration in result.registrations:
        region = _region(registration, by_urn)
        if region is None:
            continue
        verdicts = [
            d for d in result.diagnostics if d.urn == registration.urn and d.policy.startswith(RESIDENCY_POLICY_PREFIX)
        ]
        mandatory = [d for d in verdicts if d.enforcement_level == "mandatory"]
        if mandatory:
            verdict, detail = "violation", mandatory[0].violation
        elif verdicts:
            verdict, detail = "exception", verdicts[0].violation
        else:
            verdict, detail = "australian", ""
        rows.append(
            {
                "service": _service(registration, by_urn),
                "resource": registration.name,
                "type": registration.type,
                "region": region,
                "verdict": verdict,
                "detail": detail,
            }
        )
    return rows


def _region(r: Registration, by_urn: dict[str, Registration]) -> str | None:
    """Where the resource says it keeps or processes data, in words (catalog.py knows how, per type)."""
    known = catalog.lookup(r.type)
    if known is None or known.residency is None:
        return None
    provider = _provider_of(r, by_urn)
    return known.residency.where(shown(r.inputs), shown(provider.inputs) if provider else None)


def _provider_of(r: Registration, by_urn: dict[str, Registration]) -> Registration | None:
    # A provider reference is "<urn>::<id>"; the URN itself contains "::".
    for urn, candidate in by_urn.items():
        if candidate.type.startswith(catalog.PROVIDER_PREFIX) and r.provider.startswith(urn + "::"):
            return candidate
    return None


def _service(r: Registration, by_urn: dict[str, Registration]) -> str:
    parent = by_urn.get(r.parent)
    while parent is not None:
        if parent.type.startswith(catalog.COMPONENT_PREFIX):
            return f"{parent.type.rsplit(':', 1)[-1]} {parent.name}"
        parent = by_urn.get(parent.parent)
    return r.type.split(":", 1)[0]


def write_json(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def _version(distribution: str) -> str:
    # importlib.metadata costs 20 ms to import; the preflight imports it only once the verdicts are in.
    from importlib import metadata

    return metadata.version(distribution)
