"""secrets-are-sensitive: credential-looking Vercel variables are sensitive, and their values never echo."""

from __future__ import annotations

import pytest
from mm_policies.sensitive_env import credential_in_key, credential_in_value
from policy_harness import (
    DROP,
    UNKNOWN,
    Secret,
    analyze_each,
    flagged,
    in_process_pack,
    resource,
    vercel_env_var,
)

POLICY = "secrets-are-sensitive"
PASSWORD = "hunter2-not-real"
DB_URL = f"postgres://portal:{PASSWORD}@ep-x.ap-southeast-2.aws.neon.tech/portal"

# Test fixtures, not credentials: PEM headers with no key material, so a value that embeds one is seen.
FAKE_PEM = "-----BEGIN " + "PRIVATE KEY-----\nnot-a-key"
FAKE_RSA_PEM = "-----BEGIN " + "RSA PRIVATE KEY-----"


def fixtures():
    return [
        vercel_env_var("db-url-sensitive"),
        vercel_env_var("db-url-not-sensitive", sensitive=False),
        vercel_env_var("db-url-sensitive-unset", sensitive=DROP),
        vercel_env_var("db-url-sensitive-unknown", sensitive=UNKNOWN),
        vercel_env_var("redis-url", key="REDIS_URL", value=Secret("rediss://default:x@host:6379"), sensitive=False),
        vercel_env_var("api-token", key="UPSTASH_REDIS_REST_TOKEN", value=Secret("t"), sensitive=False),
        vercel_env_var("sentry-auth", key="SENTRY_AUTH_TOKEN", value="t", sensitive=False),
        vercel_env_var("nextauth-secret", key="NEXTAUTH_SECRET", value="s", sensitive=False),
        vercel_env_var("stripe-key", key="STRIPE_KEY", value="k", sensitive=False),
        vercel_env_var("private-key", key="JWT_PRIVATE_KEY", value="k", sensitive=False),
        vercel_env_var("password", key="pg-password", value="p", sensitive=False),
        vercel_env_var("dsn", key="SENTRY_DSN", value="https://abc@o1.ingest.sentry.io/2", sensitive=False),
        vercel_env_var("value-has-password", key="UPSTREAM", value=Secret(DB_URL), sensitive=False),
        vercel_env_var("value-is-pem", key="SIGNING", value=FAKE_PEM, sensitive=False),
        vercel_env_var("write-only-value", key="UPSTREAM", value=DROP, valueWo=Secret(DB_URL), sensitive=False),
        vercel_env_var("key-unknown", key=UNKNOWN, sensitive=False),
        vercel_env_var("key-unknown-but-sensitive", key=UNKNOWN, sensitive=True),
        # Not credentials
        vercel_env_var("plain-config", key="NEXT_TELEMETRY_DISABLED", value="1", sensitive=False),
        vercel_env_var("nextauth-url", key="NEXTAUTH_URL", value="https://admin.example.com", sensitive=False),
        vercel_env_var("rest-url", key="UPSTASH_REDIS_REST_URL", value="https://x.upstash.io", sensitive=False),
        vercel_env_var(
            "public-dsn", key="NEXT_PUBLIC_SENTRY_DSN", value="https://abc@o1.ingest.sentry.io/2", sensitive=False
        ),
        vercel_env_var("publishable-key", key="STRIPE_PUBLISHABLE_KEY", value="pk_live", sensitive=False),
        vercel_env_var("unknown-value", key="APP_NAME", value=UNKNOWN, sensitive=False),
        # A public variable can never carry a credential, sensitive or not
        vercel_env_var("public-with-password", key="NEXT_PUBLIC_DB", value=Secret(DB_URL), sensitive=True),
        # Other resources with the same fields
        resource(
            "vercel:index/sharedEnvironmentVariable:SharedEnvironmentVariable",
            "shared-token",
            {
                "key": "VERCEL_TOKEN",
                "value": Secret("t"),
                "sensitive": False,
                "projectIds": ["p"],
                "targets": ["production"],
            },
        ),
        resource(
            "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables",
            "bulk",
            {
                "projectId": "p",
                "variables": [
                    {"key": "APP_NAME", "value": "portal", "sensitive": False},
                    {"key": "DATABASE_URL_UNPOOLED", "value": Secret(DB_URL), "sensitive": False},
                ],
            },
        ),
        resource(
            "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables",
            "bulk-ok",
            {"projectId": "p", "variables": [{"key": "DATABASE_URL", "value": Secret(DB_URL), "sensitive": True}]},
        ),
        resource(
            "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables",
            "bulk-unknown",
            {"variables": UNKNOWN},
        ),
    ]


