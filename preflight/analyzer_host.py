"""Start a policy pack the way the Pulumi engine does, and speak the Analyzer gRPC protocol to it.

What the engine does, and this module copies (pulumi `sdk/go/common/resource/plugin/analyzer_plugin.go`,
`pkg/engine/plugins.go`, `pkg/resource/analyzer/config.go`):

- Reads `PulumiPolicy.yaml`, then runs `<venv>/bin/python -u -m pulumi.policy <engine address> .` with the
  policy directory as working directory and `PULUMI_PROJECT`, `PULUMI_STACK`, `PULUMI_ORGANIZATION`,
  `PULUMI_DRY_RUN` and `PULUMI_CONFIG` (the stack's decrypted config: strings as they are, anything else
  as JSON) in the environment. The pack prints its port on stdout.
- Calls Handshake (the Python SDK answers UNIMPLEMENTED, which the engine accepts), ConfigureStack,
  GetAnalyzerInfo, then Configure with the *reconciled* policy config: every policy's default level and
  schema defaults, then the pack's initial config, then the `--policy-pack-config` file ("all" first), validated
  against each policy's JSON schema.
- Calls Analyze once per resource with its inputs, and AnalyzeStack once with every resource (the engine
  sends outputs there). Values are marshalled with unknowns kept (as the unknown-string sentinel) and
  secrets kept (as signature objects).

The Python policy SDK (pulumi-policy 1.21) never dials the engine address it is given: its `pulumi.log`
falls back to stderr. This host still serves a minimal Engine service on that address so a pack or SDK
that logs through the engine reaches a live endpoint; its messages are collected in `AnalyzerHost.logs`.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import grpc
import jsonschema
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, engine_pb2, engine_pb2_grpc

__all__ = [
    "UNKNOWN",
    "AnalyzerClient",
    "AnalyzerHost",
    "AnalyzerHostError",
    "Diagnostic",
    "LogMessage",
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

# Wire conventions of the engine (pulumi sdk/go/common/resource/properties.go, plugin/rpc.go).
SIGNATURE_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIGNATURE: Final = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN_STRING: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

ENFORCEMENT_LEVELS: Final = ("advisory", "mandatory", "remediate", "disabled")
_GRPC_OPTIONS: Final = [
    ("grpc.max_receive_message_length", 400 * 1024 * 1024),
    ("grpc.max_send_message_length", 400 * 1024 * 1024),
]
_STDERR_TAIL: Final = 4000


class _Unknown:
    """A value the engine does not know yet (a preview of a computed output)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()


@dataclass(frozen=True)
class Secret:
    """A property value the engine holds as a Pulumi secret. Its value never appears in a repr."""

    value: Any = field(repr=False)


@dataclass(frozen=True)
class ProviderResource:
    type: str
    urn: str
    name: str
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Resource:
    """One resource as the engine describes it to an analyzer.

    `properties` are the inputs for `analyze` and the outputs for `analyze_stack`, as in the engine. Values
    are JSON-like, with `UNKNOWN` for unknowns and `Secret(...)` for secrets. The Analyzer protocol has no
    field for `retain_on_delete`, so it is not here.
    """

    type: str
    name: str
    urn: str
    properties: Mapping[str, Any] = field(default_factory=dict)
    parent: str = ""
    protect: bool = False
    dependencies: Sequence[str] = ()
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)
    provider: ProviderResource | None = None
    ignore_changes: Sequence[str] = ()
    delete_before_replace: bool | None = None
    additional_secret_outputs: Sequence[str] = ()
    aliases: Sequence[str] = ()


@dataclass(frozen=True)
class Diagnostic:
    policy_name: str
    policy_pack_name: str
    policy_pack_version: str
    description: str
    message: str
    enforcement_level: str  # advisory | mandatory | remediate | disabled
    urn: str
    severity: str = ""  # low | medium | high | critical, or "" when the policy sets none


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    display_name: str
    description: str
    enforcement_level: str
    policy_type: str  # resource | stack | ""
    config_schema: Mapping[str, Any]  # {"properties": {...}, "required": [...]}; empty if none
    severity: str = ""
    remediation_steps: str = ""
    url: str = ""


@dataclass(frozen=True)
class PackInfo:
    name: str
    version: str
    display_name: str
    description: str
    supports_config: bool
    policies: tuple[PolicyInfo, ...]
    initial_config: Mapping[str, Mapping[str, Any]]

    def policy(self, name: str) -> PolicyInfo:
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise KeyError(f"policy pack {self.name!r} has no policy {name!r}")


