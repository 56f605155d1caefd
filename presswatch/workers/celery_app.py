"""The Celery app, built from :class:`~presswatch.settings.Settings`.

Tasks are acknowledged late (after they ran) and rejected back to the queue when the process running
them dies (``task_acks_late``, ``task_reject_on_worker_lost``); each worker process reserves one task
at a time (prefetch 1); messages are JSON. A Redis broker redelivers a task whose worker vanished
after ``broker_visibility_timeout``; RabbitMQ as soon as the worker's connection drops. Either way
the task is idempotent (see :mod:`presswatch.workers.tasks`), so a redelivery doubles nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from presswatch.errors import ConfigError
from presswatch.workers.limiter import redis_client_url

if TYPE_CHECKING:
    from celery import Celery

    from presswatch.settings import Settings

__all__ = ["QUEUES", "SETTINGS_KEY", "TASK_ALERTS", "TASK_CHECK", "TASK_MEASURE", "make_app", "queue_name",
           "settings_of"]

TASK_CHECK = "presswatch.check_batch"
TASK_MEASURE = "presswatch.measure"
TASK_ALERTS = "presswatch.deliver_alerts"
QUEUES = {TASK_CHECK: "checks", TASK_MEASURE: "measure", TASK_ALERTS: "alerts"}  # task -> queue (unprefixed)
SETTINGS_KEY = "presswatch_settings"  # the app's configuration carries the settings to its tasks


def queue_name(settings: Settings, queue: str) -> str:
    """The broker's name of ``queue`` (``checks``, ``measure``, ``alerts``) for this deployment."""
    return f"{settings.queue_prefix}{queue}"


def _transport_options(settings: Settings) -> dict[str, Any]:
    if redis_client_url(settings.broker_url) is None:
        return {}
    vt = settings.broker_visibility_timeout
    # sweep for tasks of vanished workers about as often as their visibility runs out
    return {"visibility_timeout": vt, "unacked_restore_interval": max(1, min(10, vt // 2)),
            "unacked_restore_throttle": 1 if vt < 60 else 10}


def make_app(settings: Settings) -> Celery:
    """A Celery app on ``settings.broker_url`` with presswatch's tasks registered."""
    try:
        from celery import Celery
    except ImportError as exc:  # pragma: no cover - an install without the scale-out extra
        raise ConfigError("scale-out needs Celery: pip install 'presswatch[scale]'") from exc
    from presswatch.workers import tasks

    app = Celery("presswatch", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_routes={name: {"queue": queue_name(settings, q)} for name, q in QUEUES.items()},
        task_default_queue=queue_name(settings, "checks"),
        broker_transport_options=_transport_options(settings),
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        worker_enable_remote_control=False,
        **{SETTINGS_KEY: settings.model_dump_json()},
    )
    tasks.register(app)
    return app


def settings_of(app: Celery) -> Settings:
    """The settings ``app`` was built from."""
    from presswatch.settings import Settings

    return Settings.model_validate_json(app.conf[SETTINGS_KEY])
