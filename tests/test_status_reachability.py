"""Per-country reachability: confirmation policy, blocked/unblocked events, idempotent storage."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from presswatch.clock import FakeClock, isoformat
from presswatch.core import Presswatch
from presswatch.probes.envelope import ReplayError, build_envelope
from presswatch.probes.reachability import StatusPolicy, record_measurement, status_rows
from presswatch.record.ledger import Ledger
from presswatch.record.measure_models import Reachability
from presswatch.record.models import Event, Watch
from presswatch.settings import Settings

URL = "https://news.example.kz/a/1"
T0 = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture()
def core(tmp_path: Path, db_url: str) -> Iterator[Presswatch]:
    c = Presswatch.open(Settings(data=tmp_path, db=db_url), clock=FakeClock(T0))
    yield c
    c.close()


def submit(
    core: Presswatch,
    at: datetime,
    blocking: Any = False,
    *,
    url: str = URL,
    probe: str = "p1",
    down: bool = False,
    accessible: bool | None = None,
    policy: StatusPolicy | None = None,
    network: str = "AS1 Net",
    mid: str | None = None,
    received: datetime | None = None,
) -> list[Event]:
    keys = {
        "url": url,
        "measured_at": isoformat(at),
        "blocking": blocking,
        "down": down,
        "accessible": (not blocking and not down) if accessible is None else accessible,
    }
    env = build_envelope(
        keys, probe_id=probe, country="KZ", network=network, start_time=at, measurement_id=mid
    )
    return core.db.write(
        lambda s: record_measurement(
            s, env, ledger=Ledger(core), signature=None, probe_id=probe, received_at=received or at, policy=policy
        )[1]
    )


def rows(core: Presswatch, scope: str = "url") -> list[dict[str, Any]]:
    with core.db.session() as s:
        return status_rows(s, country="KZ", scope=scope)


def events(core: Presswatch) -> list[Event]:
    with core.db.session() as s:
        return list(s.scalars(select(Event).order_by(Event.id)))


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def test_block_needs_consistent_runs_and_flapping_does_not_confirm(core: Presswatch) -> None:
    submit(core, hours(0))
    submit(core, hours(1))
    assert rows(core)[0]["state"] == "reachable"
    assert submit(core, hours(2), "dns") == []
    assert rows(core)[0]["pending"] == {"state": "blocked", "method": "dns", "runs": 1, "probes": ["p1"]}
    assert not rows(core)[0]["confirmed"]
    submit(core, hours(3))  # reachable again: the candidate block is dropped
    assert rows(core)[0]["pending"] is None and rows(core)[0]["confirmed"]
    submit(core, hours(4), "dns")
    submit(core, hours(5), "tls")  # a different method is a different candidate
    assert events(core) == []
    (ev,) = submit(core, hours(6), "tls")
    assert ev.kind == "blocked" and ev.reason == "tls" and ev.country == "KZ"
    assert ev.at == hours(5)  # since the first consistent run
    assert ev.summary == "blocked in KZ (AS1 Net) by TLS interference since 2026-05-01T05:00:00Z"
    r = rows(core)[0]
    assert (r["state"], r["method"], r["since"], r["confirmed"]) == (
        "blocked",
        "tls",
        "2026-05-01T05:00:00Z",
        True,
    )
    submit(core, hours(7))
    (ev,) = submit(core, hours(8))
    assert ev.kind == "unblocked" and ev.reason == "tls"
    assert ev.summary.startswith("reachable again in KZ (AS1 Net) since 2026-05-01T07:00:00Z")


def test_down_and_inconclusive_results_are_not_evidence(core: Presswatch) -> None:
    submit(core, hours(0), "dns")
    submit(core, hours(1), down=True)
    submit(core, hours(2), accessible=False)  # neither blocked nor accessible: inconclusive
    (ev,) = submit(core, hours(3), "dns")
    assert ev.kind == "blocked"
    assert rows(core)[0]["last_measured_at"] == "2026-05-01T03:00:00Z"


def test_late_measurement_does_not_rewind_status(core: Presswatch) -> None:
    submit(core, hours(5))
    submit(core, hours(6))
    submit(core, hours(1), "dns")  # arrives late (spooled), older than the status
    submit(core, hours(2), "dns")
    assert rows(core)[0]["state"] == "reachable" and rows(core)[0]["pending"] is None
    assert events(core) == []


def test_policy_runs_and_distinct_probes(core: Presswatch) -> None:
    strict = StatusPolicy(confirm_runs=3, confirm_probes=2)
    submit(core, hours(0), "dns", policy=strict)
    assert submit(core, hours(1), "dns", policy=strict) == []
    assert len(submit(core, hours(2), "dns", policy=strict)) == 1
    other = "https://other.example.kz/"
    submit(core, hours(0), "http-diff", url=other, probe="p1", policy=strict)
    (ev,) = submit(core, hours(0.1), "http-diff", url=other, probe="p2", policy=strict)
    assert sorted(ev.details["probes"]) == ["p1", "p2"] and ev.watch_id is None


def test_events_link_watches_and_hosts_only_for_site_watches(core: Presswatch) -> None:
    def add(s: Session) -> None:
        s.add(Watch(url=URL, host="news.example.kz", created_at=T0, next_check_at=T0))
        s.add(
            Watch(
                url="https://news.example.kz/",
                kind="site",
                host="news.example.kz",
                created_at=T0,
                next_check_at=T0,
            )
        )

    core.db.write(add)
    submit(core, hours(0), "dns")
    evs = submit(core, hours(1), "dns")
    assert sorted(e.details["scope"] for e in evs) == ["host", "url"]
    with core.db.session() as s:
        ids = {w.url: w.id for w in s.scalars(select(Watch))}
    by_scope = {e.details["scope"]: e for e in evs}
    assert by_scope["url"].watch_id == ids[URL]
    assert by_scope["host"].watch_id == ids["https://news.example.kz/"]
    # no site watch for this host: its host row changes silently, the URL row makes the event
    evs = [
        *submit(core, hours(0), "dns", url="https://b.example/x"),
        *submit(core, hours(1), "dns", url="https://b.example/x"),
    ]
    assert [e.details["scope"] for e in evs] == ["url"]
    assert {r["target"]: r["state"] for r in rows(core, "host")} == {
        "news.example.kz": "blocked",
        "b.example": "blocked",
    }


def test_networks_are_tracked_separately(core: Presswatch) -> None:
    submit(core, hours(0), "dns", network="AS1 Net")
    submit(core, hours(1), "dns", network="AS2 Other")
    assert events(core) == []
    assert {r["network"] for r in rows(core)} == {"AS1 Net", "AS2 Other"}


def test_resubmission_is_idempotent_and_conflicts_are_replays(core: Presswatch) -> None:
    mid = str(uuid.uuid4())
    submit(core, hours(0), "dns", mid=mid)
    assert submit(core, hours(0), "dns", mid=mid) == []  # same content: no-op
    with core.db.session() as s:
        assert s.scalars(select(Reachability).where(Reachability.scope == "url")).one().consecutive == 1
    with pytest.raises(ReplayError):
        submit(core, hours(0), "tls", mid=mid)


def test_future_dated_measurements_cannot_freeze_status(core: Presswatch) -> None:
    """Two blocked measurements dated 2099 used to confirm a block that later honest runs could not undo."""
    far = datetime(2099, 1, 1, tzinfo=UTC)
    submit(core, hours(0))
    submit(core, far, "dns", received=hours(1))
    submit(core, far + timedelta(hours=1), "dns", received=hours(2))
    (row,) = rows(core)
    assert row["state"] == "blocked"  # the lying probe was the only vantage
    assert row["last_measured_at"] == isoformat(hours(2))  # ordered by receipt, not by the claim
    submit(core, hours(3))
    (ev,) = submit(core, hours(4))
    assert ev.kind == "unblocked"
    (row,) = rows(core)
    assert row["state"] == "reachable" and row["confirmed"] and row["last_measured_at"] == isoformat(hours(4))


def test_one_probe_cannot_confirm_alone_when_others_disagree(core: Presswatch) -> None:
    submit(core, hours(0), probe="honest")
    submit(core, hours(0.5), probe="liar")
    submit(core, hours(1), "dns", probe="liar")
    assert submit(core, hours(2), "dns", probe="liar") == []
    assert submit(core, hours(3), "dns", probe="liar") == []
    (row,) = rows(core)
    assert row["state"] == "reachable" and not row["confirmed"]
    assert row["pending"]["state"] == "blocked" and row["pending"]["probes"] == ["liar"]
    # a disagreeing probe in another network does not count
    submit(core, hours(3.5), probe="elsewhere", network="AS2 Other")
    # the honest probe sees the block too: two distinct probes confirm
    (ev,) = submit(core, hours(4), "dns", probe="honest")
    assert ev.kind == "blocked" and sorted(ev.details["probes"]) == ["honest", "liar"]


def test_one_probe_confirms_alone_when_nobody_disagrees(core: Presswatch) -> None:
    submit(core, hours(0), probe="p1")
    submit(core, hours(0.5), "dns", probe="p2")  # another probe agrees (pending has one probe only)
    submit(core, hours(1), "dns", probe="p1")  # two distinct probes: confirmed
    assert rows(core)[0]["state"] == "blocked"
    submit(core, hours(2), "dns", probe="p2")
    assert submit(core, hours(3), probe="p1") == []  # p2 still sees the block: p1 alone cannot unblock
    assert submit(core, hours(4), probe="p1") == []
    # a disagreement older than the window (24 h) no longer holds the change back
    (ev,) = submit(core, hours(30), probe="p1")
    assert ev.kind == "unblocked"
