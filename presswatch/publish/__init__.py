"""Publish stage: exports, feeds, the web app and verifiable evidence bundles."""

__all__: list[str] = []
