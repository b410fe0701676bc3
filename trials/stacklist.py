"""``.github/stacks.yaml``: the team's stacks, the one list preview.yml and deploy.yml read.

Shape: ``stacks: [dev, prod]``. Each name must have its committed ``Pulumi.<name>.yaml`` and must
not look like a trial (``pr-<N>``): trials are created and destroyed by ``trials``, never deployed
from the list. An empty list is valid: the workflows then say so and succeed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Final

from trials.rules import TrialError, is_trial_name
from trials.stackfile import read_yaml

# Pulumi stack names: letters, digits, -, _ and . (pulumi/pulumi sdk/go/common/tokens: IsName).
_NAME: Final = re.compile(r"[A-Za-z0-9_.-]{1,100}\Z")


def read(path: Path, project_dir: Path, *, previews: bool = False) -> list[str]:
    """The listed stacks; with ``previews``, only those previewed on pull requests (not deploy-only)."""
    data = read_yaml(path, str(path))
    stacks = data.get("stacks") if isinstance(data, dict) else None
    if stacks is None:
        stacks = []
    if not isinstance(stacks, list):
        raise TrialError(f"{path}: 'stacks' must be a list of stack names, e.g. stacks: [dev, prod]")
    problems: list[str] = []
    names: list[str] = []
    for item in stacks:
        if not isinstance(item, str) or not _NAME.match(item):
            problems.append(f"{item!r} is not a stack name (letters, digits, '-', '_', '.')")
        elif is_trial_name(item):
            problems.append(f"{item!r} is a trial name (pr-<N>): trials are not listed here")
        elif not (project_dir / f"Pulumi.{item}.yaml").is_file():
            problems.append(f"{item!r} has no committed Pulumi.{item}.yaml")
        elif item in names:
            problems.append(f"{item!r} is listed twice")
        else:
            names.append(item)
    only = data.get("deploy-only") if isinstance(data, dict) else None
    if only is None:
        only = []
    if not isinstance(only, list):
        raise TrialError(f"{path}: 'deploy-only' must be a list of listed stack names, e.g. deploy-only: [prod]")
    for item in only:
        if item not in names:
            problems.append(f"deploy-only: {item!r} is not in stacks")
    if problems:
        raise TrialError(f"{path}:\n  - " + "\n  - ".join(problems))
    return [n for n in names if n not in only] if previews else names


def github_output(names: list[str]) -> str:
    """The ``$GITHUB_OUTPUT`` lines: ``stacks`` (a JSON list for a matrix) and ``count``."""
    return f"stacks={json.dumps(names)}\ncount={len(names)}\n"
