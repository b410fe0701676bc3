"""Pulumi unit-test mocks that behave like the providers where the program reads computed values.

Each resource type gets realistic computed outputs (ids, client ids, ARNs, endpoints, a password
value), as pulumi/examples `testing-unit-py` does: without them these Outputs resolve to None and
tests would check nothing (docs/testing.md). Every registration is recorded with its
inputs (camelCase wire names) so tests assert what would reach the providers.

``run_program`` runs the real ``__main__.py`` under these mocks with a given stack config and
returns what it registered and exported.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import runpy
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import pulumi
from google.protobuf.json_format import MessageToDict

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "__main__.py"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
# Fake secrets start with this marker so tests can search any text for a leak.
SECRET_MARKER = "FAKE-SECRET-"
# When the mocked providers "create" a password: its endDate is this plus its relative lifetime.
CREATED = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_OID, "/".join(parts)))


@dataclass
class Registered:
    type: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    custom: bool
    dependencies: set[str] = field(default_factory=set)
    """Logical names of the resources this one waits for (what the engine orders creates by)."""
    provider: str | None = None
    """The explicit provider reference (``<urn>::<id>``), None for the default provider."""
    ignore_changes: list[str] = field(default_factory=list)
    """Properties the engine keeps from the previous deployment instead of diffing (wire names)."""
    options: dict[str, Any] = field(default_factory=dict)
    """The registration as the engine receives it, minus its inputs and where in the source it was
    made: parent, dependencies, aliases, ignoreChanges, additionalSecretOutputs... (wire names). Two
    programs that register the same URNs with the same inputs and options preview with no change."""


# Request fields that are not resource options: the inputs (recorded on their own), where in the source
# the registration was made, and the provider SDK's version (an upgrade is not a config change).
_NOT_OPTIONS = ("object", "sourcePosition", "stackTrace", "parentStackTraceHandle", "version")


class _RecordingMonitor(pulumi.runtime.mocks.MockMonitor):
    """Keeps each registration's dependencies, which MockResourceArgs does not carry."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.dependencies: dict[tuple[str, str], set[str]] = {}
        self.ignore_changes: dict[tuple[str, str], list[str]] = {}
        self.options: dict[tuple[str, str], dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:
        urns = set(request.dependencies)
        for deps in request.propertyDependencies.values():
            urns |= set(deps.urns)
        self.dependencies[(request.type, request.name)] = {u.rsplit("::", 1)[-1] for u in urns}
        self.ignore_changes[(request.type, request.name)] = list(request.ignoreChanges)
        options = MessageToDict(request)
        for volatile in _NOT_OPTIONS:
            options.pop(volatile, None)
        # The engine orders steps by these sets; their order in the request is the SDK's.
        options["dependencies"] = sorted(options.get("dependencies", []))
        for deps in options.get("propertyDependencies", {}).values():
            deps["urns"] = sorted(deps.get("urns", []))
        self.options[(request.type, request.name)] = options
        return super().RegisterResource(request)


class RecordingMocks(pulumi.runtime.Mocks):
    """Records registrations; computes provider-like outputs from the stack and logical name."""

    def __init__(self, stack: str) -> None:
        self.stack = stack
        self.registered: list[Registered] = []
        self.monitor = _RecordingMonitor(self)

    @property
    def urns(self) -> list[str]:
        """URNs of every registration: the parent chain shows in the type part."""
        return list(self.monitor.resources)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        seed = (self.stack, args.typ, args.name)
        rid = _uuid(*seed)
        outputs = dict(args.inputs)
        t = args.typ
        if t == "azuread:index/application:Application":
            object_id = _uuid(*seed, "object")
            outputs |= {"clientId": _uuid(*seed, "client"), "objectId": object_id}
            rid = f"/applications/{object_id}"
        elif t == "azuread:index/servicePrincipal:ServicePrincipal":
            outputs |= {"objectId": rid}
            rid = f"/servicePrincipals/{rid}"
        elif t == "azuread:index/applicationPassword:ApplicationPassword":
            # The provider computes endDate (RFC 3339) from endDateRelative at creation.
            hours = int(str(args.inputs.get("endDateRelative", "0h")).removesuffix("h") or 0)
            end = CREATED + datetime.timedelta(hours=hours)
            outputs |= {
                "value": f"{SECRET_MARKER}{rid[:8]}",
                "keyId": rid,
                "endDate": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        elif t == "aws:apigatewayv2/api:Api":
            rid = rid.replace("-", "")[:10]
            outputs |= {
                "apiEndpoint": f"https://{rid}.execute-api.{REGION}.amazonaws.com",
                "arn": f"arn:aws:apigateway:{REGION}::/apis/{rid}",
                "executionArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{rid}",
            }
        elif t == "aws:cloudwatch/logGroup:LogGroup":
            outputs |= {"arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{args.inputs['name']}"}
        elif t == "aws:iam/role:Role":
            outputs |= {"arn": f"arn:aws:iam::{ACCOUNT}:role/{args.inputs['name']}"}
            rid = args.inputs["name"]
        elif t == "aws:lambda/function:Function":
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{args.inputs['name']}"
            # pulumi-aws: invokeArn is the ARN API Gateway's authorizer_uri takes.
            invoke = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"
            outputs |= {"arn": arn, "invokeArn": invoke}
            rid = args.inputs["name"]
        elif t.startswith("aws:apigatewayv2/"):
            rid = rid.replace("-", "")[:7]
        deps = self.monitor.dependencies.get((t, args.name), set())
        ignored = self.monitor.ignore_changes.get((t, args.name), [])
        options = self.monitor.options.get((t, args.name), {})
        self.registered.append(
            Registered(
                t,
                args.name,
                dict(args.inputs),
                outputs,
                bool(args.custom),
                deps,
                args.provider or None,
                ignored,
                options,
            )
        )
        return (rid if args.custom else None), outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        raise AssertionError(f"the program made an unexpected provider call: {args.token}")

    # --- lookups for tests -------------------------------------------------------------------------

    def of_type(self, type_token: str) -> list[Registered]:
        return [r for r in self.registered if r.type == type_token]

    def one(self, type_token: str, name: str) -> Registered:
        found = [r for r in self.registered if r.type == type_token and r.name == name]
        assert len(found) == 1, (
            f"expected one {type_token} named {name!r}, got {[r.name for r in self.of_type(type_token)]}"
        )
        return found[0]


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def install_mocks(stack: str = "dev", config: Mapping[str, object] | None = None) -> tuple[RecordingMocks, ListHandler]:
    """set_mocks with preview=False (with preview, unset outputs stay unknown and checks never run)."""
    mocks = RecordingMocks(stack)
    handler = ListHandler()
    logger = logging.getLogger(f"pulumi-mock-engine-{uuid.uuid4()}")
    logger.propagate = False
    logger.addHandler(handler)
    pulumi.runtime.set_mocks(
        mocks, project="b2c-apigw", stack=stack, preview=False, logger=logger, monitor=mocks.monitor
    )
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in (config or {}).items()}, []
    )
    return mocks, handler


