"""Run the policy pack the way `pulumi preview --policy-pack policy` does, without the CLI.

The program runs under the mocks (``tests/support/mocks.py``) while a monitor keeps each registration's
raw ``RegisterResourceRequest``: its wire properties (what the Python SDK serialized: camelCase names,
secrets as secret signatures, and, at preview, unknown values as the unknown sentinel), its parent, its
dependencies per property and its options. From those the harness builds the requests the engine sends
an analyzer, then hands them to pulumi-policy's own analyzer servicer, so deserializing, the
unknown-checking proxy, configuration and the advisory-for-unknowns rule are the SDK's, not a copy.

Each conversion, where it comes from:

- Resource properties: the engine analyzes the (provider-checked) inputs (pulumi
  ``pkg/resource/deploy/step_generator.go``, ``generateSteps``: ``Properties: inputs``) marshaled with
  ``KeepUnknowns``, ``KeepSecrets`` and ``SkipInternalKeys`` (``sdk/go/common/resource/plugin/
  analyzer_plugin.go``, ``Analyze``). An unknown goes out as ``04da6b54-…`` (``rpc.go``,
  ``marshalUnknownProperty``; the Python SDK sends the same string), a secret as ``{sig: 1b47061…, value}``.
  Here: the SDK's own wire struct, ``__``-prefixed keys dropped. Not reproduced: defaults a provider's
  Check would add (the policies treat an absent property as its provider default), and the provider
  resource the engine attaches (no policy of the pack reads it).
- Stack properties: the final *outputs* (``step_generator.go``, ``AnalyzeResources``). Here: a custom
  resource's mocked outputs, secret where the input was (``provider_plugin.go``, ``annotateSecrets``) or
  listed in ``additionalSecretOutputs``; at preview, the inputs plus every computed output unknown (a
  first preview: nothing exists yet). A component's outputs are what it passed to ``register_outputs``
  (``step_executor.go``, ``ExecuteRegisterResourceOutputs`` sets them unconditionally).
- Options, parent, dependencies, property dependencies: copied from the request as
  ``analyzer_plugin.go`` ``marshalResourceOptions`` and ``AnalyzeStack`` do.
- Then pulumi-policy (``pulumi_policy/policy.py``): ``_PolicyAnalyzerServicer.Analyze`` /
  ``AnalyzeStack`` run ``json_format.MessageToDict`` + ``deserialize.deserialize_properties`` (secrets
  unwrapped to plain values) + ``proxy.unknown_checking_proxy``, call each policy, and turn an
  ``UnknownValueError`` into an advisory diagnostic. ``Configure`` takes the pack config after the CLI's
  reconciliation (pulumi ``pkg/resource/analyzer/config.go``, ``ReconcilePolicyPackConfig``: schema
  defaults, then ``all``, then per-policy values, validated against each policy's JSON schema).
"""

from __future__ import annotations

import copy
import json
import runpy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import jsonschema
import pulumi
import yaml
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY, deserialize_properties
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from policy.rules import ENFORCEMENT_LEVEL, PACK_NAME, POLICIES
from tests.support.mocks import MAIN, RecordingMocks, _RecordingMonitor, settle

ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = ROOT / "policy"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
PACK_VERSION = str(yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())["version"])
UNKNOWN = UNKNOWN_STRING_VALUE


