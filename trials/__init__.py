"""Trial stacks: one short-lived stack per pull request, created on request and torn down on time.

``python -m trials create|destroy|list|reap|comment`` (``trials.cli``). The logic is plain Python
over the Pulumi CLI (``trials.pulumi``), Microsoft Graph (``trials.graph``) and GitHub's REST API
(``trials.comment``); the GitHub workflows in ``.github/workflows`` only call it.

Safety is the point (``trials.rules``): a stack is touched only when its name is ``pr-<N>``, it is
tagged ``b2c-apigw:trial=true``, and it is not tagged ``b2c-apigw:protect``. docs/pull-requests.md
describes the setup and the rules.
"""

from __future__ import annotations

from typing import Final

TRIAL_TAG: Final = "b2c-apigw:trial"
EXPIRES_TAG: Final = "b2c-apigw:expires-at"
PROTECT_TAG: Final = "b2c-apigw:protect"
# The object ids of the stack's Azure applications, written before a destroy so that a purge that
# failed half-way can be finished by running destroy again (the state no longer names them then).
PURGE_TAG: Final = "b2c-apigw:purge"

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
