"""What a stack file may say, pinned where a mutation run of `components/settings.py` found nothing pinning it.

Each test states a behaviour a platform engineer or reviewer relies on: a value at a vendor's or the
business's bound is accepted and one step past it is refused with a message naming the key; a check holds in
the environment it is meant for and not in the others; the message of a refusal shows what was written.
Most read real stack files with `parse_settings` (no program run), so `make mutation` runs this file first and
it stays quick; the last section runs `load_settings`/`load_secrets` under Pulumi's mocks, the only place
they can run.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import pulumi
import pytest
from pydantic import ValidationError

from components.errors import ConfigError
from components.settings import (
    Secrets,
    Settings,
    SettingsError,
    grafana_secret_keys,
    load_secrets,
    load_settings,
    parse_settings,
    settings_from_stack_config,
    unknown_keys,
)
from preflight.monitor import run_under_mocks
from preflight.registrations import SECRET_SIG, SIG_KEY
from stack_config import Project
from tests.support.project import DELETE, ROOT, stack_config

KEY = "motion-mavericks-portal"


@functools.cache
def _shipped(stack: str) -> dict:
    values = Project.load(ROOT).stack_config(stack).values
    return settings_from_stack_config(values, stack).model_dump(by_alias=True, exclude_none=True, mode="json")


def stack(name: str, **changes: Any) -> dict:
    """The shipped stack's settings with `section={key: value}` merged in (`DELETE` removes a key)."""
    raw = copy.deepcopy(_shipped(name))
    for section, change in changes.items():
        if not isinstance(change, dict):
            raw[section] = change
            continue
        _merge(raw[section], change)
    return raw


def _merge(node: dict, change: dict) -> None:
    for key, value in change.items():
        if value is DELETE:
            node.pop(key, None)
        elif isinstance(value, dict) and isinstance(node.get(key), dict):
            _merge(node[key], value)
        else:
            node[key] = value


def refusal(raw: dict, name: str, keys: tuple[str, ...] = ()) -> str:
    """The whole message of the refusal; fails the test if the settings are accepted."""
    with pytest.raises(SettingsError) as caught:
        parse_settings(raw, name, keys)
    return str(caught.value)


def accepted(raw: dict, name: str) -> Settings:
    return parse_settings(raw, name)


# --- the business's retention minimums and Neon's plan maxima, per environment --------------------------------


@pytest.mark.parametrize(
    ("name", "plan", "minimum"), [("dev", "launch", 7), ("staging", "scale", 14), ("prod", "scale", 30)]
)
def test_each_environment_accepts_its_retention_minimum_and_refuses_a_day_less(name, plan, minimum) -> None:
    assert accepted(stack(name, neon={"plan": plan, "backupRetentionDays": minimum}), name)
    message = refusal(stack(name, neon={"plan": plan, "backupRetentionDays": minimum - 1}), name)
    assert (
        f"{KEY}:neon.backupRetentionDays: found {minimum - 1}; is below the {name} minimum; "
        f"allowed: at least {minimum} days"
    ) in message


def test_the_launch_plan_keeps_at_most_seven_days_and_scale_thirty() -> None:
    assert accepted(stack("dev", neon={"plan": "launch", "backupRetentionDays": 7}), "dev")
    message = refusal(stack("dev", neon={"plan": "launch", "backupRetentionDays": 8}), "dev")
    assert "found 8; exceeds the Neon launch plan's restore window; allowed: at most 7 days" in message
    assert accepted(stack("dev", neon={"plan": "scale", "backupRetentionDays": 30}), "dev")


def test_a_retention_that_is_no_positive_number_of_days_is_refused_as_such() -> None:
    """0 is not "below the minimum": it is no retention at all, and the message says what the field takes."""
    message = refusal(stack("prod", neon={"backupRetentionDays": 0}), "prod")
    assert f"{KEY}:neon.backupRetentionDays: found 0; input should be greater than or equal to 1" in message
    message = refusal(stack("dev", neon={"backupRetentionDays": 1}), "dev")
    assert "found 1; is below the dev minimum; allowed: at least 7 days" in message


# --- Sentry's error alert --------------------------------------------------------------------------------------------