def secret(value: Any) -> dict[str, Any]:
    """A value in the engine's secret form (what ``KeepSecrets`` marshals)."""
    return {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": value}


# --- Capturing what the program registers ---------------------------------------------------------


class _CapturingMonitor(_RecordingMonitor):
    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.requests: dict[str, Any] = {}
        self.responses: dict[str, Any] = {}
        self.component_outputs: dict[str, struct_pb2.Struct] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.requests[response.urn] = request
            self.responses[response.urn] = response
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.component_outputs[request.urn] = request.outputs
        return super().RegisterResourceOutputs(request)


class _PolicyMocks(RecordingMocks):
    def __init__(self, stack: str, preview: bool) -> None:
        super().__init__(stack)
        self.preview = preview
        self.monitor = _CapturingMonitor(self)
        self.computed: dict[tuple[str, str], set[str]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        rid, outputs = super().new_resource(args)
        self.computed[(args.typ, args.name)] = set(outputs) - set(args.inputs)
        if self.preview:
            # A first preview: nothing exists, so ids and computed outputs are unknown.
            return None, dict(args.inputs)
        return rid, outputs


@dataclass
class Resource:
    """One registration as the engine would describe it to an analyzer."""

    urn: str
    type: str
    name: str
    custom: bool
    inputs: dict[str, Any]
    """Wire form (secret signatures, unknown sentinels), internal keys dropped."""
    outputs: dict[str, Any]
    parent: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Capture:
    resources: list[Resource]

    def one(self, type_token: str, name: str) -> Resource:
        found = [r for r in self.resources if r.type == type_token and r.name == name]
        assert len(found) == 1, f"{type_token} {name!r}: {[r.name for r in self.resources if r.type == type_token]}"
        return found[0]

    def of_type(self, type_token: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_token]

    def copy(self) -> Capture:
        return copy.deepcopy(self)


def _wire(struct: struct_pb2.Struct) -> dict[str, Any]:
    return {k: v for k, v in json_format.MessageToDict(struct).items() if not k.startswith("__")}


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SPECIAL_SIG_KEY) == SPECIAL_SECRET_SIG


def _outputs(mocks: _PolicyMocks, urn: str, request: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    monitor = mocks.monitor
    assert isinstance(monitor, _CapturingMonitor)
    if not request.custom:
        struct = monitor.component_outputs.get(urn)
        return _wire(struct) if struct is not None else dict(inputs)
    if mocks.preview:
        outputs = dict(inputs)
        for key in mocks.computed.get((request.type, request.name), set()):
            outputs[key] = UNKNOWN
    else:
        outputs = _wire(monitor.responses[urn].object)
    secret_keys = {k for k, v in inputs.items() if _is_secret(v)} | set(request.additionalSecretOutputs)
    marked = {k for k, v in outputs.items() if k in secret_keys and not _is_secret(v) and v != UNKNOWN}
    return {k: secret(v) if k in marked else v for k, v in outputs.items()}


_RUNS: dict[str, Capture] = {}


def run_program(config: Mapping[str, object], stack: str = "dev", preview: bool = False) -> Capture:
    """Run the real __main__.py under mocks (preview: as a first preview) and capture its registrations.
    Runs are remembered for the session (the program is deterministic); each caller gets its own copy."""
    key = json.dumps([config, stack, preview], sort_keys=True)
    if key not in _RUNS:
        _RUNS[key] = _run_program(config, stack, preview)
    return _RUNS[key].copy()


def _run_program(config: Mapping[str, object], stack: str, preview: bool) -> Capture:
    mocks = _PolicyMocks(stack, preview)
    pulumi.runtime.set_mocks(mocks, project="b2c-apigw", stack=stack, preview=preview, monitor=mocks.monitor)
    pulumi.runtime.set_all_config({k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}, [])

    def program() -> Mapping[str, Any]:
        with mock.patch.object(pulumi, "export", lambda *_: None):
            runpy.run_path(str(MAIN), run_name="__pulumi_program__")
        return {}

    settle(program)
    monitor = mocks.monitor
    assert isinstance(monitor, _CapturingMonitor)
    resources = []
    for urn, request in monitor.requests.items():
        inputs = _wire(request.object)
        resources.append(
            Resource(
                urn=urn,
                type=request.type,
                name=request.name,
                custom=request.custom,
                inputs=inputs,
                outputs=_outputs(mocks, urn, request, inputs),
                parent=request.parent,
                dependencies=list(request.dependencies),
                property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items() if v.urns},
                options={
                    "protect": request.protect,
                    "ignoreChanges": list(request.ignoreChanges),
                    "additionalSecretOutputs": list(request.additionalSecretOutputs),
                },
            )
        )
    return Capture(resources)


# --- Feeding the pack -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    policy: str
    urn: str
    level: str
    """``mandatory``, ``advisory``, ``disabled``… as the engine would show it."""
    message: str
    """The policy's own message (the SDK prefixes the description and a newline; stripped here)."""
    unknown: bool
    """An advisory the SDK made from an unknown value (a check deferred to the update)."""


@dataclass
class Findings:
    items: list[Finding]

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.items if not f.unknown]

    @property
    def advisories(self) -> list[Finding]:
        return [f for f in self.items if f.unknown]

    def messages(self, policy: str | None = None) -> list[str]:
        return [f.message for f in self.violations if policy is None or f.policy == policy]


_LEVELS = {
    proto.ADVISORY: "advisory",
    proto.MANDATORY: "mandatory",
    proto.REMEDIATE: "remediate",
    proto.DISABLED: "disabled",
}


