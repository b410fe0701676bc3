"""The stack outputs verify reads: from ``pulumi stack output`` or from a JSON file.

The contract (what ``__main__.py`` exports)::

    apiUrl, tokenUrl, issuer, discoveryUrl (optional), audience, scope,
    routes:  {"METHOD /path": ["scope", ...]}       ([] = public route)
    clients: {"name": {"clientId", "grants", "clientSecret",
                       "secrets": {"label": {"secret", "expires"}}}}   (secrets: optional)
    throttle: {"rate", "burst"}                      (optional: the stage's default route throttling)

Stacks deployed before ``secrets`` and ``throttle`` existed lack them: ``secrets`` then holds the one
``clientSecret``, and smoke is paced by its concurrency alone. ``preflight`` needs only the issuer and
the token URL (``PREFLIGHT_REQUIRED``).

Client secrets are Pulumi secrets: without ``--show-secrets`` the CLI prints ``[secret]`` in their
place. Those placeholders are detected and named, and the command that needs the value says how
to get it. Nothing here puts a secret into a message: problems name keys, never values.
"""

from __future__ import annotations

import ipaddress
import json
import math
import shlex
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

# The program's own route-key check (METHOD among its HTTP methods, then path segments that are
# literal text, {name} or a last {name+}; no empty segment), so what verify accepts is what
# `pulumi up` could have deployed. The catch-all "$default" is not accepted: the program never
# creates it. components.config imports no provider, only the standard library.
from components.config import route_key_problem as program_route_key_problem
from components.platforms import PLATFORMS, ROLES_PLATFORMS
from verify.errors import UsageError
from verify.redact import Redactor

SECRET_PLACEHOLDER: Final = "[secret]"  # noqa: S105  (what pulumi prints instead)
PULUMI_TIMEOUT: Final = 120.0
# How the README runs every command (the project's one uv environment): follow-up hints say the same.
COMMAND: Final = ("uv", "run", "python", "-m", "verify")
REQUIRED: Final = ("apiUrl", "tokenUrl", "issuer", "audience", "scope", "routes", "clients")
PREFLIGHT_REQUIRED: Final = ("tokenUrl", "issuer")


@dataclass(frozen=True)
class Route:
    key: str
    method: str
    path: str
    scopes: tuple[str, ...]

    @property
    def public(self) -> bool:
        """No scopes: the route has no authorizer, anyone may call it."""
        return not self.scopes


@dataclass(frozen=True)
class LabelledSecret:
    """One live secret of a client (``clients.<name>.secrets.<label>``)."""

    label: str
    secret: str | None = field(default=None, repr=False)
    expires: str | None = None
    hidden: bool = False
    """The outputs held ``[secret]`` instead of the secret."""


@dataclass(frozen=True)
class Client:
    name: str
    client_id: str
    grants: tuple[str, ...]
    client_secret: str | None = field(default=None, repr=False)
    secret_hidden: bool = False
    """The outputs held ``[secret]`` instead of the secret (read without ``--show-secrets``)."""
    secrets: tuple[LabelledSecret, ...] = ()
    """Every live secret by label, sorted; empty when the outputs predate ``clients.<name>.secrets``."""

    @property
    def current_label(self) -> str | None:
        """The label whose secret is ``clientSecret`` (the one callers are given), if the outputs say."""
        for s in self.secrets:
            if s.secret is not None and s.secret == self.client_secret:
                return s.label
        return None


@dataclass(frozen=True)
class Throttle:
    """The stage's default route throttling: ``burst`` requests, refilled at ``rate`` per second."""

    rate: float
    burst: int


