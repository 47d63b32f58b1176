"""The Prometheus alert rules (deploy/prometheus/alerts.yml), tested with ``promtool test rules``
(issue 17, item 11), and every metric name the rules and the Grafana dashboard use is one the code
exports or a known Temporal SDK / server metric (so neither can silently query nothing).

promtool comes from Debian's ``prometheus`` package (scripts/system_deps.sh installs it as root).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from callcenter.settings import REPO_ROOT

PROM = REPO_ROOT / "deploy" / "prometheus"
RULES = PROM / "alerts.yml"
RULES_TEST = PROM / "alerts_test.yml"
DASHBOARD = REPO_ROOT / "deploy" / "grafana" / "dashboards" / "callcenter.json"

# The Temporal SDK's metrics (sdk-core, as the Python SDK exports them: prefix "temporal_", counters
# without "_total", durations in milliseconds) and the Temporal server's, that rules or panels use.
TEMPORAL_SDK = {
    f"temporal_{name}" for name in (
        "request", "request_failure", "request_latency", "long_request", "long_request_failure",
        "long_request_latency", "workflow_completed", "workflow_failed", "workflow_canceled",
        "workflow_continue_as_new", "workflow_endtoend_latency", "workflow_task_queue_poll_empty",
        "workflow_task_queue_poll_succeed", "workflow_task_execution_failed",
        "workflow_task_schedule_to_start_latency", "workflow_task_execution_latency",
        "workflow_task_replay_latency", "activity_poll_no_task", "activity_task_received",
        "activity_execution_failed", "activity_execution_cancelled", "activity_schedule_to_start_latency",
        "activity_execution_latency", "activity_succeed_endtoend_latency", "num_pollers",
        "worker_task_slots_available", "worker_task_slots_used", "sticky_cache_hit", "sticky_cache_miss",
        "sticky_cache_size", "sticky_cache_total_forced_eviction", "worker_start",
    )
}
TEMPORAL_SERVER = {
    "persistence_latency", "persistence_requests", "persistence_errors", "service_requests",
    "service_errors", "service_latency", "lock_latency", "task_schedule_to_start_latency",
}
PROMETHEUS_OWN = {"up"}
_SUFFIXES = ("_bucket", "_count", "_sum")


def promtool() -> str:
    found = shutil.which("promtool")
    if found:
        return found
    if os.geteuid() != 0:
        pytest.skip("promtool is not installed and this is not root: "
                    "sudo apt-get install -y prometheus (or run scripts/system_deps.sh as root)")
    subprocess.run(["bash", str(REPO_ROOT / "scripts" / "system_deps.sh")], check=True)
    found = shutil.which("promtool")
    assert found, "scripts/system_deps.sh ran as root but promtool is still missing"
    return found


def test_the_alert_rules_are_valid_and_pass_their_promtool_tests():
    tool = promtool()
    check = subprocess.run([tool, "check", "rules", str(RULES)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    run = subprocess.run([tool, "test", "rules", str(RULES_TEST)], capture_output=True, text=True, cwd=PROM)
    assert run.returncode == 0, run.stdout + run.stderr


def _alerts() -> list[dict]:
    return [r for g in yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"] for r in g["rules"] if "alert" in r]


def test_every_alert_has_a_promtool_test_that_fires_it_and_a_runbook_line():
    tests = yaml.safe_load(RULES_TEST.read_text(encoding="utf-8"))["tests"]
    fired = {c["alertname"] for t in tests for c in t.get("alert_rule_test", []) if c.get("exp_alerts")}
    names = {a["alert"] for a in _alerts()}
    assert names - fired == set(), "alerts no test fires"
    for needed in ("NoCallsAnswered", "CallsFailing", "OperatorTransfersFailing", "StoreRefusingOrders",
                   "SmsNotSent", "EdgePlayoutUnderruns", "TemporalWorkflowTaskFailures"):
        assert needed in names, needed
    for alert in _alerts():
        assert alert["labels"]["severity"] in ("page", "warning"), alert["alert"]
        assert alert["annotations"]["summary"] and alert["annotations"]["description"], alert["alert"]
    operations = (REPO_ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for name in names:
        assert f"`{name}`" in operations, f"docs/operations.md does not say what to do about {name}"


def test_prometheus_loads_the_rules_file_compose_mounts():
    config = yaml.safe_load((REPO_ROOT / "deploy" / "prometheus.yml").read_text(encoding="utf-8"))
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    mounts = dict(str(v).split(":")[:2] for v in compose["services"]["prometheus"]["volumes"])
    assert mounts["./deploy/prometheus/alerts.yml"] in config["rule_files"]


def test_prometheus_config_with_its_rules_passes_promtool(tmp_path: Path):
    tool = promtool()
    text = (REPO_ROOT / "deploy" / "prometheus.yml").read_text(encoding="utf-8")
    shutil.copy(RULES, tmp_path / "alerts.yml")
    (tmp_path / "prometheus.yml").write_text(text.replace("/etc/prometheus/alerts.yml", str(tmp_path / "alerts.yml")))
    run = subprocess.run([tool, "check", "config", str(tmp_path / "prometheus.yml")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


# --------------------------------------------------------------- the names rules and panels use
_FUNCTIONS_AND_WORDS = {
    "sum", "by", "rate", "increase", "histogram_quantile", "clamp_min", "and", "on", "or", "offset",
    "le", "max", "min", "avg", "round", "without", "ignoring", "count", "bool", "unless",
}


def _names_in(expr: str) -> set[str]:
    expr = re.sub(r'\{[^}]*\}', "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges
    expr = re.sub(r"\b(?:by|without|on|ignoring)\s*\([^)]*\)", "", expr)  # grouping labels
    expr = re.sub(r'"[^"]*"', "", expr)
    words = set(re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b", expr))
    return {w for w in words if w not in _FUNCTIONS_AND_WORDS and not re.fullmatch(r"\d+[smhdw]?|e\d+", w)
            and not w.startswith("__")}


def _base(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _code_metric_names() -> set[str]:
    import activities.metrics  # noqa: F401 - registers them
    import media_edge.metrics  # noqa: F401
    from prometheus_client import REGISTRY

    names = set()
    for family in REGISTRY.collect():
        if family.name.startswith(("edge_", "callcenter_")):
            names.add(family.name + ("_total" if family.type == "counter" else ""))
    return names


def _dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [t["expr"] for p in dashboard["panels"] if p["type"] != "row" for t in p["targets"]]


@pytest.mark.parametrize("where", ["alert rules", "dashboard"])
def test_every_metric_queried_is_exported_by_the_code_or_is_a_known_temporal_metric(where: str):
    exprs = [a["expr"] for a in _alerts()] if where == "alert rules" else _dashboard_exprs()
    known = _code_metric_names() | TEMPORAL_SDK | TEMPORAL_SERVER | PROMETHEUS_OWN
    used = set().union(*(_names_in(e) for e in exprs))
    assert used, where
    unknown = {n for n in used if _base(n) not in known and n not in known}
    assert unknown == set(), f"{where} query metrics nothing exports: {sorted(unknown)}"
    # The SDK's counters carry no "_total" (counters_total_suffix is off in callcenter/health.py).
    assert not {n for n in used if n.startswith("temporal_") and n.endswith("_total")}


def test_the_name_check_sees_a_misspelt_metric():
    assert _names_in('sum(increase(callcenter_ordrs_total{result="refused"}[30m])) > 0') == {"callcenter_ordrs_total"}
