"""Alerts and the dashboard as code (deploy/): well formed, checked by promtool where it is
installed, and naming only metrics the code exports (the SDK's ``temporal_*`` ones are
checked against a real scrape in tests/e2e/test_metrics.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY
from sqlalchemy.orm import Session, sessionmaker

from casework.metrics import READ_MODEL

ROOT = Path(__file__).resolve().parent.parent
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
PROMETHEUS = ROOT / "deploy" / "prometheus" / "prometheus.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "casework.json"
DATASOURCE = ROOT / "deploy" / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
REQUIRED_ALERTS = {
    "ProjectionStuck",
    "ProjectionLagging",
    "NotificationsDeadLettered",
    "ApiErrorRate",
    "WorkerNotPolling",
    "TopRungEscalation",
}
SUFFIXES = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"], "gauge": [""]}
_METRIC = re.compile(r"\b(?:casework|temporal)_[a-z0-9_]+\b")


def rules() -> list[dict[str, object]]:
    return [
        rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]
    ]


def dashboard_queries() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel["targets"]]


def metric_names(expression: str) -> set[str]:
    """The metrics a PromQL expression reads (not its label values, nor its strings)."""
    without_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expression)
    return set(_METRIC.findall(without_strings))


def monitored_metrics() -> set[str]:
    """Every metric the alert rules and the dashboard name."""
    expressions = [str(rule["expr"]) for rule in rules()] + dashboard_queries()
    return {name for expression in expressions for name in metric_names(expression)}


def exported_casework_metrics(session_factory: sessionmaker[Session]) -> set[str]:
    READ_MODEL.watch(session_factory)
    names = set()
    for family in REGISTRY.collect():
        if family.name.startswith("casework_"):
            names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, [""])}
    return names


def test_the_alert_rules_cover_what_an_operator_must_hear_of() -> None:
    found = rules()
    names = [rule["alert"] for rule in found]

    assert set(names) >= REQUIRED_ALERTS
    assert len(names) == len(set(names))
    for rule in found:
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule  # type: ignore[index]
        assert rule["annotations"]["summary"], rule  # type: ignore[index]
        assert metric_names(str(rule["expr"])), rule


def test_every_casework_metric_the_rules_and_dashboard_name_is_exported(
    session_factory: sessionmaker[Session],
) -> None:
    named = {name for name in monitored_metrics() if name.startswith("casework_")}

    assert named, "no casework metric is watched"
    assert named - exported_casework_metrics(session_factory) == set()


def test_the_dashboard_queries_the_provisioned_prometheus() -> None:
    uid = yaml.safe_load(DATASOURCE.read_text())["datasources"][0]["uid"]
    dashboard = json.loads(DASHBOARD.read_text())

    assert dashboard["uid"] and dashboard["title"]
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        assert panel["datasource"]["uid"] == uid
        assert all(target["datasource"]["uid"] == uid for target in panel["targets"])


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
def test_promtool_accepts_the_rules_and_the_configuration(tmp_path: Path) -> None:
    config = yaml.safe_load(PROMETHEUS.read_text())
    config["rule_files"] = [str(ALERTS)]  # where the container mounts it, here
    local = tmp_path / "prometheus.yml"
    local.write_text(yaml.safe_dump(config))

    for command in (["check", "rules", str(ALERTS)], ["check", "config", str(local)]):
        done = subprocess.run(["promtool", *command], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