def test_an_error_alert_needs_positive_thresholds_with_warning_below_critical() -> None:
    message = refusal(stack("prod", sentry={"alerts": {"errors": {"critical": 0}}}), "prod")
    assert f"{KEY}:sentry.alerts.errors.critical: found 0; input should be greater than 0" in message
    assert accepted(stack("prod", sentry={"alerts": {"errors": {"warning": 1, "critical": 2}}}), "prod")
    message = refusal(stack("prod", sentry={"alerts": {"errors": {"warning": 60, "critical": 50}}}), "prod")
    assert "sentry.alerts.errors: found {'timeWindowMinutes': 15, 'warning': 60, 'critical': 50}" in message
    assert "warning 60 must be below critical 50" in message


# --- monitoring: how often each environment is checked -----------------------------------------------------------


def test_prod_is_checked_at_least_every_minute() -> None:
    for seconds in (1, 30, 60):
        assert accepted(stack("prod", grafana={"checkFrequencySeconds": seconds}), "prod")
    message = refusal(stack("prod", grafana={"checkFrequencySeconds": 61}), "prod")
    assert (
        f"{KEY}:grafana.checkFrequencySeconds: found 61; is too slow for prod; allowed: at most 60 seconds "
        "between checks"
    ) in message


@pytest.mark.parametrize("name", ["dev", "staging"])
def test_dev_and_staging_may_be_checked_as_rarely_as_synthetic_monitoring_allows(name) -> None:
    assert accepted(stack(name, grafana={"checkFrequencySeconds": 3600}), name)
    assert accepted(stack(name, grafana={"checkFrequencySeconds": 1}), name)
    message = refusal(stack(name, grafana={"checkFrequencySeconds": 3601}), name)
    assert f"{KEY}:grafana.checkFrequencySeconds: found 3601" in message
    assert f"{KEY}:grafana.checkFrequencySeconds: found 0" in refusal(
        stack(name, grafana={"checkFrequencySeconds": 0}), name
    )


@pytest.mark.parametrize(
    ("name", "others"), [("dev", "staging, prod"), ("staging", "dev, prod"), ("prod", "dev, staging")]
)
def test_a_grafana_stack_is_shared_only_from_another_environment(name, others) -> None:
    message = refusal(stack(name, grafana={"sharedFrom": name}), name)
    assert (
        f"{KEY}:grafana.sharedFrom: found {name!r}; names this stack's own environment; allowed: another "
        f"environment ({others}), or leave it unset"
    ) in message
    for other in others.split(", "):
        settings = accepted(stack(name, grafana={"sharedFrom": other}), name)
        assert not settings.grafana.declares_stack


@pytest.mark.parametrize(
    ("path", "inside", "outside"),
    [
        (("alerting", "latencyThresholdMs"), (100, 60_000), (99, 60_001)),
        (("alerting", "certificateExpiryDays"), (1, 90), (0, 91)),
    ],
)
def test_each_alerting_threshold_is_bounded_both_ways(path, inside, outside) -> None:
    section, key = path
    for value in inside:
        assert accepted(stack("prod", grafana={section: {key: value}}), "prod")
    for value in outside:
        message = refusal(stack("prod", grafana={section: {key: value}}), "prod")
        assert f"{KEY}:grafana.{section}.{key}: found {value}" in message


def test_a_probe_has_a_positive_id_and_a_check_needs_a_probe() -> None:
    assert accepted(stack("prod", grafana={"probes": [{"id": 1, "name": "Sydney"}]}), "prod")
    assert f"{KEY}:grafana.probes[0].id: found 0" in refusal(
        stack("prod", grafana={"probes": [{"id": 0, "name": "Sydney"}]}), "prod"
    )
    assert f"{KEY}:grafana.probes: found []" in refusal(stack("prod", grafana={"probes": []}), "prod")
    two = [{"id": 43, "name": "Sydney"}, {"id": 44, "name": "Sydney"}]
    assert len(accepted(stack("prod", grafana={"probes": two}), "prod").grafana.probes) == 2


