"""The Lambda REQUEST authorizer for the roles platforms (Entra External ID, Entra ID).

API Gateway's JWT authorizer reads only ``scope``/``scp``; client-credentials tokens from these
platforms carry their app roles in ``roles`` (docs/platforms.md). This package is the function that
checks them, and it is what the deployable zip holds (beside its wheels and ``routes.json``):

- ``handler``: the Lambda entry point (``authorizer.handler.handler``), payload format 2.0, simple
  responses; reads the issuer and audience from the environment and the route map from the zip.
- ``keys``: discovery and JWKS, fetched once per container and again only for an unknown ``kid``.
- ``tokens``: the checks, through PyJWT[crypto].
- ``statuses``: what API Gateway answers around the function (shared with verify and the tests).

Only the standard library, PyJWT and cryptography may be imported here: nothing else is in the zip.
"""
