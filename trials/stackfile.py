"""A trial's stack config: an example stack config overlaid with what the repository provides.

The repository gives the tenant, the upstream and the region as plain variables (GitHub repository
variables in the workflows, the environment by hand): none of them is a secret, and no secret is
ever written to the file. The example must not set ``api.appIdUri``: an App ID URI is unique in the
tenant, so two trials from one example would collide; without it the program derives one that
carries the stack name.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from trials.rules import TrialError

NAMESPACE: Final = "b2c-apigw"
_GUID: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_REGION: Final = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]\Z")

# variable -> (what it sets, required)
VARIABLES: Final = {
    "TRIAL_TENANT_ID": ("b2c-apigw:tenant.id and azuread:tenantId", True),
    "TRIAL_TENANT_NAME": ("b2c-apigw:tenant.name", True),
    "TRIAL_TENANT_POLICY": ("b2c-apigw:tenant.policy", False),
    "TRIAL_UPSTREAM": ("b2c-apigw:api.upstream", True),
    "TRIAL_AWS_REGION": ("aws:region", True),
}


def read_yaml(path: Path, label: str) -> Any:
    """The YAML document at ``path``; a TrialError naming ``label`` when it cannot be read or parsed."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise TrialError(f"cannot read {label}: {e.strerror}") from None
    except yaml.YAMLError:
        raise TrialError(f"{label} is not YAML") from None


def load_example(path: Path) -> dict[str, Any]:
    data = read_yaml(path, f"the example stack config {path}")
    if not isinstance(data, dict) or not isinstance(data.get("config"), dict):
        raise TrialError(f"the example stack config {path} has no 'config:' map")
    return data


def trial_config(example: Mapping[str, Any], env: Mapping[str, str], source: str) -> dict[str, Any]:
    """The ``config:`` map of the trial stack, or a ``TrialError`` listing every problem."""
    config = copy.deepcopy(dict(example["config"]))
    problems: list[str] = []
    # The TRIAL_TENANT_* variables describe an Azure AD B2C tenant (name, user flow): overlaid on an
    # Entra ID or External ID example they would set keys that platform refuses (tenant.policy),
    # and the deploy would fail late. docs/configuration.md, "`tenant.platform`".
    tenant_in = config.get(f"{NAMESPACE}:tenant")
    platform = tenant_in.get("platform", "b2c") if isinstance(tenant_in, dict) else "b2c"
    if platform != "b2c":
        raise TrialError(
            f"{source} is an example for tenant.platform {platform!r}: trials deploy to the Azure AD B2C "
            "tenant the TRIAL_TENANT_* variables name, so --from must name a B2C example "
            "(tenant.platform b2c or unset), such as examples/b2c-minimal.yaml"
        )
    api = config.get(f"{NAMESPACE}:api")
    if not isinstance(api, dict):
        problems.append(f"{source} has no {NAMESPACE}:api map")
        api = {}
    elif "appIdUri" in api:
        problems.append(
            f"{source} sets {NAMESPACE}:api.appIdUri: an App ID URI is unique in the tenant and not "
            "stack-scoped, so two trials would collide; remove it (the program derives one per stack)"
        )
    values = {name: env.get(name, "").strip() for name in VARIABLES}
    missing = [n for n, (_, required) in VARIABLES.items() if required and not values[n]]
    if missing:
        problems.append(
            "missing variable(s): "
            + ", ".join(f"{n} ({VARIABLES[n][0]})" for n in missing)
            + " - the repository's variables give them (docs/pull-requests.md)"
        )
    tenant_id = values["TRIAL_TENANT_ID"]
    if tenant_id and not _GUID.match(tenant_id):
        problems.append("TRIAL_TENANT_ID must be the directory (tenant) id, a GUID")
    region = values["TRIAL_AWS_REGION"]
    if region and not _REGION.match(region):
        problems.append(f"TRIAL_AWS_REGION must be an AWS region name such as eu-west-1, got {region!r}")
    upstream = values["TRIAL_UPSTREAM"]
    if upstream and not upstream.startswith("https://"):
        problems.append("TRIAL_UPSTREAM must be an https:// URL")
    if problems:
        raise TrialError("cannot build the trial's stack config:\n  - " + "\n  - ".join(problems))

    tenant = config.get(f"{NAMESPACE}:tenant")
    tenant = dict(tenant) if isinstance(tenant, dict) else {}
    tenant["id"] = tenant_id
    tenant["name"] = values["TRIAL_TENANT_NAME"]
    if values["TRIAL_TENANT_POLICY"]:
        tenant["policy"] = values["TRIAL_TENANT_POLICY"]
    config[f"{NAMESPACE}:tenant"] = tenant
    config["azuread:tenantId"] = tenant_id
    config["aws:region"] = region
    api["upstream"] = upstream
    config[f"{NAMESPACE}:api"] = api
    return config


def write_stack_file(path: Path, config: Mapping[str, Any]) -> None:
    """Write ``config:`` into ``Pulumi.<stack>.yaml``, keeping what ``stack init`` put there.

    ``stack init`` writes the secrets provider's keys (``encryptionsalt``, ``secretsprovider``,
    ``encryptedkey``) into the file: they are kept, only ``config`` is replaced.
    """
    existing: dict[str, Any] = {}
    if path.exists():
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(loaded, dict):
            existing = loaded
    existing["config"] = dict(config)
    text = "# Written by `python -m trials create`: a trial stack's config, rewritten on every run.\n"
    path.write_text(text + yaml.safe_dump(existing, sort_keys=False), encoding="utf-8")