def _servicer(policies: Sequence[Policy], config: Mapping[str, Any] | None) -> _PolicyAnalyzerServicer:
    servicer = _PolicyAnalyzerServicer(PACK_NAME, PACK_VERSION, list(policies), ENFORCEMENT_LEVEL)
    reconciled = reconcile_config(servicer, config or {})
    request = proto.ConfigureAnalyzerRequest()
    for name, value in reconciled.items():
        entry = request.policyConfig[name]
        entry.enforcementLevel = _ENUM[value["enforcementLevel"]]
        entry.properties.update(value["properties"])
    servicer.Configure(request, None)
    return servicer


_ENUM = {v: k for k, v in _LEVELS.items()}


def policy_infos(servicer: _PolicyAnalyzerServicer | None = None) -> dict[str, dict[str, Any]]:
    """name -> {enforcementLevel, configSchema{properties, required}} from the pack's GetAnalyzerInfo."""
    info = servicer or _PolicyAnalyzerServicer(PACK_NAME, PACK_VERSION, list(POLICIES), ENFORCEMENT_LEVEL)
    answer = info.GetAnalyzerInfo(None, None)
    return {
        p.name: {
            "enforcementLevel": _LEVELS[p.enforcementLevel],
            "configSchema": json_format.MessageToDict(p.configSchema),
            "description": p.description,
        }
        for p in answer.policies
    }


class ConfigError(Exception):
    pass