def test_alerts_reach_at_least_one_address_of_at_most_254_characters() -> None:
    longest = "a" * 240 + "@example.com.au"  # 255 characters
    assert len(longest) == 255
    assert accepted(stack("prod", grafana={"alerting": {"contactEmails": [longest[1:]]}}), "prod")
    message = refusal(stack("prod", grafana={"alerting": {"contactEmails": [longest]}}), "prod")
    assert f"{KEY}:grafana.alerting.contactEmails[0]: found 'aaaa" in message
    assert "string should have at most 254 characters" in message
    assert f"{KEY}:grafana.alerting.contactEmails: found []" in refusal(
        stack("prod", grafana={"alerting": {"contactEmails": []}}), "prod"
    )


# --- which Grafana credentials a stack needs ----------------------------------------------------------------------


def test_the_cloud_token_is_needed_only_where_the_grafana_stack_is_declared() -> None:
    declared = accepted(stack("dev"), "dev").grafana
    assert grafana_secret_keys(declared) == (
        "grafanaCloudAccessPolicyToken",
        "grafanaStackServiceAccountToken",
        "grafanaSmAccessToken",
    )
    shared = accepted(stack("dev", grafana={"sharedFrom": "prod"}), "dev").grafana
    assert grafana_secret_keys(shared) == ("grafanaStackServiceAccountToken", "grafanaSmAccessToken")


@pytest.mark.parametrize(("webhook", "needs_url"), [("none", False), ("slack", True), ("webhook", True)])
def test_the_webhook_url_is_needed_exactly_when_a_webhook_is_configured(webhook, needs_url) -> None:
    grafana = accepted(stack("prod", grafana={"alerting": {"webhook": webhook}}), "prod").grafana
    assert ("grafanaAlertWebhookUrl" in grafana_secret_keys(grafana)) is needs_url


# --- Neon: autoscaling, versions, previews ------------------------------------------------------------------------


@pytest.mark.parametrize(("min_cu", "max_cu"), [(0.25, 0.25), (4, 4), (56, 56), (1, 9), (4, 8), (48, 56), (0.25, 8.25)])
def test_autoscaling_within_neon_s_limits_is_accepted(min_cu, max_cu) -> None:
    settings = accepted(stack("prod", neon={"autoscaling": {"minCu": min_cu, "maxCu": max_cu}}), "prod")
    assert (settings.neon.autoscaling.min_cu, settings.neon.autoscaling.max_cu) == (min_cu, max_cu)


@pytest.mark.parametrize(
    ("min_cu", "max_cu", "expected"),
    [
        (0.2, 1, "neon.autoscaling.minCu: found 0.2"),
        (0.25, 0.2, "neon.autoscaling.maxCu: found 0.2"),
        (56.5, 56, "neon.autoscaling.minCu: found 56.5"),
        (4, 2, "minCu 4.0 is above maxCu 2.0; minCu must be <= maxCu"),
        (4, 3.75, "minCu 4.0 is above maxCu 3.75"),
        (1, 9.25, "maxCu - minCu is 8.25; Neon allows a spread of at most 8 CU"),
        (0.25, 9, "maxCu - minCu is 8.75; Neon allows a spread of at most 8 CU"),
    ],
)
def test_autoscaling_outside_neon_s_limits_is_refused_naming_the_limit(min_cu, max_cu, expected) -> None:
    message = refusal(stack("prod", neon={"autoscaling": {"minCu": min_cu, "maxCu": max_cu}}), "prod")
    assert f"{KEY}:{expected}" in message or expected in message, message


@pytest.mark.parametrize("version", [14, 15, 16, 17])
def test_every_postgres_version_neon_offers_is_accepted(version) -> None:
    assert accepted(stack("prod", neon={"postgresVersion": version}), "prod").neon.postgres_version == version


def test_preview_branches_default_to_schema_only_for_a_week() -> None:
    settings = accepted(stack("dev", neon={"previews": DELETE}), "dev")
    assert settings.neon.previews is None
    assert (settings.preview_branches.data, settings.preview_branches.parent_branch) == ("schema-only", None)
    assert settings.preview_branches.expiry_days == 7
    assert accepted(stack("dev", neon={"previews": {}}), "dev").preview_branches.expiry_days == 7


