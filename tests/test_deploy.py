"""deploy/: the compose file, Envoy, Prometheus and Kubernetes files agree with the real CLI and
server, and the readiness check answers for a real server."""

from __future__ import annotations

import argparse
import importlib.util
import re
from pathlib import Path

import pytest
import yaml

from scheduler.service.main import add_serve_arguments
from scheduler.service.server import ServerConfig, create_server
from scheduler.service.servicer import SERVICE_NAME

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
REPLICAS = ("scheduler-1", "scheduler-2")


def _load(name: str):
    return yaml.safe_load((DEPLOY / name).read_text())


def _serve(args: list[str]) -> argparse.Namespace:
    """`args` (after `serve`) parsed by the options `scheduler serve` really has."""
    parser = argparse.ArgumentParser(prog="scheduler serve", exit_on_error=False)
    add_serve_arguments(parser)
    return parser.parse_args(args)


def _value(command: list[str], flag: str) -> str:
    """The value of `--flag=value` in `command`, as written (a URL is not a path)."""
    (value,) = [a.split("=", 1)[1] for a in command if a.startswith(f"{flag}=")]
    return value


def _ready():
    spec = importlib.util.spec_from_file_location("ready", DEPLOY / "ready.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compose_runs_two_replicas_of_serve_with_flags_serve_accepts():
    """Two replicas, PostgreSQL, Envoy, Prometheus; each replica's command parses as `serve`."""
    services = _load("compose.yaml")["services"]
    assert set(services) == {"postgres", *REPLICAS, "envoy", "prometheus"}
    for name in REPLICAS:
        command = services[name]["command"]
        assert command[0] == "serve"
        args = _serve(command[1:])
        assert (args.host, args.port, args.metrics_port) == ("0.0.0.0", 50051, 9464)
        assert _value(command, "--store").startswith("postgresql://scheduler:")
        assert _value(command, "--store").endswith("@postgres:5432/scheduler")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_a_flag_serve_lacks_is_caught():
    """The parse above fails on a flag `serve` does not have (the check can fail)."""
    with pytest.raises((SystemExit, argparse.ArgumentError)):
        _serve(["--host=0.0.0.0", "--replicas=2"])


def test_envoy_balances_the_replicas_on_the_scheduler_services_health():
    """Envoy's cluster names both replicas at the served port and health-checks the real service."""
    (cluster,) = _load("envoy.yaml")["static_resources"]["clusters"]
    endpoints = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"]
    addresses = {
        (
            e["endpoint"]["address"]["socket_address"]["address"],
            e["endpoint"]["address"]["socket_address"]["port_value"],
        )
        for e in endpoints
    }
    assert addresses == {(name, 50051) for name in REPLICAS}
    (check,) = cluster["health_checks"]
    assert check["grpc_health_check"]["service_name"] == SERVICE_NAME


def test_prometheus_scrapes_both_replicas_metrics_ports():
    """Prometheus targets are the replicas at their --metrics-port."""
    jobs = {job["job_name"]: job for job in _load("prometheus.yml")["scrape_configs"]}
    targets = jobs["scheduler"]["static_configs"][0]["targets"]
    assert sorted(targets) == [f"{name}:9464" for name in REPLICAS]


def test_kubernetes_runs_two_ready_replicas_behind_a_service():
    """Deployment of 2 whose args parse as `serve`; readiness runs deploy/ready.py; a Service."""
    documents = {d["kind"]: d for d in yaml.safe_load_all((DEPLOY / "kubernetes.yaml").read_text())}
    assert set(documents) == {"Secret", "Deployment", "Service"}
    deployment = documents["Deployment"]
    assert deployment["spec"]["replicas"] == 2
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["args"][0] == "serve"
    assert _serve(container["args"][1:]).port == 50051
    assert _value(container["args"], "--store") == "$(SCHEDULER_STORE)"
    assert container["readinessProbe"]["exec"]["command"][0] == "scheduler-ready"
    assert documents["Secret"]["stringData"]["store"].startswith("postgresql://")
    assert documents["Service"]["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


def test_the_dockerfile_installs_what_compose_and_kubernetes_run():
    """The image copies files that exist, installs ready.py as `scheduler-ready`, exposes the ports."""
    text = (DEPLOY / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.MULTILINE):
        *sources, _ = [word for word in line.split() if not word.startswith("--")]
        for path in sources:
            assert (DEPLOY.parent / path).exists(), path
    assert "deploy/ready.py /opt/scheduler/bin/scheduler-ready" in text
    assert "EXPOSE 50051 9464" in text and 'ENTRYPOINT ["scheduler"]' in text


def test_ready_answers_for_a_serving_replica_and_not_for_a_stopped_one(tmp_path, capsys):
    """`scheduler-ready` exits 0 while a real server serves, 1 naming the health check after it stops."""
    ready = _ready()
    server, port = create_server(ServerConfig(port=0, store_path=tmp_path / "jobs.db", grace=0.5))
    server.start()
    try:
        assert (
            ready.main([f"--address=127.0.0.1:{port}", "--store", str(tmp_path / "jobs.db")]) == 0
        )
    finally:
        server.stop(0)
    assert ready.main([f"--address=127.0.0.1:{port}", "--timeout=1"]) == 1
    assert f"health check of 127.0.0.1:{port}" in capsys.readouterr().err


def test_ready_names_an_unreachable_database():
    """A PostgreSQL store that does not answer makes the replica unready, naming the database."""
    pytest.importorskip("psycopg", reason="psycopg comes with the PostgreSQL store")
    problem = _ready().database_problem("postgresql://u:p@127.0.0.1:1/db", 1.0)
    assert problem is not None and problem.startswith("database:") and ":p@" not in problem
