"""A client app registration ("App 1" in the seed article): a machine-to-machine caller."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from .api_app import ACCESS_TOKEN_VERSION, SIGN_IN_AUDIENCE
from .config.limits import SECRET_DAYS_LABEL
from .config.model import ClientSecret


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
    secret_days: int | None = None
    """The one-secret form: lifetime of the client secret, counted from its creation."""
    secrets: Sequence[ClientSecret] = ()
    """Instead of ``secret_days``: one or two live secrets, each keyed by its label (``Client.secrets``
    of the config; its label-less entry is the ``secret_days`` form)."""
    sign_in_audience: str = SIGN_IN_AUDIENCE
    """The API app's audience: B2C's by default, ``AzureADMyOrg`` on the roles platforms."""


class ClientApp(pulumi.ComponentResource):
    """Creates the client's ``azuread.Application`` with required resource access of type ``Role`` to
    exactly its granted roles, its ``azuread.ServicePrincipal``, one ``azuread.AppRoleAssignment`` per
    grant (the API form of admin consent) and one ``azuread.ApplicationPassword`` per live client secret.

    Each assignment's logical name is keyed by its role value (``<name>-grant-<value>``), so removing
    a grant from config deletes exactly that assignment and edits the application in place. Likewise
    each labelled secret is ``<name>-secret-<label>``: adding, removing or reordering labels touches
    only that label's password. The one-secret form (``secret_days``) is ``<name>-secret``, as it
    always was; the first labelled secret carries an alias of that name, so moving from
    ``secret_days`` to ``secrets`` keeps the current password (docs/operations.md).
    """

    client_id: pulumi.Output[str]
    """The client's application (client) id, sent as ``client_id`` to the token endpoint."""
    client_secret: pulumi.Output[str]
    """The last secret's value: the one callers are given. Always a Pulumi secret."""
    secrets: dict[str, pulumi.Output[dict[str, str]]]
    """label -> ``{"secret": value, "expires": end date}`` for every live secret; each a Pulumi secret.
    The one-secret form's label is ``default``."""
    grants: list[str]
    """Permission values granted (and admin-consented) to this client, sorted."""

    def __init__(self, name: str, args: ClientAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        unknown = [g for g in args.grants if g not in args.role_ids]
        if unknown:
            # The config validator rejects these first; this guards other callers of the component,
            # before anything is registered.
            raise ValueError(f"client {name!r}: grants {unknown} are not roles of the API")
        if (args.secret_days is None) == (not args.secrets):
            raise ValueError(f"client {name!r}: give secret_days or secrets, exactly one of them")
        specs = list(args.secrets) or [ClientSecret(label=None, days=args.secret_days or 0)]
        if len({s.label for s in specs}) != len(specs):
            raise ValueError(f"client {name!r}: each secret needs its own label")
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
        # Rotating: add a label, move the callers, remove the old label (docs/operations.md).
        passwords = [self._password(name, args.display_name, app.id, spec) for spec in specs]

        self.client_id = app.client_id
        self.client_secret = pulumi.Output.secret(passwords[-1].value)
        self.secrets = {
            spec.label or SECRET_DAYS_LABEL: pulumi.Output.secret(
                pulumi.Output.all(p.value, p.end_date).apply(lambda v: {"secret": v[0], "expires": v[1]})
            )
            for spec, p in zip(specs, passwords, strict=True)
        }
        self.grants = sorted(args.grants)
        self.register_outputs({"client_id": self.client_id, "client_secret": self.client_secret, "grants": self.grants})

    def _password(
        self, name: str, display_name: str, application_id: pulumi.Input[str], spec: ClientSecret
    ) -> azuread.ApplicationPassword:
        # The one-secret form keeps exactly the registration it always had: an existing stack sees no change.
        if spec.label is None:
            logical, label, aliases = f"{name}-secret", f"{display_name} (pulumi)", None
        else:
            logical, label = f"{name}-secret-{spec.label}", f"{display_name} ({spec.label})"
            aliases = [pulumi.Alias(name=f"{name}-secret")] if spec.keeps_secret_days_password else None
        return azuread.ApplicationPassword(
            logical,
            application_id=application_id,
            display_name=label,
            end_date_relative=f"{spec.days * 24}h",
            # Every argument of a password forces a new one, and the label carries the API and stack
            # names: renaming either would rotate the secret behind its callers' backs. The label is
            # fixed when the secret is created: later renames leave the secret alone, and the engine
            # carries ignored inputs over on a replacement, so a replaced secret keeps it too.
            opts=pulumi.ResourceOptions(
                parent=self, additional_secret_outputs=["value"], ignore_changes=["display_name"], aliases=aliases
            ),
        )
