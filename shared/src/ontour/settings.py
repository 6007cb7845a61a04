"""Settings shared by every service (pydantic-settings, environment variables ``ONTOUR_*``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_PREFIX = "change-me"
# The internal metrics port sits this far above the service's HTTP port (8101 -> 9101).
METRICS_PORT_OFFSET = 1000


class ServiceSettings(BaseSettings):
    """The base every service's ``Settings`` extends.

    Secrets default to a placeholder so development works out of the box; outside
    development a placeholder is refused at start-up.
    """

    # Environment only (no .env file): compose's .env must never leak into `make up`.
    model_config = SettingsConfigDict(env_prefix="ONTOUR_", extra="ignore")

    service_name: str = Field(description="Name of the service, e.g. 'intake'.")
    environment: Literal["development", "test", "production"] = "development"
    nats_url: str = Field(
        default="nats://127.0.0.1:14222",
        description="NATS server, or every server of a cluster separated by commas "
        "(ontour.messaging.connection).",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL (postgresql+asyncpg://...) of this service's own database.",
    )
    http_host: str = "127.0.0.1"
    http_port: int = 8100
    metrics_host: str = Field(
        default="127.0.0.1",
        description="Address of the internal metrics port (0.0.0.0 in containers, where "
        "Prometheus scrapes over the internal network).",
    )
    metrics_port: int | None = Field(
        default=None,
        description="Internal port serving /metrics, never behind the entry point; "
        f"default http_port + {METRICS_PORT_OFFSET}, 0 for any free port (tests).",
    )
    shutdown_drain_seconds: float = Field(
        default=0,
        ge=0,
        description="After SIGTERM, keep serving this long while the health checks say "
        "'stopping', so a proxy in front of several replicas stops sending requests first "
        "(ontour.web.drain). 0: stop at once.",
    )
    secret_key: SecretStr = SecretStr(f"{PLACEHOLDER_PREFIX}-secret-key")
    log_level: str = "INFO"
    outbox_retention_days: int = Field(
        default=30, description="How long sent outbox rows are kept so events can be re-driven."
    )
    outbox_relay_enabled: bool = Field(
        default=True, description="Run the outbox relay in this process (tests switch it off)."
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8080", description="Where users reach On Tour (Caddy)."
    )
    oidc_issuer: str = Field(
        default="http://127.0.0.1:9400",
        description="OpenID Connect issuer (the development IdP by default).",
    )
    oidc_discovery_url: str | None = Field(
        default=None,
        description="Internal address of the IdP's openid-configuration, "
        "when the public issuer URL is not reachable from the service (compose).",
    )
    oidc_client_id: str = "ontour"
    oidc_client_secret: SecretStr = SecretStr(f"{PLACEHOLDER_PREFIX}-oidc-client-secret")
    oidc_api_audience: str = Field(
        default="ontour-api",
        description="Audience API access tokens must carry (never the client id: an ID token "
        "is not an API token).",
    )
    oidc_api_clients: str = Field(
        default="",
        description="Client ids (azp) whose access tokens the API accepts, comma-separated; "
        "empty means oidc_client_id only.",
    )
    oidc_dev_id_tokens_as_bearer: bool = Field(
        default=True,
        description="Outside production only: also accept the IdP's ID tokens for "
        "oidc_client_id as API Bearer tokens (the development IdP cannot issue JWT access "
        "tokens). Ignored in production.",
    )
    oidc_roles_claim: str = Field(
        default="roles",
        description="Claim with the roles, dotted for nesting (Keycloak: realm_access.roles).",
    )
    session_cookie_secure: bool = True
    session_cookie_host_prefix: bool = Field(
        default=True,
        description="Name the session and CSRF cookies __Host-... (Secure, Path=/, no "
        "Domain: no subdomain can set them) when cookies are secure and public_base_url is "
        "https; development over http keeps the plain names.",
    )
    session_idle_minutes: int = Field(
        default=30,
        description="A browser session ends after this long without a request (the absolute "
        "limit is the session bucket's TTL, 8 hours).",
    )
    session_refresh_minutes: int = Field(
        default=5,
        description="Read a browser session's roles again from the IdP (refresh token) "
        "after this long; a refusal there ends the session.",
    )
    master_keys: SecretStr = Field(
        default=SecretStr(""),
        description="Master keys that wrap the per-record data keys of personal data "
        "(ontour.crypto): comma-separated urlsafe-base64 32-byte keys, newest first. Empty "
        "means a fixed development key, which is refused outside development.",
    )
    audit_key: SecretStr = Field(
        default=SecretStr(""),
        description="Key of the audit trail's HMAC chain (ontour.audit), kept outside the "
        "database so that its credentials alone cannot rewrite the trail; one per service. "
        "Empty means a fixed development key, which a service refuses outside development.",
    )
    audit_anchor_every: int = Field(
        default=100, description="Anchor the audit chain's head after this many new records."
    )
    audit_anchor_seconds: float = Field(
        default=300.0, description="Anchor the audit chain's head at least this often."
    )
    trusted_proxies: str = Field(
        default="127.0.0.1",
        description="Addresses or networks of the entry point (Caddy), comma-separated: only "
        "their X-Forwarded-For entry names the client (ontour.client_address).",
    )
    consumer_max_attempts: int = Field(
        default=5, description="Deliveries of one event before it is parked as a dead letter."
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        if self.environment == "production":
            for name, value in self:
                if isinstance(value, SecretStr) and value.get_secret_value().startswith(
                    PLACEHOLDER_PREFIX
                ):
                    raise ValueError(
                        f"ONTOUR_{name.upper()} still has its placeholder value; "
                        "set a real secret outside development"
                    )
        return self

    @property
    def db_url(self) -> str:
        """This service's database; by default the embedded server's database named after it."""
        return self.database_url or (
            f"postgresql+asyncpg://postgres@127.0.0.1:15432/{self.service_name}"
        )

    @property
    def metrics_listen_port(self) -> int:
        if self.metrics_port is None:
            return self.http_port + METRICS_PORT_OFFSET
        return self.metrics_port

    @property
    def api_clients(self) -> frozenset[str]:
        listed = {c.strip() for c in self.oidc_api_clients.split(",") if c.strip()}
        return frozenset(listed or {self.oidc_client_id})

    @property
    def accepts_id_tokens_as_bearer(self) -> bool:
        return self.oidc_dev_id_tokens_as_bearer and self.environment != "production"

    @property
    def cookie_prefix(self) -> str:
        """``__Host-`` where the deployment allows it (https, secure cookies), else empty."""
        https = self.public_base_url.startswith("https://")
        return (
            "__Host-"
            if self.session_cookie_host_prefix and self.session_cookie_secure and https
            else ""
        )

    @property
    def session_cookie_name(self) -> str:
        return f"{self.cookie_prefix}ontour_sessie"

    @property
    def csrf_cookie_name(self) -> str:
        return f"{self.cookie_prefix}ontour_csrf"

    @property
    def is_development(self) -> bool:
        return self.environment != "production"
