"""What every command that reads stack outputs works with, passed as one object.

The stack outputs, the HTTP client (timeouts, retries), the identity platform behind the token
endpoint, and the redactor every secret and token is registered with before anything prints.
"""

from __future__ import annotations

from dataclasses import dataclass

from verify.http import HttpClient
from verify.idp import IdentityPlatform
from verify.outputs import StackOutputs
from verify.redact import Redactor


@dataclass(frozen=True)
class Context:
    outputs: StackOutputs
    http: HttpClient
    platform: IdentityPlatform
    redactor: Redactor
