"""One typed settings object: defaults < config file (TOML) < environment (``PRESSWATCH_*``) < CLI flags."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRESSWATCH_", extra="ignore")

    data: Path = Field(default=Path("./presswatch-data"), description="Data folder (WARCs, keys, spool).")
    db: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in the data folder.")
    allow_private: bool = Field(default=False, description="Allow private/loopback targets (tests, demo).")
    vantage: str = Field(default="origin", description="Name of this vantage in observations.")

    # fetch
    user_agent: str = "presswatch/0.1 (+https://github.com/presswatch/presswatch; news-archiving bot)"
    timeout: float = Field(default=20.0, description="Per-request timeout (connect/read/total), seconds.")
    max_body_bytes: int = Field(default=20 * 1024 * 1024, description="Cap on the raw (wire) body size.")
    max_decoded_bytes: int = Field(default=50 * 1024 * 1024, description="Cap on the decompressed body.")
    max_redirects: int = 10
    per_host_concurrency: int = 4
    per_host_delay: float = Field(default=0.0, description="Minimum seconds between requests to one host.")
    concurrency: int = Field(default=32, description="Global concurrent fetches.")
    respect_robots: bool = Field(default=True, description="Honour robots.txt for discovery.")

    # archive
    warc_max_bytes: int = Field(default=1024 * 1024 * 1024, description="Rotate WARC files at this size.")

    # analysis / confirmation policy
    confirm_checks: int = Field(default=3, description="Consistent checks needed to confirm a bad state.")
    confirm_min_hours: float = Field(default=0.0, description="…spanning at least this many hours.")

    analysis_timeout: float = Field(default=60.0, description="Deadline for analysing one page, seconds.")
    analysis_retry: int = Field(default=600, description="Re-check this soon after an analysis failure, seconds.")

    # schedule
    lease_seconds: int = Field(default=300, description="How long a run's claim on a due watch lasts (renewed).")
    default_interval: int | None = Field(default=None, description="Fixed re-check seconds; None = adaptive.")

    @property
    def db_url(self) -> str:
        if self.db:
            return self.db
        return f"sqlite:///{(self.data / 'presswatch.sqlite3').resolve()}"

    @property
    def warc_dir(self) -> Path:
        return self.data / "warc"


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings from an optional TOML file, the environment and explicit overrides.

    Environment variables win over the file; overrides (CLI flags) win over both.
    """
    file_values: dict[str, Any] = {}
    if config_file is not None:
        try:
            with open(config_file, "rb") as fh:
                raw = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {config_file}: {exc}") from exc
        file_values = raw.get("presswatch", raw)
    try:
        base = Settings()
    except Exception as exc:  # pydantic.ValidationError from PRESSWATCH_* variables
        raise ConfigError(f"invalid PRESSWATCH_* environment setting: {exc}") from exc
    env_set = {k for k in Settings.model_fields if base.model_fields_set and k in base.model_fields_set}
    merged: dict[str, Any] = {**file_values}
    for key in env_set:
        merged[key] = getattr(base, key)
    merged.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.model_validate({**base.model_dump(), **merged})
    except Exception as exc:  # pydantic.ValidationError
        raise ConfigError(f"invalid settings: {exc}") from exc
