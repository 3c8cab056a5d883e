"""GrafanaMonitoring under Pulumi's mocks: the Grafana Cloud stack in Australia, one check per site domain from
Australian probes, the alerting and the dashboard, all inside the component; and its configuration refused
with a named reason."""

from __future__ import annotations

import json

import pytest

from components.errors import ConfigError
from components.grafana_content import PROMETHEUS_UID
from components.settings import GRAFANA_SECRETS, PROJECT
from preflight.monitor import ProgramRun
from preflight.registrations import SECRET_SIG, SIG_KEY
from stack_config import REDACTED
from tests.support.program import run_stack
from tests.support.project import DELETE

COMPONENT = "motion-mavericks:index:GrafanaMonitoring"
STACK = "grafana:cloud/stack:Stack"
CHECK = "grafana:syntheticMonitoring/check:Check"
RULE_GROUP = "grafana:alerting/ruleGroup:RuleGroup"
CONTACT = "grafana:alerting/contactPoint:ContactPoint"
POLICY = "grafana:alerting/notificationPolicy:NotificationPolicy"
FOLDER = "grafana:oss/folder:Folder"
DASHBOARD = "grafana:oss/dashboard:Dashboard"
PROVIDER = "pulumi:providers:grafana"
SECRET = {SIG_KEY: SECRET_SIG, "value": REDACTED}


def domains(run: ProgramRun) -> set[str]:
    return {d.inputs["domain"] for d in run.by_type("vercel:index/projectDomain:ProjectDomain")}


def test_every_site_domain_has_one_https_check_from_the_configured_australian_probes(shipped_run) -> None:
    checks = shipped_run.by_type(CHECK)
    assert sorted(c.inputs["target"] for c in checks) == sorted(f"https://{d}/" for d in domains(shipped_run))
    frequency = {"dev": 900_000, "staging": 300_000, "prod": 60_000}[shipped_run.stack]
    for check in checks:
        assert check.inputs["probes"] == [43]
        assert check.inputs["frequency"] == frequency
        assert check.inputs["enabled"] is True
        http = check.inputs["settings"]["http"]
        host = check.inputs["target"].removeprefix("https://").rstrip("/")
        assert http["failIfNotSsl"] is True and http["validStatusCodes"] == [200]
        assert http["tlsConfig"] == {"serverName": host, "insecureSkipVerify": False}
        assert check.inputs["job"] == f"mm-portal-{shipped_run.stack}-{check.inputs['labels']['site']}"


def test_the_stack_is_declared_in_australia_with_the_cost_tags_as_labels(shipped_run) -> None:
    (component,) = shipped_run.by_type(COMPONENT)
    (stack,) = shipped_run.by_type(STACK)
    assert stack.inputs["regionSlug"] in ("prod-au-southeast-0", "prod-au-southeast-1")
    assert stack.inputs["labels"] == component.inputs["tags"]
    assert set(stack.inputs["labels"]) == {"env", "owner", "data_class"}
    assert component.inputs["grafanaStack"] == {
        "slug": stack.inputs["slug"],
        "regionSlug": stack.inputs["regionSlug"],
        "declaredBy": "this stack",
    }
    assert stack.protect is (shipped_run.stack == "prod")


def test_every_grafana_resource_sits_under_the_component_and_uses_its_providers(shipped_run) -> None:
    (component,) = shipped_run.by_type(COMPONENT)
    grafana = [r for r in shipped_run.registrations if r.type.startswith("grafana:")]
    assert {r.type for r in grafana} == {STACK, CHECK, RULE_GROUP, CONTACT, POLICY, FOLDER, DASHBOARD}
    providers = {p.name: p for p in shipped_run.by_type(PROVIDER)}
    assert set(providers) == {"grafana-cloud", "grafana-stack"}
    for resource in grafana + list(providers.values()):
        assert resource.parent == component.urn, resource.name
        expected = providers["grafana-cloud" if resource.type == STACK else "grafana-stack"]
        if resource.type != PROVIDER:
            assert resource.provider.startswith(expected.urn + "::"), resource.name


