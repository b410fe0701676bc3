from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.support.example import DEV_CONFIG


@pytest.fixture
def dev_config() -> dict[str, Any]:
    """A fresh, mutable copy of the example stack config."""
    return copy.deepcopy(DEV_CONFIG)