def test_preview_branches_as_the_stack_file_sets_them() -> None:
    previews = {"parentBranch": "anonymised", "data": "parent-data", "expiryDays": 30}
    settings = accepted(stack("dev", neon={"previews": previews}), "dev")
    branches = settings.preview_branches
    assert (branches.parent_branch, branches.data, branches.expiry_days) == ("anonymised", "parent-data", 30)
    assert accepted(stack("dev", neon={"previews": {"expiryDays": 1}}), "dev").preview_branches.expiry_days == 1
    for days in (0, 31):
        assert f"{KEY}:neon.previews.expiryDays: found {days}" in refusal(
            stack("dev", neon={"previews": {"expiryDays": days}}), "dev"
        )


def test_preview_data_is_copied_only_from_a_named_base_branch() -> None:
    message = refusal(stack("dev", neon={"previews": {"data": "parent-data"}}), "dev")
    assert f"{KEY}:neon.previews.data: found 'parent-data'; copies the default branch's data" in message
    named = {"data": "schema-only", "parentBranch": "anonymised"}
    assert accepted(stack("dev", neon={"previews": named}), "dev").preview_branches.parent_branch == "anonymised"


@pytest.mark.parametrize("name", ["staging", "prod"])
def test_previews_are_refused_where_no_previews_are_built_showing_what_was_written(name) -> None:
    message = refusal(stack(name, neon={"previews": {"parentBranch": "anonymised"}}), name)
    assert (
        f"{KEY}:neon.previews: found {{'parentBranch': 'anonymised'}}; the {name} projects build no previews; "
        "allowed only in: dev"
    ) in message
    assert not accepted(stack(name), name).builds_previews


def test_previews_are_built_in_dev_with_or_without_preview_settings() -> None:
    assert accepted(stack("dev"), "dev").builds_previews
    assert accepted(stack("dev", neon={"previews": DELETE}), "dev").builds_previews


# --- Vercel ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("team", ["motion-mavericks", "team_AbC123", "a", "a1-b2"])
def test_a_vercel_team_slug_or_id_is_accepted(team) -> None:
    assert accepted(stack("prod", vercel={"team": team}), "prod").vercel.team == team


@pytest.mark.parametrize("team", ["Motion-Mavericks", "team_", "-motion", "motion-", "team_a-b"])
def test_anything_else_as_the_vercel_team_is_refused(team) -> None:
    assert f"{KEY}:vercel.team: found {team!r}; is neither a Vercel team id nor a team slug" in refusal(
        stack("prod", vercel={"team": team}), "prod"
    )


def test_variables_go_to_at_least_one_vercel_environment() -> None:
    assert accepted(stack("prod", vercel={"variableTargets": ["preview"]}), "prod")
    assert f"{KEY}:vercel.variableTargets: found []" in refusal(stack("prod", vercel={"variableTargets": []}), "prod")


def test_a_domain_may_be_253_characters_long_and_no_longer() -> None:
    domain = "a." * 125 + "aub"
    assert len(domain) == 253
    admin = {"sites": {"admin": {"domains": [domain]}}}
    assert accepted(stack("prod", vercel=admin), "prod").vercel.sites.admin.domains == (domain,)
    longer = {"sites": {"admin": {"domains": ["a" + domain]}}}
    assert "string should have at most 253 characters" in refusal(stack("prod", vercel=longer), "prod")


# --- the stack file's spelling -------------------------------------------------------------------------------------


def test_a_key_has_one_spelling_the_camel_case_one() -> None:
    """`max_cu` beside `maxCu` would leave it to the parser which one counts; the snake_case one is a typo."""
    message = refusal(stack("prod", neon={"autoscaling": {"max_cu": 2}}), "prod")
    assert f"{KEY}:neon.autoscaling.max_cu: unknown key (found 2); allowed keys here: minCu, maxCu" in message
    message = refusal(stack("prod", neon={"backupRetentionDays": DELETE, "backup_retention_days": 30}), "prod")
    assert f"{KEY}:neon.backup_retention_days: unknown key" in message
    assert f"{KEY}:neon.backupRetentionDays: missing" in message


def test_the_settings_a_component_receives_cannot_be_changed() -> None:
    settings = accepted(stack("prod"), "prod")
    with pytest.raises(ValidationError, match="frozen"):
        settings.neon.plan = "launch"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        settings.tags.owner = "someone-else"  # type: ignore[misc]