def test_credentials_reach_the_providers_only_as_secrets(shipped_run) -> None:
    providers = {p.name: p for p in shipped_run.by_type(PROVIDER)}
    assert providers["grafana-cloud"].inputs == {"cloudAccessPolicyToken": SECRET}
    stack_provider = providers["grafana-stack"].inputs
    assert stack_provider["auth"] == SECRET and stack_provider["smAccessToken"] == SECRET
    assert stack_provider["smUrl"] == "https://synthetic-monitoring-api-au-southeast-1.grafana.net"
    (contact,) = shipped_run.by_type(CONTACT)
    if shipped_run.stack == "prod":
        assert contact.inputs["slacks"] == [{"url": SECRET}]
    else:
        assert "slacks" not in contact.inputs and "webhooks" not in contact.inputs


def test_alerting_rules_route_to_the_owner(shipped_run) -> None:
    env = shipped_run.stack
    (contact,) = shipped_run.by_type(CONTACT)
    assert contact.inputs["emails"][0]["addresses"] == ["platform-engineering@motionmavericks.com.au"]
    (policy,) = shipped_run.by_type(POLICY)
    assert policy.inputs["contactPoint"] == contact.inputs["name"]
    assert policy.inputs["policies"][0]["matchers"] == [{"label": "env", "match": "=", "value": env}]
    (group,) = shipped_run.by_type(RULE_GROUP)
    names = [rule["name"] for rule in group.inputs["rules"]]
    assert names == [f"{env}: site down", f"{env}: site slow", f"{env}: certificate expiring"]
    for rule in group.inputs["rules"]:
        assert rule["labels"]["env"] == env and rule["condition"] == "C"
        query = json.loads(rule["datas"][0]["model"])["expr"]
        assert f'job=~"mm-portal-{env}-.*"' in query
        assert rule["datas"][0]["datasourceUid"] == PROMETHEUS_UID
    threshold = {"dev": 4.0, "staging": 2.5, "prod": 1.5}[env]
    slow = json.loads(group.inputs["rules"][1]["datas"][2]["model"])
    assert slow["conditions"][0]["evaluator"] == {"type": "gt", "params": [threshold]}
    expiry = json.loads(group.inputs["rules"][2]["datas"][2]["model"])
    assert expiry["conditions"][0]["evaluator"]["params"] == [21 if env == "prod" else 14]


def test_a_dashboard_shows_availability_and_latency_per_site(shipped_run) -> None:
    (folder,) = shipped_run.by_type(FOLDER)
    (dashboard,) = shipped_run.by_type(DASHBOARD)
    model = json.loads(dashboard.inputs["configJson"])
    titles = [panel["title"] for panel in model["panels"]]
    assert {"Availability", "Latency"} <= set(titles)
    for panel in model["panels"]:
        assert f'job=~"mm-portal-{shipped_run.stack}-.*"' in panel["targets"][0]["expr"]
        assert "by (instance)" in panel["targets"][0]["expr"]
    assert dashboard.inputs["folder"] == folder.inputs["uid"]


def test_a_stack_sharing_another_environments_grafana_declares_its_region_but_not_the_stack() -> None:
    run = run_stack("dev", grafana={"sharedFrom": "staging", "stackSlug": "mmportalstaging"})
    assert run.by_type(STACK) == [] and run.by_type(POLICY) == []
    (component,) = run.by_type(COMPONENT)
    assert component.inputs["grafanaStack"] == {
        "slug": "mmportalstaging",
        "regionSlug": "prod-au-southeast-1",
        "declaredBy": "the staging stack file",
    }
    assert [p.name for p in run.by_type(PROVIDER)] == ["grafana-stack"]
    (provider,) = run.by_type(PROVIDER)
    assert provider.inputs["url"] == "https://mmportalstaging.grafana.net"
    (group,) = run.by_type(RULE_GROUP)
    assert all(
        rule["notificationSettings"] == {"contactPoint": "mm-portal-dev-owner"} for rule in group.inputs["rules"]
    )
    assert len(run.by_type(CHECK)) == 3


