"""Import every module that defines tables, so ``Base.metadata`` is complete (Alembic, tests)."""

from __future__ import annotations

import importlib

__all__ = ["MODEL_MODULES", "import_all_models"]

MODEL_MODULES = (
    "presswatch.record.models",
    "presswatch.record.measure_models",
    "presswatch.record.ledger_models",
    "presswatch.record.demand_models",
    "presswatch.record.report_models",
    "presswatch.record.web_models",
    "presswatch.record.alert_models",
)


def import_all_models() -> None:
    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
