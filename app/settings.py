"""Settings, one pydantic-settings model per concern, every variable prefixed ``LIVC_``.

Built once in the app factory (or the CLI) and passed down; never a module-level singleton.
"""

from __future__ import annotations

import copy
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Mode(StrEnum):
    """How the hub runs: demo allows built-in keys and demo data; production refuses both."""

    DEMO = "demo"
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class DatabaseSettings(BaseSettings):
    """Where the data lives: SQLite file (embedded default) or PostgreSQL."""

    model_config = SettingsConfigDict(env_prefix="LIVC_DATABASE_")

    url: str = Field(
        default="sqlite:///var/livc-hub.db", description="sqlite:///PATH or postgresql://..."
    )
    echo: bool = False
    pool_size: int = Field(default=5, ge=1, le=100)
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)
    app_role: str = Field(
        default="livc_app",
        pattern="^[a-z_][a-z0-9_]{0,62}$",
        description="PostgreSQL group role the migrations grant the app's rights to",
    )


class KeySettings(BaseSettings):
    """Key provider and the master key that seals the local keyring."""

    model_config = SettingsConfigDict(env_prefix="LIVC_KEYS_")

    provider: str = Field(default="local", pattern="^local$")
    keyring_path: Path = Path("var/keyring.json")
    master_key: SecretStr | None = None
    master_key_file: Path | None = None


class AuthSettings(BaseSettings):
    """Bearer-token verification: accepted issuers, audience, key sources."""

    model_config = SettingsConfigDict(env_prefix="LIVC_AUTH_")

    issuer: str = "livc-hub-local"
    audience: str = "livc-hub"
    jwks_url: str | None = None
    jwks_issuer: str | None = None
    local_issuer_enabled: bool = True
    local_issuer_key_path: Path = Path("var/issuer-key.pem")
    token_ttl_seconds: int = Field(default=3600, ge=60, le=86_400)
    leeway_seconds: int = Field(default=30, ge=0, le=300)
    hash_concurrency: int = Field(
        default=2,
        ge=1,
        le=64,
        description="argon2 hashes computed at once (each takes about 64 MiB and one core)",
    )
    device_clients: str = Field(
        default="livc-hub-cli",
        description="comma-separated public clients that may use the device authorization grant "
        "(RFC 8628), e.g. the command line",
    )
    device_code_ttl_seconds: int = Field(
        default=600, ge=60, le=3600, description="how long a device code waits for approval"
    )
    device_poll_interval_seconds: int = Field(
        default=5, ge=1, le=60, description="seconds a device waits between polls"
    )
    cli_client_id: str = Field(
        default="livc-hub-cli",
        min_length=1,
        max_length=200,
        description="the command line's public client id at the identity provider, published in "
        "/.well-known/oauth-protected-resource",
    )

    @property
    def device_client_ids(self) -> frozenset[str]:
        """The public clients of the device authorization grant."""
        return frozenset(_split(self.device_clients))

    @property
    def external_issuer(self) -> str | None:
        """The identity provider whose tokens the hub accepts (its JWKS is set), if any."""
        if not self.jwks_url:
            return None
        return self.jwks_issuer or self.issuer


class AuditSettings(BaseSettings):
    """The access log."""

    model_config = SettingsConfigDict(env_prefix="LIVC_AUDIT_")

    key_path: Path = Field(
        default=Path("var/audit-key.pem"), description="Ed25519 key that signs checkpoints"
    )
    checkpoint_every: int = Field(default=1000, ge=0, description="0: only on demand")
    checkpoint_seconds: int = Field(
        default=300,
        ge=0,
        description="sign a checkpoint on the first append this long after the last; 0: off",
    )
    request_id_header: str = Field(
        default="X-Request-ID",
        description="header whose value (if a safe token) becomes the entry's request id",
    )
    group_commit: bool = Field(
        default=True,
        description="requests that change no data have their entries committed together, by one "
        "writer (one fsync for many requests)",
    )
    group_commit_max: int = Field(default=64, ge=1, le=4096, description="requests per commit")
    failure_window_seconds: int = Field(
        default=60,
        ge=0,
        le=86_400,
        description="identical authentication failures within this window share one entry; 0: off",
    )
    state_path: Path | None = Field(
        default=None,
        description="the last signed tree head, kept outside the database (default: "
        "<key_path>.state.json)",
    )
    witnesses: str = Field(
        default="",
        description="comma-separated files and https:// URLs each checkpoint is pushed to",
    )
    witness_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    @field_validator("witnesses")
    @classmethod
    def _witness_targets(cls, value: str) -> str:
        for target in _split(value):
            check_witness_target(target)
        return value

    @property
    def state_file(self) -> Path:
        """Where the guard keeps the last signed tree head."""
        return self.state_path or self.key_path.with_name(self.key_path.name + ".state.json")

    @property
    def witness_targets(self) -> list[str]:
        """The witnesses, in the order given."""
        return _split(self.witnesses)


