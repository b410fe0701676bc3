"""The contract between the program and verify: the stack outputs ``__main__.py`` exports (under the
Pulumi mocks, with the example stack config) are what verify's output parser reads."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from tests.support.example import DEV_CONFIG
from tests.support.mocks import run_program
from verify.outputs import Client, LabelledSecret, Route, Throttle, load_file
from verify.redact import Redactor


def test_the_programs_outputs_are_what_verify_reads(tmp_path: Path) -> None:
    config = copy.deepcopy(DEV_CONFIG)
    # Every route shape the program deploys: a path parameter, a greedy one, ANY, several scopes.
    config["b2c-apigw:api"]["routes"] += [
        {"route": "GET /posts/{id}", "scopes": ["app.read", "app.write"]},
        {"route": "ANY /files/{proxy+}", "scopes": ["app.write"]},
    ]
    run = run_program(config)
    # What `pulumi stack output --json --show-secrets` prints: every export, secrets in plain text.
    values = {key: export.value for key, export in run.exports.items()}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(values), encoding="utf-8")

    redactor = Redactor()
    outputs = load_file(str(path), redactor)

    assert (outputs.api_url, outputs.token_url, outputs.issuer) == (
        values["apiUrl"],
        values["tokenUrl"],
        values["issuer"],
    )
    assert (outputs.discovery_url, outputs.audience, outputs.scope) == (
        values["discoveryUrl"],
        values["audience"],
        values["scope"],
    )
    assert outputs.routes == (
        Route("GET /posts", "GET", "/posts", ("app.read",)),
        Route("POST /posts", "POST", "/posts", ("app.write",)),
        Route("GET /health", "GET", "/health", ()),
        Route("GET /posts/{id}", "GET", "/posts/{id}", ("app.read", "app.write")),
        Route("ANY /files/{proxy+}", "ANY", "/files/{proxy+}", ("app.write",)),
    )
    (reporting,) = outputs.clients
    spec = values["clients"]["reporting"]
    default = LabelledSecret("default", spec["clientSecret"], spec["secrets"]["default"]["expires"])
    assert reporting == Client("reporting", spec["clientId"], ("app.read",), spec["clientSecret"], secrets=(default,))
    assert reporting.current_label == "default"
    assert outputs.secret_of(reporting) == spec["clientSecret"]
    # The client secret was registered before anything could print it.
    assert redactor.scrub(f"x {spec['clientSecret']} y") == "x [redacted] y"
    # smoke paces itself to the stage's throttle.
    assert outputs.throttle == Throttle(rate=100.0, burst=50)
    # preflight reads the discovery where API Gateway does: the program's discoveryUrl output.
    assert outputs.discovery_url == outputs.issuer + ".well-known/openid-configuration"


def test_a_rotating_clients_secrets_are_what_verify_reads(tmp_path: Path) -> None:
    config = copy.deepcopy(DEV_CONFIG)
    client = config["b2c-apigw:clients"][0]
    del client["secretDays"]
    client["secrets"] = [{"label": "2026-06", "days": 180}, {"label": "2026-12", "days": 30}]
    values = {key: export.value for key, export in run_program(config).exports.items()}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(values), encoding="utf-8")
    redactor = Redactor()
    (reporting,) = load_file(str(path), redactor).clients
    spec = values["clients"]["reporting"]["secrets"]
    assert [(s.label, s.secret, s.expires) for s in reporting.secrets] == [
        ("2026-06", spec["2026-06"]["secret"], spec["2026-06"]["expires"]),
        ("2026-12", spec["2026-12"]["secret"], spec["2026-12"]["expires"]),
    ]
    assert reporting.current_label == "2026-12"  # clientSecret is the last entry's
    for label in ("2026-06", "2026-12"):
        assert redactor.scrub(spec[label]["secret"]) == "[redacted]"
