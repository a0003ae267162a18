"""The production deployment (Dockerfile, docker-compose.yml) wires what the code needs.

There is no Docker engine here: these tests read the files, substitute variables the way
Compose does, and check the result against the code it deploys (Settings, the search
attributes, the CLI commands, the health route).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from sqlalchemy.engine import make_url
from temporalio.common import SearchAttributeIndexedValueType

from api.routers.health import router as health_router
from casework.settings import Settings
from workflows.search_attributes import ALL_KEYS, dev_server_flags

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / ".env.example"
LOCK = ROOT / "requirements.lock"

APP_SERVICES = ("api", "worker", "migrate")
EXPECTED_COMMANDS = {
    "api": ["casework", "api"],
    "worker": ["casework", "worker"],
    "migrate": ["casework", "db", "upgrade"],
}
# Settings that only `casework dev` reads: the port of the embedded Temporal dev server's
# UI and its database file. Production runs a real Temporal server instead.
DEV_ONLY_SETTINGS = {"temporal_ui_port", "temporal_dev_db", "master_key_file", "identity_key_file"}
# Settings whose defaults are right in production too: the working-day calendars shipped
# in the image (a centre mounts its own folder to change them) and the default deadlines.
PRODUCTION_DEFAULTS = {
    "calendar_dir",
    "temporal_case_keys",
    "temporal_accept_unsealed",
    "otel_service_name",
    "auth_token_minutes",
    "auth_rate_limit",
    "auth_rate_window_seconds",
    "auth_rate_limit_per_address",
    "auth_rate_limit_global",
    "auth_hash_concurrency",
    "auth_hash_waiting",
    "max_body_bytes",
    "console_idle_minutes",
    "console_session_hours",
    "database_statement_timeout_ms",
    # One deployment per compose project: its default audience is right unless two
    # deployments share AUTH_TOKEN_SECRET (README, Production).
    "deployment_id",
    # Behind the compose file's own port mapping no proxy is trusted; a load balancer in
    # front needs its address here (README, Production).
    "forwarded_allow_ips",
    "hsts_seconds",
    "max_import_bytes",
    # The department loop's tuning (README "The department loop").
    "centre_name",
    "department_link_days",
    "max_evidence_bytes",
    "notify_enabled",
    "notify_first_retry_seconds",
    "notify_lease_seconds",
    "notify_longest_retry_seconds",
    "notify_max_attempts",
    "notify_poll_seconds",
    "notify_timeout_seconds",
}
# Not yet in the compose file, which another branch is changing: the migrating role's
# URL (with an application role for DATABASE_URL) and a volume for the signed checkpoints
# of the timeline. Remove them from here once compose sets them.
NOT_YET_IN_COMPOSE = {"migration_database_url", "audit_checkpoint_dir"}
# Settings that only the HTTP API reads: where uvicorn listens, and how it signs tokens.
API_ONLY_SETTINGS = {"api_host", "api_port", "auth_token_secret", "codec_cors_origins"}

# What an operator puts in .env; every value distinct, so a crossed wire shows.
OPERATOR_ENV = {
    "POSTGRES_PASSWORD": "superuser-secret",
    "CASEWORK_DB_PASSWORD": "casework-secret",
    "TEMPORAL_DB_PASSWORD": "temporal-secret",
    "CENTRE_ID": "harbour-centre",
    "CENTRE_TIMEZONE": "Europe/Lisbon",
    "IDENTITY_HASH_KEY": "identity-hash-secret",
    "MASTER_KEYS": "k1:bWFzdGVyLWtleS1vZi10aGlzLWRlcGxveW1lbnQhISE=",
    "AUTH_TOKEN_SECRET": "token-signing-secret-of-this-deployment",
    "GRAFANA_ADMIN_PASSWORD": "grafana-secret",
}
PASSWORD_VARIABLES = (
    "POSTGRES_PASSWORD",
    "CASEWORK_DB_PASSWORD",
    "TEMPORAL_DB_PASSWORD",
    "GRAFANA_ADMIN_PASSWORD",
)
CERTS_SCRIPT = ROOT / "deploy" / "certs.sh"
CERTS_MOUNT = "/certs/"
ONE_SHOT_RESTART_POLICIES = {None, "no", "on-failure"}


# ---- reading the files -----------------------------------------------------------------


class MissingVariableError(Exception):
    """Compose would refuse to start: a ``${NAME:?message}`` variable is unset or empty."""


_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)
_BRACED = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>.*))?", re.S)


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's substitution: $$, $NAME, ${NAME}, ${NAME:-default}, ${NAME:?error}."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["named"]:
            return env.get(match["named"], "")
        braced = _BRACED.fullmatch(match["braced"])
        assert braced, f"unsupported substitution: {match[0]}"
        name, op, arg = braced["name"], braced["op"], braced["arg"]
        value = env.get(name)
        if op in (":-", "-"):
            unset = value is None or (op == ":-" and value == "")
            return arg if unset else value  # type: ignore[return-value]
        if op in (":?", "?"):
            if value is None or (op == ":?" and value == ""):
                raise MissingVariableError(f"{name}: {arg}")
            return value
        return value or ""

    return _VARIABLE.sub(replace, text)


def _interpolate_tree(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: _interpolate_tree(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [_interpolate_tree(value, env) for value in node]
    if isinstance(node, str):
        return interpolate(node, env)
    return node


@cache
def raw_compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(loaded, dict)
    return loaded


def compose(env: tuple[tuple[str, str], ...] = tuple(OPERATOR_ENV.items())) -> dict[str, Any]:
    """docker-compose.yml as Compose sees it with the operator's .env."""
    return _interpolate_tree(raw_compose(), dict(env))


