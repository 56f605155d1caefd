"""The probe: enroll with a server, pull assignments, measure, sign and submit (spooling while offline).

Files in ``<data>/probe/``: ``probe_key.pem`` (Ed25519, 0600), ``probe.json`` (server, id, country,
network), ``assignments.json`` (last assignments, used while the server is unreachable) and ``spool/``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from presswatch import __version__
from presswatch.clock import Clock, SystemClock, isoformat
from presswatch.errors import ConfigError, PresswatchError
from presswatch.measure.fingerprints import default_fingerprints
from presswatch.probes import envelope as env
from presswatch.probes.reachability import StatusPolicy, measurement_dict, record_measurement
from presswatch.probes.spool import Spool, SpooledMeasurement
from presswatch.record.ledger import Ledger
from presswatch.record.models import capture_row

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = [
    "ControlFn",
    "engine_measure",
    "enroll",
    "flush",
    "load_probe",
    "measure_local",
    "MeasureContext",
    "MeasureFn",
    "probe_dir",
    "ProbeClient",
    "ProbeConfig",
    "ProbeError",
    "run_forever",
    "run_once",
    "RunReport",
    "ServerUnreachable",
]

log = logging.getLogger(__name__)

ControlFn = Callable[[str, list[str]], Awaitable[dict[str, Any]]]


class ProbeError(PresswatchError):
    """The server refused a probe request (``status`` is the HTTP status)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ServerUnreachable(PresswatchError):
    """The probe server could not be reached (or answered with a 5xx)."""


@dataclass(frozen=True)
class MeasureContext:
    """What a measurement needs besides the URL."""

    country: str
    network: str
    probe_id: str | None
    control: ControlFn
    resolver: str | None = None
    archive: Any = None
    allow_private: bool = False
    clock: Clock | None = None
    fingerprints: Any = None  # a measure.fingerprints.Fingerprints; None = the builtin set


MeasureFn = Callable[[str, MeasureContext], Awaitable[dict[str, Any]]]


async def engine_measure(url: str, ctx: MeasureContext) -> dict[str, Any]:
    """The real measurement engine (:func:`presswatch.measure.measurement.measure`)."""
    from presswatch.measure.measurement import Vantage, measure

    vantage = Vantage(country=ctx.country, network=ctx.network, probe_id=ctx.probe_id or "local")
    result: dict[str, Any] = await measure(
        url,
        vantage=vantage,
        resolver=ctx.resolver,
        control=ctx.control,
        archive=ctx.archive,
        allow_private=ctx.allow_private,
        clock=ctx.clock,
        fingerprints=ctx.fingerprints,
    )
    return result


# -- configuration ------------------------------------------------------------------------------------
@dataclass
class ProbeConfig:
    server: str
    probe_id: str
    country: str
    network: str
    enrolled_at: str


def probe_dir(data_dir: Path) -> Path:
    return data_dir / "probe"


def load_probe(data_dir: Path) -> tuple[ProbeConfig, Ed25519PrivateKey]:
    folder = probe_dir(data_dir)
    try:
        raw = json.loads((folder / "probe.json").read_text(encoding="utf-8"))
        config = ProbeConfig(**raw)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"this data folder has no enrolled probe ({folder}); run `presswatch probe enroll`"
        ) from exc
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"cannot read probe config in {folder}: {exc}") from exc
    return config, env.load_key(folder / "probe_key.pem")


def enroll(
    data_dir: Path,
    server: str,
    token: str,
    country: str,
    network: str,
    *,
    clock: Clock | None = None,
    force: bool = False,
    timeout: float = 30.0,
) -> ProbeConfig:
    """Create this probe's key (0600) and register it with ``server`` using enrollment ``token``."""
    folder = probe_dir(data_dir)
    if (folder / "probe.json").exists() and not force:
        raise ConfigError(f"a probe is already enrolled in {folder} (use --force to replace it)")
    if len(country) != 2 or not country.isalpha():
        raise ConfigError(f"country must be a two-letter code, not {country!r}")
    key = env.generate_key()
    payload = {
        "token": token,
        "public_key": env.public_key_b64(key),
        "country": country.upper(),
        "network": network,
        "software_version": __version__,
    }
    url = server.rstrip("/") + "/api/v1/probes/enroll"
    try:
        resp = httpx.post(url, json=payload, timeout=timeout)
    except httpx.HTTPError as exc:
        raise ServerUnreachable(f"cannot reach {server}: {exc}") from exc
    if resp.status_code != 201:
        raise ProbeError(resp.status_code, f"enrollment refused: {_detail(resp)}")
    data = resp.json()
    env.save_key(key, folder / "probe_key.pem")
    config = ProbeConfig(
        server=server.rstrip("/"),
        probe_id=data["probe_id"],
        country=data["country"],
        network=data["network"],
        enrolled_at=isoformat((clock or SystemClock()).now()),
    )
    env.atomic_write(folder / "probe.json", json.dumps(asdict(config), indent=2).encode(), mode=0o600)
    log.info("enrolled as probe %s", config.probe_id)
    return config


