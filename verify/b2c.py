"""Azure AD B2C: every B2C-specific URL shape, claim habit, error code and fix verify knows.

Facts (docs/facts.md, "Azure AD B2C side" and "Issuer and discovery"; sources: Microsoft Learn
"Set up OAuth 2.0 client credentials flow in Azure Active Directory B2C", StackOverflow 72781554,
the Microsoft Identity Web wiki "Azure AD B2C issuer claim support", Microsoft Q&A 1501268):

- Endpoints are policy-scoped. Token endpoint:
  ``https://<host>/<tenant>.onmicrosoft.com/<policy>/oauth2/v2.0/token``; the policy's discovery
  document: ``https://<host>/<tenant>.onmicrosoft.com/<policy>/v2.0/.well-known/openid-configuration``.
- A user flow's *Token compatibility settings -> Issuer (iss) claim* picks one of two ``iss``
  forms: ``https://<host>/<tenantId>/v2.0/`` (the default, "tenant" form) and
  ``https://<host>/tfp/<tenantId>/<policy>/v2.0/`` ("tfp" form). Discovery is served under the
  tfp form only, so an authorizer configured with the tenant form finds no keys and answers 401.
- Policy names are case-insensitive in B2C's URLs, but API Gateway compares ``iss`` byte for byte:
  a policy spelled in another case than B2C writes it into ``iss`` is a 401 on every call.
- App permissions arrive in ``scp`` (space-separated). The Microsoft identity platform endpoint
  (``login.microsoftonline.com``, Entra) puts them in ``roles`` instead, which API Gateway ignores.
- ``AADB2C90085`` from the token endpoint: the registrations' sign-in audience is not
  ``AzureADandPersonalMicrosoftAccount``; B2C took about 20 minutes to issue tokens after the fix.
- The token endpoint is compared in the three shapes B2C URLs take:
  ``https://<host>/<tenant>/<policy>/oauth2/v2.0/token`` (the one the program builds),
  ``https://<host>/tfp/<tenant>/<policy>/oauth2/v2.0/token`` and
  ``https://<host>/<tenant>/oauth2/v2.0/token?p=<policy>``, ``<tenant>`` by name or by id. Which of
  them the discovery document under a tfp issuer advertises as ``token_endpoint`` was not verified
  here (no B2C tenant at hand): all three are accepted as the same endpoint when host and policy
  agree.

The stack's config keys named in fixes (``tenant.issuerFormat``, ``tenant.policy``) are those of
``components/config.py`` (namespace ``b2c-apigw``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import parse_qs, urlsplit

NAME: Final = "Azure AD B2C"
_TOKEN_SUFFIX: Final = "oauth2/v2.0/token"  # noqa: S105  (a URL path)
_DISCOVERY_SUFFIX: Final = "v2.0/.well-known/openid-configuration"
_BASE: Final = r"^(?P<base>https?://[^/?#]+)"
# /<tenant>/<policy>/…, /tfp/<tenant>/<policy>/… or /<tenant>/…?p=<policy> (the module docstring).
_TOKEN_URL: Final = re.compile(
    _BASE + r"/(?:tfp/)?(?P<tenant>[^/?#]+)/(?:(?P<policy>[^/?#]+)/)?oauth2/v2\.0/token/?(?:\?(?P<query>[^#]*))?$",
    re.IGNORECASE,
)
_TFP_ISSUER: Final = re.compile(_BASE + r"/tfp/(?P<tenant>[^/]+)/(?P<policy>[^/]+)/v2\.0/?$")
_TENANT_ISSUER: Final = re.compile(_BASE + r"/(?P<tenant>[^/]+)/v2\.0/?$")
_GUID: Final = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_ERROR_CODE: Final = re.compile(r"\bAADB2C\d{5}\b")
_ENTRA_HOSTS: Final = ("login.microsoftonline.com", "sts.windows.net", "login.windows.net")
ERROR_HINTS: Final[Mapping[str, str]] = {
    # "The specified client_secret does not match the expected value for this client" (the B2C error
    # code reference lists AADB2C90081 for this).
    "AADB2C90081": (
        "AADB2C90081: the client secret does not match this client's: a wrong, removed or expired secret. "
        "Give the caller the stack's current one (clients.<name>.clientSecret from "
        "`pulumi stack output clients --show-secrets`)"
    ),
    "AADB2C90085": (
        "AADB2C90085: set both app registrations' sign-in audience to AzureADandPersonalMicrosoftAccount "
        "(portal: 'Accounts in any identity provider or organizational directory'); after the change "
        "B2C may take about 20 minutes before it issues tokens (Microsoft Q&A 1501268)"
    ),
}
# Generic OAuth 2.0 error codes (RFC 6749, section 5.2), worded for the B2C setup.
OAUTH_HINTS: Final[Mapping[str, str]] = {
    "invalid_client": (
        "invalid_client: the client id or secret is wrong or the secret expired; the app registration "
        "must be in the B2C directory"
    ),
    "unauthorized_client": "unauthorized_client: the client app may not use the client credentials grant",
    "invalid_scope": (
        "invalid_scope: the scope must be the API's App ID URI followed by /.default, and the client "
        "needs admin-consented application permissions on that API"
    ),
    "invalid_grant": "invalid_grant: the grant or consent was refused; check the admin consent",
}

IssuerForm = Literal["tfp", "tenant"]


@dataclass(frozen=True)
class Issuer:
    form: IssuerForm
    base: str
    tenant: str
    policy: str | None


def parse_issuer(url: str) -> Issuer | None:
    """The parts of a B2C ``iss`` in either form, or ``None`` when it has neither shape."""
    if m := _TFP_ISSUER.match(url):
        return Issuer("tfp", m["base"], m["tenant"], m["policy"])
    if m := _TENANT_ISSUER.match(url):
        return Issuer("tenant", m["base"], m["tenant"], None)
    return None


def tfp_issuer(base: str, tenant_id: str, policy: str) -> str:
    return f"{base}/tfp/{tenant_id}/{policy}/v2.0/"


@dataclass(frozen=True)
class TokenEndpoint:
    host: str
    """Lower-cased, with the port if any: B2C host names are case-insensitive like all DNS names."""
    tenant: str
    """As written: ``<name>.onmicrosoft.com`` or the tenant id."""
    policy: str


def parse_token_endpoint(url: str) -> TokenEndpoint | None:
    """Host, tenant and policy of a B2C token endpoint in any of its three shapes, else ``None``."""
    m = _TOKEN_URL.match(url)
    if m is None:
        return None
    policy = m["policy"]
    if policy is None:
        values = parse_qs(m["query"] or "").get("p", [])
        policy = values[0] if len(values) == 1 else None
    if not policy:
        return None
    return TokenEndpoint(host_of(m["base"]), m["tenant"], policy)


def host_of(url: str) -> str:
    """The lower-cased host (and port) of a URL: ``https://A.b2clogin.com/x`` -> ``a.b2clogin.com``."""
    return urlsplit(url).netloc.rpartition("@")[2].lower()


