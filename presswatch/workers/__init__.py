"""Scale-out: Celery workers over a broker (Redis or RabbitMQ), a scheduler that claims due watches in
the database and enqueues them in batches, and per-host politeness shared by the whole cluster.

A shell over the core like the CLI: the tasks call the same :meth:`~presswatch.core.Operations.check_batch`
code path as the embedded runner. Celery and redis are imported only here (and only when used), so the
embedded mode needs neither.
"""

__all__: list[str] = []
