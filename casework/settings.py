"""The one typed settings object, read from the environment once at start-up."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.crypto.cipher import parse_key_ring
from services.deadlines.calendar import DEFAULT_DIRECTORY as DEFAULT_CALENDARS
from services.deadlines.policy import ClockPolicy, policy_with
from services.notify.model import Contact

VAR_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    database_url: str = Field(
        default=f"sqlite:///{VAR_DIR}/casework.db",
        description="SQLAlchemy URL: sqlite:///FILE or postgresql+psycopg://USER@HOST/DB",
    )
    migration_database_url: str | None = Field(
        default=None,
        description="PostgreSQL: URL of the role that owns the schema, used by `casework db "
        "upgrade` (DATABASE_URL is then the application's role, which it grants); unset: "
        "DATABASE_URL migrates too",
    )
    database_statement_timeout_ms: int = Field(
        default=10_000,
        ge=0,
        description="PostgreSQL: longest a statement of an API request may run (0: no limit)",
    )
    temporal_address: str = Field(default="127.0.0.1:7233", description="Temporal frontend")
    temporal_namespace: str = Field(default="default", description="Temporal namespace")
    temporal_task_queue: str = Field(default="casework", description="Task queue of the worker")
    temporal_ui_port: int = Field(default=8233, description="Web UI port of the dev server")
    temporal_dev_db: Path = Field(
        default=VAR_DIR / "temporal.db", description="Dev server's persistent database file"
    )
    log_format: Literal["auto", "console", "json"] = Field(
        default="auto", description="auto: console on a terminal, JSON lines otherwise"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    centre_id: str = Field(default="county-centre", description="Centre of this deployment")
    identity_hash_key: SecretStr | None = Field(
        default=None,
        description="Key of the hashes that find a person's cases by ID number or phone; "
        "required by `casework api` and `worker`; unset elsewhere: a development key kept "
        "in identity_key_file (made on first use)",
    )
    identity_key_file: Path = Field(
        default=VAR_DIR / "identity.key", description="Development identity hash key file"
    )
    master_keys: SecretStr | None = Field(
        default=None,
        description="Master key ring, id:base64 of 32 bytes, comma-separated, current first; "
        "unset: a development ring kept in master_key_file (made on first use)",
    )
    master_key_file: Path = Field(
        default=VAR_DIR / "master.keys", description="Development master key ring file"
    )
    temporal_case_keys: bool = Field(
        default=True,
        description="Seal Temporal payloads with each case's own key, so destroying it "
        "erases the case's workflow histories too; the case_key table then has to be kept "
        "(backed up) with the master key. false: a subkey of the master ring only",
    )
    audit_checkpoint_dir: Path = Field(
        default=VAR_DIR / "audit-checkpoints",
        description="Where `casework audit checkpoint` writes the signed heads of the case "
        "timelines (storage the database's administrators cannot write)",
    )
    calendar_dir: Path = Field(
        default=DEFAULT_CALENDARS, description="Folder of YYYY.json working-day calendars"
    )
    clock_policy: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='Overrides of the deadline rules, JSON: {"eligibility": {"duration": 5}}',
    )
    centre_timezone: str = Field(default="Asia/Shanghai", description="Local time of the centre")
    auth_token_secret: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="Key that signs sign-in tokens; required by `casework api`",
    )
    auth_token_minutes: int = Field(default=15, ge=1, le=24 * 60, description="Token lifetime")
    auth_rate_limit: int = Field(
        default=10, ge=1, description="Failed sign-ins per user name and client address"
    )
    auth_rate_limit_per_address: int = Field(
        default=50, ge=1, description="Failed sign-ins per client address, any user name"
    )
    auth_rate_limit_global: int = Field(
        default=1000, ge=1, description="Failed sign-ins in all, every address and name"
    )
    auth_rate_window_seconds: int = Field(default=300, ge=1, description="Their window")
    auth_hash_concurrency: int = Field(
        default=2, ge=1, description="Passwords checked at once (Argon2id, 64 MiB each)"
    )
    auth_hash_waiting: int = Field(
        default=8, ge=0, description="Sign-ins that may wait for a check; more answer 503"
    )
    deployment_id: str = Field(
        default="casework",
        min_length=1,
        max_length=100,
        description="Audience of this deployment's sign-in tokens: another's are refused "
        "(`casework dev` uses dev-DEPLOYMENT_ID)",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies (comma-separated addresses or networks, or *) whose "
        "X-Forwarded-For and X-Forwarded-Proto the API believes",
    )
    hsts_seconds: int = Field(
        default=365 * 24 * 3600,
        ge=0,
        description="Strict-Transport-Security max-age on answers over HTTPS; 0: none",
    )
    console_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="A console session ends after this long idle"
    )
    console_session_hours: int = Field(
        default=12, ge=1, le=7 * 24, description="…and this long after signing in, whatever"
    )
    max_body_bytes: int = Field(
        default=256 * 1024, ge=1024, description="Largest request body the API accepts"
    )
    max_import_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="Largest register spreadsheet POST /register/imports accepts",
    )
    # Notifications (README "The department loop"): the worker delivers the outbox.
    notify_enabled: bool = Field(
        default=True, description="The worker delivers queued notifications (false: none)"
    )
    notify_smtp_url: SecretStr | None = Field(
        default=None,
        description="The centre's SMTP server as an apprise URL, without the recipient: "
        "mailtos://USER:PASSWORD@smtp.example.org:465?from=centre@example.org "
        "(mailto://HOST:PORT?mode=insecure&from=… for a relay without TLS); unset: no email",
    )
    notify_sms_url: SecretStr | None = Field(
        default=None,
        description="The SMS provider as an apprise URL with {phone} where the number goes "
        "(e.g. jsons://gateway.example.org/send?:to={phone}); unset: no SMS",
    )
    console_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The address people open the console at (the links in messages)",
    )
    department_contacts: dict[str, Contact] = Field(
        default_factory=dict,
        description='How each department is reached, JSON: {"labour": {"email": "…"}, '
        '"justice": {"webhook": "dingtalk://TOKEN"}} (the chase before their '
        "acknowledgement is due)",
    )
    department_link_days: int = Field(
        default=30, ge=1, le=365, description="How long a department's link in a letter works"
    )
    centre_name: str | None = Field(
        default=None,
        max_length=100,
        description="The centre's name on letters (default: CENTRE_ID)",
    )
    notify_poll_seconds: float = Field(
        default=5.0, gt=0, le=300, description="How often the worker looks for due messages"
    )
    notify_max_attempts: int = Field(
        default=8, ge=1, le=100, description="Attempts before a message is dead-lettered"
    )
    notify_first_retry_seconds: int = Field(
        default=30, ge=1, description="Wait after the first failed attempt (then doubling)"
    )
    notify_longest_retry_seconds: int = Field(
        default=3600, ge=1, description="Longest wait between two attempts"
    )
    notify_timeout_seconds: float = Field(
        default=15.0, gt=0, le=120, description="Time one attempt may take to connect / answer"
    )
    notify_lease_seconds: int = Field(
        default=120,
        ge=5,
        description="How long a claimed message is left to its worker before another one "
        "sends it again (longer than an attempt can take)",
    )
    max_evidence_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1024,
        description="Largest evidence file staff may attach to a case (PDF, JPEG, PNG, Office)",
    )
    # Operating it (docs/deployment.md).
    metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="Port serving /metrics (unset: none)"
    )
    metrics_host: str = Field(default="127.0.0.1", description="Address of the metrics port")
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP collector that receives traces (unset: no traces)"
    )
    otel_service_name: str | None = Field(
        default=None, description="Service name on traces (default: casework-api/-worker)"
    )
    codec_cors_origins: str = Field(
        default="",
        description="Comma-separated origins (the Temporal UI's) allowed to call /codec",
    )
    temporal_accept_unsealed: bool = Field(
        default=False,
        description="Let workers read Temporal payloads not sealed by our codec (only to "
        "finish histories recorded before it); false: refused, a forged step fails",
    )
    temporal_tls_ca: Path | None = Field(default=None, description="CA of Temporal's cert")
    temporal_tls_cert: Path | None = Field(default=None, description="Client cert (mTLS)")
    temporal_tls_key: Path | None = Field(default=None, description="Client key (mTLS)")
    temporal_tls_server_name: str | None = Field(
        default=None, description="Name on Temporal's certificate, if not the address's host"
    )

    @field_validator("notify_smtp_url", "notify_sms_url", "centre_name", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("centre_timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}") from None
        return name

    @field_validator("clock_policy")
    @classmethod
    def _valid_policy(cls, overrides: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        policy_with(overrides)  # raises, naming the clock and field, if it is not valid
        return overrides

    @field_validator("master_keys")
    @classmethod
    def _valid_master_keys(cls, keys: SecretStr | None) -> SecretStr | None:
        if keys is not None:
            parse_key_ring(keys.get_secret_value())  # raises, naming the bad key
        return keys

    @field_validator("calendar_dir")
    @classmethod
    def _calendar_folder(cls, folder: Path) -> Path:
        if not folder.is_dir():
            raise ValueError(f"{folder} is not a folder")
        return folder

    def identity_key(self) -> bytes:
        """The identity hash key; the CLI fills in the development one where allowed."""
        if self.identity_hash_key is None:
            raise ValueError("IDENTITY_HASH_KEY must be set (it keys the identity hashes)")
        return self.identity_hash_key.get_secret_value().encode()

    @field_validator("temporal_tls_ca", "temporal_tls_cert", "temporal_tls_key")
    @classmethod
    def _readable_file(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"{path} is not a file")
        return path

    def cors_origins(self) -> list[str]:
        return [origin.strip() for origin in self.codec_cors_origins.split(",") if origin.strip()]

    def policy(self) -> ClockPolicy:
        return policy_with(self.clock_policy)

    def utc_offset_minutes(self) -> int:
        offset = ZoneInfo(self.centre_timezone).utcoffset(datetime.now(UTC).replace(tzinfo=None))
        return int(offset.total_seconds() // 60) if offset else 0

    @field_validator("database_url", "migration_database_url")
    @classmethod
    def _supported_database(cls, url: str | None) -> str | None:
        if url is None:
            return None
        if url.startswith(("postgresql://", "postgres://")):
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        if not url.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError("must be sqlite:///FILE or postgresql+psycopg://…")
        return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