@dataclass(frozen=True)
class StackOutputs:
    api_url: str
    token_url: str
    issuer: str
    discovery_url: str | None
    audience: str
    scope: str
    routes: tuple[Route, ...]
    clients: tuple[Client, ...]
    source: str
    """Where the outputs came from, for messages: a file path or ``pulumi stack output``."""
    platform: str = "b2c"
    """The ``platform`` output: ``b2c`` (also for stacks deployed before it existed), ``externalId``
    or ``entraId``. On the last two the stack has a Lambda authorizer reading ``roles``."""
    throttle: Throttle | None = None
    how: tuple[str, ...] = ()
    """The options that read these outputs (``--outputs FILE`` or ``--stack NAME``), for follow-up commands."""

    @property
    def uses_roles(self) -> bool:
        return self.platform in ROLES_PLATFORMS

    def command(self, *args: str) -> str:
        """A ``uv run python -m verify`` command line that reads these same outputs: for hints."""
        return shlex.join([*COMMAND, *args[:1], *self.how, *args[1:]])

    @property
    def protected_routes(self) -> tuple[Route, ...]:
        return tuple(r for r in self.routes if not r.public)

    def client(self, name: str) -> Client:
        for c in self.clients:
            if c.name == name:
                return c
        known = ", ".join(c.name for c in self.clients) or "none"
        raise UsageError(f"no client named {name!r} in the stack outputs (clients: {known})")

    def secret_of(self, client: Client, label: str | None = None) -> str:
        """The client's secret (``clientSecret``, or the one of ``label``), or a ``UsageError`` saying how
        to get it."""
        if label is None:
            where, value, hidden = f"clients.{client.name}.clientSecret", client.client_secret, client.secret_hidden
        else:
            entry = next(s for s in client.secrets if s.label == label)
            where, value, hidden = f"clients.{client.name}.secrets.{label}.secret", entry.secret, entry.hidden
        if value:
            return value
        if hidden:
            # No "<key>: word" here: the redactor takes what follows "clientSecret:" for a secret value.
            raise UsageError(
                f"the outputs from {self.source} hold '[secret]' in place of {where}, so they were read without "
                "--show-secrets. Run verify with --stack (it calls `pulumi stack output --json --show-secrets`), "
                "or write the file with `pulumi stack output --json --show-secrets > outputs.json` and keep it "
                "out of git"
            )
        raise UsageError(f"{where} is missing from the outputs ({self.source})")


def parse_outputs(
    data: object, source: str, required: tuple[str, ...] = REQUIRED, how: tuple[str, ...] = ()
) -> StackOutputs:
    """Validate the outputs JSON, listing every problem at once; ``required`` are the outputs the
    command uses (the others are checked only when present)."""
    if not isinstance(data, dict):
        raise UsageError(f"stack outputs from {source} are not a JSON object")
    problems: list[str] = []
    hidden = [p for p in _placeholders(data, "") if not _is_client_secret_path(p)]
    if hidden:
        raise UsageError(
            f"the outputs from {source} hold '[secret]' placeholders ({', '.join(hidden)}): they were read "
            "without --show-secrets, or the pulumi CLI call failed. Use --stack (verify runs "
            "`pulumi stack output --json --show-secrets`) or write the file with --show-secrets"
        )
    missing = [k for k in required if k not in data]
    if missing:
        problems.append(f"missing output(s): {', '.join(missing)}")

    def text(key: str) -> str:
        value = data.get(key)
        if key in data and (not isinstance(value, str) or not value):
            problems.append(f"{key} must be a non-empty string")
        return value if isinstance(value, str) else ""

    api_url, token_url, issuer, audience, scope = (
        text(k) for k in ("apiUrl", "tokenUrl", "issuer", "audience", "scope")
    )
    discovery = data.get("discoveryUrl")
    if discovery is not None and not isinstance(discovery, str):
        problems.append("discoveryUrl must be a string")
        discovery = None
    for key, url in (("apiUrl", api_url), ("tokenUrl", token_url), ("issuer", issuer)):
        problem = url_problem(key, url) if url else None
        if problem:
            problems.append(problem)
    routes = _parse_routes(data.get("routes", {}), problems)
    clients = _parse_clients(data.get("clients", {}), problems)
    platform = data.get("platform", "b2c")
    if platform not in PLATFORMS:
        problems.append(f"platform must be one of {', '.join(PLATFORMS)} (got {platform!r})")
        platform = "b2c"
    throttle = _parse_throttle(data.get("throttle"), problems)
    if problems:
        raise UsageError(f"unusable stack outputs from {source}:\n  - " + "\n  - ".join(problems))
    return StackOutputs(
        api_url=api_url,
        token_url=token_url,
        issuer=issuer,
        discovery_url=discovery,
        audience=audience,
        scope=scope,
        routes=routes,
        clients=clients,
        source=source,
        platform=str(platform),
        throttle=throttle,
        how=how,
    )


def _parse_throttle(raw: object, problems: list[str]) -> Throttle | None:
    if raw is None:
        return None
    rate = raw.get("rate") if isinstance(raw, dict) else None
    burst = raw.get("burst") if isinstance(raw, dict) else None
    if (
        isinstance(rate, bool)
        or not isinstance(rate, int | float)
        or not (math.isfinite(rate) and rate > 0)
        or isinstance(burst, bool)
        or not isinstance(burst, int)
        or burst < 1
    ):
        problems.append("throttle must be an object {rate: a number > 0, burst: a whole number >= 1}")
        return None
    return Throttle(rate=float(rate), burst=burst)


def route_key_problem(key: str) -> str | None:
    """Why the program would refuse ``key`` as a route key (its own message), or ``None``."""
    return program_route_key_problem(key)


