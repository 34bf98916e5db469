"""Configuration: a TOML file plus environment variables (which win), each setting with its default.

The file is `$DISTSCOUT_CONFIG` (which must exist; `/dev/null` for none), else
`~/.config/distscout/config.toml` when it exists. Every setting has
an environment variable `DISTSCOUT_<NAME>`; the GitHub token is also read from `GITHUB_TOKEN`.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from distscout import forges
from distscout.forges import Forge, self_hosted_gitlab
from distscout.interpreters import evidence_sources
from distscout.interpreters.ecosystems import ECOSYSTEMS
from distscout.interpreters.github_packages import GITHUB_PACKAGES
from distscout.interpreters.manifests import MANIFESTS
from distscout.interpreters.release_assets import RELEASE_ASSETS
from distscout.token_input import read_token_file, refuse_malformed, split_token_list

ALL_SOURCES = evidence_sources()
_EMAIL = re.compile(r"[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}")


class ConfigError(Exception):
    """The configuration cannot be used; the message says which setting and why."""


def default_config_path() -> Path:
    explicit = os.environ.get("DISTSCOUT_CONFIG")
    if explicit:
        return Path(explicit)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "distscout" / "config.toml"


def data_directory() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "distscout"


def default_database_url() -> str:
    return f"sqlite:///{data_directory() / 'distscout.db'}"


def default_output_dir() -> Path:
    return data_directory() / "outputs"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DISTSCOUT_", extra="forbid", populate_by_name=True)

    database_url: str = Field(default_factory=default_database_url)
    output_dir: Path = Field(default_factory=default_output_dir)  # published reports and repo cards
    depsdev_url: str = "https://api.deps.dev"
    ecosystems_url: str = "https://packages.ecosyste.ms"
    github_api_url: str = "https://api.github.com"
    github_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISTSCOUT_GITHUB_TOKEN", "GITHUB_TOKEN", "github_token")
    )
    # More GitHub tokens, pooled with `github_token` (each request goes to the one with the most budget
    # left): a list in config.toml, comma-separated in DISTSCOUT_GITHUB_TOKENS, or one a line in a file.
    github_tokens: Annotated[tuple[SecretStr, ...], NoDecode] = ()
    github_tokens_file: Path | None = None
    github_graphql: bool = True  # with a token: GitHub through batched GraphQL queries (REST without one)
    # GitHub's secondary limit on points a minute per token, kept by each client; off for a GitHub
    # Enterprise Server whose administrator left rate limits off (its default), and for unlimited emulators.
    github_secondary_limit: bool = True
    gitlab_api_url: str = "https://gitlab.com/api/v4"
    # One token for gitlab.com and the self-hosted instances (public projects answer without one).
    gitlab_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISTSCOUT_GITLAB_TOKEN", "GITLAB_TOKEN", "gitlab_token")
    )
    # Self-hosted GitLab instances by base URL, path prefix and all: https://git.example.com/gitlab
    gitlab_instances: tuple[str, ...] = ()
    gitlab_graphql: bool = True  # a project's manifests in GraphQL batches (REST raw files otherwise)
    ecosystems_bulk: bool = True  # concurrent scans' ecosyste.ms lookups in one bulk_lookup request
    polite_email: str | None = None  # sent to ecosyste.ms as mailto= and in the User-Agent (polite pool)
    # ecosyste.ms' commercial tier (its `apikey` header): 100,000 requests an hour instead of the polite
    # pool's 15,000, which bounds a large fleet's first pass whatever GitHub allows.
    ecosystems_api_key: SecretStr | None = None
    user_agent: str = "distscout/0.1 (+https://github.com/distscout/distscout)"
    sources: tuple[str, ...] = ALL_SOURCES
    # Every duration is finite and bounded: infinity or 1e300 would overflow a timedelta mid-scan.
    cadence_days: float = Field(default=180, gt=0, le=36_500, allow_inf_nan=False)
    # Scans at once (concurrent scans also share GraphQL and bulk queries). A scan holds no database
    # connection: claims and stores are short transactions in threads, so this is not bounded by the
    # server's connections (a process uses at most `STORE_CONNECTIONS`, store/engine.py).
    workers: int = Field(default=64, ge=1, le=256)
    start_interval: float = Field(default=30.0, ge=0, le=86_400, allow_inf_nan=False)
    start_burst: int = Field(default=25, ge=1)  # with batching: scans started together (≤ workers)
    pace_by_budget: bool = True  # once rate-limit headers are known, pace scans to spread the budget
    cross_check: bool = True  # query both deps.dev and ecosyste.ms
    immediate_partial_reclaim: bool = True
    request_timeout: float = Field(default=30.0, gt=0, le=3_600, allow_inf_nan=False)
    breaker_threshold: int = Field(default=10, ge=1)
    breaker_open_seconds: float = Field(default=3600.0, ge=0, le=7 * 86_400, allow_inf_nan=False)
    # Every claiming process beats a row this often; one silent for 3 beats is taken for dead and its
    # claims are taken back (a SIGKILLed worker's repositories are claimable again within ~4 beats).
    heartbeat_seconds: float = Field(default=5.0, gt=0, le=600, allow_inf_nan=False)
    # `distscout serve`: the web surfaces. Loopback by default: exposing them is a deliberate choice.
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    api_token: SecretStr | None = None  # bearer token for admin routes; none configured = admin closed
    protect_reads: bool = False  # also require the token for read routes, pages and /metrics
    # Host names the web answers to besides loopback and `host` (DNS rebinding): behind a reverse proxy or
    # on a wildcard bind, list the public names; "*" turns the check off.
    allowed_hosts: tuple[str, ...] = ()
    max_request_bytes: int = Field(default=1_048_576, ge=1024)  # larger bodies: 413, never read
    # a sign-in's lifetime (protect_reads)
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30, allow_inf_nan=False)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = default_config_path()
        toml = TomlConfigSettingsSource(settings_cls, toml_file=path if path.is_file() else None)
        return (init_settings, env_settings, toml)

    @field_validator("depsdev_url", "ecosystems_url", "github_api_url", "gitlab_api_url")
    @classmethod
    def _an_http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http:// or https:// URL with a host, got {value!r}")
        return value

    @field_validator("github_tokens", mode="before")
    @classmethod
    def _token_list(cls, value: Any) -> Any:
        return split_token_list(value) if isinstance(value, str) else value

    @field_validator("github_tokens_file", mode="before")
    @classmethod
    def _no_tokens_file(cls, value: Any) -> Any:
        return None if value == "" else value  # `DISTSCOUT_GITHUB_TOKENS_FILE=`: none, as for the list

    @field_validator("github_token", "github_tokens", "gitlab_token")
    @classmethod
    def _a_token(cls, value: Any) -> Any:
        tokens = value if isinstance(value, tuple) else (value,) if value is not None else ()
        refuse_malformed([token.get_secret_value() for token in tokens])
        return value

    @field_validator("github_tokens_file")
    @classmethod
    def _readable_tokens_file(cls, value: Path | None) -> Path | None:
        if value is not None:
            read_token_file(value)  # raises ValueError saying what is wrong
        return value

    def github_token_pool(self) -> tuple[str, ...]:
        """Every GitHub token configured, in order, each once: `github_token`, `github_tokens`, the file's."""
        return tuple(dict.fromkeys(_every_github_token(self)))

    @field_validator("gitlab_instances")
    @classmethod
    def _gitlab_bases(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for base in value:
            self_hosted_gitlab(base)  # raises ValueError saying what is wrong
        return value

    @field_validator("polite_email")
    @classmethod
    def _an_email(cls, value: str | None) -> str | None:
        # ecosyste.ms admits to its polite pool only what its pattern reads as an address
        if value is not None and not _EMAIL.fullmatch(value):
            raise ValueError(f"expected an email address such as ops@example.org, got {value!r}")
        return value

    def forges(self) -> tuple[Forge, ...]:
        """The forges repositories may live on: github.com, gitlab.com and the self-hosted GitLabs."""
        return _forges(self.github_api_url, self.gitlab_api_url, self.gitlab_instances)

    def effective_user_agent(self) -> str:
        if self.polite_email and "@" not in self.user_agent:
            return f"{self.user_agent.rstrip(')')}; mailto:{self.polite_email})"
        return self.user_agent

    def shown(self) -> dict[str, Any]:
        """Every setting, secrets masked (the tokens, a password in the database URL): `config show`."""
        values = self.model_dump()
        values["github_token"] = "***" if self.github_token else None
        values["github_tokens"] = ["***" for _ in self.github_tokens]
        values["gitlab_token"] = "***" if self.gitlab_token else None
        values["api_token"] = "***" if self.api_token else None
        values["database_url"] = masked_url(self.database_url)
        return values


@functools.lru_cache(maxsize=16)
def _forges(github_api_url: str, gitlab_api_url: str, instances: tuple[str, ...]) -> tuple[Forge, ...]:
    """Built once per configuration, not once per scan (every scan asks which forge a repository is on)."""
    public = (forges.github(github_api_url), forges.gitlab(gitlab_api_url))
    return public + tuple(self_hosted_gitlab(base) for base in instances)


def masked_url(url: str) -> str:
    """`url` with any password replaced by ***, even when it does not parse as a URL."""
    # to the last `@`: a password holding an unencoded `@` or `/` was shown from there on
    return re.sub(r"(//[^/:@]*:)[^?]*@", r"\1***@", url)


def _every_github_token(settings: Settings) -> tuple[str, ...]:
    single = (settings.github_token,) if settings.github_token else ()
    listed = tuple(t.get_secret_value() for t in (*single, *settings.github_tokens))
    filed = read_token_file(settings.github_tokens_file) if settings.github_tokens_file else ()
    return tuple(t for t in (*listed, *filed) if t)


def setup_warnings(settings: Settings) -> list[str]:
    """What costs a scan budget or evidence without an error to show for it (`distscout doctor` says more)."""
    warnings = []
    if ECOSYSTEMS in settings.sources and not settings.polite_email:
        warnings.append(
            "no polite_email: ecosyste.ms puts these requests in its anonymous tier (5,000 an hour instead "
            "of 15,000); set polite_email"
        )
    given = _every_github_token(settings)  # the tokens file read once
    pool = set(given)
    if len(given) > len(pool):
        warnings.append(
            f"the same GitHub token is given more than once ({len(given)} given, "
            f"{len(pool)} different): each counts once in the pool"
        )
    if not pool and {RELEASE_ASSETS, GITHUB_PACKAGES, MANIFESTS} & set(settings.sources):
        warnings.append(
            "no GitHub token: 60 requests an hour, REST only, GitHub Packages not visible; set GITHUB_TOKEN"
        )
    return warnings


def load_settings(**overrides: Any) -> Settings:
    explicit = os.environ.get("DISTSCOUT_CONFIG")
    # Named on purpose, a missing file is a mistake, not "no configuration file"; /dev/null says "none".
    if explicit and explicit != os.devnull:
        path = Path(explicit).expanduser()
        if not path.exists():
            raise ConfigError(f"DISTSCOUT_CONFIG names {explicit}, which does not exist")
        if not path.is_file():
            raise ConfigError(f"DISTSCOUT_CONFIG names {explicit}, which is not a file")
    known = evidence_sources()  # read now: the registry list is what a plugin extends
    unknown_sources = set(overrides.get("sources", ())) - set(known)
    if unknown_sources:
        raise ConfigError(f"unknown sources: {', '.join(sorted(unknown_sources))}")
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "config"
        raise ConfigError(f"{where}: {first['msg'].removeprefix('Value error, ')}") from None
    except (OSError, ValueError) as exc:  # an unreadable or malformed TOML file, or environment value
        from_env = re.search(r'field "(\w+)" from source "EnvSettingsSource"', str(exc))
        if from_env is not None:
            variable = f"DISTSCOUT_{from_env[1].upper()}"
            raise ConfigError(f'{variable}: not readable; a list is written in JSON: ["a", "b"]') from None
        raise ConfigError(f"{default_config_path()}: {exc}") from None
    bad = set(settings.sources) - set(known)
    if bad:
        raise ConfigError(f"sources: unknown {', '.join(sorted(bad))} (known: {', '.join(known)})")
    return settings
