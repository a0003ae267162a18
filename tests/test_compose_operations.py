"""The compose deployment's operations: health checks everywhere, mTLS to Temporal with the
certificates deploy/certs.sh makes, the UI wired to our codec routes, and Prometheus and
Grafana fed by every process (helpers: tests/test_deployment.py)."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import SecretStr

from casework.settings import Settings
from casework.temporal import tls_config
from tests.e2e.routes import api_routes
from tests.test_deployment import (
    CERTS_MOUNT,
    ROOT,
    certs,
    environment,
    services,
)

__all__ = ["certs"]  # the fixture, shared with tests/test_deployment.py
DEPLOY = ROOT / "deploy"
LONG_RUNNING = {"unless-stopped", "always"}
# Who talks to Temporal, and the variables naming its certificate, key and CA.
TEMPORAL_CLIENTS = {
    "api": ("TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY", "TEMPORAL_TLS_CA"),
    "worker": ("TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY", "TEMPORAL_TLS_CA"),
    "temporal-ui": ("TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY", "TEMPORAL_TLS_CA"),
    "temporal-setup": (
        "TEMPORAL_TLS_CLIENT_CERT_PATH",
        "TEMPORAL_TLS_CLIENT_KEY_PATH",
        "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    ),
    # Its health check and its own namespace setup use the command line, as a client.
    "temporal": (
        "TEMPORAL_TLS_CLIENT_CERT_PATH",
        "TEMPORAL_TLS_CLIENT_KEY_PATH",
        "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    ),
}


def _mounts(service: str) -> dict[str, str]:
    """Container path -> host path of the service's bind mounts."""
    mounts = {}
    for volume in services()[service].get("volumes", []):
        host, _, rest = str(volume).partition(":")
        target = rest.split(":")[0]
        mounts[target] = host
    return mounts


@pytest.mark.parametrize(
    "service",
    sorted(name for name, spec in services().items() if spec.get("restart") in LONG_RUNNING),
)
def test_every_long_running_service_has_a_health_check(service: str) -> None:
    healthcheck = services()[service].get("healthcheck") or {}

    assert healthcheck.get("test") and not healthcheck.get("disable")


def test_the_worker_health_check_probes_its_metrics_port() -> None:
    test = " ".join(services()["worker"]["healthcheck"]["test"])

    assert f":{environment('worker')['METRICS_PORT']}/metrics" in test


def test_temporal_accepts_only_clients_with_a_certificate_of_our_ca(certs: Path) -> None:
    temporal = environment("temporal")

    assert temporal["TEMPORAL_TLS_REQUIRE_CLIENT_AUTH"] == "true"
    for variable in ("TEMPORAL_TLS_SERVER_CERT", "TEMPORAL_TLS_FRONTEND_CERT"):
        assert _on_host(temporal[variable], certs).name == "temporal.pem"
    assert _on_host(temporal["TEMPORAL_TLS_CLIENT1_CA_CERT"], certs).name == "ca.pem"


@pytest.mark.parametrize("service", sorted(TEMPORAL_CLIENTS))
def test_every_temporal_client_presents_a_certificate_the_script_makes(
    service: str, certs: Path
) -> None:
    env = environment(service)
    cert, key, ca = (_on_host(env[name], certs) for name in TEMPORAL_CLIENTS[service])

    assert cert.exists() and key.exists() and ca.name == "ca.pem"
    assert cert.stem == key.stem != "temporal", "a client presents a client certificate"
    assert _mounts(service)[CERTS_MOUNT.rstrip("/")] == "./deploy/certs"


def test_the_certificates_folder_is_mounted_read_only_and_holds_no_ca_key(certs: Path) -> None:
    for service in {*TEMPORAL_CLIENTS, "migrate"}:
        mounted = [
            v for v in services()[service]["volumes"] if str(v).startswith("./deploy/certs:")
        ]
        assert mounted == ["./deploy/certs:/certs:ro"], service
    assert not (certs / "ca.key").exists()
    assert {path.name for path in certs.iterdir()} == {
        "ca.pem",
        "temporal.pem",
        "temporal.key",
        "casework.pem",
        "casework.key",
        "temporal-tools.pem",
        "temporal-tools.key",
    }