PASSING = {
    "db-url-sensitive",
    "key-unknown-but-sensitive",
    "plain-config",
    "nextauth-url",
    "rest-url",
    "public-dsn",
    "publishable-key",
    "unknown-value",
    "bulk-ok",
}


@pytest.fixture
def diagnostics(stack):
    stack("prod")
    return analyze_each(in_process_pack(), fixtures())


def test_exactly_the_unprotected_credentials_violate(diagnostics):
    assert flagged(diagnostics, POLICY) == {r.name for r in fixtures()} - PASSING
    assert {d.enforcement_level for d in diagnostics if d.policy_name == POLICY} == {"mandatory"}


def test_no_message_repeats_a_value(diagnostics):
    for diagnostic in diagnostics:
        assert PASSWORD not in diagnostic.message
        assert "BEGIN PRIVATE KEY" not in diagnostic.message
        assert "pk_live" not in diagnostic.message


def test_messages_say_why(diagnostics):
    [db] = [d.message for d in diagnostics if d.urn.endswith("::db-url-not-sensitive")]
    assert "key 'DATABASE_URL' names a database or Redis connection URL" in db
    assert "sensitive is False; required true" in db
    [bulk] = [d.message for d in diagnostics if d.urn.endswith("::bulk")]
    assert "variables[1] key 'DATABASE_URL_UNPOOLED'" in bulk
    [public] = [d.message for d in diagnostics if d.urn.endswith("::public-with-password")]
    assert "NEXT_PUBLIC_" in public and "browser" in public


def test_policy_config_exempts_keys(stack):
    stack("prod")
    cache_key = vercel_env_var("cache-key", key="CACHE_KEY_PREFIX", value="v1", sensitive=False)
    assert flagged(in_process_pack().analyze(cache_key), POLICY) == {"cache-key"}
    assert flagged(in_process_pack({POLICY: {"exemptKeys": ["cache_key_prefix"]}}).analyze(cache_key), POLICY) == set()


@pytest.mark.parametrize(
    ("key", "named"),
    [
        ("DATABASE_URL", True),
        ("POSTGRES_PRISMA_URL", True),
        ("KV_URL", True),
        ("REDIS_URL", True),
        ("SENTRY_AUTH_TOKEN", True),
        ("AUTH_SECRET", True),
        ("GITHUB_APP_PRIVATE_KEY", True),
        ("OPENAI_API_KEY", True),
        ("openaiApiKey", True),
        ("AWS_ACCESS_KEY_ID", True),
        ("SMTP_PASS", True),
        ("SENTRY_DSN", True),
        ("DB_CONNECTION_STRING", True),
        ("NEXTAUTH_URL", False),
        ("KV_REST_API_URL", False),
        ("MONKEY_COUNT", False),
        ("STRIPE_PUBLISHABLE_KEY", False),
        ("NODE_ENV", False),
    ],
)
def test_credential_keys(key, named):
    assert (credential_in_key(key) is not None) == named


def test_credential_values():
    assert credential_in_value(DB_URL) == "a URL with an embedded password"
    assert credential_in_value("https://user@example.com") is None
    assert credential_in_value(FAKE_RSA_PEM) == "a PEM private key"
    assert credential_in_value("http://[bad") is None
    assert credential_in_value(42) is None
