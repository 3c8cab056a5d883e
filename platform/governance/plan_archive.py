"""AWS: the 24-month archive of production plans, and the one role the deploy workflow assumes to add to it.

pulumi-aws 7.51.1 tokens: `aws:s3/bucket:Bucket` (v7's bucket; `BucketV2` is deprecated in its favour),
`aws:s3/bucketObjectLockConfiguration:...`, `aws:s3/bucketVersioning:...`,
`aws:s3/bucketLifecycleConfiguration:...`, `aws:s3/bucketServerSideEncryptionConfiguration:...`,
`aws:s3/bucketPublicAccessBlock:...`, `aws:s3/bucketOwnershipControls:...`, `aws:s3/bucketPolicy:...`,
`aws:iam/openIdConnectProvider:...`, `aws:iam/role:Role`, `aws:iam/rolePolicy:RolePolicy`.

Object Lock can only be switched on when a bucket is created, and compliance mode means nobody, the
account root included, can delete an archived object or shorten its retention before it ends. The bucket
is protected and retained on delete: removing it from the program never deletes the audit trail.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws.iam as iam
import pulumi_aws.s3 as s3

from governance.settings import Archive
from governance.tagging import GovernanceComponent

GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com"


class PlanArchive(GovernanceComponent):
    def __init__(
        self,
        name: str,
        settings: Archive,
        repository: str,
        tags: dict[str, str],
        provider: pulumi.ProviderResource,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("PlanArchive", name, tags, opts)
        on_aws = self.child(provider=provider)
        bucket_name = settings.bucket_name

        self.bucket = s3.Bucket(
            f"{name}-bucket",
            bucket=bucket_name,
            object_lock_enabled=True,
            force_destroy=False,
            tags=tags,
            opts=self.child(provider=provider, protect=True, retain_on_delete=True),
        )
        versioning = s3.BucketVersioning(
            f"{name}-versioning",
            bucket=self.bucket.id,
            versioning_configuration=s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=on_aws,
        )
        s3.BucketObjectLockConfiguration(
            f"{name}-lock",
            bucket=self.bucket.id,
            object_lock_enabled="Enabled",
            rule=s3.BucketObjectLockConfigurationRuleArgs(
                default_retention=s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                    mode="COMPLIANCE", days=settings.retention_days
                )
            ),
            opts=self.child(provider=provider, depends_on=[versioning]),
        )
        s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=self.bucket.id,
            rules=[
                # One day after the lock ends the objects go: the retention is 24 months, not forever.
                s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-after-retention",
                    status="Enabled",
                    filter=s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=s3.BucketLifecycleConfigurationRuleExpirationArgs(days=settings.expire_after_days),
                    noncurrent_version_expiration=s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=1
                    ),
                    abort_incomplete_multipart_upload=(
                        s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(days_after_initiation=1)
                    ),
                ),
                s3.BucketLifecycleConfigurationRuleArgs(
                    id="remove-expired-delete-markers",
                    status="Enabled",
                    filter=s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=s3.BucketLifecycleConfigurationRuleExpirationArgs(expired_object_delete_marker=True),
                ),
            ],
            opts=self.child(provider=provider, depends_on=[versioning]),
        )
        s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[
                s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=(
                        s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                            sse_algorithm="AES256"
                        )
                    )
                )
            ],
            opts=on_aws,
        )
        s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=on_aws,
        )
        s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=self.bucket.id,
            rule=s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=on_aws,
        )
        s3.BucketPolicy(
            f"{name}-tls-only",
            bucket=self.bucket.id,
            policy=json.dumps(tls_only_policy(settings.bucket_arn)),
            opts=on_aws,
        )

        if settings.github_oidc_provider == "create":
            oidc_arn: pulumi.Input[str] = iam.OpenIdConnectProvider(
                f"{name}-github-oidc",
                url=GITHUB_OIDC_URL,
                client_id_lists=[GITHUB_OIDC_AUDIENCE],
                tags=tags,
                opts=on_aws,
            ).arn
        else:
            oidc_arn = settings.github_oidc_provider

        self.writer = iam.Role(
            f"{name}-writer",
            name=settings.role_name,
            description=(
                f"Assumed only by {repository}'s jobs in the GitHub environment {settings.writer_environment} to "
                f"add plans under {settings.prefix}"
            ),
            max_session_duration=3600,
            assume_role_policy=pulumi.Output.from_input(oidc_arn).apply(
                lambda arn: json.dumps(writer_trust_policy(arn, repository, settings.writer_environment))
            ),
            tags=tags,
            opts=on_aws,
        )
        iam.RolePolicy(
            f"{name}-writer-put-only",
            name="add-plans-only",
            role=self.writer.id,
            policy=json.dumps(writer_permissions(settings.bucket_arn, settings.prefix)),
            opts=on_aws,
        )
        self.register_outputs({"bucket": self.bucket.bucket, "writer_role_arn": self.writer.arn})


def tls_only_policy(bucket_arn: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def writer_trust_policy(oidc_provider_arn: str, repository: str, environment: str) -> dict:
    """Only jobs bound to `environment` of `repository` (an environment only `main` may use)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        "token.actions.githubusercontent.com:aud": GITHUB_OIDC_AUDIENCE,
                        "token.actions.githubusercontent.com:sub": f"repo:{repository}:environment:{environment}",
                    }
                },
            }
        ],
    }


def writer_permissions(bucket_arn: str, prefix: str) -> dict:
    """Add under the prefix; never read, list, delete or change retention: the writer cannot tamper."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{bucket_arn}/{prefix}*"}],
    }
