"""A client app registration ("App 1" in the seed article): a machine-to-machine caller."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from .api_app import ACCESS_TOKEN_VERSION, SIGN_IN_AUDIENCE


@dataclass(frozen=True)
class ClientAppArgs:
    display_name: str
    """Shown in the tenant; carries the API name, the stack and the client name."""
    api_client_id: pulumi.Input[str]
    """The API app's client id (its ``resource_app_id`` in required resource access)."""
    api_service_principal_object_id: pulumi.Input[str]
    """The API's service principal, the resource of every grant."""
    role_ids: Mapping[str, pulumi.Input[str]]
    """The API's permission value -> app role id (``ApiApp.role_ids``: Outputs of the API application)."""
    grants: Sequence[str]
    """Permission values granted to this client (validated against ``role_ids`` by the config)."""
    secret_days: int
    """Lifetime of the client secret, counted from its creation."""
    sign_in_audience: str = SIGN_IN_AUDIENCE
    """The API app's audience: B2C's by default, ``AzureADMyOrg`` on the roles platforms."""


class ClientApp(pulumi.ComponentResource):
    """Creates the client's ``azuread.Application`` with required resource access of type ``Role`` to
    exactly its granted roles, its ``azuread.ServicePrincipal``, one ``azuread.AppRoleAssignment`` per
    grant (the API form of admin consent) and an ``azuread.ApplicationPassword`` (the client secret).

    Each assignment's logical name is keyed by its role value (``<name>-grant-<value>``), so removing
    a grant from config deletes exactly that assignment and edits the application in place.
    """

    client_id: pulumi.Output[str]
    """The client's application (client) id, sent as ``client_id`` to the token endpoint."""
    client_secret: pulumi.Output[str]
    """Always a Pulumi secret."""
    grants: list[str]
    """Permission values granted (and admin-consented) to this client, sorted."""

    def __init__(self, name: str, args: ClientAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        unknown = [g for g in args.grants if g not in args.role_ids]
        if unknown:
            # The config validator rejects these first; this guards other callers of the component,
            # before anything is registered.
            raise ValueError(f"client {name!r}: grants {unknown} are not roles of the API")
        super().__init__("b2capigw:azure:ClientApp", name, None, opts)
        # parent=self, not merged opts: see the package docstring.
        child = pulumi.ResourceOptions(parent=self)

        access = (
            [
                azuread.ApplicationRequiredResourceAccessArgs(
                    resource_app_id=args.api_client_id,
                    # The provider keeps resource_access as an ordered list: sorted, reordering the
                    # grants in config changes nothing in the tenant.
                    resource_accesses=[
                        azuread.ApplicationRequiredResourceAccessResourceAccessArgs(id=args.role_ids[g], type="Role")
                        for g in sorted(args.grants)
                    ],
                )
            ]
            if args.grants
            else []
        )
        app = azuread.Application(
            f"{name}-app",
            display_name=args.display_name,
            sign_in_audience=args.sign_in_audience,
            # Graph rejects this audience with any other token version, on clients too.
            api=azuread.ApplicationApiArgs(requested_access_token_version=ACCESS_TOKEN_VERSION),
            required_resource_accesses=access,
            opts=child,
        )
        sp = azuread.ServicePrincipal(f"{name}-sp", client_id=app.client_id, opts=child)
        for grant in args.grants:
            azuread.AppRoleAssignment(
                f"{name}-grant-{grant}",
                app_role_id=args.role_ids[grant],
                principal_object_id=sp.object_id,
                resource_object_id=args.api_service_principal_object_id,
                opts=child,
            )

        # A relative lifetime, computed by the provider when the secret is created: the input stays the
        # same on every later `pulumi up`, so nothing churns. An absolute end_date computed here would
        # change on each run and replace the secret (end_date forces a new password), and ignore_changes
        # on it would make a replacement reuse the old, possibly past, date. The provider marks this
        # argument deprecated in favour of Terraform's timeadd(), which a Pulumi program does not have.
        # Rotating: `pulumi up --replace <this password's URN>` (README, "Rotate a client secret").
        password = azuread.ApplicationPassword(
            f"{name}-secret",
            application_id=app.id,
            display_name=f"{args.display_name} (pulumi)",
            end_date_relative=f"{args.secret_days * 24}h",
            # Every argument of a password forces a new one, and the label carries the API and stack
            # names: renaming either would rotate the secret behind its callers' backs. The label is
            # fixed when the first secret is created: later renames leave the secret alone, and the
            # engine carries ignored inputs over on --replace, so rotated secrets keep it too.
            opts=pulumi.ResourceOptions(
                parent=self, additional_secret_outputs=["value"], ignore_changes=["display_name"]
            ),
        )

        self.client_id = app.client_id
        self.client_secret = pulumi.Output.secret(password.value)
        self.grants = sorted(args.grants)
        self.register_outputs({"client_id": self.client_id, "client_secret": self.client_secret, "grants": self.grants})