def policy_of(token_url: str) -> str | None:
    endpoint = parse_token_endpoint(token_url)
    return endpoint.policy if endpoint else None


def _same_tenant(a: str, b: str) -> bool | None:
    """Whether two tenant path segments name the same tenant; ``None`` when that cannot be told.

    Only two ids, or two ``<name>.onmicrosoft.com`` names, are compared: B2C accepts the tenant by
    name or by id, and whether a name and an id (or another spelling) agree takes a directory lookup.
    """
    for kind in (lambda t: bool(_GUID.match(t)), lambda t: t.lower().endswith(".onmicrosoft.com")):
        if kind(a) and kind(b):
            return a.lower() == b.lower()
    return None


def case_only_difference(a: str, b: str) -> bool:
    return a != b and a.lower() == b.lower()


class B2C:
    name = NAME
    issuer_ends_with_slash = True

    def fallback_discovery_url(self, token_url: str) -> str | None:
        if not token_url.endswith(_TOKEN_SUFFIX):
            return None
        return token_url[: -len(_TOKEN_SUFFIX)] + _DISCOVERY_SUFFIX

    def missing_discovery_fix(self, issuer: str, advertised_issuer: str | None, token_url: str) -> str:
        ours = parse_issuer(issuer)
        theirs = parse_issuer(advertised_issuer) if advertised_issuer else None
        steps: list[str] = []
        if ours is not None and ours.form == "tenant":
            steps.append(
                "B2C serves no discovery under the tenant-form issuer (https://<host>/<tenantId>/v2.0/): "
                "set the user flow's token compatibility issuer claim to the tfp form: Azure portal, "
                "B2C user flow -> Properties -> Token compatibility settings -> Issuer (iss) claim -> "
                "https://<host>/tfp/<tenantId>/<policy>/v2.0/; then set the stack's tenant.issuerFormat "
                "to tfp and run `pulumi up`"
            )
            policy = policy_of(token_url)
            if policy:
                steps.append(
                    f"the authorizer's issuer then becomes {tfp_issuer(ours.base, ours.tenant, policy)} "
                    "(run preflight again: the policy must be spelled as B2C writes it)"
                )
            if theirs is not None and theirs.form == "tfp":
                steps.append(f"B2C already advertises the tfp form: set the issuer to exactly {advertised_issuer}")
        elif ours is not None and ours.form == "tfp":
            steps.append(
                "B2C answered nothing under this tfp issuer: check its tenant id and policy name "
                "(tenant.id, tenant.policy) against the B2C tenant"
            )
            if advertised_issuer and theirs is not None and theirs.form == "tenant":
                steps.append(
                    "the policy still issues the tenant-form iss: set its token compatibility issuer "
                    "claim to the tfp form"
                )
        else:
            steps.append(
                f"the issuer has neither B2C form (https://<host>/tfp/<tenantId>/<policy>/v2.0/ or "
                f"https://<host>/<tenantId>/v2.0/): {issuer}"
            )
        if advertised_issuer:
            steps.append(self._advertised_note(issuer, advertised_issuer))
        return "; ".join(steps)

    def _advertised_note(self, configured: str, advertised: str) -> str:
        if advertised == configured:
            return f"the policy's discovery document advertises exactly this issuer ({advertised})"
        if case_only_difference(advertised, configured):
            return (
                f"the policy's discovery document advertises {advertised}, which differs from the "
                f"configured issuer only in letter case: {self._case_note(configured, advertised)}"
            )
        return f"the policy's discovery document advertises issuer {advertised}"

    @staticmethod
    def _case_note(configured: str, actual: str) -> str:
        ours, theirs = parse_issuer(configured), parse_issuer(actual)
        where = "the issuer"
        if ours and theirs and ours.policy and theirs.policy and ours.policy != theirs.policy:
            where = f"the policy name ({ours.policy!r} configured, {theirs.policy!r} from B2C)"
            return (
                f"{where}. API Gateway compares iss byte for byte, so every token gets 401: set "
                f"tenant.policy to {theirs.policy!r}, the case B2C writes, so the issuer becomes {actual}"
            )
        return f"{where}. API Gateway compares iss byte for byte: set the issuer to exactly {actual}"

    def issuer_mismatch_fix(self, configured: str, actual: str) -> str:
        if configured.rstrip("/") == actual.rstrip("/"):
            # parse_issuer accepts both spellings, so nothing below would tell them apart.
            return (
                f"the two differ only in the trailing '/': the issuer must be exactly {actual} (the program's "
                "issuers end with '/', as B2C's do: an outputs file or --issuer edited by hand?)"
            )
        if case_only_difference(configured, actual):
            return "differs only in letter case in " + self._case_note(configured, actual)
        host = host_of(actual)
        if host in _ENTRA_HOSTS:
            return (
                f"iss {actual} comes from the Microsoft identity platform (Entra), not from B2C: "
                "request tokens from the B2C tokenUrl (…b2clogin.com/<tenant>.onmicrosoft.com/<policy>/"
                "oauth2/v2.0/token)"
            )
        ours, theirs = parse_issuer(configured), parse_issuer(actual)
        if ours is None or theirs is None:
            return f"set the authorizer's issuer to exactly {actual}, or fix the identity provider"
        if ours.base.lower() != theirs.base.lower():
            return (
                f"host differs ({theirs.base} vs {ours.base}): set tenant.domain (custom domain) or "
                "tenant.name to the host B2C issues from"
            )
        if theirs.form == "tenant" and ours.form == "tfp":
            return (
                "B2C issues the tenant-form iss: set the user flow's token compatibility issuer claim "
                "to the tfp form (B2C user flow -> Properties -> Token compatibility settings -> "
                "Issuer (iss) claim)"
            )
        if theirs.form == "tfp" and ours.form == "tenant":
            return f"B2C issues the tfp form: set tenant.issuerFormat to tfp (issuer {actual})"
        if ours.tenant.lower() != theirs.tenant.lower():
            return f"tenant id differs ({theirs.tenant} from B2C): set tenant.id to the B2C directory's id"
        if ours.policy != theirs.policy:
            return f"policy differs ({theirs.policy} from B2C): set tenant.policy to {theirs.policy!r}"
        return f"set the authorizer's issuer to exactly {actual}"

    def token_endpoint_matches(self, advertised: str, configured: str) -> tuple[bool, str]:
        if advertised == configured:
            return True, ""
        a, c = parse_token_endpoint(advertised), parse_token_endpoint(configured)
        if a is None or c is None:
            if advertised.lower() == configured.lower():
                return True, "same endpoint up to letter case"
            return False, f"advertised {advertised}, tokenUrl is {configured}"
        if a.host != c.host:
            return False, f"host differs: advertised {a.host}, tokenUrl uses {c.host}"
        if a.policy.lower() != c.policy.lower():
            return False, (
                f"policy differs: advertised {a.policy!r}, tokenUrl uses {c.policy!r}; tokens from "
                "another policy carry another iss (tfp form): use one policy for both"
            )
        if _same_tenant(a.tenant, c.tenant) is False:
            return False, f"tenant differs: advertised {a.tenant}, tokenUrl uses {c.tenant}"
        # B2C accepts the tenant as <name>.onmicrosoft.com or by id, and ignores case in policy names.
        return True, "same policy and host (B2C ignores case in policy names and accepts the tenant by name or id)"

    def token_error_hints(self, body: str) -> list[str]:
        hints: list[str] = []
        for code in dict.fromkeys(_ERROR_CODE.findall(body)):
            hints.append(ERROR_HINTS.get(code, f"{code}: see the B2C error code reference"))
        for code, hint in OAUTH_HINTS.items():
            if re.search(rf'"error"\s*:\s*"{code}"', body):
                hints.append(hint)
        return hints

    def token_hints(self, claims: Mapping[str, object]) -> list[str]:
        hints: list[str] = []
        iss = claims.get("iss")
        host = host_of(iss) if isinstance(iss, str) else ""
        if "roles" in claims and "scp" not in claims and "scope" not in claims:
            hints.append(
                "the token carries 'roles' and no 'scp': that is the Microsoft identity platform's "
                "(login.microsoftonline.com, Entra) shape for app permissions. API Gateway reads only "
                "'scope' or 'scp', so every protected route answers 403. Request the token from the B2C "
                "tokenUrl (<tenant>.b2clogin.com/<tenant>.onmicrosoft.com/<policy>/oauth2/v2.0/token)"
            )
        if host in _ENTRA_HOSTS:
            hints.append(f"iss host {host} is Entra's, not B2C's: the token came from the wrong endpoint")
        if claims.get("ver") == "1.0":
            hints.append(
                "ver 1.0: the API app must accept v2 access tokens (accessTokenAcceptedVersion 2, "
                "requested_access_token_version in pulumi-azuread)"
            )
        return hints
