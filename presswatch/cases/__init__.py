"""Takedown demands and incidents: validation, documents, Lumen import/export, redaction, timelines, outcomes."""

__all__: list[str] = []
