"""URLs in the config: the upstream origin and the App ID URI (identifier URI)."""

from __future__ import annotations

import ipaddress
import unicodedata
from urllib.parse import SplitResult, urlsplit

from .. import naming
from .fields import _GUID, _HOSTNAME, _Problems, _show
from .model import Tenant


def _split_url(raw: str, key: str, p: _Problems) -> SplitResult | None:
    """urlsplit, with what it refuses (a bracketed host that is no IP address, characters that
    change under NFKC) reported against the key instead of raised, and what it would silently drop
    (tabs and newlines, e.g. the final newline of a YAML block scalar) refused too."""
    if any(c.isspace() or unicodedata.category(c) == "Cc" for c in raw):
        p.add(key, f"{raw!r} contains whitespace or control characters")
        return None
    try:
        return urlsplit(raw)
    except ValueError as error:
        p.add(key, f"{raw!r} is not a valid URL ({error})")
        return None


def _parse_upstream(raw: object, key: str, p: _Problems) -> str | None:
    if not isinstance(raw, str) or not raw:
        p.add(key, f"is required: the https:// origin the routes forward to (got {_show(raw)})")
        return None
    parts = _split_url(raw, key, p)
    if parts is None:
        return None
    if parts.scheme != "https" or not parts.hostname:
        p.add(key, f"{raw!r} must be an https:// URL (API Gateway calls it over the internet)")
        return None
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port in (-1, 0) or not _HOSTNAME.match((parts.hostname or "").lower()):
        p.add(key, f"{raw!r} does not have a valid host name and port")
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        p.add(
            key,
            f"{raw!r} must be an origin only, like https://{parts.netloc}: the integration forwards each "
            "route's path as-is ($request.path), so a base path would be dropped",
        )
        return None
    # Rebuilt from its parts: "https://example.com:" (an empty port) would otherwise reach the integration.
    return f"https://{parts.hostname}" + (f":{port}" if port is not None else "")


def _identifier_uri_problem(parts: SplitResult, tenant: Tenant | None) -> str | None:
    """What Entra's identifier URI restrictions would refuse, as far as config can tell.

    With this sign-in audience Entra accepts only URIs that carry something unique to the tenant:
    its id, an app id, or one of its verified domains (learn.microsoft.com/entra/identity-platform/
    identifier-uri-restrictions). Custom verified domains are not known here, so any other dotted
    host passes; another tenant's onmicrosoft.com domain cannot be verified in this one."""
    host = parts.hostname or ""
    initial = f"{tenant.name}.onmicrosoft.com" if tenant is not None else None
    if initial and host.endswith(".onmicrosoft.com") and host != initial and not host.endswith(f".{initial}"):
        return f"{host} is not a domain of this tenant: use {initial} or one of its verified custom domains"
    if host == "b2clogin.com" or host.endswith(".b2clogin.com"):
        domain = initial or "its onmicrosoft.com domain"
        return f"{host} is Microsoft's sign-in host, not a domain of this tenant: use {domain}"
    if _is_ip(host):
        return "an IP address is not a verified domain"
    if "." in host:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme == "api" and (_GUID.match(host) or any(_GUID.match(s) for s in segments)):
        return None
    example = f"https://{initial}/orders" if initial else "https://<tenant>.onmicrosoft.com/orders"
    return (
        f"Entra refuses an App ID URI with nothing unique to the tenant in it: use a verified domain "
        f"({example}) or api://<tenant id>/<name>"
    )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _parse_identifier_uri(raw: object, key: str, tenant: Tenant | None, p: _Problems) -> str | None:
    if not isinstance(raw, str) or not raw:
        p.add(key, f"must be a URI string (got {_show(raw)})")
        return None
    parts = _split_url(raw, key, p)
    if parts is None:
        return None
    if parts.scheme not in ("https", "api") or not parts.netloc:
        p.add(key, f"{raw!r} must start with https:// (on a verified domain) or api://; urn: is not accepted")
    elif parts.query or parts.fragment or raw.endswith("/") or "*" in raw:
        p.add(key, f"{raw!r} must not end with '/' nor carry a query, fragment or wildcard")
    elif len(raw) > naming.MAX_IDENTIFIER_URI_LENGTH:
        p.add(key, f"{raw!r} is {len(raw)} characters; Entra ID allows {naming.MAX_IDENTIFIER_URI_LENGTH}")
    elif problem := _identifier_uri_problem(parts, tenant):
        p.add(key, f"{raw!r}: {problem}")
    else:
        return raw
    return None
