"""What the portal's Grafana shows and alerts on: the alert rules and the dashboard model, as plain data.

Synthetic Monitoring writes one series per check and probe to the stack's own Prometheus (the data source
Grafana Cloud provisions with uid `grafanacloud-prom`), labelled with the check's `job` and its target as
`instance`. The HTTP checks are blackbox-exporter probes, so the metrics are the blackbox names:
`probe_success` (1 when every assertion held), `probe_duration_seconds` (the whole request) and
`probe_ssl_earliest_cert_expiry` (Unix time the first certificate of the chain expires). Every check of an
environment has a job named `<JOB_PREFIX>-<environment>-<site>`, so one selector finds them all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

PROMETHEUS_UID = "grafanacloud-prom"
EXPRESSION_UID = "__expr__"  # Grafana's server-side expressions (reduce, threshold)
JOB_PREFIX = "mm-portal"
# Seconds the rules look back; a check runs at least every hour, so a window of three runs would be too long
# for prod: the window follows the environment's own check frequency (at least 5 minutes).
MINIMUM_WINDOW_SECONDS = 300


def job_name(environment: str, site: str) -> str:
    return f"{JOB_PREFIX}-{environment}-{site}"


def job_selector(environment: str) -> str:
    return f'job=~"{JOB_PREFIX}-{environment}-.*"'


def _query(ref: str, expr: str, window: int) -> dict[str, Any]:
    return {
        "ref_id": ref,
        "datasource_uid": PROMETHEUS_UID,
        "relative_time_range": {"from_": window, "to": 0},
        "model": json.dumps({"refId": ref, "expr": expr, "instant": True, "intervalMs": 1000, "maxDataPoints": 43200}),
    }


def _expression(ref: str, model: dict[str, Any]) -> dict[str, Any]:
    return {
        "ref_id": ref,
        "datasource_uid": EXPRESSION_UID,
        "relative_time_range": {"from_": 0, "to": 0},
        "model": json.dumps({"refId": ref, "datasource": {"type": "__expr__", "uid": EXPRESSION_UID}, **model}),
    }


def _rule(
    name: str, expr: str, comparison: str, threshold: float, window: int, pending: str, summary: str, labels: dict
) -> dict[str, Any]:
    return {
        "name": name,
        "condition": "C",
        "for_": pending,
        "no_data_state": "Alerting" if name.endswith("down") else "NoData",
        "exec_err_state": "Error",
        "labels": labels,
        "annotations": {"summary": summary, "description": RUNBOOK},
        "datas": [
            _query("A", expr, window),
            _expression("B", {"type": "reduce", "expression": "A", "reducer": "last"}),
            _expression(
                "C",
                {
                    "type": "threshold",
                    "expression": "B",
                    "conditions": [{"evaluator": {"type": comparison, "params": [threshold]}}],
                },
            ),
        ],
    }


RUNBOOK = "What to do: docs/monitoring.md, 'When an alert fires', in the portal's infrastructure repository."


def alert_rules(
    environment: str, frequency_seconds: int, latency_threshold_ms: int, certificate_expiry_days: int
) -> list[dict[str, Any]]:
    """The environment's three rules: a site is down, slow, or its certificate expires soon."""
    window = max(MINIMUM_WINDOW_SECONDS, 3 * frequency_seconds)
    selector = job_selector(environment)
    labels = {"env": environment, "team": "portal"}
    seconds = latency_threshold_ms / 1000
    return [
        _rule(
            f"{environment}: site down",
            f"avg by (job, instance) (avg_over_time(probe_success{{{selector}}}[{window}s]))",
            "lt",
            0.5,
            window,
            "2m" if environment == "prod" else "5m",
            "{{ $labels.instance }} fails from Australia: most probes' checks failed (status, TLS or timeout).",
            {**labels, "severity": "critical"},
        ),
        _rule(
            f"{environment}: site slow",
            f"avg by (job, instance) (avg_over_time(probe_duration_seconds{{{selector}}}[{window}s]))",
            "gt",
            seconds,
            window,
            "10m",
            f"{{{{ $labels.instance }}}} takes over {latency_threshold_ms} ms from Australia.",
            {**labels, "severity": "warning"},
        ),
        _rule(
            f"{environment}: certificate expiring",
            f"min by (job, instance) ((probe_ssl_earliest_cert_expiry{{{selector}}} - time()) / 86400)",
            "lt",
            certificate_expiry_days,
            window,
            "1h",
            f"{{{{ $labels.instance }}}}'s TLS certificate expires within {certificate_expiry_days} days.",
            {**labels, "severity": "warning"},
        ),
    ]


def dashboard_model(environment: str, uid: str, sites: Sequence[str]) -> dict[str, Any]:
    """Availability and latency per site, from Australia (the dashboard is built here, not in a JSON file,
    so its selectors cannot drift from the checks' job names)."""
    selector = job_selector(environment)
    prometheus = {"type": "prometheus", "uid": PROMETHEUS_UID}

    def panel(panel_id: int, title: str, expr: str, unit: str, x: int, kind: str) -> dict[str, Any]:
        return {
            "id": panel_id,
            "type": kind,
            "title": title,
            "datasource": prometheus,
            "gridPos": {"x": x, "y": 0 if kind == "stat" else 8, "w": 12, "h": 8},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "targets": [{"refId": "A", "datasource": prometheus, "expr": expr, "legendFormat": "{{instance}}"}],
        }

    return {
        "uid": uid,
        "title": f"Motion Mavericks Portal ({environment}): sites from Australia",
        "tags": ["motion-mavericks-portal", environment, "synthetic-monitoring"],
        "timezone": "Australia/Sydney",
        "schemaVersion": 39,
        "time": {"from": "now-24h", "to": "now"},
        "description": f"Availability and latency of {', '.join(sites)} from Synthetic Monitoring's Australian probes.",
        "panels": [
            panel(
                1,
                "Availability (24 h)",
                f"avg by (instance) (avg_over_time(probe_success{{{selector}}}[24h]))",
                "percentunit",
                0,
                "stat",
            ),
            panel(
                2,
                "Certificate expires in",
                f"min by (instance) (probe_ssl_earliest_cert_expiry{{{selector}}} - time())",
                "s",
                12,
                "stat",
            ),
            panel(
                3, "Availability", f"avg by (instance) (probe_success{{{selector}}})", "percentunit", 0, "timeseries"
            ),
            panel(4, "Latency", f"avg by (instance) (probe_duration_seconds{{{selector}}})", "s", 12, "timeseries"),
        ],
    }
