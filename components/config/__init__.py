"""The stack config contract: parsing and validation, before any resource is registered.

``parse_settings`` is plain Python: it takes the raw values of the config keys and returns frozen,
typed ``Settings``, or raises ``ConfigError`` listing *every* bad key with what would be valid, so a
user fixes a config in one round. ``read_settings`` reads the keys from Pulumi config and turns a
``ConfigError`` into a ``pulumi.RunError`` (printed without a stack trace) before ``__main__``
creates anything: a bad config never deploys half a stack.

The keys live in the ``b2c-apigw`` namespace (``tenant``, ``api``, ``clients``), plus the provider
key ``azuread:tenantId``, which must name the B2C directory itself (docs/facts.md: registrations made in
the company's main directory are the commonest failure).

One module per concern:

- ``model``: the typed settings (``Tenant``, ``Api``, ``Client``, ``Settings``, ...) and ``ConfigError``.
- ``keys``: the namespace, its sections and the keys each section accepts.
- ``limits``: limits and defaults, each with its source.
- ``fields``: reading one key and reporting its problem; the shapes single values take.
- ``routes``: the route-key grammar, path parameters and the conflicting-parameter rule.
- ``urls``: the upstream origin and the App ID URI.
- ``sections``: the section parsers and ``parse_settings``.
- ``pulumi_config``: reading the running stack's config, and hiding the values of secret keys.
"""

from __future__ import annotations

from .keys import NAMESPACE as NAMESPACE
from .keys import SECTIONS as SECTIONS
from .limits import DEFAULT_ISSUER_FORMAT as DEFAULT_ISSUER_FORMAT
from .limits import DEFAULT_LOG_RETENTION_DAYS as DEFAULT_LOG_RETENTION_DAYS
from .limits import DEFAULT_ROUTES_QUOTA as DEFAULT_ROUTES_QUOTA
from .limits import DEFAULT_SECRET_DAYS as DEFAULT_SECRET_DAYS
from .limits import DEFAULT_THROTTLE_BURST as DEFAULT_THROTTLE_BURST
from .limits import DEFAULT_THROTTLE_RATE as DEFAULT_THROTTLE_RATE
from .limits import LOG_RETENTION_DAYS as LOG_RETENTION_DAYS
from .limits import MAX_GRANTS_PER_CLIENT as MAX_GRANTS_PER_CLIENT
from .limits import MAX_LIVE_SECRETS as MAX_LIVE_SECRETS
from .limits import MAX_SCOPES_PER_ROUTE as MAX_SCOPES_PER_ROUTE
from .limits import MAX_SECRET_DAYS as MAX_SECRET_DAYS
from .limits import MAX_THROTTLE_BURST as MAX_THROTTLE_BURST
from .limits import MAX_THROTTLE_RATE as MAX_THROTTLE_RATE
from .limits import MIN_SECRET_DAYS as MIN_SECRET_DAYS
from .limits import SECRET_DAYS_LABEL as SECRET_DAYS_LABEL
from .model import Api as Api
from .model import Client as Client
from .model import ClientSecret as ClientSecret
from .model import ConfigError as ConfigError
from .model import Permission as Permission
from .model import Route as Route
from .model import Settings as Settings
from .model import Tenant as Tenant
from .model import Throttle as Throttle
from .pulumi_config import read_pulumi_settings as read_pulumi_settings
from .pulumi_config import read_settings as read_settings
from .routes import _ROUTE as _ROUTE  # verify/outputs.py checks route keys with the program's grammar
from .routes import HTTP_METHODS as HTTP_METHODS
from .routes import _route_shape as _route_shape  # the tests generate route keys of distinct shapes with it
from .routes import route_key_problem as route_key_problem
from .sections import parse_settings as parse_settings

# isort: split
# The single module this package replaced also exposed what it imported as attributes
# (``components.config.json``, ``.Mapping``, ``.b2c``...). They are not its API, but they stay
# reachable so that nothing which read one of them breaks with the split.
import ipaddress as ipaddress
import json as json
import os as os
import re as re
import unicodedata as unicodedata
from collections.abc import Callable as Callable
from collections.abc import Iterable as Iterable
from collections.abc import Mapping as Mapping
from collections.abc import Sequence as Sequence
from dataclasses import dataclass as dataclass
from typing import Any as Any
from typing import Final as Final
from typing import cast as cast
from urllib.parse import SplitResult as SplitResult
from urllib.parse import urlsplit as urlsplit

from .. import b2c as b2c
from .. import naming as naming