class RateLimitSettings(BaseSettings):
    """Attempts allowed at the credential endpoints (``limits`` notation, moving window)."""

    model_config = SettingsConfigDict(env_prefix="LIVC_RATE_LIMIT_")

    storage_uri: str = Field(
        default="memory://",
        description="memory:// (per process) or a shared store such as redis://host:6379",
    )
    token_per_client: str = Field(
        default="10/minute", description="POST /oauth/token attempts per client id"
    )
    token_per_address: str = Field(
        default="30/minute", description="POST /oauth/token attempts per source address"
    )
    device_per_address: str = Field(
        default="30/minute",
        description="POST /oauth/device_authorization requests per source address",
    )
    device_code_per_member: str = Field(
        default="5/15minutes",
        description="wrong user codes a member may type at /ui/device (each session's member)",
    )
    device_code_wrong: str = Field(
        default="60/10minutes",
        description="wrong user codes typed at /ui/device hub-wide: bounds the guesses any one "
        "pending code can receive in its life",
    )

    @field_validator(
        "token_per_client",
        "token_per_address",
        "device_per_address",
        "device_code_per_member",
        "device_code_wrong",
    )
    @classmethod
    def _parses(cls, value: str) -> str:
        return _rate_limit(value)


def _rate_limit(value: str) -> str:
    try:
        parse_many(value)
    except ValueError:
        raise ValueError(f"not a rate limit such as '10/minute': {value!r}") from None
    return value


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def check_witness_target(target: str) -> str:
    """A file path, an https:// URL, or http:// on the loopback (tests); anything else refused."""
    if "://" not in target:
        return target
    url = urlsplit(target)
    if url.scheme == "https" and url.hostname:
        return target
    if url.scheme == "http" and url.hostname in LOOPBACK:
        return target
    raise ValueError("a witness is a file path or an https:// URL (http:// only on the loopback)")


class PolicySettings(BaseSettings):
    """A municipality's stricter local rules (see docs/local-policy.md)."""

    model_config = SettingsConfigDict(env_prefix="LIVC_POLICY_")

    file: Path | None = Field(default=None, description="YAML or JSON file of local rules")


class TemplateSettings(BaseSettings):
    """Where the note templates' files are read from at start (docs/templates.md)."""

    model_config = SettingsConfigDict(env_prefix="LIVC_TEMPLATES_")

    directory: Path | None = Field(
        default=None,
        description="read template files from this directory instead of the package's own",
    )


class GovernanceSettings(BaseSettings):
    """The people who run the hub: four-eyes approval of privilege changes."""

    model_config = SettingsConfigDict(env_prefix="LIVC_GOVERNANCE_")

    proposal_ttl_hours: int = Field(
        default=168, ge=1, le=24 * 90, description="how long a proposal waits for approval"
    )