def test_a_sharing_stack_needs_no_cloud_token_and_a_webhook_needs_its_url() -> None:
    run_stack("dev", grafana={"sharedFrom": "staging"}, grafanaCloudAccessPolicyToken=DELETE)
    with pytest.raises(ConfigError) as caught:
        run_stack("staging", grafana={"alerting": {"webhook": "webhook"}})
    message = str(caught.value)
    assert f"{PROJECT}:grafanaAlertWebhookUrl: missing; the {GRAFANA_SECRETS['grafanaAlertWebhookUrl']}" in message
    with pytest.raises(ConfigError) as caught:
        run_stack("prod", grafanaSmAccessToken=DELETE, grafanaCloudAccessPolicyToken=DELETE)
    message = str(caught.value)
    assert f"{PROJECT}:grafanaSmAccessToken: missing" in message
    assert f"{PROJECT}:grafanaCloudAccessPolicyToken: missing" in message
    assert "Traceback" not in message


def config_error(stack: str, **overrides) -> str:
    with pytest.raises(ConfigError) as caught:
        run_stack(stack, **overrides)
    message = str(caught.value)
    assert message.startswith(f"stack {stack!r} has invalid configuration:")
    assert "Traceback" not in message
    return message


KEY = f"{PROJECT}:grafana"


@pytest.mark.parametrize(
    ("stack", "grafana", "expected"),
    [
        ("prod", DELETE, f"{KEY}: missing; it is required"),
        (
            "prod",
            {"regionSlug": "prod-us-central-0"},
            f"{KEY}.regionSlug: found 'prod-us-central-0'; is outside Australia; "
            "allowed: prod-au-southeast-0, prod-au-southeast-1",
        ),
        ("dev", {"regionSlug": "au"}, f"{KEY}.regionSlug: found 'au'; is outside Australia"),
        ("staging", {"regionSlug": DELETE}, f"{KEY}.regionSlug: missing"),
        ("prod", {"stackSlug": "mm-portal"}, f"{KEY}.stackSlug: found 'mm-portal'; allowed: text matching"),
        (
            "prod",
            {"syntheticMonitoringUrl": "https://synthetic-monitoring-api.grafana.net"},
            f"{KEY}.syntheticMonitoringUrl: found 'https://synthetic-monitoring-api.grafana.net'; allowed: text "
            "matching",
        ),
        ("prod", {"probes": []}, f"{KEY}.probes: found []; tuple should have at least 1 item"),
        (
            "prod",
            {"probes": [{"id": 7, "name": "Singapore"}]},
            f"{KEY}.probes[0].name: found 'Singapore'; is outside Australia; allowed: Sydney",
        ),
        (
            "prod",
            {"probes": [{"id": 0, "name": "Sydney"}]},
            f"{KEY}.probes[0].id: found 0; input should be greater than 0",
        ),
        (
            "prod",
            {"checkFrequencySeconds": 120},
            f"{KEY}.checkFrequencySeconds: found 120; is too slow for prod; allowed: at most 60 seconds",
        ),
        ("dev", {"checkFrequencySeconds": 7200}, f"{KEY}.checkFrequencySeconds: found 7200; input should be less"),
        (
            "staging",
            {"sharedFrom": "staging"},
            f"{KEY}.sharedFrom: found 'staging'; names this stack's own environment; allowed: another environment "
            "(dev, prod)",
        ),
        ("dev", {"sharedFrom": "qa"}, f"{KEY}.sharedFrom: found 'qa'; allowed: 'dev', 'staging' or 'prod'"),
        ("prod", {"alerting": {"contactEmails": []}}, f"{KEY}.alerting.contactEmails: found []"),
        ("prod", {"alerting": {"contactEmails": ["owner"]}}, f"{KEY}.alerting.contactEmails[0]: found 'owner'"),
        ("prod", {"alerting": {"webhook": "pager"}}, f"{KEY}.alerting.webhook: found 'pager'; allowed: 'none',"),
        ("prod", {"alerting": {"latencyThresholdMs": 0}}, f"{KEY}.alerting.latencyThresholdMs: found 0"),
        ("prod", {"alerting": {"certificateExpiryDays": 365}}, f"{KEY}.alerting.certificateExpiryDays: found 365"),
        ("prod", {"region": "au"}, f"{KEY}.region: unknown key (found 'au'); allowed keys here: regionSlug, stackSlug"),
    ],
)
def test_bad_grafana_configuration_is_refused_with_a_named_reason(stack, grafana, expected) -> None:
    assert expected in config_error(stack, grafana=grafana)