@dataclass(frozen=True)
class LogMessage:
    severity: str
    message: str
    urn: str


class AnalyzerHostError(RuntimeError):
    """The pack could not be started, or an RPC to it failed."""


class PolicyConfigError(AnalyzerHostError):
    """The policy config does not parse or does not match a policy's config schema (the engine refuses it)."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("invalid policy config:\n  " + "\n  ".join(self.errors))


# --- wire encoding ----------------------------------------------------------------------------------------


def serialize_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """Property values in the engine's JSON shape: secrets as signature objects, unknowns as the sentinel."""
    return {str(key): _serialize(value) for key, value in properties.items()}


def _serialize(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN_STRING
    if isinstance(value, Secret):
        return {SIGNATURE_KEY: SECRET_SIGNATURE, "value": _serialize(value.value)}
    if isinstance(value, Mapping):
        return {str(key): _serialize(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_serialize(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot send a {type(value).__name__} as a property value: use JSON-like values")


def _struct(data: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(data))
    return struct


def _options(resource: Resource, *, with_parent: bool) -> analyzer_pb2.AnalyzerResourceOptions:
    options = analyzer_pb2.AnalyzerResourceOptions(
        protect=resource.protect,
        ignoreChanges=list(resource.ignore_changes),
        deleteBeforeReplace=bool(resource.delete_before_replace),
        deleteBeforeReplaceDefined=resource.delete_before_replace is not None,
        additionalSecretOutputs=list(resource.additional_secret_outputs),
        aliases=list(resource.aliases),
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(),
    )
    if with_parent:
        options.parent = resource.parent
    return options


def _provider(provider: ProviderResource | None) -> analyzer_pb2.AnalyzerProviderResource | None:
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type,
        urn=provider.urn,
        name=provider.name,
        properties=_struct(serialize_properties(provider.properties)),
    )


def build_analyze_request(resource: Resource) -> analyzer_pb2.AnalyzeRequest:
    return analyzer_pb2.AnalyzeRequest(
        type=resource.type,
        name=resource.name,
        urn=resource.urn,
        properties=_struct(serialize_properties(resource.properties)),
        options=_options(resource, with_parent=True),
        provider=_provider(resource.provider),
    )


def build_analyze_stack_request(resources: Iterable[Resource]) -> analyzer_pb2.AnalyzeStackRequest:
    protos = []
    for resource in resources:
        protos.append(
            analyzer_pb2.AnalyzerResource(
                type=resource.type,
                name=resource.name,
                urn=resource.urn,
                properties=_struct(serialize_properties(resource.properties)),
                # Like the engine's AnalyzeResources: the parent travels beside the options, not in them.
                options=_options(resource, with_parent=False),
                provider=_provider(resource.provider),
                parent=resource.parent,
                dependencies=list(resource.dependencies),
                propertyDependencies={
                    key: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns))
                    for key, urns in resource.property_dependencies.items()
                    if urns
                },
            )
        )
    return analyzer_pb2.AnalyzeStackRequest(resources=protos)


def make_urn(project: str, stack: str, type_: str, name: str, parent_urn: str = "") -> str:
    """The URN the engine gives a resource: its type is qualified by its parent's, unless that is the stack."""
    qualified = type_
    if parent_urn:
        parent_type = parent_urn.split("::")[2]
        if parent_type != "pulumi:pulumi:Stack":
            qualified = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


# --- policy config, reconciled as the engine does -----------------------------------------------------------


def _level_name(value: int) -> str:
    return analyzer_pb2.EnforcementLevel.Name(value).lower()


def _level_value(name: str) -> int:
    return analyzer_pb2.EnforcementLevel.Value(name.upper())


def _parse_policy_pack_config(config: Mapping[str, Any]) -> dict[str, tuple[str | None, dict[str, Any] | None]]:
    """The engine's parsePolicyPackConfig: a level string, or an object with an optional enforcementLevel."""
    parsed: dict[str, tuple[str | None, dict[str, Any] | None]] = {}
    errors = []
    for name, value in config.items():
        level: str | None = None
        properties: dict[str, Any] | None = None
        if isinstance(value, str):
            level = value
        elif isinstance(value, Mapping):
            properties = dict(value)
            raw_level = properties.pop("enforcementLevel", None)
            if raw_level is not None and not isinstance(raw_level, str):
                errors.append(f"{name}: enforcementLevel {raw_level!r} is not a string")
                continue
            level = raw_level
            properties = properties or None
        else:
            errors.append(f"{name}: {value!r} is not a valid value; must be a string or object")
            continue
        if level is not None and level not in ENFORCEMENT_LEVELS:
            errors.append(f"{name}: {level!r} is not a valid enforcement level ({', '.join(ENFORCEMENT_LEVELS)})")
            continue
        if level is None and not properties:
            continue
        parsed[name] = (level, properties)
    if errors:
        raise PolicyConfigError(errors)
    return parsed


def _apply(
    result: dict[str, tuple[str | None, dict[str, Any] | None]],
    given: Mapping[str, tuple[str | None, dict[str, Any] | None]],
) -> None:
    all_level = given.get("all", (None, None))[0]
    if all_level:
        for name, (_, properties) in list(result.items()):
            result[name] = (all_level, properties)
    for name, (level, properties) in given.items():
        current_level, current_properties = result.get(name, (None, None))
        if properties:  # shallow: a given key replaces the whole value, as in the engine
            current_properties = {**(current_properties or {}), **properties}
        result[name] = (level or current_level, current_properties)


def reconcile_policy_config(
    info: PackInfo, config: Mapping[str, Any] | None
) -> dict[str, tuple[str | None, dict[str, Any] | None]]:
    """Every policy's (enforcement level, properties), as the engine passes them to Configure.

    Schema defaults and each policy's own level first, then the pack's initial config, then `config` (the
    content of a `--policy-pack-config` file); the result is validated against each policy's schema.
    """
    result: dict[str, tuple[str | None, dict[str, Any] | None]] = {}
    for policy in info.policies:
        properties = policy.config_schema.get("properties", {})
        defaults = {key: schema["default"] for key, schema in properties.items() if "default" in schema}
        result[policy.name] = (policy.enforcement_level, defaults or None)
    initial = {
        name: (value.get("enforcementLevel"), {k: v for k, v in value.items() if k != "enforcementLevel"} or None)
        for name, value in info.initial_config.items()
    }
    _apply(result, initial)
    if config:
        _apply(result, _parse_policy_pack_config(config))

    errors = []
    for policy in info.policies:
        if not policy.config_schema:
            continue
        schema = {"type": "object", **policy.config_schema}
        properties = result.get(policy.name, (None, None))[1] or {}
        validator = jsonschema.Draft7Validator(schema)
        for error in sorted(validator.iter_errors(properties), key=lambda e: list(e.path)):
            where = "/".join(str(part) for part in error.path)
            errors.append(f"{policy.name}: {where + ': ' if where else ''}{error.message}")
    if errors:
        raise PolicyConfigError(errors)
    return result


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
        enforcement_level=_level_name(proto.enforcementLevel),
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
                entry["enforcementLevel"] = _level_name(config.enforcementLevel)
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
                analyzer_pb2.PolicyConfig(enforcementLevel=_level_value(level), properties=_struct(properties or {}))
            )
            effective[name] = {"enforcementLevel": level, **(properties or {})}
        self._call("Configure", request)
        return effective

    def analyze(self, resource: Resource) -> list[Diagnostic]:
        """Analyze one resource (its inputs). Diagnostics without a URN belong to it, as in the engine."""
        response = self._call("Analyze", build_analyze_request(resource))
        return self._diagnostics(response, default_urn=resource.urn)

    def analyze_stack(self, resources: Iterable[Resource]) -> list[Diagnostic]:
        """AnalyzeStack over every resource (the engine sends their outputs)."""
        response = self._call("AnalyzeStack", build_analyze_stack_request(resources))
        return self._diagnostics(response, default_urn="")

    def _diagnostics(self, response: analyzer_pb2.AnalyzeResponse, *, default_urn: str) -> list[Diagnostic]:
        result = []
        for proto in response.diagnostics:
            severity = analyzer_pb2.PolicySeverity.Name(proto.severity).removeprefix("POLICY_SEVERITY_").lower()
            result.append(
                Diagnostic(
                    policy_name=proto.policyName,
                    policy_pack_name=proto.policyPackName,
                    policy_pack_version=self._pack_version or proto.policyPackVersion,
                    description=proto.description,
                    message=proto.message,
                    enforcement_level=_level_name(proto.enforcementLevel),
                    urn=proto.urn or default_urn,
                    severity="" if severity == "unspecified" else severity,
                )
            )
        return result


