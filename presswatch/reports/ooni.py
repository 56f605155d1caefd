"""OONI's public Web Connectivity measurements, imported as a third party's verdict.

Two shapes are read: OONI's measurement API listing (``GET {base}/api/v1/measurements?input=…&probe_cc=…
&test_name=web_connectivity&since=…&until=…&limit=…`` → ``{"metadata": …, "results": [{measurement_uid,
input, probe_cc, probe_asn, test_name, measurement_start_time, anomaly, confirmed, failure,
measurement_url}, …]}``) and a full measurement in OONI's base data format (df-000-base: ``input``,
``probe_cc``, ``probe_asn``, ``test_name``, ``measurement_start_time`` as ``YYYY-MM-DD HH:MM:SS`` UTC,
``test_keys`` with ts-017's ``blocking`` and ``accessible``), one object or JSON lines.

Stored rows (:class:`~presswatch.record.report_models.OoniObservation`) say where they came from and
enter the evidence log as kind ``third-party``; they never become presswatch's own measurements, and
reachability status is not folded from them. The API base URL is a setting (``ooni_api``); every
request goes through the fetcher, so through the one SSRF guard.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from presswatch.clock import isoformat, parse_when
from presswatch.errors import PresswatchError
from presswatch.record.ledger import Ledger
from presswatch.record.report_models import OoniObservation

if TYPE_CHECKING:
    from presswatch.core import Presswatch
    from presswatch.fetch.client import Fetcher

__all__ = ["MAX_FULL_FETCHES", "OoniError", "OoniRecord", "import_records", "parse_listing", "parse_measurement",
           "parse_jsonl", "query", "query_url"]

log = logging.getLogger(__name__)

MAX_FULL_FETCHES = 5  # full measurements fetched per query (for test_keys.blocking)


class OoniError(PresswatchError):
    """OONI's API could not be read, or a measurement is not in OONI's format."""


@dataclass(frozen=True)
class OoniRecord:
    measurement_uid: str
    input: str
    probe_cc: str
    probe_asn: str | None
    test_name: str
    measured_at: datetime
    anomaly: bool
    confirmed: bool
    failure: bool
    blocking: str | None
    accessible: bool | None
    source_url: str
    raw: dict[str, Any]


def _when(value: object) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise OoniError(f"measurement_start_time missing or not a string: {value!r}")
    try:
        dt = parse_when(value)
    except ValueError as exc:
        raise OoniError(f"measurement_start_time {value!r} is not 'YYYY-MM-DD HH:MM:SS'") from exc
    assert dt is not None
    return dt


def _cc(value: object) -> str:
    if not isinstance(value, str) or len(value) != 2 or not value.isalpha():
        raise OoniError(f"probe_cc {value!r} is not an alpha-2 country code")
    return value.upper()


def _blocking(value: object) -> str | None:
    """ts-017 ``blocking``: ``false`` (none), null (unknown) or a string (tcp_ip, dns, http-diff, http-failure)."""
    if value is False or value is None:
        return None
    return str(value)


def parse_measurement(data: Mapping[str, Any], *, source_url: str = "") -> OoniRecord:
    """A full Web Connectivity measurement (df-000-base with ts-017 ``test_keys``)."""
    if not isinstance(data, Mapping):
        raise OoniError("a measurement is a JSON object")
    test_name = data.get("test_name")
    if test_name != "web_connectivity":
        raise OoniError(f"not a Web Connectivity measurement (test_name {test_name!r})")
    keys = data.get("test_keys")
    if not isinstance(keys, Mapping):
        raise OoniError("test_keys missing")
    inp = data.get("input")
    if not isinstance(inp, str) or not inp:
        raise OoniError("input (the measured URL) missing")
    blocking = _blocking(keys.get("blocking"))
    accessible = keys.get("accessible")
    uid = str(data.get("measurement_uid") or data.get("id") or data.get("report_id", "") + ":" + inp)
    return OoniRecord(
        measurement_uid=uid, input=inp, probe_cc=_cc(data.get("probe_cc")),
        probe_asn=str(data["probe_asn"]) if data.get("probe_asn") else None, test_name=test_name,
        measured_at=_when(data.get("measurement_start_time")),
        anomaly=blocking is not None, confirmed=False, failure=keys.get("blocking") is None and accessible is None,
        blocking=blocking, accessible=accessible if isinstance(accessible, bool) else None,
        source_url=source_url, raw=dict(data),
    )  # fmt: skip


def parse_listing(data: Mapping[str, Any], *, source_url: str = "") -> list[OoniRecord]:
    """The results of ``/api/v1/measurements`` (a third party's flags; no test_keys)."""
    results = data.get("results") if isinstance(data, Mapping) else None
    if not isinstance(results, list):
        raise OoniError("an OONI listing has a 'results' list")
    out = []
    for r in results:
        if not isinstance(r, Mapping) or r.get("test_name", "web_connectivity") != "web_connectivity":
            continue
        uid = r.get("measurement_uid") or r.get("measurement_id")
        if not uid or not r.get("input"):
            raise OoniError("a listing result without measurement_uid or input")
        out.append(OoniRecord(
            measurement_uid=str(uid), input=str(r["input"]), probe_cc=_cc(r.get("probe_cc")),
            probe_asn=str(r["probe_asn"]) if r.get("probe_asn") else None, test_name="web_connectivity",
            measured_at=_when(r.get("measurement_start_time")), anomaly=bool(r.get("anomaly")),
            confirmed=bool(r.get("confirmed")), failure=bool(r.get("failure")), blocking=None, accessible=None,
            source_url=str(r.get("measurement_url") or source_url), raw=dict(r),
        ))  # fmt: skip
    return out


def parse_jsonl(text: str, *, source_url: str = "") -> list[OoniRecord]:
    """OONI's raw data: one measurement per line (a single object is read too); blank lines skipped."""
    stripped = text.strip()
    if not stripped:
        return []
    try:
        whole = json.loads(stripped)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, Mapping):
        return parse_listing(whole, source_url=source_url) if "results" in whole else [
            parse_measurement(whole, source_url=source_url)]
    out = []
    for n, line in enumerate(stripped.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(parse_measurement(json.loads(line), source_url=source_url))
        except json.JSONDecodeError as exc:
            raise OoniError(f"line {n}: not JSON: {exc}") from exc
    return out


def query_url(base: str, url: str, country: str, *, since: date | None = None, until: date | None = None,
              limit: int = 50) -> str:
    """The measurement API's query for one URL (or ``domain`` for a bare host) and country."""
    params: dict[str, str] = {"probe_cc": country.upper(), "test_name": "web_connectivity", "limit": str(limit),
                              "order_by": "measurement_start_time", "order": "desc"}
    if urlsplit(url).scheme:
        params["input"] = url
    else:
        params["domain"] = url
    if since:
        params["since"] = since.isoformat()
    if until:
        params["until"] = until.isoformat()
    return base.rstrip("/") + "/api/v1/measurements?" + urlencode(params)


async def _get_json(fetcher: Fetcher, url: str) -> Any:
    try:
        res = await fetcher.fetch(url, extra_headers={"Accept": "application/json"})
    except PresswatchError as exc:  # refused by the SSRF guard, or not a URL
        raise OoniError(f"OONI API {url}: {exc}") from exc
    if res.error_reason is not None or res.body is None:
        raise OoniError(f"OONI API {url}: {res.error_reason}: {res.error}")
    if res.status != 200:
        raise OoniError(f"OONI API {url}: HTTP {res.status}")
    try:
        return json.loads(res.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OoniError(f"OONI API {url}: not JSON: {exc}") from exc


async def query(fetcher: Fetcher, base: str, url: str, country: str, *, since: date | None = None,
                until: date | None = None, full: int = MAX_FULL_FETCHES) -> list[OoniRecord]:
    """OONI's Web Connectivity measurements of ``url`` from ``country``; the newest ``full`` of them are
    fetched whole (``measurement_url``) for ts-017's ``blocking`` verdict."""
    q = query_url(base, url, country, since=since, until=until)
    listing = parse_listing(await _get_json(fetcher, q), source_url=q)
    out = []
    for i, rec in enumerate(listing):
        if i < full and rec.source_url and rec.source_url != q:
            try:
                whole = parse_measurement(await _get_json(fetcher, rec.source_url), source_url=rec.source_url)
            except OoniError as exc:
                log.warning("ooni.measurement", extra={"url": rec.source_url, "error": str(exc)})
            else:
                rec = OoniRecord(**{**rec.__dict__, "blocking": whole.blocking, "accessible": whole.accessible,
                                    "raw": {**rec.raw, "test_keys": whole.raw.get("test_keys")}})
        out.append(rec)
    return out


def _row_record(row: OoniObservation) -> dict[str, Any]:
    return {
        "id": row.id, "source": "ooni", "measurement_uid": row.measurement_uid, "input": row.input,
        "probe_cc": row.probe_cc, "probe_asn": row.probe_asn, "measured_at": isoformat(row.measured_at),
        "anomaly": row.anomaly, "confirmed": row.confirmed, "failure": row.failure, "blocking": row.blocking,
        "accessible": row.accessible, "source_url": row.source_url,
    }  # fmt: skip


def import_records(core: Presswatch, records: Iterable[OoniRecord]) -> list[int]:
    """Store OONI records (one row per measurement uid; a known uid is not stored twice) with a
    ``third-party`` log entry each; their row ids, in order."""
    recs = list(records)
    now = core.clock.now()

    def write(s: Session) -> list[int]:
        ids = []
        ledger = Ledger(core)
        for r in recs:
            known = s.scalar(select(OoniObservation).where(OoniObservation.measurement_uid == r.measurement_uid))
            if known is not None:
                ids.append(known.id)
                continue
            row = OoniObservation(
                measurement_uid=r.measurement_uid, input=r.input, probe_cc=r.probe_cc, probe_asn=r.probe_asn,
                test_name=r.test_name, measured_at=r.measured_at, anomaly=r.anomaly, confirmed=r.confirmed,
                failure=r.failure, blocking=r.blocking, accessible=r.accessible, source_url=r.source_url,
                fetched_at=now, raw=r.raw,
            )  # fmt: skip
            s.add(row)
            s.flush()
            row.ledger_index = ledger.append(s, "third-party", _row_record(row), ref=f"ooni_observation:{row.id}")
            ids.append(row.id)
        return ids

    return core.db.write(write)
