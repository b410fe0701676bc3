"""The Lambda function behind the roles platforms' REQUEST authorizer (External ID, Entra ID)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

# Lambda's trust policy for a function's execution role (AWS "Lambda execution role").
_ASSUME_ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
TIMEOUT_SECONDS = 5
"""API Gateway waits 10 s for a Lambda authorizer (docs/platforms.md); discovery and JWKS fetches
take at most 1.5 s each, so 5 s leaves room and still fails before the gateway does."""
MEMORY_MB = 256
"""Lambda gives CPU in proportion to memory; RSA verification and the cold import of cryptography
are CPU-bound (bench/authorizer.py)."""


@dataclass(frozen=True)
class AuthorizerFunctionArgs:
    function_name: str
    """The function's name in the account (carries the API name and the stack)."""
    archive_path: str
    """The package directory (``components.lambda_package.build_authorizer_package``), relative to the
    project: Pulumi hashes a directory by names and contents, and zips it for Lambda itself."""
    runtime: str
    """A Lambda runtime identifier (``python3.13``)."""
    architecture: str
    """``x86_64`` or ``arm64``: the platform the zip's wheels were installed for."""
    handler: str
    """``authorizer.handler.handler``."""
    issuer: pulumi.Input[str]
    """The exact ``iss`` of the tokens (``AUTHORIZER_ISSUER``)."""
    audience: pulumi.Input[str]
    """The API app's client id (``AUTHORIZER_AUDIENCE``): an Output, so the zip never depends on it."""
    log_retention_days: int
    """Retention of the function's log group (its one line per decision)."""
    tags: Mapping[str, str] = field(default_factory=dict)


class AuthorizerFunction(pulumi.ComponentResource):
    """Creates the function's execution ``iam.Role`` (assumable by Lambda only), its own
    ``cloudwatch.LogGroup`` with retention, an inline ``iam.RolePolicy`` letting it write to that
    group only, and the ``lambda_.Function`` from the package directory.

    The invoke permission for API Gateway is the HTTP API component's: it is scoped to that API's
    authorizer ARN, which exists only there.
    """

    function_name: pulumi.Output[str]
    arn: pulumi.Output[str]
    invoke_arn: pulumi.Output[str]
    """What the REQUEST authorizer's ``authorizer_uri`` takes."""

    def __init__(self, name: str, args: AuthorizerFunctionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("b2capigw:aws:AuthorizerFunction", name, None, opts)
        # parent=self, not merged opts: see the package docstring.
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)

        role = aws.iam.Role(
            f"{name}-role",
            name=args.function_name,
            assume_role_policy=_ASSUME_ROLE_POLICY,
            tags=tags,
            opts=child,
        )
        # Lambda writes to /aws/lambda/<function name>; created here so that it has a retention and
        # is deleted with the stack (AWS "Sending Lambda function logs to CloudWatch Logs").
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{args.function_name}",
            retention_in_days=args.log_retention_days,
            tags=tags,
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-logs-policy",
            role=role.id,
            policy=log_group.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                "Resource": f"{arn}:*",
                            }
                        ],
                    }
                )
            ),
            opts=child,
        )
        function = aws.lambda_.Function(
            f"{name}-function",
            name=args.function_name,
            role=role.arn,
            runtime=args.runtime,
            architectures=[args.architecture],
            handler=args.handler,
            code=pulumi.FileArchive(args.archive_path),
            timeout=TIMEOUT_SECONDS,
            memory_size=MEMORY_MB,
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={"AUTHORIZER_ISSUER": args.issuer, "AUTHORIZER_AUDIENCE": args.audience}
            ),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="Text", log_group=log_group.name),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group, policy]),
        )

        self.function_name = function.name
        self.arn = function.arn
        self.invoke_arn = function.invoke_arn
        self.register_outputs({"function_name": self.function_name, "arn": self.arn, "invoke_arn": self.invoke_arn})
