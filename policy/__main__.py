"""The pack's entry point: Pulumi runs this file (``python -m pulumi.policy <engine> policy``), which only
builds the ``PolicyPack``. Constructing it starts the analyzer's gRPC server and never returns, so the
policies live in ``policy.rules``, where the tests import them."""

import sys
from pathlib import Path

# Pulumi runs the pack with this directory on sys.path; the policies are imported as the package the
# tests and mypy see, from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import PolicyPack

from policy.rules import ENFORCEMENT_LEVEL, PACK_NAME, POLICIES

PolicyPack(name=PACK_NAME, policies=list(POLICIES), enforcement_level=ENFORCEMENT_LEVEL)