def _detail(resp: httpx.Response) -> str:
    try:
        return str(resp.json().get("detail", resp.text))
    except ValueError:
        return resp.text[:300]


# -- the client ---------------------------------------------------------------------------------------
class ProbeClient:
    """Signed requests to the probe server."""

    def __init__(
        self, config: ProbeConfig, key: Ed25519PrivateKey, clock: Clock | None = None, timeout: float = 60.0
    ) -> None:
        self.config = config
        self.key = key
        self.clock = clock or SystemClock()
        self._http = httpx.AsyncClient(base_url=config.server, timeout=timeout)

    async def __aenter__(self) -> ProbeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(self, method: str, path: str, body: Any = None) -> httpx.Response:
        content = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        full_path = httpx.URL(self.config.server).path.rstrip("/") + path
        headers = env.sign_request(
            self.key, self.config.probe_id, method, full_path, content, self.clock.now()
        )
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            resp = await self._http.request(method, path, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise ServerUnreachable(f"cannot reach {self.config.server}: {exc}") from exc
        if resp.status_code >= 500:
            raise ServerUnreachable(f"{self.config.server} answered {resp.status_code}")
        if resp.status_code >= 400:
            raise ProbeError(
                resp.status_code, f"{method} {path} refused ({resp.status_code}): {_detail(resp)}"
            )
        return resp

    async def assignments(self) -> list[dict[str, Any]]:
        resp = await self.request("GET", f"/api/v1/probes/{self.config.probe_id}/assignments")
        urls: list[dict[str, Any]] = resp.json()["urls"]
        return urls

    async def submit(self, envelope: dict[str, Any], signature: str) -> str:
        """Submit one signed envelope; returns ``stored`` or ``duplicate``."""
        resp = await self.request(
            "POST", "/api/v1/measurements", {"envelope": envelope, "signature": signature}
        )
        return str(resp.json()["status"])

    async def control(self, url: str, endpoints: list[str]) -> dict[str, Any]:
        resp = await self.request("POST", "/api/v1/control", {"url": url, "endpoints": endpoints})
        result: dict[str, Any] = resp.json()
        return result


# -- a run --------------------------------------------------------------------------------------------
@dataclass
class RunReport:
    assigned: int = 0
    measured: int = 0
    failed: int = 0
    submitted: int = 0
    duplicates: int = 0
    rejected: int = 0
    pending: int = 0
    offline: bool = False
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def flush(client: ProbeClient, spool: Spool, report: RunReport, concurrency: int = 8) -> None:
    """Submit every spooled measurement (a few at a time); stop once the server is unreachable.

    A file is removed only after the server stored it or already had it. Unknown or revoked probes
    (401/403) raise :class:`ProbeError`; other refusals move the file to ``spool/rejected/``.
    """
    stop = asyncio.Event()
    fatal: list[ProbeError] = []
    sem = asyncio.Semaphore(max(1, concurrency))

    async def one(item: SpooledMeasurement) -> None:
        async with sem:
            if stop.is_set():
                return
            try:
                status = await client.submit(item.envelope, item.signature)
            except ServerUnreachable as exc:
                if not stop.is_set():
                    report.offline = True
                    report.errors.append(str(exc))
                stop.set()
                return
            except ProbeError as exc:
                if exc.status in (401, 403):  # unknown/revoked probe or a clock far off
                    fatal.append(exc)
                    stop.set()
                    return
                report.rejected += 1
                report.errors.append(str(exc))
                _quarantine(spool, item.path)
                return
            if status == "duplicate":
                report.duplicates += 1
            else:
                report.submitted += 1
            spool.remove(item)

    await asyncio.gather(*(one(item) for item in spool.pending()))
    report.pending = len(spool)
    if fatal:
        raise fatal[0]


def _quarantine(spool: Spool, path: Path) -> None:
    dest = spool.folder / "rejected"
    dest.mkdir(exist_ok=True)
    path.replace(dest / path.name)
    log.warning("server rejected %s; kept in %s", path.name, dest)


async def run_once(
    data_dir: Path,
    *,
    measure_fn: MeasureFn | None = None,
    concurrency: int = 4,
    clock: Clock | None = None,
    allow_private: bool = False,
    resolver: str | None = None,
    fingerprints: Any = None,
) -> RunReport:
    """Flush the spool, pull assignments (cached ones if offline), measure them, spool and submit."""
    measure_fn = measure_fn or engine_measure
    clock = clock or SystemClock()
    config, key = load_probe(data_dir)
    folder = probe_dir(data_dir)
    spool = Spool(folder / "spool")
    cache = folder / "assignments.json"
    report = RunReport()
    async with ProbeClient(config, key, clock) as client:
        await flush(client, spool, report)
        try:
            items = await client.assignments()
            env.atomic_write(cache, json.dumps(items).encode(), mode=0o600)
        except ServerUnreachable as exc:
            report.offline = True
            report.errors.append(str(exc))
            items = json.loads(cache.read_text(encoding="utf-8")) if cache.exists() else []
            log.warning("server unreachable; measuring %d cached assignments", len(items))
        report.assigned = len(items)
        ctx = MeasureContext(
            country=config.country,
            network=config.network,
            probe_id=config.probe_id,
            control=client.control,
            resolver=resolver,
            allow_private=allow_private,
            fingerprints=fingerprints,
        )
        sem = asyncio.Semaphore(max(1, concurrency))

        async def one(url: str) -> None:
            async with sem:
                start = clock.now()
                try:
                    result = await measure_fn(url, ctx)
                except Exception as exc:  # one bad URL must not stop the run
                    log.warning("measuring %s failed: %s", url, exc)
                    report.failed += 1
                    report.errors.append(f"{url}: {exc}")
                    return
                envelope = env.build_envelope(
                    result,
                    probe_id=config.probe_id,
                    country=config.country,
                    network=config.network,
                    start_time=start,
                )
                await asyncio.to_thread(spool.put, envelope, env.sign_envelope(key, envelope))
                report.measured += 1

        await asyncio.gather(*(one(str(item["url"])) for item in items))
        await flush(client, spool, report)
    return report


async def run_forever(data_dir: Path, *, interval: float = 3600.0, **kwargs: Any) -> None:
    """Run :func:`run_once` every ``interval`` seconds until cancelled."""
    while True:
        try:
            report = await run_once(data_dir, **kwargs)
            log.info("probe run: %s", report.as_dict())
        except ProbeError:
            raise
        except PresswatchError as exc:
            log.warning("probe run failed: %s", exc)
        await asyncio.sleep(interval)


# -- a local measurement (``presswatch measure``) -----------------------------------------------------
class _RecordingArchive:
    """Passes writes to the real archive and keeps the returned capture pointers."""

    def __init__(self, archive: Any) -> None:
        self._archive = archive
        self.refs: list[Any] = []

    def write_exchange(self, *args: Any, **kwargs: Any) -> Any:
        ref = self._archive.write_exchange(*args, **kwargs)
        self.refs.append(ref)
        return ref

    def __getattr__(self, name: str) -> Any:
        return getattr(self._archive, name)


async def measure_local(
    core: Presswatch,
    url: str,
    *,
    country: str = "ZZ",
    network: str = "",
    resolver: str | None = None,
    control_resolver: str | None = None,
    measure_fn: MeasureFn | None = None,
    control: ControlFn | None = None,
    policy: StatusPolicy | None = None,
) -> dict[str, Any]:
    """Measure ``url`` from here (control run locally), archive, store and fold into the status."""
    if control is None:

        async def control(u: str, endpoints: list[str]) -> dict[str, Any]:
            from presswatch.measure.control import control_measure

            view: dict[str, Any] = await control_measure(
                u, endpoints, resolver=control_resolver, allow_private=core.settings.allow_private
            )
            return view

    archive = _RecordingArchive(core.archive)
    ctx = MeasureContext(
        country=country.upper(),
        network=network,
        probe_id=None,
        control=control,
        resolver=resolver,
        archive=archive,
        allow_private=core.settings.allow_private,
        clock=core.clock,
        fingerprints=default_fingerprints(core.settings),
    )
    start = core.clock.now()
    result = await (measure_fn or engine_measure)(url, ctx)
    envelope = env.build_envelope(result, probe_id=None, country=country, network=network, start_time=start)
    now = core.clock.now()

    def _store(s: Session) -> dict[str, Any]:
        capture_id = None
        if archive.refs:
            cap = capture_row(s, archive.refs[-1], country.upper())
            s.flush()
            capture_id = cap.id
        row, events, _ = record_measurement(
            s,
            envelope,
            ledger=Ledger(core),
            signature=None,
            probe_id=None,
            received_at=now,
            capture_id=capture_id,
            policy=policy or StatusPolicy.from_settings(core.settings),
        )
        return {**measurement_dict(row), "events": [e.summary for e in events]}

    stored: dict[str, Any] = core.db.write(_store)
    return {"measurement": stored, "result": envelope["test_keys"]}
