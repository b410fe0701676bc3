"""The messages a user reads under pressure, each asserted whole where a word could be lost: the
'[secret]' placeholder hint, a trailing-'/' issuer, follow-up commands that read the same outputs, an
outputs file preflight does not need in full."""

from __future__ import annotations

import json

from tests.support.harness import ENTRA_SECRET, Stack, checks, rules
from verify.b2c import B2C
from verify.outputs import parse_outputs

TENANT = "11111111-2222-3333-4444-555555555555"
TFP = f"https://contosob2c.b2clogin.com/tfp/{TENANT}/B2C_1_susi/v2.0/"


def test_the_placeholder_hint_keeps_every_word(stack: Stack) -> None:
    # The redactor took "<key>: word" for a credential and printed "clientSecret: [redacted] were read".
    stack.outputs["clients"]["reporting"]["clientSecret"] = "[secret]"
    r = stack.run("smoke")
    assert r.code == 2
    assert len(str(stack.path)) >= 16  # a long argument, shown because it names the existing outputs file
    assert r.err == (
        f"verify smoke: the outputs from {stack.path} hold '[secret]' in place of clients.reporting.clientSecret, so "
        "they were read without --show-secrets. Run verify with --stack (it calls `pulumi stack output --json "
        "--show-secrets`), or write the file with `pulumi stack output --json --show-secrets > outputs.json` and "
        "keep it out of git\n"
    )


def test_an_outputs_value_that_is_no_file_stays_hidden(stack: Stack) -> None:
    # A secret pasted as --outputs names no file: it must not be echoed, path-like or not.
    for pasted in (ENTRA_SECRET, "no-such-dir/aBcDeFgHiJ8Q~kLmNoPqRsTuVwXyZ"):
        r = stack.run("smoke", "--outputs", pasted)  # after the harness's own --outputs FILE, which exists
        assert (r.code, r.out) == (2, "")
        assert r.err == "verify smoke: cannot read outputs file [redacted]: No such file or directory\n"
        assert pasted not in r.text


def test_a_placeholder_in_place_of_a_labelled_secret_is_named_when_all_secrets_needs_it(stack: Stack) -> None:
    stack.outputs["clients"]["reporting"]["secrets"] = {"2026-06": {"secret": "[secret]", "expires": "2026-06-30"}}
    assert stack.run("smoke").code == 0  # not needed without --all-secrets
    r = stack.run("smoke", "--all-secrets")
    assert r.code == 2
    assert "hold '[secret]' in place of clients.reporting.secrets.2026-06.secret, so they were read" in r.err


def test_an_issuer_differing_only_by_its_trailing_slash_gets_the_exact_issuer_not_the_same_policy() -> None:
    # Was: "policy differs (B2C_1_susi from B2C): set tenant.policy to 'B2C_1_susi'", the configured value.
    fix = B2C().issuer_mismatch_fix(TFP.rstrip("/"), TFP)
    assert fix == (
        f"the two differ only in the trailing '/': the issuer must be exactly {TFP} (the program's issuers end "
        "with '/', as B2C's do: an outputs file or --issuer edited by hand?)"
    )
    assert B2C().issuer_mismatch_fix(TFP, TFP.replace("/B2C_1_susi/", "/B2C_1_other/")) == (
        "policy differs (B2C_1_other from B2C): set tenant.policy to 'B2C_1_other'"
    )


def test_doctor_says_the_same_for_a_token_whose_iss_has_the_slash(stack: Stack) -> None:
    stack.outputs["issuer"] = stack.idp.issuer.rstrip("/")
    data = stack.run("doctor", "--client", "reporting", "--json").json()
    assert rules(data)["iss"]["fix"].startswith(
        f"the two differ only in the trailing '/': the issuer must be exactly {stack.idp.issuer} "
    )


def test_follow_up_commands_name_the_stack_the_run_read() -> None:
    data = {
        "apiUrl": "https://a.example",
        "tokenUrl": "https://t.example/token",
        "issuer": "https://i.example/",
        "audience": "a",
        "scope": "s",
        "routes": {},
        "clients": {},
    }
    on_stack = parse_outputs(data, "pulumi", how=("--stack", "prod eu"))
    assert on_stack.command("doctor", "--client", "reporting") == (
        "uv run python -m verify doctor --stack 'prod eu' --client reporting"
    )
    assert parse_outputs(data, "pulumi").command("preflight") == "uv run python -m verify preflight"


def test_preflight_reads_an_outputs_file_with_only_what_it_uses(stack: Stack) -> None:
    # Was: "unusable stack outputs ...: missing output(s): apiUrl, audience, scope, routes, clients" (exit 2).
    stack.outputs = {"issuer": stack.idp.issuer, "tokenUrl": stack.idp.token_url}
    r = stack.run("preflight", "--json")
    assert r.code == 0, r.text
    assert checks(json.loads(r.out))["issuer"]["status"] == "ok"


def test_a_concurrency_out_of_range_is_a_usage_error(stack: Stack) -> None:
    r = stack.run("smoke", "--concurrency", "0")
    assert r.code == 2
    assert r.err.splitlines()[-1] == (
        "uv run python -m verify smoke: error: argument --concurrency: must be a whole number 1..64, got 0"
    )
    assert stack.idp.log == []
