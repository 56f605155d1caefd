"""Property-based test of the HTTP API against its own OpenAPI schema (schemathesis, in process).

The web application (``presswatch.web.app.create_app``) when it is installed, else the JSON and probe API
(``presswatch.publish.web.create_app``). Checks: no server error, and every response conforms to the
schema. Bounded: a few examples per operation.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from presswatch.core import Presswatch
from presswatch.settings import Settings

MAX_EXAMPLES = 6


def _create_app(core: Presswatch) -> Any:
    if importlib.util.find_spec("presswatch.web.app") is not None:
        from presswatch.web.app import create_app  # type: ignore[import-not-found,unused-ignore]

        return create_app(core)
    from presswatch.publish.web import create_app as api_app

    return api_app(core)


def test_api_conforms_to_its_schema(tmp_path: Path) -> None:
    core = Presswatch.open(Settings(data=tmp_path / "data", allow_private=True))
    core.watch("http://127.0.0.1:9/article-1")  # something to list (never fetched)
    try:
        schema = schemathesis.openapi.from_asgi("/openapi.json", _create_app(core))
        operations = [result.ok() for result in schema.get_all_operations()]
        assert operations
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def conforms(case: Any) -> None:
                case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

            conforms()
    finally:
        core.close()