def reconcile_config(servicer: _PolicyAnalyzerServicer | None, config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The CLI's ``ReconcilePolicyPackConfig`` over a ``--policy-pack-config`` file's contents: schema
    defaults, then ``all``, then each policy's entry (a level string or an object with
    ``enforcementLevel``), each policy's result validated against its schema plus ``enforcementLevel``
    (``analyzer_plugin.go``, ``GetAnalyzerInfo``, injects that property). Raises ``ConfigError``."""
    infos = policy_infos(servicer)
    result: dict[str, dict[str, Any]] = {}
    for name, info in infos.items():
        props = info["configSchema"].get("properties", {})
        result[name] = {
            "enforcementLevel": info["enforcementLevel"],
            "properties": {k: v["default"] for k, v in props.items() if "default" in v},
        }
    given: dict[str, dict[str, Any]] = {}
    for key, value in config.items():
        if isinstance(value, str):
            given[key] = {"enforcementLevel": value, "properties": {}}
        elif isinstance(value, dict):
            rest = {k: v for k, v in value.items() if k != "enforcementLevel"}
            given[key] = {"enforcementLevel": value.get("enforcementLevel"), "properties": rest}
        else:
            raise ConfigError(f"parsing {key!r}: {value!r} is not a valid value; must be a string or object")
        level = given[key]["enforcementLevel"]
        if level is not None and level not in _ENUM:
            raise ConfigError(f"parsing enforcement level for {key!r}: {level!r} is not a valid enforcement level")
    if "all" in given and given["all"]["enforcementLevel"]:
        for entry in result.values():
            entry["enforcementLevel"] = given["all"]["enforcementLevel"]
    for name, entry in given.items():
        target = result.setdefault(name, {"enforcementLevel": "advisory", "properties": {}})
        if entry["enforcementLevel"]:
            target["enforcementLevel"] = entry["enforcementLevel"]
        target["properties"].update(entry["properties"])
    errors = []
    for name, info in infos.items():
        schema = {"type": "object", **info["configSchema"]}
        schema.setdefault("properties", {})["enforcementLevel"] = {"type": "string", "enum": list(_ENUM)}
        for error in jsonschema.Draft7Validator(schema).iter_errors(result[name]["properties"]):
            errors.append(f"{name}: {error.message}")
    if errors:
        raise ConfigError("; ".join(errors))
    result.pop("all", None)
    return result


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(dict(values))
    return s


def _options(resource: Resource) -> Any:
    return proto.AnalyzerResourceOptions(
        protect=resource.options.get("protect", False),
        ignoreChanges=resource.options.get("ignoreChanges", []),
        additionalSecretOutputs=resource.options.get("additionalSecretOutputs", []),
        parent=resource.parent,
    )


def _findings(response: Any) -> list[Finding]:
    found = []
    for d in response.diagnostics:
        message = d.message
        unknown = message.startswith(f"can't run policy '{d.policyName}'")
        if not unknown and message.startswith(d.description + "\n"):
            message = message[len(d.description) + 1 :]
        found.append(Finding(d.policyName, d.urn, _LEVELS[d.enforcementLevel], message, unknown))
    return found


def analyze(
    resources: Iterable[Resource],
    policies: Sequence[Policy] = POLICIES,
    config: Mapping[str, Any] | None = None,
) -> Findings:
    """Every resource through every resource policy (``Analyze``), then the stack through every stack
    policy (``AnalyzeStack``), as one `pulumi preview --policy-pack policy` run."""
    servicer = _servicer(policies, config)
    resources = list(resources)
    items: list[Finding] = []
    for r in resources:
        request = proto.AnalyzeRequest(
            urn=r.urn, type=r.type, name=r.name, properties=_struct(r.inputs), options=_options(r)
        )
        items += [
            Finding(f.policy, f.urn or r.urn, f.level, f.message, f.unknown)
            for f in _findings(servicer.Analyze(request, None))
        ]
    stack = proto.AnalyzeStackRequest()
    for r in resources:
        entry = stack.resources.add(
            urn=r.urn, type=r.type, name=r.name, properties=_struct(r.outputs), options=_options(r), parent=r.parent
        )
        entry.dependencies.extend(r.dependencies)
        for key, urns in r.property_dependencies.items():
            entry.propertyDependencies[key].urns.extend(urns)
    items += _findings(servicer.AnalyzeStack(stack, None))
    return Findings(items)


# --- Hand-built resources ---------------------------------------------------------------------------


def urn_of(type_token: str, name: str, parent: Resource | None = None, stack: str = "dev") -> str:
    qualified = f"{parent.urn.split('::')[2]}${type_token}" if parent else type_token
    return f"urn:pulumi:{stack}::b2c-apigw::{qualified}::{name}"


def resource(
    type_token: str,
    name: str,
    inputs: Mapping[str, Any],
    outputs: Mapping[str, Any] | None = None,
    parent: Resource | None = None,
    property_dependencies: Mapping[str, Sequence[Resource]] | None = None,
) -> Resource:
    """A resource in wire form, as a test writes it (outputs default to the inputs)."""
    deps = {k: [d.urn for d in v] for k, v in (property_dependencies or {}).items()}
    return Resource(
        urn=urn_of(type_token, name, parent),
        type=type_token,
        name=name,
        custom=True,
        inputs=dict(inputs),
        outputs=dict(outputs if outputs is not None else inputs),
        parent=parent.urn if parent else "",
        dependencies=sorted({u for urns in deps.values() for u in urns}),
        property_dependencies=deps,
    )


# --- One policy, hand-built arguments -------------------------------------------------------------


@dataclass
class Outcome:
    """What one policy reported: violations (message, urn) and the advisory the SDK would make of an
    ``UnknownValueError`` (None when every check ran)."""

    violations: list[tuple[str, str | None]]
    advisory: str | None

    @property
    def messages(self) -> list[str]:
        return [m for m, _ in self.violations]


def _engine_props(wire: Mapping[str, Any]) -> Any:
    # _PolicyAnalyzerServicer.Analyze: deserialize_properties(MessageToDict(props)), then the proxy.
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(_struct(wire))))


def _run(validate: Any, args: Any) -> Outcome:
    violations: list[tuple[str, str | None]] = []
    try:
        validate(args, lambda message, urn=None: violations.append((message, urn)))
    except UnknownValueError as error:  # what Analyze/AnalyzeStack turn into an advisory diagnostic
        return Outcome(violations, error.message)
    return Outcome(violations, None)


def validate_resource(
    policy: ResourceValidationPolicy,
    type_token: str,
    props: Mapping[str, Any],
    name: str = "r",
    config: Mapping[str, Any] | None = None,
) -> Outcome:
    """``policy.validate`` with hand-built ``ResourceValidationArgs`` whose props are in the engine's form."""
    opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
    args = ResourceValidationArgs(type_token, _engine_props(props), urn_of(type_token, name), name, opts, None, config)
    return _run(policy.validate, args)


def validate_stack(
    policy: StackValidationPolicy, resources: Sequence[Resource], config: Mapping[str, Any] | None = None
) -> Outcome:
    """``policy.validate`` with hand-built ``StackValidationArgs``: outputs in the engine's form, parents and
    property dependencies linked to the resource objects as ``AnalyzeStack`` links them."""
    opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
    built = {
        r.urn: PolicyResource(r.type, _engine_props(r.outputs), r.urn, r.name, opts, None, None, [], {})
        for r in resources
    }
    for r in resources:
        p = built[r.urn]
        p.parent = built.get(r.parent)
        p.dependencies = [built[u] for u in r.dependencies if u in built]
        p.property_dependencies = {k: [built[u] for u in v if u in built] for k, v in r.property_dependencies.items()}
    return _run(policy.validate, StackValidationArgs(list(built.values()), config))