def test_an_unknown_key_inside_tags_lists_the_tag_keys() -> None:
    message = refusal(stack("prod", tags={"team": "x"}), "prod")
    assert f"{KEY}:tags.team: unknown key (found 'x'); allowed keys here: owner, data_class" in message


def test_an_unknown_key_in_a_list_item_is_named_with_its_index() -> None:
    message = refusal(stack("prod", grafana={"probes": [{"id": 43, "name": "Sydney", "region": "au"}]}), "prod")
    assert f"{KEY}:grafana.probes[0].region: unknown key (found 'au')" in message


def test_each_kind_of_mistake_reads_as_key_found_allowed() -> None:
    message = refusal(
        stack(
            "prod",
            neon={"orgId": "motion", "postgresVersion": 13, "region": "aws-us-east-1", "plan": DELETE, "suspend": 1},
            upstash={"budget": "lots", "prodPack": "sometimes"},
        ),
        "prod",
    )
    assert f"{KEY}:neon.orgId: found 'motion'; allowed: text matching ^org-" in message
    assert f"{KEY}:neon.postgresVersion: found 13; allowed: 14, 15, 16 or 17" in message
    assert f"{KEY}:neon.region: found 'aws-us-east-1'; is outside Australia; allowed: aws-ap-southeast-2" in message
    assert f"{KEY}:neon.plan: missing; it is required (see README, 'Stack configuration')" in message
    assert f"{KEY}:neon.suspend: unknown key (found 1); allowed keys here: region, plan, projectName" in message
    assert f"{KEY}:upstash.budget: found 'lots'; input should be a valid integer" in message
    assert f"{KEY}:upstash.prodPack: found 'sometimes'; input should be a valid boolean" in message
    assert message.count("\n  - ") == 7, message


def test_a_whole_section_of_the_wrong_type_is_named_at_the_top_level() -> None:
    message = refusal(stack("prod", upstash="ap-southeast-2"), "prod")
    assert f"{KEY}:upstash: found 'ap-southeast-2'; input should be a valid dictionary" in message
    message = refusal({**stack("prod"), "extra": 1}, "prod")
    assert f"{KEY}:extra: unknown key (found 1); allowed keys here: environment, tags, vercel" in message


# --- the environment and the stack name -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "name"),
    [("dev", "prod"), ("staging", "prod"), ("prod", "dev"), ("prod", "staging"), ("dev", "staging")],
)
def test_the_environment_must_be_the_one_the_stack_name_stands_for(environment, name) -> None:
    message = refusal(stack("prod", environment=environment), name)
    assert (
        f"{KEY}:environment: found {environment!r} in stack {name!r}; allowed: {name!r} (the environment must "
        "equal the stack name, or its prefix before '-')"
    ) in message


@pytest.mark.parametrize("name", ["prod", "PROD", "prod-hotfix", "acme/portal/prod", "acme/portal/Prod-x"])
def test_a_prod_stack_may_carry_an_organisation_project_and_suffix(name) -> None:
    assert accepted(stack("prod"), name).protect_data


@pytest.mark.parametrize("name", ["dev", "staging"])
def test_only_prod_data_stores_are_protected(name) -> None:
    assert not accepted(stack(name), name).protect_data


def test_a_valid_stack_with_an_unknown_key_is_still_refused() -> None:
    message = refusal(stack("prod"), "prod", keys=(f"{KEY}:neon", f"{KEY}:neonRegion"))
    assert f"{KEY}:neonRegion: unknown key; allowed: environment" in message
    assert message.startswith("stack 'prod' has invalid configuration:\n  - ")


def test_a_typo_is_matched_to_the_closest_key_and_namespace() -> None:
    (problem,) = unknown_keys([f"{KEY}:muxSigningKey"])
    assert problem.startswith(f"{KEY}:muxSigningKey: unknown key (did you mean {KEY}:muxSigningKeyId?)")
    (problem,) = unknown_keys(["upstash-pulumi:apiKey"])
    assert problem.startswith("upstash-pulumi:apiKey: unknown namespace 'upstash-pulumi' (did you mean upstash?)")


