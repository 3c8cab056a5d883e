"""The pack over the Analyzer protocol, started as the engine starts it (a real subprocess per stack).

One pack process per module fixture: GetAnalyzerInfo, Configure, Analyze and AnalyzeStack for a compliant
stack and for one with every mistake the seed and a hurried developer would make.
"""

from __future__ import annotations

import json
import sys
import textwrap
import time
from collections.abc import Iterator

import pytest
from mm_policies import PACK_NAME, POLICIES
from policy_harness import (
    COMPONENT_TAGS,
    DROP,
    POLICY_DIR,
    PROJECT,
    UNKNOWN,
    Secret,
    component,
    grafana_check,
    grafana_contact_point,
    grafana_provider,
    grafana_stack,
    neon_endpoint,
    neon_project,
    resource,
    sentry_issue_alert,
    sentry_project,
    upstash_daily_backup,
    upstash_redis,
    vercel_domain,
    vercel_env_var,
    vercel_project,
)

from preflight.analyzer_host import AnalyzeDiagnostic, AnalyzerHost, AnalyzerHostError, PolicyConfigError, Resource

ENV_KEY = "motion-mavericks-portal:environment"
PASSWORD = "hunter2-not-real"
DB_URL = f"postgres://portal:{PASSWORD}@ep-x.ap-southeast-2.aws.neon.tech/portal"


def start(stack: str, environment: str) -> AnalyzerHost:
    config = {ENV_KEY: environment, "motion-mavericks-portal:tags": {"owner": "platform-engineering"}}
    return AnalyzerHost.start(POLICY_DIR, project=PROJECT, stack=stack, config=config, python=sys.executable)


@pytest.fixture(scope="module")
def prod() -> Iterator[AnalyzerHost]:
    began = time.monotonic()
    with start("prod", "prod") as host:
        host.startup_seconds = time.monotonic() - began  # type: ignore[attr-defined]
        yield host


@pytest.fixture(scope="module")
def dev() -> Iterator[AnalyzerHost]:
    with start("dev-jane", "dev") as host:
        yield host


@pytest.fixture(autouse=True)
def _default_config(request: pytest.FixtureRequest) -> None:
    """Each test starts from the config the engine sends with no --policy-pack-config file."""
    for name in ("prod", "dev"):
        if name in request.fixturenames:
            request.getfixturevalue(name).configure(None)


def stack_of(env: str, *, broken: bool = False) -> list[Resource]:
    """The program's shape: root stack, providers, one component per service with its resources inside."""
    tags = {**COMPONENT_TAGS, "env": env}
    root = resource("pulumi:pulumi:Stack", f"{PROJECT}-{env}", {})
    site = component("VercelSite", "admin", tags=tags, parent=root)
    database = component("NeonDatabase", "portal", tags=tags, parent=root)
    unclassified = {key: value for key, value in tags.items() if key != "data_class"}
    redis = component("UpstashRedis", "portal", tags=unclassified if broken else tags, parent=root)
    sentry = component("SentryProject", "admin", tags=tags, parent=root)
    project = sentry_project("admin", parent=sentry)
    grafana = resource(
        "motion-mavericks:index:GrafanaMonitoring",
        "grafana",
        {"tags": tags, "grafanaStack": {"slug": "mmportal", "regionSlug": "prod-au-southeast-1"}},
        parent=root,
    )
    resources = [
        root,
        resource("pulumi:providers:vercel", "default", {}, parent=root),
        site,
        database,
        redis,
        sentry,
        project,
        resource("sentry:index/sentryKey:SentryKey", "admin-dsn", {"project": UNKNOWN}, parent=sentry),
        grafana,
        grafana_provider("grafana-stack", parent=grafana),
        vercel_domain("admin-domain", parent=site, domain="admin.portal.example.com.au"),
    ]
    if broken:
        resources += [
            vercel_project("admin", parent=site, resourceConfig=DROP),
            vercel_env_var("admin-database-url", parent=site, value=Secret(DB_URL), sensitive=False),
            neon_project("portal", parent=database, regionId=DROP, historyRetentionSeconds=7 * 86_400, protect=False),
            neon_endpoint("portal-ro", parent=database, regionId=UNKNOWN),
            upstash_redis("portal", parent=redis, region="ap-southeast-1", eviction=True, protect=False),
            neon_project("stray", parent=root),
            grafana_stack("grafana-stack", parent=grafana, regionSlug="prod-us-central-0"),
        ]
    else:
        cache = upstash_redis("portal", parent=redis)
        resources += [
            vercel_project("admin", parent=site),
            vercel_env_var("admin-database-url", parent=site, value=Secret(DB_URL)),
            neon_project("portal", parent=database),
            neon_endpoint("portal-ro", parent=database),
            cache,
            upstash_daily_backup("portal-daily-backup", parent=redis, for_database=cache),
            sentry_issue_alert("admin-new-issues", parent=sentry, for_project=project, project=UNKNOWN),
            grafana_stack("grafana-stack", parent=grafana),
            grafana_check("admin-check", parent=grafana, target="https://admin.portal.example.com.au/"),
            grafana_contact_point("grafana-contact", parent=grafana),
        ]
    return resources


