"""Public JSON shapes of stored rows: an observation as the ``check --json`` contract describes it."""

from __future__ import annotations

from typing import Any

from presswatch.clock import isoformat
from presswatch.record.models import Capture, Observation

__all__ = ["observation_json"]


def observation_json(obs: Observation, capture: Capture | None) -> dict[str, Any]:
    """One observation (with its final capture) as the ``check --json`` object; see the README."""
    diff = obs.diff or {}
    return {
        "url": obs.url,
        "checked_at": isoformat(obs.checked_at),
        "vantage": obs.vantage,
        "status": obs.status,
        "reason": obs.reason,
        "confirmed": obs.confirmed,
        "http_status": obs.http_status,
        "final_url": obs.final_url,
        "title": obs.title,
        "text_digest": obs.text_digest,
        "capture": (
            {**capture.pointer.as_dict(), "payload_digest": capture.payload_digest,
             "record_type": capture.record_type}
            if capture is not None else None
        ),
        "diff": {
            "paragraphs_added": int(diff.get("paragraphs_added", 0)),
            "paragraphs_removed": int(diff.get("paragraphs_removed", 0)),
            "words_added": int(diff.get("words_added", 0)),
            "words_removed": int(diff.get("words_removed", 0)),
        },
        "error": obs.error,
        "notice": (obs.details or {}).get("notice"),
    }