def parse_route_key(key: str) -> tuple[str, str] | None:
    """``("GET", "/posts/{id}")`` from ``"GET /posts/{id}"``; ``None`` for what the program refuses."""
    if route_key_problem(key) is not None:
        return None
    method, path = key.split(" ", 1)
    return method, path


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or ``localhost``: traffic that never leaves this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(key: str, url: str) -> str | None:
    """Why ``url`` may not be used for ``key``, or ``None``.

    Plain ``http://`` is refused except on loopback: client secrets go to tokenUrl, tokens to
    apiUrl, and an unencrypted hop would hand both to anyone on the path. (The issuer carries no
    secret, but API Gateway fetches its discovery and keys; the same rule keeps it simple.)
    """
    not_url = f"{key} is not an http(s) URL"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed "[" in an IPv6 host
        return not_url
    scheme = parts.scheme.lower()
    if not host or scheme not in ("http", "https") or any(c.isspace() for c in host):
        return not_url
    if scheme == "http" and not is_loopback(host):
        return (
            f"{key} uses plain http:// (host {host}): verify sends client secrets and tokens over https only "
            "(http is accepted for loopback hosts: 127.0.0.0/8, ::1, localhost)"
        )
    return None


def require_urls(urls: Mapping[str, str]) -> None:
    """``UsageError`` listing every unusable URL (for URLs given as options)."""
    problems = [p for key, url in urls.items() if (p := url_problem(key, url))]
    if problems:
        raise UsageError("; ".join(problems))


def _parse_routes(raw: object, problems: list[str]) -> tuple[Route, ...]:
    if not isinstance(raw, dict):
        problems.append('routes must be an object {"METHOD /path": [scopes]}')
        return ()
    routes: list[Route] = []
    for key, scopes in raw.items():
        problem = route_key_problem(str(key))
        if problem is not None:
            problems.append(f"routes: {key!r} is not a route key 'METHOD /path' the program deploys: {problem}")
            continue
        method, path = str(key).split(" ", 1)
        if not isinstance(scopes, list) or not all(isinstance(s, str) and s for s in scopes):
            problems.append(f"routes[{key!r}] must be a list of scope strings ([] for a public route)")
            continue
        routes.append(Route(key=str(key), method=method, path=path, scopes=tuple(scopes)))
    return tuple(routes)


def _parse_clients(raw: object, problems: list[str]) -> tuple[Client, ...]:
    if not isinstance(raw, dict):
        problems.append('clients must be an object {"name": {clientId, grants, clientSecret}}')
        return ()
    clients: list[Client] = []
    for name, spec in raw.items():
        where = f"clients.{name}"
        if not isinstance(spec, dict):
            problems.append(f"{where} must be an object")
            continue
        client_id = spec.get("clientId")
        grants = spec.get("grants", [])
        secret = spec.get("clientSecret")
        if not isinstance(client_id, str) or not client_id:
            problems.append(f"{where}.clientId must be a non-empty string")
            continue
        if not isinstance(grants, list) or not all(isinstance(g, str) for g in grants):
            problems.append(f"{where}.grants must be a list of strings")
            continue
        if secret is not None and not isinstance(secret, str):
            problems.append(f"{where}.clientSecret must be a string")  # the value is never shown
            continue
        secrets = _parse_secrets(spec.get("secrets"), where, problems)
        if secrets is None:
            continue
        hidden = secret == SECRET_PLACEHOLDER
        clients.append(
            Client(
                name=str(name),
                client_id=client_id,
                grants=tuple(grants),
                client_secret=None if hidden else secret,
                secret_hidden=hidden,
                secrets=secrets,
            )
        )
    return tuple(clients)


def _parse_secrets(raw: object, where: str, problems: list[str]) -> tuple[LabelledSecret, ...] | None:
    if raw is None:
        return ()
    shape = f'{where}.secrets must be an object {{"label": {{"secret", "expires"}}}}'
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        problems.append(shape)
        return None
    out: list[LabelledSecret] = []
    for label in sorted(raw):
        entry = raw[label]
        secret, expires = entry.get("secret"), entry.get("expires")
        if not isinstance(secret, str) or not secret or (expires is not None and not isinstance(expires, str)):
            problems.append(f"{where}.secrets.{label} must hold a non-empty secret string and an expires string")
            return None  # the value is never shown
        hidden = secret == SECRET_PLACEHOLDER
        out.append(LabelledSecret(str(label), None if hidden else secret, expires, hidden))
    return tuple(out)