def judge(host: AnalyzerHost, resources: list[Resource]) -> list[AnalyzeDiagnostic]:
    diagnostics = [d for r in resources for d in host.analyze(r)]
    return diagnostics + host.analyze_stack(resources)


def found(diagnostics: list[AnalyzeDiagnostic], level: str) -> set[tuple[str, str]]:
    return {(d.policy_name, d.urn.rsplit("::", 1)[-1]) for d in diagnostics if d.enforcement_level == level}


def test_get_analyzer_info_describes_every_policy(prod):
    info = prod.info()
    assert info.name == "motion-mavericks-portal-policy" and info.version == "0.1.0" and info.supports_config
    assert {p.name: p.enforcement_level for p in info.policies} == {
        "au-data-residency": "mandatory",
        "au-data-residency-exceptions": "advisory",
        "required-tags": "mandatory",
        "required-tags-ancestry": "mandatory",
        "backup-retention": "mandatory",
        "backup-retention-upstash": "mandatory",
        "redis-no-eviction": "mandatory",
        "prod-data-protection": "mandatory",
        "secrets-are-sensitive": "mandatory",
        "sentry-alerting": "mandatory",
        "sentry-alerting-dev": "advisory",
        "monitoring-coverage": "mandatory",
        "monitoring-coverage-dev": "advisory",
        "plan-archive-lock": "mandatory",
        "production-approval": "mandatory",
        "main-branch-rules": "mandatory",
    }
    retention = info.policy("backup-retention")
    assert retention.policy_type == "resource" and retention.severity == "high"
    assert retention.config_schema["properties"]["prodMinimumDays"]["default"] == 30
    assert info.policy("sentry-alerting").policy_type == "stack"
    assert info.policy("backup-retention-upstash").policy_type == "stack"
    assert all(p.remediation_steps and p.url for p in info.policies)
    assert prod.plugin_version()


def test_the_pack_the_engine_starts_serves_exactly_the_packages_policies(prod):
    """`policy/__main__.py`, run as the engine runs it, builds its one pack from `mm_policies.POLICIES`: what
    the tests import in-process is what the engine is served, in the same order."""
    info = prod.info()
    assert info.name == PACK_NAME
    assert [p.name for p in info.policies] == [p.name for p in POLICIES]


def test_a_compliant_prod_stack_passes_with_the_sentry_exception_noted(prod):
    diagnostics = judge(prod, stack_of("prod"))
    assert found(diagnostics, "mandatory") == set()
    assert found(diagnostics, "advisory") == {("au-data-residency-exceptions", "admin")}