class WebSettings(BaseSettings):
    """The web client at /ui: sign-in, sessions and the identity provider (docs/web-auth.md)."""

    model_config = SettingsConfigDict(env_prefix="LIVC_WEB_")

    local_login: bool | None = Field(
        default=None,
        description="sign-in with username and password; unset: everywhere but production",
    )
    cookie_secure: bool = Field(
        default=True,
        description="session cookie __Host-livc_session, Secure; false (cookie livc_session) is "
        "refused unless LIVC_HOST is a loopback address",
    )
    idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    absolute_hours: int = Field(default=12, ge=1, le=24 * 7)
    login_per_username: str = Field(
        default="5/minute;20/hour", description="sign-in attempts per username"
    )
    login_per_address: str = Field(
        default="30/minute", description="sign-in attempts per source address"
    )
    password_per_member: str = Field(
        default="5/minute;20/hour",
        description="password changes (the current one is checked) per member",
    )
    oidc_issuer: str | None = Field(
        default=None, description="the identity provider's issuer URL (https://, or loopback)"
    )
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_redirect_url: str | None = Field(
        default=None, description="this hub's .../ui/login/oidc/callback as registered"
    )
    oidc_scopes: str = "openid"
    oidc_member_claim: str = Field(
        default="sub",
        pattern="^(sub|preferred_username)$",
        description="sub: the ID token's subject is the member id (as API tokens); "
        "preferred_username: the claim is matched against members' usernames",
    )

    @field_validator("login_per_username", "login_per_address", "password_per_member")
    @classmethod
    def _parses(cls, value: str) -> str:
        return _rate_limit(value)

    @field_validator("oidc_issuer", "oidc_redirect_url")
    @classmethod
    def _secure_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = urlsplit(value)
        if url.scheme == "https" and url.hostname:
            return value
        if url.scheme == "http" and url.hostname in LOOPBACK:
            return value
        raise ValueError("an https:// URL (http:// only on the loopback)")

    @property
    def oidc_enabled(self) -> bool:
        """Whether sign-in through the identity provider is configured."""
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_redirect_url)


class ServerSettings(BaseSettings):
    """The HTTP server and the run mode."""

    model_config = SettingsConfigDict(env_prefix="LIVC_")

    mode: Mode = Mode.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "info"
    api_docs: bool | None = Field(
        default=None,
        description="serve /docs, /redoc and /openapi.json; unset: everywhere but production",
    )


class Settings:
    """All concerns together, as the app factory and the CLI take them."""

    def __init__(
        self,
        *,
        database: DatabaseSettings | None = None,
        keys: KeySettings | None = None,
        auth: AuthSettings | None = None,
        audit: AuditSettings | None = None,
        server: ServerSettings | None = None,
        policy: PolicySettings | None = None,
        governance: GovernanceSettings | None = None,
        rate_limit: RateLimitSettings | None = None,
        templates: TemplateSettings | None = None,
        web: WebSettings | None = None,
    ) -> None:
        self.database = database or DatabaseSettings()
        self.keys = keys or KeySettings()
        self.auth = auth or AuthSettings()
        self.audit = audit or AuditSettings()
        self.server = server or ServerSettings()
        self.policy = policy or PolicySettings()
        self.governance = governance or GovernanceSettings()
        self.rate_limit = rate_limit or RateLimitSettings()
        self.templates = templates or TemplateSettings()
        self.web = web or WebSettings()

    def but(self, **concerns: object) -> Settings:
        """These settings with some concerns replaced (e.g. ``auth=AuthSettings(...)``)."""
        changed = copy.copy(self)
        for name, value in concerns.items():
            if not hasattr(changed, name):
                raise TypeError(f"no settings concern {name!r}")
            setattr(changed, name, value)
        return changed

    @property
    def demo(self) -> bool:
        """True when demo conveniences (built-in master key) are allowed."""
        return self.server.mode is Mode.DEMO

    @property
    def api_docs(self) -> bool:
        """Whether the interactive docs and the OpenAPI document are served."""
        if self.server.api_docs is not None:
            return self.server.api_docs
        return self.server.mode is not Mode.PRODUCTION

    @property
    def web_local_login(self) -> bool:
        """Whether the web client offers sign-in with a username and password."""
        if self.web.local_login is not None:
            return self.web.local_login
        return self.server.mode is not Mode.PRODUCTION

    def check_web(self) -> None:
        """Refuse a session cookie without Secure unless the hub listens on the loopback only."""
        if not self.web.cookie_secure and self.server.host not in LOOPBACK:
            raise ValueError(
                "LIVC_WEB_COOKIE_SECURE=false is allowed only when LIVC_HOST is a loopback address"
            )