def _placeholders(value: object, path: str) -> Iterator[str]:
    if value == SECRET_PLACEHOLDER:
        yield path or "(top level)"
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _placeholders(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _placeholders(v, f"{path}[{i}]")


def _is_client_secret_path(path: str) -> bool:
    """``clients.<name>.clientSecret`` or ``clients.<name>.secrets.<label>.secret``: a placeholder
    there is named when the secret is needed, not when the outputs are read."""
    parts = path.split(".")
    if len(parts) == 3:
        return parts[0] == "clients" and parts[2] == "clientSecret"
    return len(parts) == 5 and parts[0] == "clients" and parts[2] == "secrets" and parts[4] == "secret"


def load_file(path: str, redactor: Redactor, required: tuple[str, ...] = REQUIRED) -> StackOutputs:
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read outputs file {path}: {e.strerror}") from None
    return _parse_json(raw, f"outputs file {path}", path, redactor, required, ("--outputs", path))


def load_stack(
    stack: str | None, redactor: Redactor, pulumi: str = "pulumi", required: tuple[str, ...] = REQUIRED
) -> StackOutputs:
    """Run ``pulumi stack output --json --show-secrets [--stack NAME]`` and parse its answer."""
    exe = shutil.which(pulumi)
    if exe is None:
        raise UsageError(
            "the pulumi CLI is not on PATH: install it, or pass --outputs FILE written by "
            "`pulumi stack output --json --show-secrets > outputs.json`"
        )
    cmd: list[str] = [exe, "stack", "output", "--json", "--show-secrets"]
    if stack:
        cmd += ["--stack", stack]
    shown = "pulumi stack output --json --show-secrets" + (f" --stack {stack}" if stack else "")
    try:
        # stdin: nothing to read, so a CLI that would prompt (login, stack selection) fails instead
        # of waiting for an answer that never comes. Bytes, not text: the JSON decoder detects the
        # encoding, and stderr is decoded leniently below.
        done = subprocess.run(  # noqa: S603  (fixed argv, no shell)
            cmd, capture_output=True, stdin=subprocess.DEVNULL, timeout=PULUMI_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise UsageError(f"`{shown}` did not finish within {PULUMI_TIMEOUT:.0f} s") from None
    except OSError as e:
        raise UsageError(f"`{shown}` could not start: {e.strerror}") from None
    if done.returncode != 0:
        # stderr names the problem (no stack selected, not logged in); scrub it all the same.
        stderr = done.stderr.decode("utf-8", errors="replace").strip()
        err = redactor.scrub_foreign(stderr)[-800:]
        raise UsageError(f"`{shown}` failed (exit {done.returncode}): {err or 'no message'}")
    how = ("--stack", stack) if stack else ()
    return _parse_json(done.stdout, f"`{shown}`", f"`{shown}`", redactor, required, how)


def _parse_json(
    raw: bytes, what: str, source: str, redactor: Redactor, required: tuple[str, ...], how: tuple[str, ...]
) -> StackOutputs:
    """Decode, register the secrets, validate.

    ``json.loads`` on bytes detects UTF-8 (with or without the BOM Windows tools write), UTF-16
    and UTF-32 (Windows PowerShell's ``>`` writes UTF-16 with a BOM): RFC 8259, section 8.1, and the
    ``json`` module's documentation.
    """
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        # Checked before ValueError (its base class): the message would quote bytes of the file.
        raise UsageError(f"{what} is not text in UTF-8, UTF-16 or UTF-32") from None
    except ValueError:
        # The decoder's message quotes the text around the error, which may be a secret.
        raise UsageError(f"{what} is not JSON") from None
    _register_secrets(data, redactor)
    return parse_outputs(data, source, required, how)


def _register_secrets(data: object, redactor: Redactor) -> None:
    """The one place secrets are registered: before validation, so even an error cannot show one."""
    if isinstance(data, Mapping):
        clients: Any = data.get("clients")
        if isinstance(clients, Mapping):
            for spec in clients.values():
                if isinstance(spec, Mapping):
                    secret = spec.get("clientSecret")
                    if isinstance(secret, str) and secret != SECRET_PLACEHOLDER:
                        redactor.add(secret)
                    labelled: Any = spec.get("secrets")
                    for entry in labelled.values() if isinstance(labelled, Mapping) else ():
                        value = entry.get("secret") if isinstance(entry, Mapping) else None
                        if isinstance(value, str) and value != SECRET_PLACEHOLDER:
                            redactor.add(value)


def load(
    outputs_file: str | None, stack: str | None, redactor: Redactor, required: tuple[str, ...] = REQUIRED
) -> StackOutputs:
    if outputs_file:
        return load_file(outputs_file, redactor, required)
    return load_stack(stack, redactor, required=required)