def test_a_broken_prod_stack_is_blocked_for_each_mistake(prod):
    diagnostics = judge(prod, stack_of("prod", broken=True))
    assert found(diagnostics, "mandatory") == {
        ("au-data-residency", "admin"),  # Vercel functions in iad1
        ("au-data-residency", "portal"),  # Neon region unset, Upstash in Singapore
        ("au-data-residency", "portal-ro"),  # endpoint region unknown at preview
        ("required-tags", "portal"),  # the UpstashRedis component has no data_class
        ("required-tags-ancestry", "stray"),  # a compliant Neon project, but outside any component
        ("backup-retention", "portal"),
        ("backup-retention-upstash", "portal"),  # the Upstash database has no daily-backup resource
        ("redis-no-eviction", "portal"),
        ("prod-data-protection", "portal"),
        ("secrets-are-sensitive", "admin-database-url"),
        ("sentry-alerting", "admin"),
        ("au-data-residency", "grafana-stack"),  # a Grafana Cloud stack in the US
        ("monitoring-coverage", "admin-domain"),  # no Synthetic Monitoring check watches the site
        ("monitoring-coverage", ""),  # prod has no contact point (a stack-level result)
    }
    assert all(PASSWORD not in d.message for d in diagnostics)
    assert not [d for d in diagnostics if "can't run policy" in d.message], "an unknown must never skip a policy"


def test_configure_overrides_a_minimum_and_disables_a_policy(prod):
    compliant = stack_of("prod")
    effective = prod.configure({"backup-retention": {"prodMinimumDays": 40}, "sentry-alerting": "disabled"})
    assert effective["backup-retention"] == {
        "enforcementLevel": "mandatory",
        "devMinimumDays": 7,
        "stagingMinimumDays": 14,
        "prodMinimumDays": 40,
    }
    assert found(judge(prod, compliant), "mandatory") == {("backup-retention", "portal")}
    assert not [d for d in judge(prod, stack_of("prod", broken=True)) if d.policy_name == "sentry-alerting"]


def test_configure_all_advisory_blocks_nothing(prod):
    prod.configure({"all": "advisory"})
    diagnostics = judge(prod, stack_of("prod", broken=True))
    assert found(diagnostics, "mandatory") == set() and found(diagnostics, "advisory")


def test_configure_refuses_what_the_engine_refuses(prod):
    with pytest.raises(PolicyConfigError, match="backup-retention"):
        prod.configure({"backup-retention": {"prodMinimumDays": "thirty"}})
    with pytest.raises(PolicyConfigError, match="not a valid enforcement level"):
        prod.configure({"redis-no-eviction": "blocking"})


def test_dev_advises_on_alerting_and_skips_prod_only_rules(dev):
    broken = stack_of("dev", broken=True)
    diagnostics = judge(dev, broken)
    assert ("sentry-alerting-dev", "admin") in found(diagnostics, "advisory")
    assert ("monitoring-coverage-dev", "admin-domain") in found(diagnostics, "advisory")
    mandatory = found(diagnostics, "mandatory")
    assert not {name for name, _ in mandatory} & {"sentry-alerting", "prod-data-protection", "monitoring-coverage"}
    assert ("backup-retention", "portal") not in mandatory  # 7 days is dev's minimum
    assert found(judge(dev, stack_of("dev")), "mandatory") == set()


def test_judging_writes_nothing_to_the_packs_stderr_or_stdout_and_never_dials_the_engine(prod):
    """Verdicts travel back over the protocol. The Python policy SDK never dials the engine's Log service: a
    `pulumi.log` or a print in a policy lands in the pack's stderr or stdout, which the engine shows as noise
    under every preview, and a policy that crashed would leave its traceback there."""
    before = (prod.stderr, prod.stdout)
    diagnostics = judge(prod, stack_of("prod", broken=True))
    assert found(diagnostics, "mandatory"), "the broken stack was judged"
    assert (prod.stderr, prod.stdout) == before
    prod.check_engine_untouched()  # the host serves no Engine service: the policy SDK must not need one
    assert "Traceback" not in prod.stderr


