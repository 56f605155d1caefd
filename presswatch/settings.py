"""One typed settings object: defaults < config file (TOML) < environment (``PRESSWATCH_*``) < CLI flags."""

from __future__ import annotations

import difflib
import logging
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from presswatch.errors import ConfigError

__all__ = ["ENV_PREFIX", "NON_SETTING_VARIABLES", "Settings", "load_settings", "unknown_environment"]

log = logging.getLogger(__name__)

ENV_PREFIX = "PRESSWATCH_"
#: ``PRESSWATCH_*`` variables that are not settings (read by the test suite only).
NON_SETTING_VARIABLES = frozenset({
    "PRESSWATCH_TEST_PG", "PRESSWATCH_REQUIRE_PG", "PRESSWATCH_TEST_REDIS", "PRESSWATCH_REQUIRE_REDIS",
    "PRESSWATCH_TEST_AMQP", "PRESSWATCH_REQUIRE_AMQP", "PRESSWATCH_REQUIRE_BROWSER", "PRESSWATCH_ARTIFACTS",
})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    data: Path = Field(default=Path("./presswatch-data"), description="Data folder (WARCs, keys, spool).")
    db: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in the data folder.")
    allow_private: bool = Field(default=False, description="Allow private/loopback targets (tests, demo).")
    vantage: str = Field(default="origin", description="Name of this vantage in observations.")
    country: str | None = Field(
        default=None, description="ISO 3166-1 alpha-2 country this instance measures from (default unknown)."
    )

    # fetch
    user_agent: str = "presswatch/0.1 (+https://github.com/presswatch/presswatch; news-archiving bot)"
    timeout: float = Field(default=20.0, description="Per-request timeout (connect/read/total), seconds.")
    max_body_bytes: int = Field(default=20 * 1024 * 1024, description="Cap on the raw (wire) body size.")
    max_decoded_bytes: int = Field(default=50 * 1024 * 1024, description="Cap on the decompressed body.")
    max_redirects: int = 10
    fetch_deadline: float = Field(
        default=60.0,
        description="Overall deadline for one fetch across all its redirect hops, seconds (network time; "
        "time queued behind the concurrency and politeness limits does not count). Past it: timeout.",
    )
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

    # server
    max_request_bytes: int = Field(
        default=1024 * 1024, ge=1, description="Largest request body the server reads (413 beyond)."
    )
    public_read: bool = Field(
        default=True,
        description="Anonymous visitors may read public records (pages, API, search); off: everything needs sign-in.",
    )
    session_hours: float = Field(default=24.0 * 14, gt=0, description="How long a web sign-in lasts, hours.")
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed sign-ins per name or address within login_window before refusal."
    )
    login_window: float = Field(default=900.0, gt=0, description="Window of the sign-in rate limit, seconds.")
    # replay of archived pages (its own origin: the app's cookies never reach it)
    replay_origin: str = Field(
        default="http://127.0.0.1:8091", description="Public base URL of the replay origin (scheme://host:port)."
    )
    app_origin: str = Field(
        default="http://127.0.0.1:8700", description="Public origin of the web app (the only frame ancestor of replay)."
    )
    replay_port: int | None = Field(
        default=None, ge=1, le=65535, description="Port `serve` listens on for replay (default: replay_origin's)."
    )
    capture_requisites: bool = Field(
        default=True, description="After a new page body is archived, archive its images, stylesheets and fonts."
    )
    requisites_max: int = Field(default=60, ge=0, description="Most requisites archived for one page.")
    requisites_max_bytes: int = Field(
        default=20 * 1024 * 1024, ge=0, description="Most wire bytes of requisites archived for one page."
    )
    requisites_refresh: float = Field(
        default=86400.0, ge=0,
        description="A requisite archived this many seconds ago or less is not fetched again (0: always fetch).",
    )
    measure_time_skew: float = Field(
        default=300.0, ge=0, description="Seconds a probe's measured_at may precede enrollment / follow receipt."
    )

    # schedule
    lease_seconds: int = Field(default=300, description="How long a run's claim on a due watch lasts (renewed).")
    default_interval: int | None = Field(default=None, description="Fixed re-check seconds; None = adaptive.")

    # scale-out (presswatch/workers): Celery workers over a broker, the scheduler claiming due watches
    mode: Literal["embedded", "scale-out"] = Field(
        default="embedded", description="embedded: one process, no broker; scale-out: scheduler + Celery workers."
    )
    broker_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="Celery broker (redis://… or amqp://…) for scale-out mode.",
    )
    limiter_url: str | None = Field(
        default=None,
        description="Redis URL of the cluster-wide per-host limiter (scale-out); default broker_url if it is "
        "Redis, else per-process limits.",
    )
    batch_size: int = Field(default=25, ge=1, description="Watches per task the scheduler enqueues.")
    dispatch_lease_seconds: int = Field(
        default=900, ge=1, description="How long a queued batch's claim lasts before its watches fall due again."
    )
    max_queued: int = Field(
        default=20_000, ge=1, description="Watches the scheduler keeps claimed-but-unchecked at most (backpressure)."
    )
    broker_visibility_timeout: int = Field(
        default=3600, ge=1, description="Redis broker: seconds before an unacknowledged task is redelivered."
    )
    worker_concurrency: int = Field(default=8, ge=1, description="Concurrent checks inside one worker task.")
    queue_prefix: str = Field(
        default="presswatch.", description="Prefix of the broker's queue names and the limiter's keys (one "
        "deployment per prefix can share a broker)."
    )

    # blocking measurements
    fingerprints: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Extra blockpage fingerprint files (CSV/JSON); in the environment, separated by "
        f"{os.pathsep!r}. DATA/fingerprints/ is always read too.",
    )
    measure_confirm_runs: int = Field(
        default=2, ge=1, description="Consistent measurements needed to confirm a reachability change."
    )
    measure_confirm_probes: int = Field(
        default=2, ge=1, description="…from at least this many distinct probes (or runs from one vantage)."
    )

    # press reports
    report_max_bytes: int = Field(
        default=2 * 1024 * 1024, ge=1,
        description="Largest report file `report add` reads (bytes); the extraction reads the first 200,000 "
        "characters of its text.",
    )
    ner: bool = Field(
        default=True,
        description="Read Russian reports with natasha's named-entity model too (≈ 0.6 s to load once, "
        "≈ 225 MB resident); off: the rules alone.",
    )
    ooni_api: str | None = Field(
        default=None,
        description="OONI measurement API base URL (e.g. https://api.ooni.io) consulted for a claimed block "
        "where presswatch has no vantage of its own; None = never ask OONI. Requests pass the SSRF guard.",
    )
    # alerts (presswatch/alerts): webhook / apprise delivery of confirmed events
    alert_retry_schedule: list[float] = Field(
        default_factory=lambda: [5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0],
        description="Seconds before each retry of an undelivered alert (Standard Webhooks' schedule); "
        "Retry-After is honoured when longer. In the environment: a JSON list.",
    )
    alert_timeout: float = Field(default=10.0, gt=0, description="Timeout of one alert delivery attempt, seconds.")
    alert_concurrency: int = Field(default=16, ge=1, description="Alert deliveries in flight at once.")
    alert_claim_seconds: float = Field(
        default=300.0, gt=0,
        description="A delivery worker's claim on events and messages lasts this long; after a crash another "
        "worker takes them over (resending with the same webhook-id).",
    )
    alert_flap_window: float = Field(
        default=3600.0, ge=0, description="A return to normal this soon after an alert waits for a relapse (flapping)."
    )
    alerts_in_run: bool = Field(default=True, description="Deliver alerts in the background of `presswatch run`.")
    alert_poll: float = Field(default=5.0, gt=0, description="Seconds between delivery rounds inside `run`.")
    alert_flush_timeout: float = Field(
        default=15.0, ge=0, description="At the end of a pass, wait at most this long for its alerts to go out."
    )
    public_url: str | None = Field(default=None, description="Base URL of this server, for links in alerts/feeds.")

    @field_validator("country")
    @classmethod
    def _iso_country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        import pycountry

        if len(value) != 2 or pycountry.countries.get(alpha_2=value.upper()) is None:
            raise ValueError(f"not an ISO 3166-1 alpha-2 country code: {value!r}")
        return value.upper()

    @field_validator("replay_origin", "app_origin")
    @classmethod
    def _origin(cls, value: str) -> str:
        import re

        value = value.strip().rstrip("/")
        if not re.fullmatch(r"https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?", value):
            raise ValueError(f"not an origin (scheme://host[:port], no path): {value!r}")
        return value.lower()

    @field_validator("fingerprints", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [p for p in value.split(os.pathsep) if p.strip()]
        return value

    @property
    def db_url(self) -> str:
        if self.db:
            return self.db
        return f"sqlite:///{(self.data / 'presswatch.sqlite3').resolve()}"

    @property
    def warc_dir(self) -> Path:
        return self.data / "warc"


def _closest(name: str) -> str | None:
    match = difflib.get_close_matches(name.lower(), list(Settings.model_fields), n=1, cutoff=0.6)
    return match[0] if match else None


def unknown_environment(environ: Mapping[str, str] | None = None) -> list[str]:
    """One message per ``PRESSWATCH_*`` variable that names no setting (a typo is otherwise silent)."""
    env = os.environ if environ is None else environ
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields} | NON_SETTING_VARIABLES
    messages = []
    for var in sorted(env):
        if var.upper().startswith(ENV_PREFIX) and var.upper() not in known:
            guess = _closest(var[len(ENV_PREFIX) :])
            hint = f"; did you mean {ENV_PREFIX}{guess.upper()}?" if guess else ""
            messages.append(f"unknown environment variable {var} is ignored{hint}")
    return messages


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings from an optional TOML file, the environment and explicit overrides.

    Environment variables win over the file; overrides (CLI flags) win over both. An unknown key in
    the file is an error naming the closest setting; an unknown ``PRESSWATCH_*`` variable is a warning.
    """
    file_values: dict[str, Any] = {}
    if config_file is not None:
        try:
            with open(config_file, "rb") as fh:
                raw = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {config_file}: {exc}") from exc
        section = raw.get("presswatch", raw)
        if not isinstance(section, dict):
            raise ConfigError(f"{config_file}: [presswatch] must be a table of settings")
        problems = []
        for key in sorted(section):
            if key not in Settings.model_fields:
                guess = _closest(key)
                problems.append(f"unknown setting {key!r}" + (f" (did you mean {guess!r}?)" if guess else ""))
        if problems:
            raise ConfigError(f"{config_file}: " + "; ".join(problems))
        file_values = section
    for message in unknown_environment():
        log.warning(message)
    try:
        base = Settings()
    except Exception as exc:  # pydantic.ValidationError from PRESSWATCH_* variables
        raise ConfigError(f"invalid PRESSWATCH_* environment setting: {exc}") from exc
    merged: dict[str, Any] = {**file_values}
    for key in base.model_fields_set:
        merged[key] = getattr(base, key)
    merged.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.model_validate({**base.model_dump(), **merged})
    except Exception as exc:  # pydantic.ValidationError
        raise ConfigError(f"invalid settings: {exc}") from exc
