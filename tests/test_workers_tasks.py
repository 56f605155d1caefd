"""The worker tasks' hooks: alert delivery through the alerts module when it exists, a measurement
run once per key."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from workersupport import queue_prefix, redis_url

from presswatch.settings import Settings
from presswatch.workers import tasks

__all__ = ["redis_url"]  # fixture


def test_alert_delivery_calls_the_alerts_module_with_the_core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    def deliver_pending(core: Any) -> int:
        seen.append(core)
        return 3

    # the real module, with its entry point replaced (the core imports the rest of it)
    monkeypatch.setattr(importlib.import_module(tasks.ALERTS_MODULE), "deliver_pending", deliver_pending)
    settings = Settings(data=tmp_path / "data", broker_url="amqp://127.0.0.1:1//")
    assert tasks._deliver_alerts(settings) == 3
    assert len(seen) == 1 and seen[0].settings.data == settings.data


def test_alert_delivery_is_skipped_without_the_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, tasks.ALERTS_MODULE, None)  # import fails
    assert tasks._deliver_alerts(Settings(data=tmp_path / "data")) is None


def test_a_measurement_runs_once_per_key(tmp_path: Path, redis_url: str) -> None:
    settings = Settings(data=tmp_path / "data", broker_url=redis_url, queue_prefix=queue_prefix(redis_url))
    rt = tasks.Runtime(settings)
    runs: list[int] = []

    async def measure() -> dict[str, int]:
        runs.append(1)
        return {"n": len(runs)}

    try:
        first = rt.run(tasks._once(rt, "measure:k1", measure()))
        again = rt.run(tasks._once(rt, "measure:k1", measure()))  # redelivered after it finished
        other = rt.run(tasks._once(rt, "measure:k2", measure()))
    finally:
        assert rt.limiter is not None
        rt.run(rt.limiter._redis.delete(*(f"{settings.queue_prefix}done:measure:{k}" for k in ("k1", "k2"))))
        rt.close()
    assert first == {"n": 1} and again is None and other == {"n": 2} and len(runs) == 2
