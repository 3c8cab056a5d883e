"""Start a policy pack the way the Pulumi engine does, and speak the Analyzer gRPC protocol to it.

What the engine does, and this module copies (pulumi `sdk/go/common/resource/plugin/analyzer_plugin.go`,
`pkg/engine/plugins.go`, `pkg/resource/analyzer/config.go`):

- Launches the pack's process (`preflight.pack_process`: `python -u -m pulumi.policy <engine address> .`
  with the stack in its environment).
- Calls Handshake (the Python SDK answers UNIMPLEMENTED, which the engine accepts), ConfigureStack,
  GetAnalyzerInfo, then Configure with the policy config reconciled and validated as the engine does
  (`preflight.policy_config`).
- Calls Analyze once per resource with its inputs, and AnalyzeStack once with every resource (the engine
  sends outputs there), marshalled as the engine marshals them (`preflight.analyzer_wire`).

The Python policy SDK never dials the engine address it is given (its `pulumi.log` falls back to
stderr), so no Engine service is served; `check_engine_untouched` reports a pack that dialled it anyway.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import grpc
from google.protobuf import empty_pb2, json_format

from preflight.analyzer_wire import (
    UNKNOWN,
    ProviderResource,
    Resource,
    Secret,
    build_analyze_request,
    build_analyze_stack_request,
    make_urn,
    serialize_properties,
    to_struct,
)
from preflight.pack_process import AnalyzerHostError, PackProcess
from preflight.policy_config import (
    PackInfo,
    PolicyConfigError,
    PolicyInfo,
    level_name,
    level_value,
    reconcile_policy_config,
)
from sdk_internals import analyzer_pb2, analyzer_pb2_grpc
from stack_config import config_env

__all__ = [
    "UNKNOWN",
    "AnalyzeDiagnostic",
    "AnalyzerClient",
    "AnalyzerHost",
    "AnalyzerHostError",
    "PackInfo",
    "PolicyConfigError",
    "PolicyInfo",
    "ProviderResource",
    "Resource",
    "Secret",
    "make_urn",
    "reconcile_policy_config",
    "serialize_properties",
]

_GRPC_OPTIONS: Final = [
    ("grpc.max_receive_message_length", 400 * 1024 * 1024),
    ("grpc.max_send_message_length", 400 * 1024 * 1024),
]


@dataclass(frozen=True)
class AnalyzeDiagnostic:
    policy_name: str
    policy_pack_name: str
    policy_pack_version: str
    description: str
    message: str
    enforcement_level: str  # advisory | mandatory | remediate | disabled
    urn: str
    severity: str = ""  # low | medium | high | critical, or "" when the policy sets none


# --- the client ---------------------------------------------------------------------------------------------


def _policy_info(proto: analyzer_pb2.PolicyInfo) -> PolicyInfo:
    schema: dict[str, Any] = {}
    if proto.HasField("configSchema"):
        properties = json_format.MessageToDict(proto.configSchema.properties)
        if properties:
            schema["properties"] = properties
        if proto.configSchema.required:
            schema["required"] = list(proto.configSchema.required)
    severity = analyzer_pb2.PolicySeverity.Name(proto.severity).removeprefix("POLICY_SEVERITY_").lower()
    policy_type = analyzer_pb2.PolicyType.Name(proto.policy_type).removeprefix("POLICY_TYPE_").lower()
    return PolicyInfo(
        name=proto.name,
        display_name=proto.displayName,
        description=proto.description,
        enforcement_level=level_name(proto.enforcementLevel),
        policy_type="" if policy_type == "unknown" else policy_type,
        config_schema=schema,
        severity="" if severity == "unspecified" else severity,
        remediation_steps=proto.remediation_steps,
        url=proto.url,
    )


class AnalyzerClient:
    """The Analyzer protocol over a stub: a gRPC `AnalyzerStub`, or anything with its methods."""

    def __init__(self, stub: Any, *, pack_version: str = "", rpc_timeout: float = 60.0) -> None:
        self._stub = stub
        self._pack_version = pack_version  # PulumiPolicy.yaml's version wins over the pack's, as in the engine
        self._rpc_timeout = rpc_timeout
        self._info: PackInfo | None = None

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=self._rpc_timeout)
        except grpc.RpcError as error:
            raise self._rpc_error(method, error) from error

    def _rpc_error(self, method: str, error: grpc.RpcError) -> AnalyzerHostError:
        code = error.code() if hasattr(error, "code") else None
        details = error.details() if hasattr(error, "details") else str(error)
        return AnalyzerHostError(f"{method} failed ({code}): {details}")

    def info(self) -> PackInfo:
        """GetAnalyzerInfo: the pack's name and policies, with their levels and config schemas."""
        if self._info is None:
            proto = self._call("GetAnalyzerInfo", empty_pb2.Empty())
            initial = {}
            for name, config in proto.initialConfig.items():
                entry = json_format.MessageToDict(config.properties)
                entry["enforcementLevel"] = level_name(config.enforcementLevel)
                initial[name] = entry
            self._info = PackInfo(
                name=proto.name,
                version=self._pack_version or proto.version,
                display_name=proto.displayName,
                description=proto.description,
                supports_config=proto.supportsConfig,
                policies=tuple(_policy_info(policy) for policy in proto.policies),
                initial_config=initial,
            )
        return self._info

    def plugin_version(self) -> str:
        return self._call("GetPluginInfo", empty_pb2.Empty()).version

    def configure(self, config: Mapping[str, Any] | str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """Configure with the reconciled config; `config` is a `--policy-pack-config` file's content or path.

        Returns the effective config per policy, in the file's JSON shape.
        """
        if isinstance(config, str | os.PathLike):
            text = Path(config).read_text(encoding="utf-8")
            config = json.loads(text) if text.strip() else None
        info = self.info()
        if not info.supports_config:
            if config:
                raise AnalyzerHostError(f"policy pack {info.name!r} does not support config")
            return {}
        reconciled = reconcile_policy_config(info, config)
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        effective: dict[str, Any] = {}
        for name, (level, properties) in reconciled.items():
            level = level or "advisory"
            request.policyConfig[name].CopyFrom(
                analyzer_pb2.PolicyConfig(enforcementLevel=level_value(level), properties=to_struct(properties or {}))
            )
            effective[name] = {"enforcementLevel": level, **(properties or {})}
        self._call("Configure", request)
        return effective

    def analyze(self, resource: Resource) -> list[AnalyzeDiagnostic]:
        """Analyze one resource (its inputs). Diagnostics without a URN belong to it, as in the engine."""
        response = self._call("Analyze", build_analyze_request(resource))
        return self._diagnostics(response, default_urn=resource.urn)

    def analyze_stack(self, resources: Iterable[Resource]) -> list[AnalyzeDiagnostic]:
        """AnalyzeStack over every resource (the engine sends their outputs)."""
        response = self._call("AnalyzeStack", build_analyze_stack_request(resources))
        return self._diagnostics(response, default_urn="")

    def _diagnostics(self, response: analyzer_pb2.AnalyzeResponse, *, default_urn: str) -> list[AnalyzeDiagnostic]:
        result = []
        for proto in response.diagnostics:
            severity = analyzer_pb2.PolicySeverity.Name(proto.severity).removeprefix("POLICY_SEVERITY_").lower()
            result.append(
                AnalyzeDiagnostic(
                    policy_name=proto.policyName,
                    policy_pack_name=proto.policyPackName,
                    policy_pack_version=self._pack_version or proto.policyPackVersion,
                    description=proto.description,
                    message=proto.message,
                    enforcement_level=level_name(proto.enforcementLevel),
                    urn=proto.urn or default_urn,
                    severity="" if severity == "unspecified" else severity,
                )
            )
        return result


# --- the host: a pack process --------------------------------------------------------------------------------


class AnalyzerHost(AnalyzerClient):
    """A policy pack in its own process, started and spoken to as the engine does. Use as a context manager."""

    def __init__(self, stub: Any, *, pack: PackProcess, channel: grpc.Channel, rpc_timeout: float) -> None:
        super().__init__(stub, pack_version=pack.pack_version, rpc_timeout=rpc_timeout)
        self._pack = pack
        self._channel = channel

    @classmethod
    def start(
        cls,
        policy_dir: str | os.PathLike[str],
        *,
        stack_tags: Mapping[str, str] | None = None,
        startup_timeout: float = 60.0,
        rpc_timeout: float = 60.0,
        **launch: Any,
    ) -> AnalyzerHost:
        """Launch the pack in `policy_dir` and connect to it: `launch` takes `PackProcess.launch`'s
        keywords (`project`, `stack`, `config`, `organization`, `dry_run`, `python`)."""
        pack = PackProcess.launch(policy_dir, **launch)
        return cls.connect(pack, stack_tags=stack_tags, startup_timeout=startup_timeout, rpc_timeout=rpc_timeout)

    @classmethod
    def connect(
        cls,
        pack: PackProcess,
        *,
        stack_tags: Mapping[str, str] | None = None,
        startup_timeout: float = 60.0,
        rpc_timeout: float = 60.0,
    ) -> AnalyzerHost:
        """Wait for the pack to serve, connect, and hand it the stack. On failure the pack is stopped; on
        success the host owns it."""
        channel: grpc.Channel | None = None
        try:
            port = pack.wait_for_port(startup_timeout)
            channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_GRPC_OPTIONS)
            grpc.channel_ready_future(channel).result(timeout=startup_timeout)
            host = cls(analyzer_pb2_grpc.AnalyzerStub(channel), pack=pack, channel=channel, rpc_timeout=rpc_timeout)
        except BaseException as error:
            if channel is not None:
                channel.close()
            pack.stop()
            if isinstance(error, grpc.FutureTimeoutError):
                raise AnalyzerHostError(
                    f"policy pack at {pack.policy_dir} printed a port but never answered"
                ) from error
            raise
        try:
            host._handshake(stack_tags)
        except BaseException:
            host.close()
            raise
        return host

    def _handshake(self, stack_tags: Mapping[str, str] | None) -> None:
        pack = self._pack
        directory = str(pack.policy_dir)
        requests = [
            (
                "Handshake",
                analyzer_pb2.AnalyzerHandshakeRequest(
                    engine_address=pack.engine_address, root_directory=directory, program_directory=directory
                ),
            ),
            (
                "ConfigureStack",
                analyzer_pb2.AnalyzerStackConfigureRequest(
                    stack=pack.stack,
                    project=pack.project,
                    organization=pack.organization or "",
                    dry_run=pack.dry_run,
                    config=json.loads(config_env(pack.config)),  # map<string, string>, as PULUMI_CONFIG
                    tags=dict(stack_tags or {}),
                ),
            ),
        ]
        for method, request in requests:
            try:
                getattr(self._stub, method)(request, timeout=self._rpc_timeout)
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.UNIMPLEMENTED:  # the engine accepts UNIMPLEMENTED too
                    raise self._rpc_error(method, error) from error

    def _rpc_error(self, method: str, error: grpc.RpcError) -> AnalyzerHostError:
        base = super()._rpc_error(method, error)
        return AnalyzerHostError(f"{base}\npolicy pack stderr:\n{self._pack.stderr_tail()}")

    @property
    def pack(self) -> PackProcess:
        return self._pack

    @property
    def stderr(self) -> str:
        return self._pack.stderr

    @property
    def stdout(self) -> str:
        """What the pack printed after its port."""
        return self._pack.stdout

    def close(self) -> None:
        """Stop the pack process. Safe to call twice."""
        self._channel.close()
        self._pack.stop()

    def check_engine_untouched(self) -> None:
        """AnalyzerHostError if the pack dialled the engine address: this host serves no Engine service,
        because the Python policy SDK never calls it (see `sdk_internals`); a pack that does is judged wrongly."""
        if self._pack.engine_dialled():
            raise AnalyzerHostError(
                f"policy pack at {self._pack.policy_dir} connected to the engine address; this host serves no "
                "Engine service (the Python policy SDK did not use it when this was written): see sdk_internals.py"
            )

    def __enter__(self) -> AnalyzerHost:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
