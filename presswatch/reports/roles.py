"""The learned role model: which actor of a report is a sender, which a recipient.

The rules name the candidates (state bodies, outlets, people) and their kinds; each candidate is then
described by features of its mentions' contexts — its kind, the rules' own pick, the kinds of action in
its sentences, whether it stands before or after the action's verb, after an agent's preposition ("by",
"at the request of", «по требованию») or a place's ("to", "with", «в»), its case in Russian, a passive
verb, a reporting verb after it ("X said") — and two logistic regressions (sender / recipient) weigh
them. The weights are trained by ``eval/train_roles.py`` on the labelled reports and read from
``roles.json`` beside this module; scoring needs no library. The extraction uses the rules' roles
unless it is given a model: on held-out folds of the labelled reports (``eval/report_eval.py --folds
5``) the model does not beat them, so no weights ship.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["MODEL_PATH", "RoleModel", "default_model"]

MODEL_PATH = Path(__file__).with_name("roles.json")


@dataclass
class RoleModel:
    """Weights per role (``sender``, ``recipient``): feature name -> weight, ``bias`` included."""

    weights: dict[str, dict[str, float]] = field(default_factory=dict)
    threshold: float = 0.5
    meta: dict[str, Any] = field(default_factory=dict)

    def probability(self, role: str, feats: dict[str, float]) -> float:
        w = self.weights.get(role, {})
        z = w.get("bias", 0.0) + sum(w.get(k, 0.0) * v for k, v in feats.items())
        z = max(-30.0, min(30.0, z))
        return 1.0 / (1.0 + math.exp(-z))

    def role(self, feats: dict[str, float]) -> str:
        """``sender``, ``recipient`` or ``third-party`` for one candidate's features."""
        ps, pr = self.probability("sender", feats), self.probability("recipient", feats)
        if ps >= self.threshold and ps >= pr:
            return "sender"
        if pr >= self.threshold:
            return "recipient"
        return "third-party"

    def as_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "meta": self.meta,
                "weights": {r: dict(sorted(w.items())) for r, w in self.weights.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoleModel:
        weights = {str(r): {str(k): float(v) for k, v in w.items()} for r, w in (data.get("weights") or {}).items()}
        return cls(weights, float(data.get("threshold", 0.5)), dict(data.get("meta") or {}))


@functools.cache
def default_model() -> RoleModel | None:
    """The shipped model, or None when its file is missing or unreadable (the rules' roles stand)."""
    try:
        return RoleModel.from_dict(json.loads(MODEL_PATH.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, AttributeError):
        return None