# --- the host: a pack process and a minimal engine ------------------------------------------------------------


class _EngineService(engine_pb2_grpc.EngineServicer):
    """The part of the engine's host service a plugin may call: logging, and the root resource."""

    def __init__(self) -> None:
        self.logs: list[LogMessage] = []
        self._root_resource = ""
        self._lock = threading.Lock()

    def Log(self, request, context):
        severity = engine_pb2.LogSeverity.Name(request.severity).lower()
        with self._lock:
            self.logs.append(LogMessage(severity=severity, message=request.message, urn=request.urn))
        return empty_pb2.Empty()

    def GetRootResource(self, request, context):
        return engine_pb2.GetRootResourceResponse(urn=self._root_resource)

    def SetRootResource(self, request, context):
        self._root_resource = request.urn
        return engine_pb2.SetRootResourceResponse()


def _load_policy_project(policy_dir: Path) -> dict[str, Any]:
    path = policy_dir / "PulumiPolicy.yaml"
    try:
        project = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise AnalyzerHostError(f"failed to load Pulumi policy project located at {policy_dir}: {error}") from error
    runtime = project.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if runtime_name != "python":
        raise AnalyzerHostError(f"{path}: runtime is {runtime_name!r}; this host starts Python packs only")
    return project


def _pack_python(policy_dir: Path, project: Mapping[str, Any]) -> str:
    """The pack's virtualenv interpreter if it exists (what the engine runs), else this interpreter."""
    runtime = project.get("runtime")
    options = runtime.get("options", {}) if isinstance(runtime, Mapping) else {}
    virtualenv = options.get("virtualenv") if isinstance(options, Mapping) else None
    if virtualenv:
        candidate = (policy_dir / str(virtualenv)).resolve() / "bin" / "python"
        if candidate.exists():
            return str(candidate)
    return sys.executable


