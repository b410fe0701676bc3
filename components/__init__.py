"""Components of b2c-apigw and their provider-free helpers.

- ``config``: reads and validates the stack config into settings that carry every derived name, URL
  and warning (plain Python, no resources; a package, one module per concern).
- ``naming``: logical and cloud-visible names, stable app-role ids.
- ``b2c``: every Azure AD B2C URL and issuer the program builds, in one place.
- ``api_app`` / ``client_app``: the Azure AD B2C app registrations (pulumi-azuread).
- ``http_api``: the API Gateway HTTP API with its JWT authorizer (pulumi-aws).
- ``lambda_package``: the Lambda authorizer's deterministic zip, built from uv.lock (plain Python).

Each component gives its children ``ResourceOptions(parent=self)``, not ``merge(opts, ...)``:
children inherit the caller's providers through their parent and follow it when it is renamed,
while the caller's aliases, protect or ignore_changes are meant for the component and would be
wrong on each child.
"""
