"""Reading the config from Pulumi, and keeping the values of secret keys out of every message."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import cast

from .fields import _Problems
from .keys import NAMESPACE, Section
from .model import ConfigError, Settings
from .sections import parse_settings


def _decode(raw: str | None) -> object:
    """Structured config arrives as JSON text. A value that is not JSON is a plain string set where a
    map or list belongs; it is passed on as that string so the section's check names the key."""
    if raw is None:
        return None
    try:
        return cast(object, json.loads(raw))
    except json.JSONDecodeError:
        return raw


def read_settings(
    get: Callable[[str], str | None],
    stack: str,
    env: Mapping[str, str] | None = None,
    *,
    keys: Iterable[str] = (),
    secret_keys: Iterable[str] = (),
) -> Settings:
    """Read the config through ``get`` (full key such as ``b2c-apigw:api`` -> raw text or ``None``)
    and validate it.

    ``keys`` are all keys set on the stack, so a misspelt section (``b2c-apigw:client``) is an error
    rather than a silently empty one; ``secret_keys`` are those stored with ``--secret``, whose values
    no error message repeats. ``read_pulumi_settings`` supplies all of these from the running stack.
    """
    env = {} if env is None else env
    p = _Problems()
    valid = [s.key for s in Section]
    for key in sorted(keys):
        if key.startswith(f"{NAMESPACE}:") and key not in valid:
            p.add(key, f"unknown key (valid: {', '.join(valid)})")
    values = {s: _decode(get(s.key)) for s in Section}
    azuread_tenant_id = get("azuread:tenantId")
    try:
        settings = parse_settings(
            tenant=values[Section.TENANT],
            api=values[Section.API],
            clients=values[Section.CLIENTS],
            stack=stack,
            azuread_tenant_id=azuread_tenant_id,
            aws_region=get("aws:region") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
        )
    except ConfigError as error:
        p.items.extend(error.problems)
    secret = [k for k in (*valid, "azuread:tenantId") if k in set(secret_keys)]
    # A section read as plain text loses its secrecy: its values would reach resource names, URLs and
    # plain stack outputs (issuer, tokenUrl, scope), i.e. the state, unencrypted. None is a credential.
    leaked = [
        f"{key}: is stored as a secret (or holds a secret value), but its values become names, URLs and "
        "plain stack outputs, where Pulumi cannot keep them secret; none of them is a credential, so set "
        "it again without --secret"
        for key in valid
        if key in secret
    ]
    if p.items or leaked:
        hidden = [str(leaf) for s in Section if s.key in secret for leaf in _leaves(values[s])]
        if azuread_tenant_id and "azuread:tenantId" in secret:
            hidden.append(azuread_tenant_id)
        raise ConfigError([*leaked, *(_hide(problem, secret, hidden) for problem in p.items)])
    return settings


def _leaves(value: object) -> Iterable[object]:
    if isinstance(value, Mapping):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    elif value is not None and not isinstance(value, bool):
        yield value


# Secret keys whose problems say why with the value left out, rather than only "is invalid": a single
# value whose messages quote it, never a hint derived from it.
_SAY_WHY = ("azuread:tenantId",)


def _hide(problem: str, secret_keys: Sequence[str], hidden: Sequence[str]) -> str:
    """A problem with no value of a secret key in it: the key is named, its value and anything
    derived from it (hints) are not."""
    for key in secret_keys:
        if key in _SAY_WHY and problem.startswith(f"{key}:"):
            # One value, and no hint derived from it: the reason is told, the value is not.
            for value in sorted((h for h in hidden if h), key=len, reverse=True):
                problem = problem.replace(repr(value), "[secret]").replace(value, "[secret]")
            return problem + " (its value is not shown: the key is stored as a secret)"
        if problem.startswith((f"{key}:", f"{key}.", f"{key}[")):
            return problem.split(": ", 1)[0] + ": is invalid (its value is not shown: the key is stored as a secret)"
    # Other problems may quote a secret value (e.g. a mismatch between two keys): longest first, so a
    # value that contains another is hidden whole.
    for value in sorted((h for h in hidden if h), key=len, reverse=True):
        problem = problem.replace(value, "[secret]")
    return problem


def read_pulumi_settings(stack: str) -> Settings:
    """The settings of the running stack: what ``__main__`` calls before it creates anything."""
    from pulumi.runtime import config as runtime_config

    keys = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    secret_keys = {k for k in keys if runtime_config.is_config_secret(k)}
    secret_keys |= set(runtime_config.get_config_secret_keys_env())
    return read_settings(runtime_config.get_config, stack, os.environ, keys=keys, secret_keys=secret_keys)