def _config_env(config: Mapping[str, Any]) -> str:
    # The engine's PropertyMapToConfig: top-level strings as they are, anything else as JSON.
    encoded = {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
    return json.dumps(encoded)


def _drain(stream: Any, sink: list[str], first_line: queue.Queue[str] | None = None) -> None:
    for index, raw in enumerate(iter(stream.readline, b"")):
        line = raw.decode("utf-8", errors="replace")
        if index == 0 and first_line is not None:
            first_line.put(line)
        else:
            sink.append(line)
    stream.close()
    if first_line is not None:
        first_line.put("")  # end of stream before a port: the reader below sees an empty line


class AnalyzerHost(AnalyzerClient):
    """A policy pack in its own process, started and spoken to as the engine does. Use as a context manager."""

    def __init__(
        self,
        stub: Any,
        *,
        process: subprocess.Popen[bytes],
        channel: grpc.Channel,
        engine_server: grpc.Server,
        engine_service: _EngineService,
        stdout: list[str],
        stderr: list[str],
        threads: Sequence[threading.Thread],
        pack_version: str,
        rpc_timeout: float,
    ) -> None:
        super().__init__(stub, pack_version=pack_version, rpc_timeout=rpc_timeout)
        self._process = process
        self._channel = channel
        self._engine_server = engine_server
        self._engine_service = engine_service
        self._stdout = stdout
        self._stderr = stderr
        self._threads = threads

    @classmethod
    def start(
        cls,
        policy_dir: str | os.PathLike[str],
        *,
        project: str,
        stack: str,
        config: Mapping[str, Any] | None = None,
        organization: str | None = None,
        dry_run: bool = True,
        stack_tags: Mapping[str, str] | None = None,
        python: str | None = None,
        startup_timeout: float = 60.0,
        rpc_timeout: float = 60.0,
    ) -> AnalyzerHost:
        """Start the pack in `policy_dir` for `project`/`stack` with the stack's `config` (plain values).

        `python` defaults to the interpreter of the pack's `virtualenv` when that exists, else this one.
        """
        policy_dir = Path(policy_dir).resolve()
        policy_project = _load_policy_project(policy_dir)
        config = dict(config or {})

        engine_service = _EngineService()
        engine_server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), options=_GRPC_OPTIONS)
        engine_pb2_grpc.add_EngineServicer_to_server(engine_service, engine_server)
        engine_port = engine_server.add_insecure_port("127.0.0.1:0")
        engine_server.start()
        engine_address = f"127.0.0.1:{engine_port}"

        # Hermetic: nothing from the caller's shell may pose as this stack's config.
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("PULUMI_CONFIG")
            and key not in {"PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_ORGANIZATION", "PULUMI_DRY_RUN"}
        }
        env.update(PULUMI_PROJECT=project, PULUMI_STACK=stack, PULUMI_DRY_RUN="true" if dry_run else "false")
        if organization:
            env["PULUMI_ORGANIZATION"] = organization
        if config:
            env["PULUMI_CONFIG"] = _config_env(config)

        command = [python or _pack_python(policy_dir, policy_project), "-u", "-m", "pulumi.policy"]
        command += [engine_address, "."]
        try:
            process = subprocess.Popen(
                command,
                cwd=policy_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as error:
            engine_server.stop(0)
            raise AnalyzerHostError(f"could not run {command[0]}: {error}") from error

        stdout: list[str] = []
        stderr: list[str] = []
        first_line: queue.Queue[str] = queue.Queue()
        threads = [
            threading.Thread(target=_drain, args=(process.stdout, stdout, first_line), daemon=True),
            threading.Thread(target=_drain, args=(process.stderr, stderr), daemon=True),
        ]
        for thread in threads:
            thread.start()

        host: AnalyzerHost | None = None
        channel: grpc.Channel | None = None
        try:
            port = cls._wait_for_port(process, first_line, stderr, threads[1], startup_timeout, policy_dir)
            channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_GRPC_OPTIONS)
            grpc.channel_ready_future(channel).result(timeout=startup_timeout)
            host = cls(
                analyzer_pb2_grpc.AnalyzerStub(channel),
                process=process,
                channel=channel,
                engine_server=engine_server,
                engine_service=engine_service,
                stdout=stdout,
                stderr=stderr,
                threads=threads,
                pack_version=str(policy_project.get("version") or ""),
                rpc_timeout=rpc_timeout,
            )
            host._handshake(engine_address, policy_dir, project, stack, organization, dry_run, config, stack_tags)
            return host
        except BaseException as error:
            if host is not None:
                host.close()
            else:
                if channel is not None:
                    channel.close()
                _stop(process)
                engine_server.stop(0)
            if isinstance(error, grpc.FutureTimeoutError):
                raise AnalyzerHostError(f"policy pack at {policy_dir} printed a port but never answered") from error
            raise

    @staticmethod
    def _wait_for_port(
        process: subprocess.Popen[bytes],
        first_line: queue.Queue[str],
        stderr: list[str],
        stderr_reader: threading.Thread,
        timeout: float,
        policy_dir: Path,
    ) -> int:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = first_line.get(timeout=0.1)
                break
            except queue.Empty:
                if time.monotonic() > deadline:
                    _stop(process)
                    raise AnalyzerHostError(
                        f"policy pack at {policy_dir} printed no port within {timeout:.0f} s; its stderr:\n"
                        + _tail(stderr)
                    ) from None
        try:
            return int(line.strip())
        except ValueError:
            _stop(process)
            stderr_reader.join(timeout=5)  # so the message below carries all of it
            raise AnalyzerHostError(
                f"policy pack at {policy_dir} did not start (exit code {process.poll()}, first line {line.strip()!r});"
                f" its stderr:\n{_tail(stderr)}"
            ) from None

    def _handshake(
        self,
        engine_address: str,
        policy_dir: Path,
        project: str,
        stack: str,
        organization: str | None,
        dry_run: bool,
        config: Mapping[str, Any],
        stack_tags: Mapping[str, str] | None,
    ) -> None:
        directory = str(policy_dir)
        requests = [
            (
                "Handshake",
                analyzer_pb2.AnalyzerHandshakeRequest(
                    engine_address=engine_address, root_directory=directory, program_directory=directory
                ),
            ),
            (
                "ConfigureStack",
                analyzer_pb2.AnalyzerStackConfigureRequest(
                    stack=stack,
                    project=project,
                    organization=organization or "",
                    dry_run=dry_run,
                    config=json.loads(_config_env(config)),  # map<string, string>, as PULUMI_CONFIG
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
        return AnalyzerHostError(f"{base}\npolicy pack stderr:\n{_tail(self._stderr)}")

    @property
    def logs(self) -> list[LogMessage]:
        """Messages the pack sent to the engine's Log service."""
        return list(self._engine_service.logs)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    @property
    def stdout(self) -> str:
        """What the pack printed after its port."""
        return "".join(self._stdout)

    def close(self) -> None:
        """Stop the pack process and the engine service. Safe to call twice."""
        self._channel.close()
        _stop(self._process)
        for thread in self._threads:
            thread.join(timeout=5)
        self._engine_server.stop(0)

    def __enter__(self) -> AnalyzerHost:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _tail(lines: Sequence[str]) -> str:
    text = "".join(lines)
    return text[-_STDERR_TAIL:] if text else "(empty)"
