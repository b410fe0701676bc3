"""``python -m verify config``: stack config files checked offline by the program's own validator."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.config import ConfigError, parse_settings
from tests.support.harness import ENTRA_SECRET, call

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
EXAMPLE = yaml.safe_load((ROOT / "examples" / "b2c-minimal.yaml").read_text(encoding="utf-8"))


def write(path: Path, doc: Any) -> str:
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return str(path)


def example() -> dict[str, Any]:
    return copy.deepcopy(EXAMPLE)


def program_problems(config: dict[str, Any], stack: str) -> list[str]:
    """What the program itself says about ``config`` (the validator ``__main__`` runs)."""
    with pytest.raises(ConfigError) as caught:
        parse_settings(
            tenant=config.get("b2c-apigw:tenant"),
            api=config.get("b2c-apigw:api"),
            clients=config.get("b2c-apigw:clients"),
            stack=stack,
            azuread_tenant_id=config.get("azuread:tenantId"),
            aws_region=config.get("aws:region"),
        )
    return list(caught.value.problems)


def test_every_example_stack_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert EXAMPLES, "examples/*.yaml"
    r = call(capsys, "config", *map(str, EXAMPLES), "--json")
    assert r.code == 0, r.out
    data = r.json()
    assert data["ok"] is True
    assert [f["file"] for f in data["files"]] == [str(p) for p in EXAMPLES]
    for f in data["files"]:
        assert [x for x in f["findings"] if x["status"] in ("fail", "warn")] == [], f["file"]


def test_a_file_not_named_like_a_stack_file_is_checked_under_its_stem(capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "examples" / "b2c-minimal.yaml"
    r = call(capsys, "config", str(path))
    assert r.code == 0
    assert r.out == (
        f"config: {path} (stack b2c-minimal)\n"
        "  [info] stack: the file is not named Pulumi.<stack>.yaml: checked as stack 'b2c-minimal' (its stem); "
        "--stack NAME sets it\n"
        "  ok: the program's validator accepts this config\n"
        "ok: 1 file(s) checked, 0 invalid\n"
    )
    r = call(capsys, "config", str(path), "--stack", "prod", "--json")
    assert r.json()["files"][0]["stack"] == "prod" and r.json()["files"][0]["findings"] == []


def test_a_broken_copy_fails_with_the_validators_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = example()
    config = doc["config"]
    config["b2c-apigw:tenant"]["policy"] = "susi"
    config["b2c-apigw:api"]["upstream"] = "https://example.com/base"
    config["b2c-apigw:api"]["routes"].append({"route": "FETCH /a//b", "scopes": ["app.read"]})
    config["b2c-apigw:clients"][0]["grants"] = ["app.delete"]
    config["azuread:tenantId"] = "99999999-2222-3333-4444-555555555555"
    path = write(tmp_path / "Pulumi.dev.yaml", doc)
    expected = program_problems(config, "dev")
    assert len(expected) == 5

    r = call(capsys, "config", path)
    assert r.code == 1
    assert r.out.splitlines() == [
        f"config: {path} (stack dev)",
        *(f"  [FAIL] {p}" for p in expected),
        "  FAILED: 5 problem(s); `pulumi up` would stop before creating anything",
        "FAILED: 1 file(s) checked, 1 invalid",
    ]


def test_values_reach_the_validator_as_the_cli_hands_them_over(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = example()
    # YAML 1.2, as Pulumi's parser reads it: `yes` is the string "yes", which the program refuses.
    doc["config"]["b2c-apigw:api"]["routes"][2] = {"route": "GET /health", "public": "yes"}
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False).replace("public: 'yes'", "public: yes"), encoding="utf-8")
    assert "public: yes\n" in path.read_text()
    r = call(capsys, "config", str(path), "--json")
    assert r.code == 1
    (finding,) = r.json()["files"][0]["findings"]
    assert finding == {
        "key": "b2c-apigw:api.routes[2].public",
        "status": "fail",
        "detail": "must be true or false (got 'yes')",
        "fix": "",
    }

    # A section given as JSON text, as `pulumi config set b2c-apigw:api '{...}'` stores it, is a map.
    doc = example()
    doc["config"]["b2c-apigw:api"] = json.dumps(doc["config"]["b2c-apigw:api"])
    assert call(capsys, "config", write(tmp_path / "Pulumi.json.yaml", doc)).code == 0


CIPHERTEXT = "v1:Zm9vYmFyYmF6cXV4cXV1eA==:c2VjcmV0LWJ1dC1ub3QtcmVhbGx5"


def test_a_secure_section_is_refused_with_the_programs_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = example()
    doc["config"]["b2c-apigw:api"] = {"secure": CIPHERTEXT}
    r = call(capsys, "config", write(tmp_path / "Pulumi.dev.yaml", doc))
    assert r.code == 1
    assert r.out.splitlines()[1:] == [
        "  [FAIL] b2c-apigw:api: is stored as a secret (or holds a secret value), but its values become names, URLs "
        "and plain stack outputs, where Pulumi cannot keep them secret; none of them is a credential, so set it "
        "again without --secret",
        "  [info] b2c-apigw:api: is stored as a secret (secure:): its value is encrypted, so it and the checks that "
        "depend on it are not checked offline",
        "  FAILED: 1 problem(s); `pulumi up` would stop before creating anything",
        "FAILED: 1 file(s) checked, 1 invalid",
    ]
    assert "Zm9vYmFy" not in r.text

    # A secret leaf makes the whole key a secret, as for Pulumi.
    doc = example()
    doc["config"]["b2c-apigw:tenant"]["id"] = {"secure": CIPHERTEXT}
    r = call(capsys, "config", write(tmp_path / "Pulumi.dev.yaml", doc), "--json")
    assert [(f["key"], f["status"]) for f in r.json()["files"][0]["findings"]] == [
        ("b2c-apigw:tenant", "fail"),
        ("b2c-apigw:tenant", "info"),
    ]


def test_a_secure_tenant_id_is_not_checked_offline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = example()
    doc["config"]["azuread:tenantId"] = {"secure": CIPHERTEXT}
    r = call(capsys, "config", write(tmp_path / "Pulumi.dev.yaml", doc), "--json")
    assert r.code == 0
    assert r.json()["files"][0]["findings"] == [
        {
            "key": "azuread:tenantId",
            "status": "info",
            "detail": "is stored as a secret (secure:): its value is encrypted, so it and the checks that depend on "
            "it are not checked offline",
            "fix": "",
        }
    ]


def test_an_environment_import_and_project_values_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.yaml").write_text(
        "name: b2c-apigw\nruntime: python\nconfig:\n  aws:region: eu-west-1\n"
        "  note:\n    type: string\n    default: hi\n  other:\n    type: string\n",
        encoding="utf-8",
    )
    doc = example()
    doc["environment"] = ["team/b2c-apigw"]
    r = call(capsys, "config", write(tmp_path / "Pulumi.dev.yaml", doc))
    assert r.code == 0
    project = tmp_path / "Pulumi.yaml"
    assert r.out.splitlines()[1:-2] == [
        "  [info] environment: imports team/b2c-apigw: the config it supplies (Pulumi ESC) is not checked offline; "
        "a key set only there is reported missing here",
        f"  [info] aws:region: has a project-level value in {project}: not checked offline",
        f"  [info] b2c-apigw:note: has a project-level value in {project}: not checked offline",
    ]


def test_nothing_in_the_file_is_silently_ignored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = example()
    doc["confg"] = {"b2c-apigw:api": {}}
    doc["encryptionsalt"] = "v1:c2FsdA==:x"  # Pulumi's own: nothing to report
    doc["config"]["aws:profile"] = "dev"
    doc["config"]["tenant"] = {"name": "x"}
    doc["config"]["b2c-apigw:client"] = []
    r = call(capsys, "config", write(tmp_path / "Pulumi.dev.yaml", doc), "--json")
    assert r.code == 1
    assert [(f["key"], f["status"], f["detail"]) for f in r.json()["files"][0]["findings"]] == [
        (
            "confg",
            "fail",
            "unknown top-level key of a stack file (valid: config, environment, secretsprovider, encryptedkey, "
            "encryptionsalt)",
        ),
        (
            "tenant",
            "fail",
            "could not parse tenant as a configuration key (configuration keys should be of the form "
            "`<namespace>:<name>`)",
        ),
        ("aws:profile", "info", "not read by the program (its provider or another tool reads it): not checked here"),
        ("b2c-apigw:client", "fail", "unknown key (valid: b2c-apigw:tenant, b2c-apigw:api, b2c-apigw:clients)"),
    ]


def test_files_that_are_no_stack_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = {
        "list.yaml": "- a\n- b\n",
        "bad.yaml": "config:\n  aws:region: [unclosed\n",
        "config-list.yaml": "config:\n  - aws:region\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "latin1.yaml").write_bytes(b"config:\n  aws:region: caf\xe9\n")
    r = call(capsys, "config", *(str(tmp_path / n) for n in [*cases, "latin1.yaml"]), "--stack", "x", "--json")
    assert r.code == 1
    assert [f["findings"] for f in r.json()["files"]] == [
        [{"key": "file", "status": "fail", "detail": "must be a map with a config: key (got a list)", "fix": ""}],
        [
            {
                "key": "file",
                "status": "fail",
                "detail": "is not YAML: expected ',' or ']', but got '<stream end>' at line 3, column 1",
                "fix": "",
            }
        ],
        [
            {
                "key": "config",
                "status": "fail",
                "detail": "must be a map of <namespace>:<name> keys (got a list)",
                "fix": "",
            }
        ],
        [{"key": "file", "status": "fail", "detail": "is not UTF-8 text", "fix": ""}],
    ]


def test_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    r = call(capsys, "config")
    assert (r.code, r.out) == (2, "")
    assert r.err == "verify config: no Pulumi.<stack>.yaml in this directory: name the stack config files to check\n"

    r = call(capsys, "config", "Pulumi.no.yaml")
    assert r.err == "verify config: cannot read stack config file Pulumi.no.yaml: No such file or directory\n"
    assert r.code == 2

    # Without FILE: the directory's stack files.
    write(tmp_path / "Pulumi.dev.yaml", example())
    r = call(capsys, "config")
    assert r.code == 0
    assert r.out.splitlines()[0] == "config: Pulumi.dev.yaml (stack dev)"


def test_a_secret_given_as_stack_is_refused_unseen(capsys: pytest.CaptureFixture[str]) -> None:
    for stack in (ENTRA_SECRET, "a~b"):
        r = call(capsys, "config", str(EXAMPLES[0]), "--stack", stack)
        assert (r.code, r.out) == (2, "")
        assert r.err == (
            "verify config: --stack must be a Pulumi stack name: letters, digits, '-', '_' and '.', at most 100\n"
        )


def test_config_help_names_its_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    r = call(capsys, "config", "--help")
    assert r.code == 0
    assert "Pulumi.<stack>.yaml" in r.out and "--stack NAME" in r.out and "--json" in r.out
    assert "  1  failed: a file the program would refuse (its messages are printed)" in r.out
    r = call(capsys, "--help")
    assert "config" in r.out


def test_a_secure_section_keeps_the_other_keys_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = example()
    doc["config"]["b2c-apigw:tenant"] = {"secure": CIPHERTEXT}
    doc["config"]["aws:region"] = "Europe"
    doc["config"]["b2c-apigw:clients"][0]["grants"] = ["app.delete"]
    r = call(capsys, "config", write(tmp_path / "Pulumi.dev.yaml", doc), "--json")
    assert r.code == 1
    assert [(f["key"], f["status"]) for f in r.json()["files"][0]["findings"]] == [
        ("b2c-apigw:tenant", "fail"),  # stored as a secret: the program's refusal
        ("aws:region", "fail"),
        ("b2c-apigw:clients[0] (reporting).grants", "fail"),
        ("b2c-apigw:tenant", "info"),  # not checked offline
    ]
    assert "Europe" in r.out and CIPHERTEXT not in r.out


def test_python_dash_m_verify_config_on_the_examples() -> None:
    """The command as the README and a pre-commit hook run it: a process, the examples globbed."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "verify", "config", *(str(p.relative_to(ROOT)) for p in EXAMPLES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[-1] == f"ok: {len(EXAMPLES)} file(s) checked, 0 invalid"


