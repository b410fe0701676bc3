"""``preflight``: will API Gateway find and trust the issuer? Run before or after ``pulumi up``.

What the JWT authorizer does with its issuer (docs/facts.md): it fetches
``<issuer>.well-known/openid-configuration``, takes the keys from its ``jwks_uri`` (RSA only, at
most 150000 bytes) and requires each token's ``iss`` to equal the issuer byte for byte. Azure AD
B2C serves discovery under the tfp issuer form only, which is why the default (tenant-form) issuer
deploys fine and then answers 401 to every call. When the issuer's discovery is missing, the
platform's own discovery document (for B2C: derived from ``tokenUrl``) shows which issuer the
identity provider really advertises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from verify.findings import Finding, Status
from verify.http import HttpClient
from verify.idp import IdentityPlatform
from verify.oidc import Jwks, discovery_url, resolve_keys


@dataclass
class PreflightReport:
    issuer: str
    discovery_url: str
    checks: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def add(self, name: str, status: Status, detail: str, fix: str = "") -> None:
        self.checks.append(Finding(name, status, detail, fix))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "issuer": self.issuer,
            "discoveryUrl": self.discovery_url,
            "checks": [c.as_dict("check") for c in self.checks],
        }


def run(
    http: HttpClient,
    platform: IdentityPlatform,
    issuer: str,
    token_url: str,
    discovery_output: str | None = None,
) -> PreflightReport:
    """Check ``issuer`` as API Gateway would use it; ``token_url`` locates the platform's own discovery.

    Needs no stack outputs: before the first ``pulumi up`` the CLI passes ``--issuer`` and
    ``--token-url``. ``discovery_output`` is the stack's ``discoveryUrl`` output, when there is one.
    """
    url = discovery_url(issuer)
    report = PreflightReport(issuer, url)

    if issuer.endswith("/") != platform.issuer_ends_with_slash:
        shape = "end with '/'" if platform.issuer_ends_with_slash else "not end with '/'"
        report.add(
            "issuer-shape",
            "warn",
            f"the issuer {issuer} does not {shape}",
            f"the iss the identity provider writes must match byte for byte; {platform.name}'s iss does {shape}",
        )
    if discovery_output and discovery_output != url:
        report.add(
            "discoveryUrl-output",
            "warn",
            f"the discoveryUrl output {discovery_output} is not where API Gateway looks ({url})",
        )

    keys = resolve_keys(http, issuer, platform.fallback_discovery_url(token_url))
    if keys.discovery.doc is not None:
        source = "the issuer's discovery document"
        report.add("discovery", "ok", f"{url} is served")
        _check_issuer(report, platform, issuer, keys.discovery.doc.get("issuer"), source)
    else:
        report.add(
            "discovery",
            "fail",
            f"{keys.discovery.problem}. API Gateway looks there for the signing keys: every token will be "
            "rejected with 401, although the deploy succeeds and the tokens look right on jwt.io",
            platform.missing_discovery_fix(issuer, keys.advertised_issuer, token_url),
        )
        fallback = keys.fallback
        if fallback is None:
            return report
        if fallback.doc is None:
            report.add("policy-discovery", "fail", f"{fallback.problem} either", "check tokenUrl")
            return report
        report.add(
            "policy-discovery",
            "info",
            f"{fallback.url} is served and advertises issuer {keys.advertised_issuer}; the checks below use it",
        )
        source = "the policy's discovery document"
        _check_issuer(report, platform, issuer, fallback.doc.get("issuer"), source)

    doc = keys.doc
    if doc is None:  # pragma: no cover  (both branches above return unless a document was found)
        return report
    _check_jwks(report, keys.jwks, source)
    _check_token_endpoint(report, platform, doc, token_url, source)
    return report


def _check_issuer(report: PreflightReport, platform: IdentityPlatform, issuer: str, found: object, source: str) -> None:
    if found == issuer:
        report.add("issuer", "ok", f"{source} advertises exactly the configured issuer")
    elif not isinstance(found, str):
        report.add("issuer", "fail", f"{source} has no issuer", "check the identity provider's configuration")
    else:
        report.add(
            "issuer",
            "fail",
            f"{source} advertises issuer {found}, the stack is configured with {issuer}; API Gateway "
            "compares them byte for byte",
            platform.issuer_mismatch_fix(issuer, found),
        )


def _check_jwks(report: PreflightReport, jwks: Jwks | None, source: str) -> None:
    if jwks is None:
        report.add("jwks", "fail", f"{source} has no jwks_uri", "API Gateway cannot find keys without it")
    elif jwks.ok:
        ignored = f"; non-RSA keys ignored: {', '.join(jwks.other_kids)}" if jwks.other_kids else ""
        report.add(
            "jwks",
            "ok",
            f"{jwks.url} holds {len(jwks.rsa_keys)} RSA key(s) ({', '.join(jwks.rsa_keys)}), "
            f"{jwks.size} bytes{ignored}",
        )
    else:
        report.add("jwks", "fail", jwks.problem or "unusable JWKS", "API Gateway needs RSA signing keys with a kid")


def _check_token_endpoint(
    report: PreflightReport, platform: IdentityPlatform, doc: Mapping[str, Any], token_url: str, source: str
) -> None:
    advertised = doc.get("token_endpoint")
    if not isinstance(advertised, str):
        report.add("token-endpoint", "warn", f"{source} names no token_endpoint")
        return
    same, note = platform.token_endpoint_matches(advertised, token_url)
    if same:
        report.add("token-endpoint", "ok", "tokenUrl is the advertised token endpoint" + (f" ({note})" if note else ""))
    else:
        report.add(
            "token-endpoint",
            "fail",
            f"tokenUrl does not match {source}'s token_endpoint: {note}",
            "request tokens from the policy whose issuer the authorizer uses (tenant.policy)",
        )