def test_a_stack_file_missing_a_section_names_only_that_section() -> None:
    values = dict(Project.load(ROOT).stack_config("prod").values)
    del values[f"{KEY}:tags"]
    with pytest.raises(SettingsError) as caught:
        settings_from_stack_config(values, "prod")
    problems = [line for line in str(caught.value).splitlines() if line.startswith("  - ")]
    assert problems == [f"  - {KEY}:tags: missing; it is required (see README, 'Stack configuration')"]


# --- secrets: each site only what it uses ------------------------------------------------------------------------


def test_each_site_gets_its_secrets_under_the_vercel_variable_names_the_sdks_read() -> None:
    values = {key: f"<{key}>" for key in ("clerkSecretKey", "muxTokenId", "muxTokenSecret", "muxSigningKeyId")}
    values |= {"muxSigningPrivateKey": "<pk>", "resendApiKey": "<resend>"}
    secrets = Secrets(values)  # type: ignore[arg-type]
    assert secrets.for_site("guest") == {
        "CLERK_SECRET_KEY": "<clerkSecretKey>",
        "MUX_SIGNING_KEY": "<muxSigningKeyId>",
        "MUX_PRIVATE_KEY": "<pk>",
    }
    assert secrets.for_site("admin")["RESEND_API_KEY"] == "<resend>"
    assert secrets.for_site("agency")["MUX_TOKEN_SECRET"] == "<muxTokenSecret>"
    with pytest.raises(AttributeError):
        secrets.values = {}  # type: ignore[misc]


# --- reading the stack's configuration through Pulumi, under its mocks --------------------------------------------


def _read(name: str, **overrides: Any) -> dict:
    """Run a program that only reads the settings and secrets; what it read, as the engine receives it."""
    values, secret_keys = stack_config(name, **overrides)

    def program() -> None:
        settings = load_settings()
        secrets = load_secrets(settings.grafana)
        pulumi.export("environment", settings.environment)
        pulumi.export("neon", settings.neon.model_dump(by_alias=True, exclude_none=True, mode="json"))
        pulumi.export("secrets", dict(secrets.values))

    run = run_under_mocks(program, Project.load(ROOT).name, name, values, secret_keys)
    (root,) = run.by_type("pulumi:pulumi:Stack")
    return root.outputs


def test_the_program_reads_every_section_and_every_secret_it_needs_as_a_secret() -> None:
    outputs = _read("prod")
    assert outputs["environment"] == "prod"
    assert outputs["neon"]["backupRetentionDays"] == 30
    secrets = outputs["secrets"]
    expected = {"clerkSecretKey", "muxTokenId", "muxTokenSecret", "muxSigningKeyId", "muxSigningPrivateKey"}
    expected |= {"resendApiKey", "grafanaCloudAccessPolicyToken", "grafanaStackServiceAccountToken"}
    expected |= {"grafanaSmAccessToken", "grafanaAlertWebhookUrl"}
    assert set(secrets) == expected
    assert all(value[SIG_KEY] == SECRET_SIG for value in secrets.values()), secrets


def test_a_stack_without_a_webhook_reads_no_webhook_url() -> None:
    outputs = _read("dev", grafanaAlertWebhookUrl=DELETE)
    assert "grafanaAlertWebhookUrl" not in outputs["secrets"]
    assert "grafanaCloudAccessPolicyToken" in outputs["secrets"]


def test_missing_secrets_stop_the_program_naming_each_with_where_it_goes() -> None:
    with pytest.raises(ConfigError) as caught:
        _read("prod", resendApiKey=DELETE, grafanaSmAccessToken=DELETE)
    message = str(caught.value)
    assert message.startswith("stack 'prod' is missing secret configuration:\n")
    assert (
        f"  - {KEY}:resendApiKey: missing; the Resend API key (transactional email), Vercel variable RESEND_API_KEY "
        "on admin, agency\n"
    ) in message
    assert f"  - {KEY}:grafanaSmAccessToken: missing; the Synthetic Monitoring access token" in message
    assert "\nThese come from 1Password through the stack's ESC environment: Pulumi.prod.yaml imports it" in message
    assert message.count(": missing;") == 2
