"""One exception hierarchy: every project exception is a PresswatchError, listed in errors.py; bad input
to the pipeline raises one of them, never a bare LookupError/KeyError/ValueError."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
from datetime import UTC, datetime

import pytest

import presswatch
from presswatch import errors

# Deliberately outside the tree (see errors.py's docstring).
OUTSIDE = {"presswatch.cli._support._Interrupted", "presswatch.web.app._TooLarge"}


def _project_exceptions() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(presswatch.__path__, "presswatch."):
        if ".migrations" in info.name or info.name.startswith("presswatch.sim.site.") or info.name.endswith("__main__"):
            continue
        mod = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(mod, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == mod.__name__:
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return list(found.values())


def test_every_project_exception_is_a_presswatch_error() -> None:
    excs = _project_exceptions()
    assert len(excs) >= 15
    stray = [
        f"{e.__module__}.{e.__qualname__}"
        for e in excs
        if not issubclass(e, errors.PresswatchError) and f"{e.__module__}.{e.__qualname__}" not in OUTSIDE
    ]
    assert stray == []


def test_errors_docstring_lists_every_exception() -> None:
    doc = errors.__doc__ or ""
    missing = [e.__qualname__ for e in _project_exceptions() if e.__qualname__ not in doc]
    assert missing == []


def test_named_parents() -> None:
    from presswatch.cases.demands import DuplicateDemand, InvalidDemand, InvalidDocument
    from presswatch.cases.incidents import InvalidIncident
    from presswatch.measure.control import ControlInputError
    from presswatch.pipeline import AnalysisFailed
    from presswatch.probes.client import ProbeError, ServerUnreachable
    from presswatch.probes.envelope import ReplayError
    from presswatch.probes.reachability import InvalidMeasurement

    for cls in (InvalidDemand, DuplicateDemand, InvalidDocument, InvalidIncident, ControlInputError):
        assert issubclass(cls, errors.ConfigError)
    assert issubclass(ReplayError, errors.VerificationError)
    for cls in (AnalysisFailed, ProbeError, ServerUnreachable, InvalidMeasurement):
        assert issubclass(cls, errors.PresswatchError)
    assert not issubclass(ControlInputError, ValueError)


def test_check_of_unknown_watch_is_not_found(core) -> None:  # type: ignore[no-untyped-def]
    from presswatch.fetch.client import Fetcher
    from presswatch.pipeline import Checker

    async def go() -> None:
        async with Fetcher(core.settings, core.clock) as f:
            await Checker(core, f).check(987654)

    with pytest.raises(errors.NotFound, match="987654"):
        asyncio.run(go())


def test_unknown_watch_kind_is_config_error(core) -> None:  # type: ignore[no-untyped-def]
    from presswatch.sources.watchlist import upsert_watch

    with core.db.session() as s, pytest.raises(errors.ConfigError, match="kind"):
        upsert_watch(s, "http://127.0.0.1:9/a", datetime.now(UTC), kind="podcast")


@pytest.mark.parametrize(
    ("url", "endpoints"),
    [("ftp://127.0.0.1/x", []), ("http://127.0.0.1/x", ["not-an-endpoint"]),
     ("http://127.0.0.1/x", [f"127.0.0.1:{p}" for p in range(1, 20)])],
)
def test_bad_control_input_is_config_error(url: str, endpoints: list[str]) -> None:
    from presswatch.measure.control import ControlInputError, check_control_input

    with pytest.raises(errors.ConfigError) as info:
        check_control_input(url, endpoints)
    assert isinstance(info.value, ControlInputError)