def test_credential_keys_stored_as_secrets_are_reported_word_for_word(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The README's deploy flow stores azuread:clientSecret with --secret on every stack. verify's own
    # lines name a key, then ": ": a redactor pattern for "clientSecret: <value>" would eat the word
    # after the colon and print "[redacted] read by the program", the opposite of what is meant.
    doc = example()
    doc["config"]["azuread:clientSecret"] = {"secure": CIPHERTEXT}
    doc["config"]["aws:token"] = {"secure": CIPHERTEXT}
    path = write(tmp_path / "Pulumi.dev.yaml", doc)
    r = call(capsys, "config", path)
    assert r.code == 0, r.out
    unread = "not read by the program (its provider or another tool reads it): not checked here"
    stored = (
        "is stored as a secret (secure:): its value is encrypted, so it and the checks that depend on it are not "
        "checked offline"
    )
    assert r.out.splitlines() == [
        f"config: {path} (stack dev)",
        f"  [info] aws:token: {unread}",
        f"  [info] azuread:clientSecret: {unread}",
        f"  [info] azuread:clientSecret: {stored}",
        f"  [info] aws:token: {stored}",
        "  ok: the program's validator accepts this config",
        "ok: 1 file(s) checked, 0 invalid",
    ]


def test_a_credential_in_clear_text_fails_naming_the_key_never_the_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = example()
    secret = "Plain8Q~kLmNoPqRsTuVwXyZaBcDeFgHiJkLmNoP"
    doc["config"]["azuread:clientSecret"] = secret
    doc["config"]["azuread:clientCertificatePassword"] = "hunter2hunter2"
    doc["config"]["aws:secretKey"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    doc["config"]["aws:token"] = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"
    doc["config"]["aws:accessKey"] = "AKIAIOSFODNN7EXAMPLE"  # the access key id: not a secret
    path = write(tmp_path / "Pulumi.dev.yaml", doc)
    r = call(capsys, "config", path, "--json")
    assert r.code == 1
    fails = [(f["key"], f["detail"], f["fix"]) for f in r.json()["files"][0]["findings"] if f["status"] == "fail"]
    assert fails == [
        (
            key,
            "is a credential stored in clear text: a committed stack file must hold only ciphertext",
            f"remove it from the file and run `pulumi config set --secret {key}` (stored as secure:), and rotate "
            "it: it has been readable by everyone with the file",
        )
        for key in ("azuread:clientSecret", "azuread:clientCertificatePassword", "aws:secretKey", "aws:token")
    ]
    text = call(capsys, "config", path)
    assert text.code == 1
    for value in (secret, "hunter2hunter2", "wJalrXUtnFEMI", "IQoJb3JpZ2luX2VjEXAMPLE"):
        assert value not in r.out + text.out + text.err
    assert (
        "  [FAIL] azuread:clientSecret: is a credential stored in clear text: a committed stack file must hold only "
        "ciphertext"
    ) in text.out.splitlines()


def test_a_credential_stored_as_a_secret_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = example()
    for key in ("azuread:clientSecret", "aws:secretKey", "aws:token"):
        doc["config"][key] = {"secure": CIPHERTEXT}
    doc["config"]["aws:accessKey"] = "AKIAIOSFODNN7EXAMPLE"
    assert call(capsys, "config", write(tmp_path / "Pulumi.dev.yaml", doc)).code == 0
