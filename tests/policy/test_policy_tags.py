"""required-tags (each component's tags input) and required-tags-ancestry (every resource inside a component)."""

from __future__ import annotations

import pytest
from policy_harness import (
    COMPONENT_TAGS,
    DROP,
    UNKNOWN,
    analyze_each,
    component,
    flagged,
    in_process_pack,
    messages,
    neon_project,
    resource,
    vercel_env_var,
    vercel_project,
)

TAGS = "required-tags"
ANCESTRY = "required-tags-ancestry"


def tags(**changes):
    result = {**COMPONENT_TAGS, **changes}
    return {key: value for key, value in result.items() if value is not None}


def component_fixtures():
    return [
        component("VercelSite", "site-ok"),
        component("NeonDatabase", "db-ok", tags=tags(data_class="restricted")),
        component("UpstashRedis", "no-tags", tags=DROP),
        component("SentryProject", "tags-unknown", tags=UNKNOWN),
        component("VercelSite", "tags-not-a-map", tags="env=prod"),
        component("VercelSite", "env-missing", tags=tags(env=None)),
        component("VercelSite", "env-wrong", tags=tags(env="dev")),
        component("VercelSite", "env-unknown", tags=tags(env=UNKNOWN)),
        component("VercelSite", "owner-missing", tags=tags(owner=None)),
        component("VercelSite", "owner-empty", tags=tags(owner="")),
        component("VercelSite", "data-class-missing", tags=tags(data_class=None)),
        component("VercelSite", "data-class-invalid", tags=tags(data_class="secret")),
        component("VercelSite", "data-class-not-a-string", tags=tags(data_class=3)),
        resource("other:index:Component", "not-ours", {}),
        vercel_project("custom-resource"),
    ]


def test_exactly_the_badly_tagged_components_violate(stack):
    stack("prod")
    diagnostics = analyze_each(in_process_pack(), component_fixtures())
    assert flagged(diagnostics, TAGS) == {r.name for r in component_fixtures()} - {
        "site-ok",
        "db-ok",
        "not-ours",
        "custom-resource",
    }
    assert {d.enforcement_level for d in diagnostics if d.policy_name == TAGS} == {"mandatory"}


def test_env_must_be_this_stacks_environment(stack):
    site = component("VercelSite", "site", tags=tags(env="dev"))
    stack("dev-jane")
    assert flagged(in_process_pack().analyze(site), TAGS) == set()
    stack("dev", environment="prod")  # stack config may only make it stricter
    [message] = messages(in_process_pack().analyze(site), TAGS)
    assert "tag 'env' is 'dev'; required 'prod'" in message
    assert "stricter" in message


def test_messages_say_what_is_required(stack):
    stack("prod")
    [missing] = messages(in_process_pack().analyze(component("VercelSite", "s", tags=DROP)), TAGS)
    assert 'motion-mavericks:index:VercelSite "s"' in missing and "env, owner, data_class" in missing
    bad_class = component("VercelSite", "s", tags=tags(data_class="secret"))
    [invalid] = messages(in_process_pack().analyze(bad_class), TAGS)
    assert "'secret'" in invalid and "public, internal, confidential, restricted" in invalid


@pytest.fixture
def tree():
    """A stack as the engine sees it: the root stack, providers, components with children, and strays."""
    root = resource("pulumi:pulumi:Stack", "motion-mavericks-portal-test", {})
    provider = resource("pulumi:providers:neon", "default", {}, parent=root)
    site = component("VercelSite", "admin", parent=root)
    inner = component("NeonDatabase", "nested", parent=site)
    admin_project = vercel_project("admin-project", parent=site)
    foreign = resource("other:index:Component", "foreign-component", {}, parent=root)
    return [
        root,
        provider,
        site,
        inner,
        admin_project,
        vercel_env_var("admin-env", parent=admin_project),
        neon_project("nested-db", parent=inner),
        neon_project("stray-db", parent=root),
        neon_project("orphan-db"),
        foreign,
        resource("random:index/randomId:RandomId", "stray-child", {}, parent=foreign),
        resource("pulumi:pulumi:StackReference", "shared", {}, parent=root),
    ]


def test_exactly_the_resources_outside_components_violate(stack, tree):
    stack("prod")
    diagnostics = in_process_pack().analyze_stack(tree)
    assert flagged(diagnostics, ANCESTRY) == {"stray-db", "orphan-db", "foreign-component", "stray-child"}
    assert {d.enforcement_level for d in diagnostics if d.policy_name == ANCESTRY} == {"mandatory"}
    [stray] = [d.message for d in diagnostics if d.urn.endswith("::stray-db")]
    assert "ancestors: pulumi:pulumi:Stack" in stray


def test_a_parent_missing_from_the_stack_does_not_count(stack):
    stack("prod")
    site = component("VercelSite", "admin")
    child = vercel_project("child", parent=site)
    assert flagged(in_process_pack().analyze_stack([child]), ANCESTRY) == {"child"}
    assert flagged(in_process_pack().analyze_stack([site, child]), ANCESTRY) == set()