def services() -> dict[str, Any]:
    return compose()["services"]


def environment(service: str) -> dict[str, str]:
    env = services()[service].get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def depends_on(service: str) -> dict[str, dict[str, Any]]:
    deps = services()[service].get("depends_on") or {}
    assert isinstance(deps, dict), (
        f"{service}: depends_on is a bare list, which waits for nothing but the start"
    )
    return deps


def settings_variable(field: str) -> str:
    return (str(Settings.model_config.get("env_prefix") or "") + field).upper()


def postgres_init_script() -> str:
    service = services()["postgresql"]
    sources = [
        config["source"]
        for config in service.get("configs", [])
        if str(config.get("target", "")).startswith("/docker-entrypoint-initdb.d/")
    ]
    assert sources, "postgresql has no init script under /docker-entrypoint-initdb.d/"
    return "\n".join(compose()["configs"][source]["content"] for source in sources)


def env_example() -> dict[str, str]:
    """The variables .env.example sets (uncommented lines)."""
    pairs = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        pending += " " + stripped.removesuffix("\\") if pending else stripped.removesuffix("\\")
        if stripped.endswith("\\"):
            continue
        keyword, _, arguments = pending.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def dockerfile_entrypoint() -> list[str]:
    entrypoints = [args for keyword, args in final_stage() if keyword == "ENTRYPOINT"]
    assert entrypoints, "the image has no ENTRYPOINT"
    entrypoint = json.loads(entrypoints[-1])  # exec form, so signals reach the process
    assert isinstance(entrypoint, list)
    return entrypoint


def effective_command(service: str) -> list[str]:
    spec = services()[service]
    entrypoint = spec.get("entrypoint", dockerfile_entrypoint())
    return _argv(entrypoint) + _argv(spec.get("command"))


def _argv(value: str | list[str] | None) -> list[str]:
    """A Compose command or entrypoint as argv: a string is split like a shell would."""
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else list(value)


def cli_type_name(value_type: SearchAttributeIndexedValueType) -> str:
    """KEYWORD_LIST -> KeywordList, as the Temporal CLI spells the type."""
    return "".join(word.capitalize() for word in value_type.name.split("_"))


def search_attribute_setup() -> tuple[str, dict[str, Any]]:
    """The service that runs `temporal operator search-attribute create`."""
    found = [
        (name, spec)
        for name, spec in services().items()
        if "search-attribute create" in " ".join(map(str, _as_list(spec.get("command"))))
    ]
    assert len(found) == 1, f"expected one search-attribute setup service, found {found}"
    return found[0]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


# ---- settings wiring -------------------------------------------------------------------


