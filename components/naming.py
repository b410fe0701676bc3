"""Names: stable logical names, and cloud-visible names that carry the stack.

Logical names (the last part of a URN) never contain the stack and are keyed by meaning, so
reordering config never replaces a resource. Names that reach the tenant or the AWS account carry
the API name and the stack, so two stacks of the same config never collide. Renaming the API or the
stack therefore renames those in place, except what cannot be renamed: the access log group is
replaced, and client secrets keep the label their client's first secret got (ClientApp).
"""

from __future__ import annotations

import uuid

# Fixed namespace for app-role ids: uuid5(NAMESPACE_URL, "urn:b2c-apigw:app-role"). Changing it
# would change every role id and so every grant: never change it.
_ROLE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:b2c-apigw:app-role")

# Entra ID caps identifier URIs at 120 characters (docs/facts.md, "Identifier URIs").
MAX_IDENTIFIER_URI_LENGTH = 120
# Entra caps application display names at 90 characters for the AzureADandPersonalMicrosoftAccount
# sign-in audience (learn.microsoft.com/entra/identity-platform/supported-accounts-validation).
MAX_DISPLAY_NAME_LENGTH = 90


def app_role_id(value: str) -> str:
    """The app role's id, derived from its value only.

    Adding, removing or reordering other permissions never changes an existing role's id, so
    existing grants (app role assignments, which point at the id) survive such edits.
    """
    return str(uuid.uuid5(_ROLE_NAMESPACE, value))


def resource_prefix(api_name: str, stack: str) -> str:
    """The prefix of every tenant- and account-visible name: ``<api>-<stack>``."""
    return f"{api_name}-{stack}"


def default_identifier_uri(tenant_name: str, api_name: str, stack: str) -> str:
    """The API app's App ID URI on the tenant's verified ``onmicrosoft.com`` domain."""
    return f"https://{tenant_name}.onmicrosoft.com/{resource_prefix(api_name, stack)}"


def default_scope(identifier_uri: str) -> str:
    """The scope a client credentials request asks for: every role granted on the API."""
    return f"{identifier_uri}/.default"


def api_display_name(api_name: str, stack: str) -> str:
    return f"{resource_prefix(api_name, stack)} API"


def client_display_name(api_name: str, stack: str, client_name: str) -> str:
    return f"{resource_prefix(api_name, stack)} client {client_name}"


def http_api_name(api_name: str, stack: str) -> str:
    return resource_prefix(api_name, stack)


# Lambda function names and IAM role names: at most 64 characters (Lambda CreateFunction and IAM
# CreateRole API references).
MAX_FUNCTION_NAME_LENGTH = 64


def authorizer_function_name(api_name: str, stack: str) -> str:
    """The roles platforms' authorizer function (and its execution role): ``<api>-<stack>-authorizer``."""
    return f"{resource_prefix(api_name, stack)}-authorizer"


def access_log_group_name(api_name: str, stack: str) -> str:
    return f"/aws/apigateway/{resource_prefix(api_name, stack)}/access"
