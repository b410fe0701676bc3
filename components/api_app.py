"""The API app registration ("App 2" in the seed article) in the B2C directory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from . import naming
from .config import Permission

# docs/facts.md: B2C's token endpoint refuses the client credentials grant (AADB2C90085) unless the
# registrations accept "Accounts in any identity provider or organizational directory". Entra's
# validation table lists app roles as unsupported with this audience, yet the B2C client-credentials
# doc adds them and B2C honours them; a Graph validation error about it is a finding to report.
SIGN_IN_AUDIENCE = "AzureADandPersonalMicrosoftAccount"
# azuread.Application defaults requestedAccessTokenVersion to 1; with the audience above Graph
# rejects anything but 2 (InvalidAccessTokenVersion), and B2C issues v2 tokens.
ACCESS_TOKEN_VERSION = 2


@dataclass(frozen=True)
class ApiAppArgs:
    display_name: str
    """Shown in the tenant; carries the API name and the stack."""
    identifier_uri: str
    """The App ID URI; ``<uri>/.default`` is the scope clients request."""
    permissions: Sequence[Permission]
    """One app role each, assignable to applications only."""
    sign_in_audience: str = SIGN_IN_AUDIENCE
    """B2C's audience by default; ``AzureADMyOrg`` on External ID and Entra ID (docs/platforms.md)."""


class ApiApp(pulumi.ComponentResource):
    """Creates the API's ``azuread.Application`` (App ID URI, one app role per permission, access
    token v2, inline so a change is one atomic update) and its ``azuread.ServicePrincipal``, which
    grants (app role assignments) point at.

    Identifier URIs are kept inline on the application: a separate ``ApplicationIdentifierUri`` is
    wiped by the next update of its application (pulumi-azuread issue 1036).
    """

    client_id: pulumi.Output[str]
    """The application (client) id: the ``aud`` of the tokens and the authorizer's audience."""
    application_id: pulumi.Output[str]
    """The resource id (``/applications/<objectId>``) other azuread resources take."""
    service_principal_object_id: pulumi.Output[str]
    """The API's service principal: the resource every grant (app role assignment) points at."""
    identifier_uri: str
    """The App ID URI."""
    scope: str
    """``<App ID URI>/.default``: what a client credentials request asks for."""
    role_ids: dict[str, pulumi.Output[str]]
    """Permission value -> app role id. The ids are derived from the values (stable), but handed out
    as Outputs of the application so that a grant of a role added in the same update waits until the
    application carries it (Graph refuses an assignment to a role it does not know yet)."""

    def __init__(self, name: str, args: ApiAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("b2capigw:azure:ApiApp", name, None, opts)
        # parent=self, not merged opts: see the package docstring.
        child = pulumi.ResourceOptions(parent=self)

        self.identifier_uri = args.identifier_uri
        self.scope = naming.default_scope(args.identifier_uri)
        role_ids = {p.value: naming.app_role_id(p.value) for p in args.permissions}

        app = azuread.Application(
            f"{name}-app",
            display_name=args.display_name,
            sign_in_audience=args.sign_in_audience,
            identifier_uris=[args.identifier_uri],
            api=azuread.ApplicationApiArgs(requested_access_token_version=ACCESS_TOKEN_VERSION),
            app_roles=[
                azuread.ApplicationAppRoleArgs(
                    id=role_ids[p.value],
                    value=p.value,
                    display_name=p.value,
                    description=p.description,
                    allowed_member_types=["Application"],
                    enabled=True,
                )
                for p in args.permissions
            ],
            opts=child,
        )
        sp = azuread.ServicePrincipal(f"{name}-sp", client_id=app.client_id, opts=child)

        self.role_ids = {value: app.id.apply(lambda _, rid=rid: rid) for value, rid in role_ids.items()}
        self.client_id = app.client_id
        self.application_id = app.id
        self.service_principal_object_id = sp.object_id
        self.register_outputs(
            {
                "client_id": self.client_id,
                "application_id": self.application_id,
                "service_principal_object_id": self.service_principal_object_id,
                "identifier_uri": self.identifier_uri,
                "scope": self.scope,
                "role_ids": self.role_ids,
            }
        )