def test_dev_only_and_api_only_settings_name_real_settings_fields() -> None:
    fields = set(Settings.model_fields)
    assert fields >= DEV_ONLY_SETTINGS, "an excluded dev-only setting no longer exists"
    assert fields >= API_ONLY_SETTINGS, "an api-only setting no longer exists"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_service_gets_every_production_setting_from_its_environment(service: str) -> None:
    fields = set(Settings.model_fields) - DEV_ONLY_SETTINGS - PRODUCTION_DEFAULTS
    fields -= NOT_YET_IN_COMPOSE
    if service != "api":
        fields -= API_ONLY_SETTINGS
    missing = sorted({settings_variable(field) for field in fields} - environment(service).keys())
    assert not missing, f"{service} falls back to a development default for {missing}"


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The certificates deploy/certs.sh makes, as the containers see them at /certs."""
    folder = tmp_path_factory.mktemp("certs")
    subprocess.run(["sh", str(CERTS_SCRIPT), str(folder)], check=True, capture_output=True)
    return folder


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_service_environment_is_accepted_by_settings(
    service: str, monkeypatch: pytest.MonkeyPatch, certs: Path
) -> None:
    for field in Settings.model_fields:
        monkeypatch.delenv(settings_variable(field), raising=False)
    for name, value in environment(service).items():
        monkeypatch.setenv(name, value.replace(CERTS_MOUNT, f"{certs}/"))

    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    assert settings.log_format == "json"
    assert settings.centre_id == OPERATOR_ENV["CENTRE_ID"]
    assert settings.centre_timezone == OPERATOR_ENV["CENTRE_TIMEZONE"]
    if service == "api":
        assert settings.api_host == "0.0.0.0", "the API would be unreachable from outside"


def test_every_app_service_shares_the_same_settings() -> None:
    shared = {
        name: {k: v for k, v in environment(name).items() if k.lower() not in API_ONLY_SETTINGS}
        for name in APP_SERVICES
    }
    assert shared["api"] == shared["worker"] == shared["migrate"]


@pytest.mark.parametrize("service", APP_SERVICES)
def test_database_url_uses_psycopg_on_the_compose_postgresql_service(service: str) -> None:
    url = make_url(environment(service)["DATABASE_URL"])

    assert url.drivername == "postgresql+psycopg"
    assert url.host in services(), f"{url.host} is not a service of the compose file"
    assert services()[url.host]["image"].startswith("postgres:")
    assert url.port in (None, 5432)


def test_database_url_credentials_are_those_the_postgresql_init_script_creates() -> None:
    url = make_url(environment("api")["DATABASE_URL"])
    script = postgres_init_script()
    postgres_env = environment("postgresql")

    assert f"CREATE ROLE {url.username} LOGIN" in script
    assert f"CREATE DATABASE {url.database} OWNER {url.username}" in script
    assert url.password == OPERATOR_ENV["CASEWORK_DB_PASSWORD"]
    assert postgres_env["CASEWORK_DB_PASSWORD"] == url.password
    assert '"$CASEWORK_DB_PASSWORD"' in script


def test_temporal_stores_its_data_in_databases_the_init_script_creates() -> None:
    temporal = environment("temporal")
    script = postgres_init_script()

    assert temporal["DB"] == "postgres12"
    assert temporal["POSTGRES_SEEDS"] in services()
    assert temporal["DB_PORT"] == "5432"
    assert f"CREATE ROLE {temporal['POSTGRES_USER']} LOGIN" in script
    assert temporal["POSTGRES_PWD"] == environment("postgresql")["TEMPORAL_DB_PASSWORD"]
    assert '"$TEMPORAL_DB_PASSWORD"' in script
    for database in (temporal["DBNAME"], temporal["VISIBILITY_DBNAME"]):
        assert f"CREATE DATABASE {database} OWNER {temporal['POSTGRES_USER']}" in script


@pytest.mark.parametrize("service", APP_SERVICES)
def test_temporal_address_points_at_the_temporal_service(service: str) -> None:
    host, _, port = environment(service)["TEMPORAL_ADDRESS"].rpartition(":")

    assert host == "temporal"
    assert services()[host]["image"].startswith("temporalio/auto-setup:")
    assert port == "7233"


def test_every_image_not_built_here_is_pinned_to_a_version() -> None:
    pulled = [name for name, spec in services().items() if "build" not in spec]
    assert {"temporal", "temporal-setup", "temporal-ui", "postgresql"} <= set(pulled)
    for name in pulled:
        image = services()[name]["image"]
        _, _, tag = image.partition(":")
        assert re.match(r"v?\d+\.\d+", tag) or re.fullmatch(r"\d+", tag), f"{name}: {image}"


def test_temporal_creates_the_namespace_the_app_uses() -> None:
    namespace = environment("worker")["TEMPORAL_NAMESPACE"]

    assert environment("temporal")["DEFAULT_NAMESPACE"] == namespace
    assert environment("api")["TEMPORAL_NAMESPACE"] == namespace


# ---- start-up order --------------------------------------------------------------------


@pytest.mark.parametrize("service", sorted(raw_compose()["services"]))
def test_dependencies_are_waited_for_until_healthy_or_completed(service: str) -> None:
    for dependency, spec in depends_on(service).items():
        condition = (spec or {}).get("condition")
        target = services()[dependency]
        if condition == "service_healthy":
            healthcheck = target.get("healthcheck") or {}
            assert healthcheck.get("test") and not healthcheck.get("disable"), (
                f"{service} waits for {dependency} to be healthy, which has no healthcheck"
            )
        elif condition == "service_completed_successfully":
            assert target.get("restart") in ONE_SHOT_RESTART_POLICIES, (
                f"{service} waits for {dependency} to complete, which restarts forever"
            )
        else:
            pytest.fail(f"{service} -> {dependency}: condition {condition!r} waits for nothing")


@pytest.mark.parametrize("service", ["api", "worker"])
def test_api_and_worker_start_after_migrations_and_search_attributes(service: str) -> None:
    setup_name, _ = search_attribute_setup()
    conditions = {name: spec["condition"] for name, spec in depends_on(service).items()}

    assert conditions == {
        "migrate": "service_completed_successfully",
        "temporal": "service_healthy",
        setup_name: "service_completed_successfully",
    }


def test_migrations_wait_for_a_healthy_postgresql() -> None:
    assert depends_on("migrate") == {"postgresql": {"condition": "service_healthy"}}


# ---- search attributes -----------------------------------------------------------------


def test_setup_service_registers_every_search_attribute_with_its_type() -> None:
    _, setup = search_attribute_setup()
    script = " ".join(map(str, _as_list(setup["command"])))
    registered = dict(re.findall(r"--name\s+(\S+)\s+--type\s+(\S+)", script))

    expected = {key.name: cli_type_name(key.indexed_value_type) for key in ALL_KEYS}
    assert registered == expected


def test_production_and_dev_server_register_the_same_search_attributes() -> None:
    _, setup = search_attribute_setup()
    script = " ".join(map(str, _as_list(setup["command"])))
    registered = dict(re.findall(r"--name\s+(\S+)\s+--type\s+(\S+)", script))
    flags = dev_server_flags()
    dev = dict(value.split("=", 1) for value in flags[1::2])

    assert registered == dev


def test_search_attributes_are_registered_in_the_namespace_the_app_uses() -> None:
    _, setup = search_attribute_setup()
    setup_env = {k: "" if v is None else str(v) for k, v in setup["environment"].items()}
    script = " ".join(map(str, _as_list(setup["command"])))

    assert setup_env["TEMPORAL_NAMESPACE"] == environment("worker")["TEMPORAL_NAMESPACE"]
    assert setup_env["TEMPORAL_ADDRESS"] == environment("worker")["TEMPORAL_ADDRESS"]
    create = script[script.index("search-attribute create") :]
    assert '--namespace "$TEMPORAL_NAMESPACE"' in create
    assert '--address "$TEMPORAL_ADDRESS"' in create


# ---- processes -------------------------------------------------------------------------


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_service_runs_its_casework_command(service: str) -> None:
    assert effective_command(service) == EXPECTED_COMMANDS[service]


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_service_runs_the_image_built_from_the_dockerfile(service: str) -> None:
    spec = services()[service]
    build = spec["build"]

    assert (ROOT / build["context"] / build.get("dockerfile", "Dockerfile")) == DOCKERFILE
    assert spec["image"] == services()["api"]["image"]


def test_api_healthcheck_probes_the_health_route_on_the_api_port() -> None:
    test = services()["api"]["healthcheck"]["test"]
    command = " ".join(test[1:]) if test[0] in ("CMD", "CMD-SHELL") else " ".join(test)
    url = re.search(r"http://[^'\"\s]+", command)

    assert url, f"no URL in the api healthcheck: {command}"
    probed = urlsplit(url[0])
    assert probed.port == int(environment("api")["API_PORT"])
    assert probed.path == "/health"
    assert probed.path in {getattr(route, "path", None) for route in health_router.routes}
    assert test[1] == "python", "python-slim has neither curl nor wget"


def test_api_replicas_do_not_clash_on_host_ports() -> None:
    api = services()["api"]
    replicas = int(api.get("deploy", {}).get("replicas", 1))
    container_port = environment("api")["API_PORT"]

    assert "container_name" not in api
    for mapping in api.get("ports", []):
        host, _, port = str(mapping).rpartition(":")
        assert port == container_port
        host_ports = host.rpartition(":")[2]
        if replicas > 1 and host_ports:
            first, _, last = host_ports.partition("-")
            assert last, f"{replicas} replicas cannot share host port {first}"
            assert int(last) - int(first) + 1 >= replicas


def test_worker_can_be_scaled() -> None:
    worker = services()["worker"]

    assert "container_name" not in worker
    assert not worker.get("ports"), "a fixed host port would stop --scale worker=N"


# ---- secrets and .env ------------------------------------------------------------------


@pytest.mark.parametrize("variable", PASSWORD_VARIABLES)
def test_compose_refuses_to_start_without_each_password(variable: str) -> None:
    without = tuple((k, v) for k, v in OPERATOR_ENV.items() if k != variable)

    with pytest.raises(MissingVariableError, match=variable):
        compose(without)
    with pytest.raises(MissingVariableError, match=variable):
        compose((*without, (variable, "")))


def test_no_password_has_a_fallback_value() -> None:
    text = COMPOSE_FILE.read_text()
    references = re.findall(rf"\$\{{({'|'.join(PASSWORD_VARIABLES)})([^}}]*)\}}", text)

    assert {name for name, _ in references} == set(PASSWORD_VARIABLES)
    assert all(rest.startswith(":?") for _, rest in references), references


def test_every_variable_compose_reads_is_documented_in_env_example() -> None:
    text = COMPOSE_FILE.read_text().replace("$$", "")
    used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    required = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?", text))
    example = ENV_EXAMPLE.read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, re.M))

    assert required <= env_example().keys(), "a required variable is not set in the example"
    assert used <= documented, f"undocumented: {sorted(used - documented)}"


def test_env_example_sets_only_settings_that_compose_passes_through() -> None:
    # `casework dev` reads .env too: a setting compose derives (DATABASE_URL, API_HOST...)
    # set there would point a laptop's dev run at production's values.
    compose_file = raw_compose()
    # The API's own settings (e.g. its token key) are passed to the api service alone.
    api_only = {
        name: value
        for name, value in compose_file["services"]["api"]["environment"].items()
        if name != "<<"
    }
    passed_through = {
        name
        for name, value in {**compose_file["x-casework-env"], **api_only}.items()
        if re.fullmatch(rf"\$\{{{name}(:?[-?].*)?\}}", str(value))
    }
    settings_names = {settings_variable(field) for field in Settings.model_fields}

    assert env_example().keys() & settings_names <= passed_through


def test_env_example_leaves_the_passwords_empty() -> None:
    example = env_example()

    assert all(example[name] == "" for name in PASSWORD_VARIABLES)


# ---- the image -------------------------------------------------------------------------


def _install_commands() -> list[str]:
    commands = []
    for keyword, arguments in dockerfile_instructions():
        if keyword == "RUN":
            commands += [
                part.strip()
                for part in re.split(r"&&|;", arguments)
                if re.search(r"\b(pip|uv pip)\s+install\b", part)
            ]
    return commands


def test_image_installs_dependencies_only_from_the_hash_pinned_lock() -> None:
    installs = _install_commands()
    from_lock = [c for c in installs if "--require-hashes" in c and "requirements.lock" in c]
    project = [c for c in installs if "--no-deps" in c and re.search(r"\s\.$", c)]

    assert from_lock, "no `pip install --require-hashes -r requirements.lock`"
    assert project, "the project is not installed with --no-deps"
    assert "--no-build-isolation" in project[0], "hatchling would be fetched unpinned"
    assert set(installs) == {*from_lock, *project}, "something is installed off the lock"
    copied = " ".join(args for keyword, args in dockerfile_instructions() if keyword == "COPY")
    assert "requirements.lock" in copied


def test_lock_pins_every_requirement_with_a_hash() -> None:
    blocks = re.split(r"\n(?=\S)", LOCK.read_text().strip())
    unhashed = [block.split()[0] for block in blocks if "--hash=sha256:" not in block]
    pinned = [block.split()[0] for block in blocks]

    assert pinned and not unhashed
    assert all("==" in requirement for requirement in pinned)
    names = {requirement.split("==")[0] for requirement in pinned}
    assert {"hatchling", "editables"} <= names, "the --no-build-isolation build needs them"


def test_image_is_python_3_11_and_runs_casework_as_a_non_root_user() -> None:
    args = {
        name: default
        for keyword, arguments in dockerfile_instructions()
        if keyword == "ARG"
        for name, _, default in [arguments.partition("=")]
    }
    base = interpolate(final_stage()[0][1].split()[0], args)
    users = [args for keyword, args in final_stage() if keyword == "USER"]

    assert base.startswith("python:3.11-slim")
    assert users, "the image runs as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert dockerfile_entrypoint() == ["casework"]


def test_build_context_leaves_out_local_state_and_secrets() -> None:
    patterns = {
        line.strip().strip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }

    assert {".venv", "var", ".git", ".env"} <= patterns
