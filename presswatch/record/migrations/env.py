"""Alembic environment: runs on the connection handed over by :meth:`Database.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from presswatch.record.base import Base
from presswatch.record.registry import import_all_models

import_all_models()
target_metadata = Base.metadata
config = context.config

connection = config.attributes.get("connection")
if connection is not None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
