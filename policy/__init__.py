"""b2c-apigw's policy pack (CrossGuard): ``PulumiPolicy.yaml`` and ``__main__.py`` make this directory a
pack for ``pulumi preview --policy-pack policy``; the policies live in ``policy.rules`` (docs/policy.md)."""
