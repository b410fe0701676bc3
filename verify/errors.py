"""Errors that end a command with a message rather than a traceback."""

from __future__ import annotations


class VerifyError(Exception):
    """Base class; the message is already free of secrets and tokens."""


class ConfigError(VerifyError):
    """Unusable input: arguments, stack outputs, the pulumi CLI call (exit code 2)."""