def test_the_certificates_make_a_mutual_tls_handshake_under_temporal_s_name(
    certs: Path,
) -> None:
    server_name = environment("api")["TEMPORAL_TLS_SERVER_NAME"]
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=certs / "ca.pem")
    server.load_cert_chain(certs / "temporal.pem", certs / "temporal.key")
    server.verify_mode = ssl.CERT_REQUIRED
    seen: list[str] = []

    def serve(count: int) -> None:
        for _ in range(count):
            connection, _ = listener.accept()
            try:
                with server.wrap_socket(connection, server_side=True) as tls:
                    seen.append(dict(x[0] for x in tls.getpeercert()["subject"])["commonName"])
            except (ssl.SSLError, OSError):
                seen.append("refused")

    thread = threading.Thread(target=serve, args=(2,), daemon=True)
    thread.start()

    def connect(with_certificate: bool) -> bool:
        client = ssl.create_default_context(cafile=certs / "ca.pem")
        if with_certificate:
            client.load_cert_chain(certs / "casework.pem", certs / "casework.key")
        try:
            with (
                socket.create_connection(("127.0.0.1", port)) as raw,
                client.wrap_socket(raw, server_hostname=server_name) as tls,
            ):
                tls.sendall(b"x")
                tls.recv(1)
            return True
        except (ssl.SSLError, OSError):
            return False

    connect(with_certificate=True)
    connect(with_certificate=False)
    thread.join(10)
    listener.close()

    assert seen == ["casework", "refused"]


def test_settings_turn_the_certificate_files_into_the_sdk_s_tls_config(certs: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        temporal_tls_ca=certs / "ca.pem",
        temporal_tls_cert=certs / "casework.pem",
        temporal_tls_key=certs / "casework.key",
        temporal_tls_server_name="temporal",
        auth_token_secret=SecretStr("x" * 32),
    )

    config = tls_config(settings)

    assert config is not False and config is not True
    assert config.client_cert == (certs / "casework.pem").read_bytes()
    assert config.server_root_ca_cert == (certs / "ca.pem").read_bytes()
    assert config.domain == "temporal"
    assert tls_config(Settings(_env_file=None)) is False  # type: ignore[call-arg]


def test_the_temporal_ui_asks_our_codec_routes_from_an_origin_the_api_allows() -> None:
    ui = environment("temporal-ui")
    endpoint = urlsplit(ui["TEMPORAL_CODEC_ENDPOINT"])
    api_port = str(services()["api"]["ports"][0]).rsplit(":", 1)[0].rsplit(":", 1)[1]
    ui_host = str(services()["temporal-ui"]["ports"][0]).rsplit(":", 1)[0]

    assert ("POST", f"{endpoint.path}/decode") in api_routes()
    assert str(endpoint.port) == api_port.split("-")[0]
    assert ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"
    assert environment("api")["CODEC_CORS_ORIGINS"] == f"http://{ui_host}"


def test_prometheus_scrapes_every_api_and_worker_on_their_metrics_port() -> None:
    config = _mounted_file("prometheus", "/etc/prometheus/prometheus.yml")
    jobs = {job["job_name"]: job for job in yaml.safe_load(config.read_text())["scrape_configs"]}

    for service in ("api", "worker"):
        [discovery] = jobs[f"casework-{service}"]["dns_sd_configs"]
        assert discovery["names"] == [service]
        assert str(discovery["port"]) == environment(service)["METRICS_PORT"]
        assert environment(service)["METRICS_HOST"] == "0.0.0.0"
    assert "ports" not in services()["worker"], "the metrics port is not to be published"
    [rules] = yaml.safe_load(config.read_text())["rule_files"]
    assert _mounted_file("prometheus", rules) == DEPLOY / "prometheus" / "alerts.yml"
    [temporal] = jobs["temporal"]["static_configs"][0]["targets"]
    assert temporal.endswith(":" + environment("temporal")["PROMETHEUS_ENDPOINT"].split(":")[1])


def test_grafana_is_provisioned_with_prometheus_and_the_dashboard() -> None:
    provisioning = _mounted_file("grafana", "/etc/grafana/provisioning")
    datasources = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())
    [provider] = yaml.safe_load((provisioning / "dashboards" / "casework.yml").read_text())[
        "providers"
    ]
    [source] = datasources["datasources"]

    assert urlsplit(source["url"]).hostname == "prometheus"
    dashboards = _mounted_file("grafana", provider["options"]["path"])
    assert (dashboards / "casework.json").exists()


def _on_host(container_path: str, certs: Path) -> Path:
    assert container_path.startswith(CERTS_MOUNT), container_path
    return certs / container_path.removeprefix(CERTS_MOUNT)


def _mounted_file(service: str, container_path: str) -> Path:
    host = _mounts(service)[container_path]
    return (ROOT / host).resolve()
