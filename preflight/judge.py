"""One stack's verdict: its recorded registrations sent to its policy pack, as the engine sends them."""

from __future__ import annotations

from pathlib import Path

from preflight.analyzer_host import AnalyzerHost, ProviderResource, Resource
from preflight.pack_process import PackProcess
from preflight.registrations import ProgramRun, Registration
from preflight.report import Diagnostic, StackResult

POLICY_CONFIG_DIR = "config"  # policy/config/<stack>.json, passed as --policy-pack-config would be


def judge(pack: PackProcess, policy_dir: Path, run: ProgramRun, result: StackResult) -> None:
    """Connect to the launched `pack`, configure it, and record its verdict on `run` in `result`.

    The pack is stopped afterwards, whatever happens.
    """
    with AnalyzerHost.connect(pack) as host:
        ask(host, policy_dir, run, result)


def ask(host: AnalyzerHost, policy_dir: Path, run: ProgramRun, result: StackResult) -> None:
    """The verdict of a connected pack on `run`, as the engine asks for it, recorded in `result`."""
    info = host.info()
    policy_config = policy_dir / POLICY_CONFIG_DIR / f"{run.stack}.json"
    host.configure(policy_config if policy_config.is_file() else None)
    result.pack = {
        "name": info.name,
        "version": info.version,
        "policies": [
            {
                "name": p.name,
                "displayName": p.display_name,
                "description": p.description,
                "enforcementLevel": p.enforcement_level,
            }
            for p in info.policies
        ],
    }
    by_urn = {r.urn: r for r in run.registrations}
    resources = [as_resource(r, by_urn) for r in run.registrations]
    diagnostics = []
    for resource in resources:
        diagnostics += host.analyze(resource)
    diagnostics += host.analyze_stack(resources)
    host.check_engine_untouched()
    result.diagnostics = [
        Diagnostic(
            policy=d.policy_name,
            policy_pack=d.policy_pack_name,
            enforcement_level=d.enforcement_level,
            message=d.message,
            urn=d.urn,
            description=d.description,
        )
        for d in diagnostics
    ]


def as_resource(r: Registration, by_urn: dict[str, Registration]) -> Resource:
    """A registration as the engine describes it to an analyzer (with its provider resolved)."""
    provider = None
    if r.provider:
        provider_urn = r.provider.rsplit("::", 1)[0]
        registered = by_urn.get(provider_urn)
        if registered is not None:
            provider = ProviderResource(
                type=registered.type, urn=registered.urn, name=registered.name, properties=registered.inputs
            )
    return Resource(
        type=r.type,
        name=r.name,
        urn=r.urn,
        properties=r.inputs,  # already in the engine's wire encoding (secrets and unknowns kept)
        parent=r.parent,
        protect=r.protect,
        dependencies=r.dependencies,
        property_dependencies=r.property_dependencies,
        provider=provider,
        additional_secret_outputs=r.additional_secret_outputs,
    )