def test_startup_is_quick(prod):
    assert prod.startup_seconds < 10  # type: ignore[attr-defined]


# --- the host's own failure modes -----------------------------------------------------------------------------


def fake_pack(tmp_path, main: str, project_file: str = "runtime: python\nversion: 1.0.0\n"):
    (tmp_path / "PulumiPolicy.yaml").write_text(project_file)
    (tmp_path / "__main__.py").write_text(textwrap.dedent(main))
    return tmp_path


def test_a_pack_that_crashes_reports_its_stderr(tmp_path):
    pack = fake_pack(tmp_path, "raise SystemExit('the pack could not import its policies')\n")
    with pytest.raises(AnalyzerHostError, match="could not import its policies"):
        AnalyzerHost.start(pack, project="p", stack="dev", python=sys.executable)


def test_a_pack_that_prints_no_port_times_out_and_is_killed(tmp_path):
    pack = fake_pack(tmp_path, "import sys, time\nprint('waiting', file=sys.stderr, flush=True)\ntime.sleep(60)\n")
    began = time.monotonic()
    # 3 s: the pack imports the policy SDK before it says anything, 0.3 s on an idle machine (ten times that
    # leaves room for a busy one; the wait is the test's whole cost).
    with pytest.raises(AnalyzerHostError, match=r"printed no port within 3 s(.|\n)*waiting"):
        AnalyzerHost.start(pack, project="p", stack="dev", python=sys.executable, startup_timeout=3)
    assert time.monotonic() - began < 30


def test_a_directory_without_a_python_policy_project_is_refused(tmp_path):
    with pytest.raises(AnalyzerHostError, match="failed to load Pulumi policy project"):
        AnalyzerHost.start(tmp_path, project="p", stack="dev")
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: nodejs\n")
    with pytest.raises(AnalyzerHostError, match="Python packs only"):
        AnalyzerHost.start(tmp_path, project="p", stack="dev")


def test_the_pack_sees_the_stack_as_the_engine_sets_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PULUMI_CONFIG_MOTION_MAVERICKS_PORTAL_ENVIRONMENT", "dev")  # must not leak in
    pack = fake_pack(
        tmp_path,
        """
        import json, os, sys
        from pulumi_policy import PolicyPack, ResourceValidationPolicy

        seen = {k: os.environ.get(k) for k in ("PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN", "PULUMI_CONFIG")}
        seen["cwd"] = os.getcwd()
        seen["argv"] = sys.argv[1:]
        seen["leaked"] = [k for k in os.environ if k.startswith("PULUMI_CONFIG_")]

        def report(args, report_violation):
            report_violation(json.dumps(seen))

        PolicyPack("env-echo", [ResourceValidationPolicy("echo", "echo", report)])
        """,
    )
    config = {"proj:environment": "prod", "proj:tags": {"owner": "x"}}
    with AnalyzerHost.start(pack, project="proj", stack="prod", config=config, python=sys.executable) as host:
        host.configure(None)
        [diagnostic] = host.analyze(resource("x:index:X", "x", {}))
    seen = json.loads(diagnostic.message.split("\n", 1)[1])
    assert seen["PULUMI_PROJECT"] == "proj" and seen["PULUMI_STACK"] == "prod" and seen["PULUMI_DRY_RUN"] == "true"
    assert json.loads(seen["PULUMI_CONFIG"]) == {"proj:environment": "prod", "proj:tags": '{"owner": "x"}'}
    assert seen["cwd"] == str(pack.resolve())
    assert seen["argv"][1] == "." and seen["argv"][0].startswith("127.0.0.1:")
    assert seen["leaked"] == []
    assert diagnostic.enforcement_level == "advisory" and diagnostic.urn.endswith("::x")
    assert not host.pack.running, "the pack process is gone after the with block"