@dataclass
class Export:
    value: Any
    secret: bool


@dataclass
class ProgramRun:
    mocks: RecordingMocks
    exports: dict[str, Export]
    raw_exports: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def registered(self) -> list[Registered]:
        return self.mocks.registered


async def _resolve(value: Any) -> Export:
    out = pulumi.Output.from_input(value)
    return Export(await out.future(), await out.is_secret())


def settle(build: Callable[[], Mapping[str, Any] | None]) -> dict[str, Export]:
    """Run ``build`` under the installed mocks, wait until every registration has finished, and
    resolve the Outputs it returns. Assert afterwards: an ``apply`` on one Output can run before
    sibling resources are registered."""
    resolved: dict[str, Export] = {}

    @pulumi.runtime.test
    def body() -> Any:
        outputs = build() or {}

        async def collect() -> None:
            for key, value in outputs.items():
                resolved[key] = await _resolve(value)

        return asyncio.ensure_future(collect())

    body()
    return resolved


def run_program(config: Mapping[str, object], stack: str = "dev") -> ProgramRun:
    """Run the real __main__.py under mocks; raise what the program raises."""
    mocks, handler = install_mocks(stack, config)
    exports: dict[str, Any] = {}

    def program() -> Mapping[str, Any]:
        with mock.patch.object(pulumi, "export", exports.__setitem__):
            runpy.run_path(str(MAIN), run_name="__pulumi_program__")
        return exports

    resolved = settle(program)
    warnings = [r.getMessage() for r in handler.records if r.levelno == logging.WARNING]
    return ProgramRun(mocks, resolved, exports, warnings)


def registrations(run: ProgramRun) -> list[dict[str, Any]]:
    """Every registration as the engine sees it: URN, inputs and options, in registration order.

    What ``pulumi preview`` diffs against the state: a program that registers the same list as
    another previews with no resource change (a different URN is a create and a delete, unless an
    alias in the options names the old one)."""
    urns = {(urn.split("::")[2].split("$")[-1], urn.rsplit("::", 1)[1]): urn for urn in run.mocks.urns}
    return [
        {"urn": urns[(r.type, r.name)], "inputs": r.inputs, "options": r.options}
        for r in run.registered
        if r.type != "pulumi:pulumi:Stack"
    ]
